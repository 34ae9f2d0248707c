from datetime import timedelta

import pytest

from lms.accounts.operations import (
    AccountError,
    authenticate,
    change_password,
    create_user,
    issue_api_token,
    revoke_api_token,
    update_user_as_admin,
)
from lms.accounts.queries import (
    get_api_token,
    get_user_by_login,
    get_user_by_session_id,
)
from lms.accounts.roles import Role
from lms.db import utcnow


def test_a_login_is_found_in_any_spelling(create_user):
    user = create_user(login="+86 139-0000-1111")
    assert user.login == "13900001111"
    assert get_user_by_login("１３９００００１１１１") is user


def test_a_login_cannot_be_registered_twice_in_another_spelling(create_user):
    create_user(login="Zhang@Example.com")
    with pytest.raises(AccountError) as info:
        create_user(login="zhang@example.com ")
    assert info.value.code == "login_taken"


def test_learners_must_belong_to_a_hospital(db):
    with pytest.raises(AccountError) as info:
        create_user(
            login="a1@example.com",
            name="甲",
            password="long-password",
            role=Role.LEARNER,
            hospital=None,
        )
    assert info.value.code == "hospital_required"


def test_authentication_needs_the_right_password_and_an_active_account(create_user):
    user = create_user(password="right-password-1")
    assert authenticate(user.login, "right-password-1") is user
    assert authenticate(user.login, "wrong-password-1") is None
    assert authenticate("nobody@example.com", "right-password-1") is None
    user.is_active = False
    assert authenticate(user.login, "right-password-1") is None


def test_changing_the_password_ends_older_sessions(create_user):
    user = create_user(password="first-password")
    old_session_id = user.get_id()
    assert get_user_by_session_id(old_session_id) is user
    change_password(user, "first-password", "second-password")
    assert get_user_by_session_id(old_session_id) is None
    assert get_user_by_session_id(user.get_id()) is user
    with pytest.raises(AccountError):
        change_password(user, "not-the-password", "third-password")


@pytest.mark.parametrize("session_id", ["", "abc", "1", "1:", ":1", "999999:1", "1:x"])
def test_malformed_session_ids_load_nobody(db, session_id):
    assert get_user_by_session_id(session_id) is None


def test_tokens_are_stored_hashed_and_stop_working_when_revoked(create_user):
    user = create_user()
    issued = issue_api_token(user, lifetime=timedelta(days=1))
    assert (
        issued.token.startswith("tcme_") and issued.token not in issued.row.token_hash
    )
    assert get_api_token(issued.token) is issued.row
    assert get_api_token(issued.token + "x") is None
    revoke_api_token(issued.row)
    assert get_api_token(issued.token) is None


def test_expired_tokens_do_not_work(create_user):
    issued = issue_api_token(create_user(), lifetime=timedelta(days=1))
    issued.row.expires_dt = utcnow() - timedelta(seconds=1)
    assert get_api_token(issued.token) is None


def test_deactivating_a_user_revokes_their_tokens_and_sessions(create_user):
    user = create_user()
    issued = issue_api_token(user, lifetime=timedelta(days=1))
    session_id = user.get_id()
    update_user_as_admin(user, role=user.role, hospital=user.hospital, is_active=False)
    assert get_api_token(issued.token) is None
    assert get_user_by_session_id(session_id) is None
