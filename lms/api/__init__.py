"""The JSON API (v1): one blueprint; each endpoint declares its OpenAPI operation."""

from flask import Blueprint, abort, g, request
from flask_login import current_user

from lms.api.openapi import api_route_factory, openapi_view
from lms.extensions import csrf

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


class ApiError(Exception):
    """An error answered as ``{error: {code, message}}`` with ``status``."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(ApiError)
def _handle_api_error(error):
    from lms.errors import json_error

    return json_error(error.status, error.code, error.message)


@bp.before_request
def _protect_session_requests():
    """A browser session needs the CSRF header for writes; a bearer token does not."""
    if request.method in SAFE_METHODS or g.get("api_token") is not None:
        return
    if current_user.is_authenticated and g.get("api_token") is None:
        csrf.protect()


def json_body():
    """The request's JSON object, or a 400 that says what was expected."""
    data = request.get_json(silent=True)
    if not isinstance(data, dict):
        raise ApiError(
            400, "bad_request", "Expected a JSON object as the request body."
        )
    return data


def require_user():
    if not current_user.is_authenticated:
        abort(401)
    return current_user


from lms.api import auth, courses, hospitals  # noqa: E402, F401  (the endpoints)
