"""The JSON API (v1): one blueprint; each endpoint declares its OpenAPI operation."""

from flask import Blueprint, abort, current_app, request
from flask_login import current_user
from flask_wtf.csrf import CSRFError, validate_csrf
from wtforms.validators import ValidationError

from lms.accounts.auth import bearer_token_from_request, load_user_from_bearer_token
from lms.api.openapi import Invalid, api_route_factory, openapi_view
from lms.edge import JSONError
from lms.extensions import csrf, login_manager
from lms.problems import StatusError

API_PREFIX = "/api/v1"
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

bp = Blueprint("api", __name__, url_prefix=API_PREFIX)
csrf.exempt(bp)
api_route = api_route_factory(bp)
api_route(
    "/openapi.json",
    ["GET"],
    summary="This document",
    auth="none",
    tags=["meta"],
    responses={"200": {"description": "The OpenAPI document (3.0)"}},
)(openapi_view)


class ApiError(StatusError):
    """A domain error raised with its HTTP status first (the API's older way:
    ``ApiError(404, "not_enrolled", "…")``); ``lms.errors`` answers it."""

    def __init__(self, status, code, message):
        super().__init__(code, message, status)


@bp.errorhandler(Invalid)
def _handle_invalid(error):
    from lms.errors import json_error

    return json_error(error.status, error.code, error.message)


@bp.before_request
def _authenticate():
    """A bearer token, when sent, decides who is asking (never the cookie beside it)
    and needs no CSRF token; a browser session needs the CSRF header for writes."""
    if bearer_token_from_request() is not None:
        user = load_user_from_bearer_token(request)
        if user is None:
            abort(401)
        login_manager._update_request_context_with_user(user)
        return
    if request.method not in SAFE_METHODS and current_user.is_authenticated:
        # The header only: reading a form here would parse (and size-check) an
        # upload's raw body before its own limit is set.
        try:
            validate_csrf(request.headers.get("X-CSRFToken"))
        except ValidationError as error:
            raise CSRFError(error.args[0]) from None


def json_body():
    """The request's JSON object, or a 400 that says what was expected.

    Any JSON content type is read (``application/merge-patch+json`` too). Numbers
    that parse but fit no column (beyond 64 bits, NaN, Infinity) are a 422.
    """
    if not request.is_json:
        raise ApiError(
            400,
            "bad_request",
            "Expected a JSON object as the request body "
            "(Content-Type: application/json).",
        )
    try:
        data = current_app.json.loads(request.get_data(cache=True))
    except JSONError as error:
        message = f"Invalid JSON: {error}."
        raise ApiError(error.status, "invalid_json", message) from None
    except ValueError:
        raise ApiError(400, "bad_request", "The body is not valid JSON.") from None
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_request", "Expected a JSON object as the request body."
        )
    return data


def optional_json_body():
    """``json_body()`` for endpoints whose body may be left out: ``{}`` then."""
    if not request.content_length and not request.get_data(cache=True):
        return {}
    return json_body()


def streams_body(view):
    """Mark an endpoint whose raw body streams for minutes: it takes the database's
    write lock only to record what arrived, not before it runs (``lms.app``)."""
    view.streams_body = True
    return view


def require_user():
    if not current_user.is_authenticated:
        abort(401)
    return current_user


from lms.api import (  # noqa: E402, F401  (endpoints)
    auth,
    courses,
    credits,
    hospitals,
    media,
    reports,
    session_attendance,
    session_credits,
    session_questions,
    session_stream,
    session_viewing,
    sessions,
    tus,
)
from lms.api.openapi import schema_of  # noqa: E402
from lms.api.schemas import Error  # noqa: E402

schema_of(Error, mode="serialization")  # the shape of every error answer
