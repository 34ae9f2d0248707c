import re

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.roles import Role
from tests.conftest import csrf_token_from

ZH = {"Accept-Language": "zh-CN,zh;q=0.9"}
EN = {"Accept-Language": "en-US,en;q=0.9"}


def register(client, hospital, **overrides):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    data = {
        "csrf_token": token,
        "name": "王小明",
        "login": "wang.xiaoming@example.cn",
        "password": "a-good-password",
        "confirm": "a-good-password",
        "hospital_id": hospital.id,
        "profession": "nurse",
        "professional_title": "护师",
    }
    data.update(overrides)
    return client.post("/register", data=data, headers=ZH)


def test_registration_creates_a_learner_and_signs_in(client, db, create_hospital):
    hospital = create_hospital()
    response = register(client, hospital)
    assert response.status_code == 302 and response.location.endswith("/dashboard")
    user = db.session.scalar(
        sa.select(User).filter_by(login="wang.xiaoming@example.cn")
    )
    assert (user.role, user.hospital_id, user.profession.value) == (
        Role.LEARNER,
        hospital.id,
        "nurse",
    )
    assert "王小明" in client.get("/dashboard").get_data(as_text=True)


def test_registration_ignores_a_role_or_credits_sent_by_the_client(
    client, db, create_hospital
):
    register(
        client,
        create_hospital(),
        login="sneaky@example.cn",
        role="administrator",
        is_active="y",
        credits="99",
    )
    user = db.session.scalar(sa.select(User).filter_by(login="sneaky@example.cn"))
    assert user.role == Role.LEARNER


def test_registration_with_a_taken_login_says_so_and_creates_nothing(
    client, db, create_user, create_hospital
):
    create_user(login="taken@example.cn")
    response = register(client, create_hospital(), login="TAKEN@example.cn")
    assert response.status_code == 200
    assert "该账号已被注册" in response.get_data(as_text=True)
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(User)
            .filter_by(login="taken@example.cn")
        )
        == 1
    )


def test_registration_rejects_a_hospital_not_in_the_list(client, db, create_hospital):
    response = register(client, create_hospital(), hospital_id=999999)
    assert response.status_code == 200
    assert (
        db.session.scalar(sa.select(User).filter_by(login="wang.xiaoming@example.cn"))
        is None
    )


def test_login_and_logout(client, auth, create_user):
    user = create_user(login="doc@example.cn")
    response = auth.login("doc@example.cn")
    assert response.status_code == 302
    assert user.name in client.get("/dashboard").get_data(as_text=True)
    auth.logout()
    assert client.get("/dashboard").status_code == 302


def test_unknown_login_and_wrong_password_get_the_same_answer(
    client, auth, create_user
):
    create_user(login="known@example.cn")
    wrong_password = auth.login("known@example.cn", "wrong-password").get_data(
        as_text=True
    )
    unknown_login = auth.login("nobody@example.cn", "wrong-password").get_data(
        as_text=True
    )

    def message(html):
        return re.search(r'class="flash flash-error"[^>]*>([^<]+)<', html).group(1)

    assert message(wrong_password) == message(unknown_login)


def test_login_is_rate_limited_per_address(client, auth, create_user, app):
    create_user(login="target@example.cn")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        assert auth.login("target@example.cn", "guess").status_code == 200
    response = auth.login("target@example.cn", "correct-horse-battery")
    assert response.status_code == 429
    assert "稍等" in response.get_data(as_text=True) or "wait" in response.get_data(
        as_text=True
    )


def test_a_successful_login_does_not_count_toward_the_limit(
    client, auth, create_user, app
):
    create_user(login="often@example.cn")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit + 2):
        assert auth.login("often@example.cn").status_code == 302
        auth.logout()


def test_login_without_csrf_token_is_rejected(client, create_user):
    create_user(login="csrf@example.cn")
    response = client.post(
        "/login", data={"login": "csrf@example.cn", "password": "correct-horse-battery"}
    )
    assert response.status_code == 400
    assert client.get("/dashboard").status_code == 302


def test_logout_and_language_switch_need_the_csrf_token(client, auth, create_user):
    create_user(login="stay@example.cn")
    auth.login("stay@example.cn")
    assert client.post("/logout").status_code == 400
    assert client.get("/dashboard").status_code == 200
    assert client.post("/language/en").status_code == 400


def test_the_next_parameter_never_leaves_the_site(client, create_user):
    create_user(login="next@example.cn")
    for target, expected in [
        ("/profile", "/profile"),
        ("https://evil.example/", "/dashboard"),
        ("//evil.example/", "/dashboard"),
        ("/\\evil.example", "/dashboard"),
    ]:
        token = csrf_token_from(client.get("/login").get_data(as_text=True))
        response = client.post(
            "/login",
            query_string={"next": target},
            data={
                "login": "next@example.cn",
                "password": "correct-horse-battery",
                "csrf_token": token,
            },
        )
        assert response.location == expected
        client.post("/logout", data={"csrf_token": token})


def test_session_cookie_is_httponly_and_samesite(client, auth, create_user):
    create_user(login="cookie@example.cn")
    response = auth.login("cookie@example.cn")
    cookie = response.headers.get("Set-Cookie")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_changing_the_password_signs_out_other_devices(app, client, auth, create_user):
    create_user(login="two@example.cn", password="first-password")
    auth.login("two@example.cn", "first-password")
    other = app.test_client()
    token = csrf_token_from(other.get("/login").get_data(as_text=True))
    other.post(
        "/login",
        data={
            "login": "two@example.cn",
            "password": "first-password",
            "csrf_token": token,
        },
    )
    assert other.get("/dashboard").status_code == 200

    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    response = client.post(
        "/profile",
        data={
            "form": "password",
            "csrf_token": token,
            "password-current": "first-password",
            "password-new": "second-password",
            "password-confirm": "second-password",
        },
    )
    assert response.status_code == 302
    assert client.get("/dashboard").status_code == 200
    assert other.get("/dashboard").status_code == 302


def test_profile_cannot_change_role_or_hospital(client, auth, create_user, db):
    user = create_user(login="self@example.cn")
    hospital_id = user.hospital_id
    auth.login("self@example.cn")
    token = csrf_token_from(client.get("/profile").get_data(as_text=True))
    client.post(
        "/profile",
        data={
            "form": "profile",
            "csrf_token": token,
            "profile-name": "新名字",
            "profile-profession": "doctor",
            "profile-professional_title": "主治医师",
            "profile-locale": "en",
            "role": "administrator",
            "hospital_id": "1",
            "profile-role": "administrator",
        },
    )
    db.session.refresh(user)
    assert (user.name, user.locale, user.role, user.hospital_id) == (
        "新名字",
        "en",
        Role.LEARNER,
        hospital_id,
    )
    assert "Dashboard" in client.get("/dashboard").get_data(as_text=True)
