import pytest
from openapi_spec_validator import validate

from lms.api.openapi import openapi_path
from tests.conftest import csrf_token_from, make_app


def get_token(client, login, password="correct-horse-battery"):
    response = client.post(
        "/api/v1/auth/token", json={"login": login, "password": password}
    )
    assert response.status_code == 201, response.json
    return response.json["token"]


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_a_token_signs_in_api_requests(client, create_user):
    user = create_user(login="api@example.cn", name="接口用户")
    token = get_token(client, "API@example.cn")
    response = client.get("/api/v1/me", headers=bearer(token))
    assert response.status_code == 200
    assert response.json["name"] == "接口用户" and response.json["id"] == user.id
    assert response.json["hospital"]["id"] == user.hospital_id
    assert "password_hash" not in response.json


def test_without_a_token_the_api_answers_401_in_json(client):
    response = client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json["error"]["code"] == "unauthorized"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize(
    "header",
    [
        "Bearer tcme_not-a-real-token",
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "tcme_abc",
    ],
)
def test_bad_tokens_are_refused(client, header):
    assert (
        client.get("/api/v1/me", headers={"Authorization": header}).status_code == 401
    )


def test_wrong_credentials_get_one_message(client, create_user):
    create_user(login="known-api@example.cn")
    wrong = client.post(
        "/api/v1/auth/token",
        json={"login": "known-api@example.cn", "password": "nope-nope"},
    )
    unknown = client.post(
        "/api/v1/auth/token",
        json={"login": "ghost@example.cn", "password": "nope-nope"},
    )
    assert wrong.status_code == unknown.status_code == 401
    same = {k: v for k, v in wrong.json["error"].items() if k != "request_id"}
    assert same == {k: v for k, v in unknown.json["error"].items() if k != "request_id"}


@pytest.mark.parametrize("body", [None, "[]", '"x"'])
def test_malformed_token_requests_are_400(client, body):
    response = client.post(
        "/api/v1/auth/token", data=body, content_type="application/json"
    )
    assert response.status_code == 400
    assert set(response.json["error"]) == {"code", "message", "request_id"}


def test_token_requests_of_the_wrong_types_are_422_naming_the_field(client):
    response = client.post("/api/v1/auth/token", json={"login": 1, "password": []})
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_login"
    assert response.json["error"]["message"].startswith("login: ")


def test_a_revoked_token_stops_working(client, create_user):
    create_user(login="revoke@example.cn")
    token = get_token(client, "revoke@example.cn")
    assert client.delete("/api/v1/auth/token", headers=bearer(token)).status_code == 204
    assert client.get("/api/v1/me", headers=bearer(token)).status_code == 401


def test_token_endpoint_is_rate_limited(client, create_user, app):
    create_user(login="brute@example.cn")
    limit = int(app.config["LOGIN_RATE_LIMIT"].split()[0])
    for _ in range(limit):
        response = client.post(
            "/api/v1/auth/token",
            json={"login": "brute@example.cn", "password": "guess-guess"},
        )
        assert response.status_code == 401
    response = client.post(
        "/api/v1/auth/token",
        json={"login": "brute@example.cn", "password": "correct-horse-battery"},
    )
    assert response.status_code == 429
    assert response.json["error"]["code"] == "too_many_requests"


def test_session_requests_that_write_need_the_csrf_header(
    app, client, auth, create_user
):
    create_user(login="browser@example.cn")
    token_for_api = get_token(app.test_client(), "browser@example.cn")
    auth.login("browser@example.cn")
    assert client.get("/api/v1/me").status_code == 200
    # A write through the browser session without the header: refused.
    response = client.delete("/api/v1/auth/token")
    assert response.status_code == 400
    assert response.json["error"]["code"] == "csrf_failed"
    csrf = csrf_token_from(client.get("/profile").text)
    response = client.delete("/api/v1/auth/token", headers={"X-CSRFToken": csrf})
    assert response.status_code == 400
    assert response.json["error"]["code"] == "no_bearer_token"
    assert client.get("/api/v1/me", headers=bearer(token_for_api)).status_code == 200


def test_unknown_api_paths_are_json_404(client):
    response = client.get("/api/v1/no-such-thing")
    assert response.status_code == 404
    assert response.json["error"]["code"] == "not_found"


def test_hospitals_are_listed_for_registration_clients(client, create_hospital):
    create_hospital(code="API-H1", province_code="62", name_zh="甘谷县人民医院")
    items = client.get("/api/v1/hospitals", query_string={"province": "62"}).json[
        "items"
    ]
    assert "API-H1" in [h["code"] for h in items]
    assert all(h["province_code"] == "62" for h in items)


def test_the_openapi_document_is_valid_and_lists_every_endpoint(app, client):
    document = client.get("/api/v1/openapi.json").json
    validate(document)
    documented = {
        (path, method) for path, ops in document["paths"].items() for method in ops
    }
    served = {
        (openapi_path(rule.rule), method.lower())
        for rule in app.url_map.iter_rules()
        if rule.rule.startswith("/api/v1")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == served


def test_login_limit_works_on_redis_storage_too(tmp_path, redis_server, create_user):
    """Scaled out, the limit is shared by every web process through Redis."""
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'redis.sqlite3'}",
        RATELIMIT_STORAGE_URI=redis_server.url,
        LOGIN_RATE_LIMIT="2 per minute",
    )
    with app.app_context():
        from lms.accounts.operations import create_user as create
        from lms.db import db
        from lms.hospitals.operations import create_hospital

        hospital = create_hospital(
            code="R1", name_zh="甲", tier="county", province_code="51"
        )
        create(
            login="redis@example.cn",
            name="甲",
            password="right-password",
            hospital=hospital,
        )
        db.session.commit()
    first, second = app.test_client(), app.test_client()
    for client in (first, first):
        assert (
            client.post(
                "/api/v1/auth/token",
                json={"login": "redis@example.cn", "password": "wrong"},
            ).status_code
            == 401
        )
    # Another client from the same address is limited by the shared counter.
    assert (
        second.post(
            "/api/v1/auth/token",
            json={"login": "redis@example.cn", "password": "right-password"},
        ).status_code
        == 429
    )


def test_a_bearer_token_decides_who_asks_even_beside_a_session_cookie(
    client, auth, create_user, api_token
):
    create_user(login="cookie-user@example.cn", name="会话用户")
    token_user = create_user(name="令牌用户")
    auth.login("cookie-user@example.cn")
    assert client.get("/api/v1/me").json["name"] == "会话用户"
    assert (
        client.get("/api/v1/me", headers=api_token(token_user)).json["name"]
        == "令牌用户"
    )
    bad = {"Authorization": "Bearer tcme_forged"}
    assert client.get("/api/v1/me", headers=bad).status_code == 401
