"""Bearer tokens and the signed-in user."""

from flask import current_app, g, jsonify, request
from flask_limiter.util import get_remote_address
from flask_login import current_user

from lms.accounts.operations import authenticate, issue_api_token, revoke_api_token
from lms.api import ApiError, api_route, json_body, require_user
from lms.api.openapi import error_response, json_response
from lms.api.serializers import serialize_user
from lms.db import db
from lms.extensions import limiter

USER_REF = {"$ref": "#/components/schemas/User"}


def _login_key():
    data = request.get_json(silent=True)
    login = data.get("login") if isinstance(data, dict) else None
    return "login:" + str(login or "")[:254].strip().lower()


def _failed(response):
    return response.status_code == 401


@api_route(
    "/auth/token",
    ["POST"],
    summary="Exchange a login and password for a bearer token",
    auth="none",
    request_body={
        "type": "object",
        "required": ["login", "password"],
        "properties": {
            "login": {"type": "string", "description": "email or mobile number"},
            "password": {"type": "string"},
            "label": {"type": "string", "description": "e.g. the device name"},
        },
    },
    responses={
        "201": json_response(
            "A new token; it is shown only once",
            {
                "type": "object",
                "properties": {
                    "token": {"type": "string"},
                    "expires_at": {"type": "string", "format": "date-time"},
                    "user": USER_REF,
                },
            },
        ),
        "400": error_response("Not a JSON object"),
        "401": error_response("Wrong login or password"),
        "429": error_response("Too many failed attempts"),
    },
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=get_remote_address,
    deduct_when=_failed,
    scope="api-login-address",
)
@limiter.limit(
    lambda: current_app.config["LOGIN_RATE_LIMIT"],
    key_func=_login_key,
    deduct_when=_failed,
    scope="api-login-account",
)
def create_token():
    data = json_body()
    login, password = data.get("login"), data.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        raise ApiError(400, "bad_request", "login and password must be strings.")
    user = authenticate(login, password)
    if user is None:
        raise ApiError(401, "invalid_credentials", "Login or password is incorrect.")
    label = data.get("label") if isinstance(data.get("label"), str) else ""
    issued = issue_api_token(
        user, lifetime=current_app.config["API_TOKEN_LIFETIME"], label=label
    )
    db.session.commit()
    body = {
        "token": issued.token,
        "expires_at": issued.row.expires_dt.isoformat(),
        "user": serialize_user(user),
    }
    return jsonify(body), 201


@api_route(
    "/auth/token",
    ["DELETE"],
    summary="Revoke the bearer token this request carries",
    responses={
        "204": {"description": "Revoked"},
        "400": error_response("The request did not use a bearer token"),
        "401": error_response("No valid token"),
    },
)
def revoke_token():
    require_user()
    if g.get("api_token") is None:
        raise ApiError(
            400, "no_bearer_token", "This request did not use a bearer token."
        )
    revoke_api_token(g.api_token)
    db.session.commit()
    return "", 204


@api_route(
    "/me",
    ["GET"],
    summary="The signed-in user",
    responses={
        "200": json_response("The user", USER_REF),
        "401": error_response("Not signed in"),
    },
)
def me():
    require_user()
    return jsonify(serialize_user(current_user))
