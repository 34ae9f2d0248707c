"""Passwords, API tokens and registration (issue 9, items 6, 11 and 14)."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import ApiToken, User
from lms.accounts.roles import Role
from tests.conftest import csrf_token_from

EN = {"Accept-Language": "en-US,en;q=0.9"}


def get_token(client, login, password="correct-horse-battery", label=""):
    response = client.post(
        "/api/v1/auth/token",
        json={"login": login, "password": password, "label": label},
    )
    assert response.status_code == 201, response.json
    return {"Authorization": f"Bearer {response.json['token']}"}


def sign_in(client, login, password="correct-horse-battery"):
    token = csrf_token_from(client.get("/login").get_data(as_text=True))
    response = client.post(
        "/login", data={"login": login, "password": password, "csrf_token": token}
    )
    assert response.status_code == 302
    return client


def change_password(client, current, new):
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    return client.post(
        "/profile",
        data={
            "form": "password",
            "csrf_token": token,
            "password-current": current,
            "password-new": new,
            "password-confirm": new,
        },
        headers=EN,
    )


# --- item 6: a new password or deactivation ends tokens and sessions -------------


def test_changing_the_password_revokes_api_tokens(app, client, create_user):
    create_user(login="tokens@example.cn")
    bearer = get_token(app.test_client(), "tokens@example.cn")
    assert client.get("/api/v1/me", headers=bearer).status_code == 200

    sign_in(client, "tokens@example.cn")
    response = change_password(client, "correct-horse-battery", "a-new-passphrase")
    assert response.status_code == 302

    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert client.get("/profile").status_code == 200  # this browser stays in


def test_a_password_reset_by_the_office_revokes_tokens_and_sessions(
    app, client, create_user, db
):
    person = create_user(login="forgot@example.cn")
    bearer = get_token(app.test_client(), "forgot@example.cn")
    browser = sign_in(app.test_client(), "forgot@example.cn")
    create_user(login="office.reset@example.cn", role=Role.ADMINISTRATOR)
    sign_in(client, "office.reset@example.cn")

    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/users/{person.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "name": person.name,
            "role": "learner",
            "hospital_id": person.hospital_id,
            "is_active": "y",
            "new_password": "given-by-the-office",
        },
    )
    assert response.status_code == 302

    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert browser.get("/profile").status_code == 302  # sent to sign in
    sign_in(app.test_client(), "forgot@example.cn", "given-by-the-office")


def test_the_office_cannot_set_a_common_password(client, create_user, db):
    person = create_user(login="weak.reset@example.cn")
    create_user(login="office.weak@example.cn", role=Role.ADMINISTRATOR)
    sign_in(client, "office.weak@example.cn")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/users/{person.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "name": person.name,
            "role": "learner",
            "hospital_id": person.hospital_id,
            "is_active": "y",
            "new_password": "1234567890",
        },
        headers=EN,
    )
    assert response.status_code == 200
    assert "most common passwords" in response.get_data(as_text=True)
    sign_in(client.application.test_client(), "weak.reset@example.cn")


def test_deactivation_by_the_office_revokes_tokens_and_sessions(
    app, client, create_user, db
):
    person = create_user(login="leaving@example.cn")
    bearer = get_token(app.test_client(), "leaving@example.cn")
    browser = sign_in(app.test_client(), "leaving@example.cn")
    create_user(login="office.off@example.cn", role=Role.ADMINISTRATOR)
    sign_in(client, "office.off@example.cn")
    page = client.get(f"/admin/users/{person.id}").get_data(as_text=True)
    client.post(
        f"/admin/users/{person.id}",
        data={
            "csrf_token": csrf_token_from(page),
            "name": person.name,
            "role": "learner",
            "hospital_id": person.hospital_id,
        },
    )
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401
    assert browser.get("/profile").status_code == 302
    tokens = db.session.scalars(sa.select(ApiToken).filter_by(user_id=person.id))
    assert all(t.revoked_dt is not None for t in tokens)


def test_the_profile_lists_tokens_and_revokes_one(app, client, create_user):
    create_user(login="lister@example.cn")
    phone = get_token(app.test_client(), "lister@example.cn", label="My phone")
    laptop = get_token(app.test_client(), "lister@example.cn", label="Laptop")
    sign_in(client, "lister@example.cn")
    page = client.get("/profile").get_data(as_text=True)
    assert "My phone" in page and "Laptop" in page
    assert phone["Authorization"][len("Bearer ") :][:12] in page

    ids = re.findall(r"/profile/tokens/(\d+)/revoke", page)
    assert len(ids) == 2
    newest = max(ids, key=int)  # listed newest first: the laptop's
    client.post(
        f"/profile/tokens/{newest}/revoke", data={"csrf_token": csrf_token_from(page)}
    )
    assert app.test_client().get("/api/v1/me", headers=laptop).status_code == 401
    assert app.test_client().get("/api/v1/me", headers=phone).status_code == 200
    assert "Laptop" not in client.get("/profile").get_data(as_text=True)


def test_revoke_all_tokens_from_the_profile(app, client, create_user):
    create_user(login="revoke.all@example.cn")
    bearers = [get_token(app.test_client(), "revoke.all@example.cn") for _ in "ab"]
    sign_in(client, "revoke.all@example.cn")
    page = client.get("/profile").get_data(as_text=True)
    client.post(
        "/profile/tokens/revoke-all", data={"csrf_token": csrf_token_from(page)}
    )
    for bearer in bearers:
        assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 401


def test_nobody_revokes_another_persons_token(app, client, create_user, db):
    create_user(login="victim.token@example.cn")
    bearer = get_token(app.test_client(), "victim.token@example.cn")
    victim_token = db.session.scalar(
        sa.select(ApiToken).join(User).filter(User.login == "victim.token@example.cn")
    )
    create_user(login="other.token@example.cn")
    sign_in(client, "other.token@example.cn")
    page = client.get("/profile").get_data(as_text=True)
    response = client.post(
        f"/profile/tokens/{victim_token.id}/revoke",
        data={"csrf_token": csrf_token_from(page)},
    )
    assert response.status_code == 404
    assert app.test_client().get("/api/v1/me", headers=bearer).status_code == 200


# --- item 14: the password policy on every path -----------------------------------

POLICY = [
    ("nine characters", "abcdefgh9", "at least 10 characters"),
    ("on the common list", "1234567890", "most common passwords"),
    ("common, capitalised", "Password123", "most common passwords"),
    ("the login itself", "policy@example.cn", "must not be your login"),
    ("repeated characters", "zzzzzzzzzzzz", "too simple"),
]


def register(client, hospital, login, password, name="王小明"):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    return client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": name,
            "login": login,
            "password": password,
            "confirm": password,
            "hospital_id": hospital.id,
            "profession": "nurse",
        },
        headers=EN,
    )


@pytest.mark.parametrize(
    ("password", "message"), [r[1:] for r in POLICY], ids=[r[0] for r in POLICY]
)
def test_registration_refuses_weak_passwords(
    client, db, create_hospital, password, message
):
    response = register(client, create_hospital(), "policy@example.cn", password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(User).filter_by(login="policy@example.cn")) is None
    )


@pytest.mark.parametrize(
    ("password", "message"), [r[1:] for r in POLICY], ids=[r[0] for r in POLICY]
)
def test_a_password_change_refuses_weak_passwords(
    client, create_user, password, message
):
    create_user(login="policy@example.cn")
    sign_in(client, "policy@example.cn")
    response = change_password(client, "correct-horse-battery", password)
    assert response.status_code == 200
    assert message in response.get_data(as_text=True)
    sign_in(client.application.test_client(), "policy@example.cn")


def test_the_office_cannot_create_an_administrator_with_a_common_password(runner):
    result = runner.invoke(
        args=["create-admin", "--login", "boss@example.cn", "--name", "主任"],
        input="qwertyuiop\nqwertyuiop\n",
    )
    assert result.exit_code != 0
    assert "common" in result.output or "常见" in result.output


def test_the_demo_password_is_accepted(client, db, create_hospital):
    from lms.demo import DEMO_PASSWORD

    response = register(
        client, create_hospital(), "demo.like@example.cn", DEMO_PASSWORD
    )
    assert response.status_code == 302


# --- item 11: registration does not tell strangers which logins exist ----------------


def test_a_taken_login_is_answered_like_any_other_refusal(
    client, db, create_user, create_hospital
):
    create_user(login="existing@example.cn")
    hospital = create_hospital()
    taken = register(client, hospital, "existing@example.cn", "a-good-password")
    weak = register(client, hospital, "fresh.one@example.cn", "1234567890")
    for response in (taken, weak):
        html = response.get_data(as_text=True)
        assert response.status_code == 200
        assert len(re.findall(r'<p class="error">', html)) == 1
        assert "flash-error" not in html


def test_registration_attempts_are_limited_per_address(
    app, client, db, create_user, create_hospital, monkeypatch
):
    """Probing for taken logins ends after the limit, whatever the answers were."""
    monkeypatch.setitem(app.config, "REGISTER_RATE_LIMIT", "3 per hour")
    hospital = create_hospital()
    for i in range(3):
        create_user(login=f"probe{i}@example.cn")
        response = register(client, hospital, f"probe{i}@example.cn", "a-good-password")
        assert response.status_code == 200
    response = register(client, hospital, "probe9@example.cn", "a-good-password")
    assert response.status_code == 429
    assert "Too many attempts" in response.get_data(as_text=True)
    assert (
        db.session.scalar(sa.select(User).filter_by(login="probe9@example.cn")) is None
    )


def test_registration_attempts_are_limited_per_login_in_any_spelling(
    app, client, db, create_user, create_hospital, monkeypatch
):
    monkeypatch.setitem(app.config, "REGISTER_LOGIN_RATE_LIMIT", "2 per hour")
    create_user(login="13800001111")
    hospital = create_hospital()
    for i, spelling in enumerate(["138 0000 1111", "１３８００００１１１１"]):
        token = csrf_token_from(client.get("/register").get_data(as_text=True))
        response = client.post(
            "/register",
            data={
                "csrf_token": token,
                "name": "王",
                "login": spelling,
                "password": "a-good-password",
                "confirm": "a-good-password",
                "hospital_id": hospital.id,
                "profession": "nurse",
            },
            environ_overrides={"REMOTE_ADDR": f"10.9.0.{i}"},
        )
        assert response.status_code == 200
    response = client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": "王",
            "login": "+86 13800001111",
            "password": "a-good-password",
            "confirm": "a-good-password",
            "hospital_id": hospital.id,
            "profession": "nurse",
        },
        environ_overrides={"REMOTE_ADDR": "10.9.0.99"},
    )
    assert response.status_code == 429


def test_guessing_the_current_password_on_the_profile_is_limited(client, create_user):
    """A borrowed session (a shared ward computer) must not recover the password:
    a wrong current password counts as a failed sign-in of that account, and the
    right one is refused too once the account's limit is reached."""
    create_user(login="guessed@example.cn")
    sign_in(client, "guessed@example.cn")
    answers = [
        change_password(client, f"guess-number-{n}", "a-new-passphrase").status_code
        for n in range(5)
    ]
    assert answers == [200] * 5
    right = change_password(client, "correct-horse-battery", "a-new-passphrase")
    assert right.status_code == 429
    assert "Too many attempts" in right.get_data(as_text=True)
    # The sign-in page counts the same: the account waits there too.
    other = client.application.test_client()
    page = other.get("/login").get_data(as_text=True)
    refused = other.post(
        "/login",
        data={
            "csrf_token": csrf_token_from(page),
            "login": "guessed@example.cn",
            "password": "correct-horse-battery",
        },
    )
    assert refused.status_code == 429
