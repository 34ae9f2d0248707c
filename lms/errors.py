"""Error responses: JSON ``{error: {code, message}}`` under the API, pages elsewhere."""

from flask import current_app, jsonify, make_response, render_template, request
from flask_babel import gettext as _
from flask_wtf.csrf import CSRFError
from werkzeug.exceptions import HTTPException

from lms.api import API_PREFIX
from lms.db import db
from lms.logs import request_id
from lms.problems import DomainError


def wants_json():
    return request.path.startswith(API_PREFIX + "/") or request.path == API_PREFIX


def error_messages():
    return {
        400: _("The request could not be understood."),
        401: _("Please sign in first."),
        403: _("You do not have permission to do this."),
        404: _("This page does not exist."),
        405: _("This method is not allowed here."),
        409: _("This conflicts with the current state."),
        410: _("This is no longer available: it was revoked or replaced."),
        413: _("The upload is too large."),
        422: _("Some of the data is not valid."),
        429: _("Too many attempts. Please wait a minute and try again."),
        500: _("Something went wrong on our side. Please try again later."),
    }


def json_error(status, code, message):
    """``{error: {code, message, request_id}}``: the request's id finds its log
    line (and a server error's traceback); every response carries it as
    ``X-Request-ID`` too."""
    error = {"code": code, "message": message, "request_id": request_id()}
    response = jsonify({"error": error})
    response.status_code = status
    return response


def handle_http_exception(error):
    status = error.code or 500
    if status >= 500:
        # A failed flush leaves the session unusable: the page (the header reads
        # the signed-in person's notices) must not fail on it a second time.
        db.session.rollback()
    if status == 416:
        # Only where the file ends (Content-Range: bytes */N), no page or JSON.
        response = current_app.response_class(status=416)
        del response.headers["Content-Type"]
        return _with_protocol_headers(error, response)
    message = error_messages().get(status, error.description)
    if isinstance(error, CSRFError):
        message = _("The form expired or came from another site. Please try again.")
    if wants_json():
        code = "csrf_failed" if isinstance(error, CSRFError) else _slug(error)
        detail = getattr(error, "description", None)
        if status in (400, 409, 422) and detail and not isinstance(error, CSRFError):
            message = detail
        response = json_error(status, code, message)
    else:
        response = render_template(
            "errors/error.html", status=status, message=message, request_id=request_id()
        )
        response = (response, status)
    response = _with_protocol_headers(error, make_response(response))
    if status == 401 and wants_json():
        response.headers["WWW-Authenticate"] = 'Bearer realm="telecme"'
    return response


def _with_protocol_headers(error, response):
    """The headers the error itself carries: Allow on a 405, Content-Range on a
    416, Retry-After... (never its Content-Type)."""
    for name, value in error.get_headers():
        if name.lower() != "content-type":
            response.headers[name] = value
    return response


def _slug(error):
    return (error.name or "error").lower().replace(" ", "_").replace("'", "")


def domain_error_message(error):
    """A domain error in the reader's language: the page's words for its code,
    else its kind's."""
    from lms.credits.messages import credit_error_message
    from lms.learning.messages import course_error_message

    for table in (course_error_message, credit_error_message):
        message = table(error)
        if message != table(DomainError("", "", error.kind)):
            return message
    return error_messages().get(error.status, _("Some of the data is not valid."))


def handle_domain_error(error):
    """One handler for every domain error: its kind decides the status; the API
    answers ``{error: {code, message, request_id}}``, a page its message translated."""
    if wants_json():
        response = json_error(error.status, error.code, error.message)
        if error.status == 401:
            response.headers["WWW-Authenticate"] = 'Bearer realm="telecme"'
        return response
    page = render_template(
        "errors/error.html",
        status=error.status,
        message=domain_error_message(error),
        request_id=request_id(),
    )
    return page, error.status


def register(app):
    # An unexpected exception reaches Flask's ``handle_exception``, which logs it
    # (``TeleCME.log_exception``: traceback and request id) and answers with the
    # InternalServerError handled here; in tests and debug mode it propagates.
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(DomainError, handle_domain_error)
