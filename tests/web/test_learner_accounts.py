"""A forgotten password (a signed, expiring, single-use link by email, or the
office) and a learner's request to change hospital, through the test client."""

import re

import pytest
import sqlalchemy as sa

from lms.accounts.models import HospitalChangeRequest, HospitalChangeState, User
from lms.accounts.operations import (
    AccountError,
    confirm_hospital_change,
    reject_hospital_change,
)
from lms.accounts.roles import Role
from lms.notifications.models import Notification
from tests.conftest import csrf_token_from
from tests.smtp import SMTPSink

NEW_PASSWORD = "a-brand-new-passphrase"


@pytest.fixture
def smtp(app):
    """A real SMTP server on loopback, and the app pointed at it."""
    with SMTPSink() as sink:
        saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=sink.port)
        yield sink
        app.config.update(saved)


def ask_for_link(client, login, headers=None):
    token = csrf_token_from(client.get("/password/forgot", headers=headers).text)
    return client.post(
        "/password/forgot",
        data={"csrf_token": token, "login": login},
        headers=headers,
    )


def link_in(message):
    body = message.get_body(("plain",)).get_content()
    return re.search(r"https?://\S+/password/reset/\S+", body).group(0)


def test_without_smtp_the_page_says_to_ask_the_office(client, create_user):
    create_user(login="nomail@example.cn")
    html = client.get("/password/forgot").text
    assert 'id="ask-the-office"' in html and 'name="login"' not in html
    assert "/password/forgot" in client.get("/login").text


def test_a_reset_link_by_email_sets_a_new_password_once(
    client, auth, create_user, smtp, db
):
    create_user(login="forgot@example.cn")
    response = ask_for_link(
        client, "Forgot@Example.cn", headers={"Host": "evil.example.com"}
    )
    assert 'id="link-sent"' in response.text
    ((_sender, recipients, message),) = smtp.messages
    assert recipients == ["forgot@example.cn"]
    link = link_in(message)
    # The configured address, not the forged Host header.
    assert link.startswith("http://127.0.0.1:5000/password/reset/")
    path = link.removeprefix("http://127.0.0.1:5000")

    form = client.get(path)
    assert form.status_code == 200 and 'name="new"' in form.text
    token = csrf_token_from(form.text)
    done = client.post(
        path, data={"csrf_token": token, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD}
    )
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    assert auth.login("forgot@example.cn", NEW_PASSWORD).status_code == 302
    auth.logout()
    assert auth.login("forgot@example.cn").status_code == 200  # the old one fails

    again = client.get(path)
    assert again.status_code == 302  # used: the link works once
    assert client.get(path, follow_redirects=True).text.count("flash-error") >= 1


def test_the_answer_is_the_same_for_an_unknown_login_and_nothing_is_sent(
    client, create_user, smtp
):
    create_user(login="mobile-only@example.cn")
    known = create_user(login="13800138000")
    unknown = ask_for_link(client, "nobody@example.cn")
    mobile = ask_for_link(client, known.login)
    assert unknown.status_code == mobile.status_code == 200
    assert 'id="link-sent"' in unknown.text and 'id="link-sent"' in mobile.text
    assert smtp.messages == []


@pytest.mark.parametrize(
    "token",
    [
        pytest.param("forged", id="not-signed"),
        pytest.param("x" * 600, id="very-long"),
        pytest.param("eyJ1IjoxfQ.Zz.Zz", id="wrong-signature"),
    ],
)
def test_a_forged_link_is_refused(client, token):
    response = client.get(f"/password/reset/{token}")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/password/forgot")


def test_an_expired_link_is_refused(client, create_user, smtp, app, db):
    user = create_user(login="late@example.cn")
    ask_for_link(client, user.login)
    path = link_in(smtp.messages[0][2]).removeprefix("http://127.0.0.1:5000")
    app.config["PASSWORD_RESET_MAX_AGE"] = -1
    try:
        assert client.get(path).status_code == 302
    finally:
        del app.config["PASSWORD_RESET_MAX_AGE"]
    assert client.get(path).status_code == 200


def test_a_weak_new_password_is_refused_beside_its_field(client, create_user, smtp):
    create_user(login="weak@example.cn")
    ask_for_link(client, "weak@example.cn")
    path = link_in(smtp.messages[0][2]).removeprefix("http://127.0.0.1:5000")
    token = csrf_token_from(client.get(path).text)
    response = client.post(
        path, data={"csrf_token": token, "new": "short", "confirm": "short"}
    )
    assert response.status_code == 200 and 'id="new-error"' in response.text
    assert client.get(path).status_code == 200  # still usable


# --- changing one's hospital ----------------------------------------------------


def test_a_learner_asks_to_change_hospital_and_the_office_confirms(
    client, auth, create_user, create_hospital, db
):
    learner = create_user(login="mover@example.cn")
    old_hospital = learner.hospital
    new_hospital = create_hospital(name_zh="乌审旗人民医院")
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login("mover@example.cn")
    page = client.get("/profile/hospital").text
    assert "乌审旗人民医院" in page
    assert f'value="{old_hospital.id}"' not in page  # not the one they are at
    token = csrf_token_from(page)
    response = client.post(
        "/profile/hospital",
        data={"csrf_token": token, "hospital_id": new_hospital.id, "reason": "调动"},
    )
    assert response.status_code == 302
    request = db.session.scalar(sa.select(HospitalChangeRequest))
    assert request.state == HospitalChangeState.PENDING
    assert request.from_hospital_id == old_hospital.id
    assert 'id="pending-change"' in client.get("/profile/hospital").text
    db.session.expire_all()
    assert db.session.get(User, learner.id).hospital_id == old_hospital.id

    with pytest.raises(AccountError) as refused:
        confirm_hospital_change(learner, request.id)
    assert refused.value.code == "forbidden"
    confirm_hospital_change(admin, request.id)
    assert db.session.get(User, learner.id).hospital_id == new_hospital.id
    assert request.state == HospitalChangeState.CONFIRMED
    assert (
        db.session.scalar(
            sa.select(Notification).filter_by(user_id=learner.id)
        ).kind.value
        == "hospital_changed"
    )
    with pytest.raises(AccountError) as twice:
        reject_hospital_change(admin, request.id, "太晚")
    assert twice.value.code == "not_pending"


def test_one_pending_request_at_a_time_and_no_hospital_is_preselected(
    client, auth, create_user, create_hospital, db
):
    learner = create_user(login="mover2@example.cn")
    first, second = create_hospital(), create_hospital()
    auth.login("mover2@example.cn")
    token = csrf_token_from(client.get("/profile/hospital").text)
    empty = client.post(
        "/profile/hospital", data={"csrf_token": token, "hospital_id": ""}
    )
    assert empty.status_code == 422 and 'id="hospital_id-error"' in empty.text
    own = client.post(
        "/profile/hospital",
        data={"csrf_token": token, "hospital_id": learner.hospital_id},
    )
    assert own.status_code == 422
    client.post(
        "/profile/hospital", data={"csrf_token": token, "hospital_id": first.id}
    )
    again = client.post(
        "/profile/hospital", data={"csrf_token": token, "hospital_id": second.id}
    )
    assert again.status_code == 422
    assert db.session.scalar(sa.select(sa.func.count(HospitalChangeRequest.id))) == 1


def test_only_learners_ask_to_change_hospital(client, auth, create_user):
    create_user(login="coord@example.cn", role=Role.SITE_COORDINATOR)
    auth.login("coord@example.cn")
    assert client.get("/profile/hospital").status_code == 404
