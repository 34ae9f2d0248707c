"""Every request has an id; an unexpected error is logged with its traceback and that
id, and the answer carries it; one structured line per request reaches the log."""

import json
import logging
import re

import pytest

from lms.accounts.roles import Role
from tests.conftest import make_app

HEX_ID = re.compile(r"[0-9a-f]{32}")


@pytest.fixture
def failing_app(tmp_path):
    """An app like production (errors answered, not raised) with two views that
    fail, registered only here."""
    app = make_app(
        tmp_path, f"sqlite:///{tmp_path / 'fail.sqlite3'}", PROPAGATE_EXCEPTIONS=False
    )

    def fail():
        return 1 // 0

    app.add_url_rule("/api/v1/test-failure", "api_failure", fail)
    app.add_url_rule("/test-failure", "page_failure", fail)
    return app


def error_records(caplog):
    return [r for r in caplog.records if r.name == "lms" and r.levelname == "ERROR"]


def test_an_unexpected_error_is_logged_with_traceback_and_request_id(
    failing_app, caplog
):
    caplog.set_level(logging.INFO, logger="lms")
    response = failing_app.test_client().get(
        "/api/v1/test-failure", headers={"X-Request-ID": "proxy-7f3a9c"}
    )
    assert response.status_code == 500
    assert response.headers["X-Request-ID"] == "proxy-7f3a9c"
    assert response.json["error"]["request_id"] == "proxy-7f3a9c"
    assert response.json["error"]["code"] == "internal_server_error"
    [record] = error_records(caplog)
    assert "proxy-7f3a9c" in record.getMessage()
    assert record.request_id == "proxy-7f3a9c"
    assert record.exc_info and record.exc_info[0] is ZeroDivisionError
    assert "1 // 0" in caplog.text  # the traceback is in the log


def test_an_unexpected_error_on_a_page_shows_its_reference(failing_app, caplog):
    response = failing_app.test_client().get("/test-failure")
    assert response.status_code == 500 and response.mimetype == "text/html"
    request_id = response.headers["X-Request-ID"]
    assert HEX_ID.fullmatch(request_id)
    assert request_id in response.get_data(as_text=True)
    [record] = error_records(caplog)
    assert record.request_id == request_id


@pytest.mark.parametrize(
    "incoming",
    ["has space", "x" * 200, "quote\"'", "新的", ""],
    ids=["space", "too-long", "quotes", "non-ascii", "empty"],
)
def test_an_insane_incoming_request_id_is_replaced(client, incoming):
    response = client.get("/healthz", headers={"X-Request-ID": incoming})
    assert HEX_ID.fullmatch(response.headers["X-Request-ID"])


@pytest.mark.parametrize(
    "path", ["/", "/healthz", "/courses/", "/no-such-page", "/api/v1/courses/999"]
)
def test_every_response_carries_a_request_id(client, path):
    first = client.get(path).headers["X-Request-ID"]
    second = client.get(path).headers["X-Request-ID"]
    assert HEX_ID.fullmatch(first) and first != second


def test_one_structured_log_line_per_request(client, create_user, api_token, caplog):
    caplog.set_level(logging.INFO, logger="lms.requests")
    learner = create_user(role=Role.LEARNER)
    response = client.get("/api/v1/me/transcript", headers=api_token(learner))
    assert response.status_code == 200
    [record] = [r for r in caplog.records if r.name == "lms.requests"]
    line = json.loads(record.getMessage())
    assert line == {
        "request_id": response.headers["X-Request-ID"],
        "user_id": learner.id,
        "method": "GET",
        "route": "/api/v1/me/transcript",
        "path": "/api/v1/me/transcript",
        "status": 200,
        "duration_ms": line["duration_ms"],
    }
    assert 0 <= line["duration_ms"] < 60_000


def test_a_failed_write_still_gets_the_apps_error_page(tmp_path, caplog):
    """A flush that fails leaves the session needing a rollback; the error page
    (which reads the signed-in person's notices) must not fail on it too."""
    from flask_login import login_user

    from lms.accounts.operations import create_user
    from lms.db import db

    app = make_app(
        tmp_path, f"sqlite:///{tmp_path / 'flush.sqlite3'}", PROPAGATE_EXCEPTIONS=False
    )

    def fail_to_write():
        person = create_user(
            login="twice@example.cn",
            name="两次",
            password="a-long-passphrase",
            role=Role.ADMINISTRATOR,
        )
        db.session.commit()
        login_user(person)
        db.session.add(type(person)(login="other@example.cn", name="x"))
        db.session.flush()  # no role, no password: IntegrityError

    app.add_url_rule("/test-flush-failure", "flush_failure", fail_to_write)
    response = app.test_client().get("/test-flush-failure")
    assert response.status_code == 500 and response.mimetype == "text/html"
    assert response.headers["X-Request-ID"] in response.get_data(as_text=True)
    [record] = error_records(caplog)
    assert record.exc_info[0].__name__ == "IntegrityError"
