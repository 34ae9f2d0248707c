"""Request ids, one structured log line per request, and the log of unexpected errors.

Every request gets an id (a sane incoming ``X-Request-ID`` is kept, so a proxy's id
follows the request); the response carries it in ``X-Request-ID``, JSON errors in
their body, and every log line about the request names it.
"""

import json
import logging
import re
import time
import uuid
from datetime import UTC, datetime

from flask import g, has_request_context, request

#: An incoming id is kept only if it looks like one (no spaces, quotes, newlines).
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,128}")
REQUEST_LOG = "lms.requests"
#: URL parts that are credentials (a calendar feed's secret, a password reset's
#: token): a log line names the route instead of the path holding them.
SECRET_URL_ARGS = frozenset({"secret", "token"})


def request_id():
    """This request's id, made on first use."""
    if not has_request_context():
        return None
    if "request_id" not in g:
        incoming = request.headers.get("X-Request-ID", "")
        g.request_id = (
            incoming if REQUEST_ID_PATTERN.fullmatch(incoming) else uuid.uuid4().hex
        )
    return g.request_id


def _start():
    g.request_started = time.perf_counter()
    g.request_arrived = datetime.now(UTC)
    request_id()


def request_arrived():
    """When this request arrived, before it waited for the database's write lock
    (a room code is judged at the moment it was sent)."""
    if has_request_context() and "request_arrived" in g:
        return g.request_arrived
    return datetime.now(UTC)


def _user_id():
    # Only a user already loaded by the request: logging never queries.
    user = g.get("_login_user")
    return user.id if user is not None and user.is_authenticated else None


def _path():
    """The request's path as logged: the route when the path holds a secret."""
    if request.url_rule is not None and SECRET_URL_ARGS & set(request.view_args or ()):
        return request.url_rule.rule
    return request.path


def _finish(response):
    response.headers["X-Request-ID"] = request_id()
    logger = logging.getLogger(REQUEST_LOG)
    if not logger.isEnabledFor(logging.INFO):
        return response  # no line to write: none is built
    started = g.get("request_started")
    line = {
        "request_id": request_id(),
        "user_id": _user_id(),
        "method": request.method,
        "route": request.url_rule.rule if request.url_rule else None,
        "path": _path(),
        "status": response.status_code,
        "duration_ms": round((time.perf_counter() - started) * 1000, 1)
        if started
        else None,
    }
    logger.info(json.dumps(line, ensure_ascii=False))
    return response


def log_exception(app, exc_info):
    """An unexpected error, with its traceback and the request's id."""
    app.logger.error(
        "Unexpected error, request %s: %s %s",
        request_id(),
        request.method,
        _path(),
        exc_info=exc_info,
        extra={"request_id": request_id()},
    )


def init_app(app):
    """Ids and log lines for every request; INFO lines reach the app's log."""
    level = app.config["LOG_LEVEL"]
    if app.logger.level == logging.NOTSET:
        app.logger.setLevel(level)
    # First, so that later hooks (sign-in, rate limits) run with an id.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request(_finish)
