"""Bearer tokens and the signed-in user."""

from flask import current_app, g, jsonify, request
from flask_login import current_user

from lms.accounts.messages import too_many_attempts_message
from lms.accounts.operations import authenticate, issue_api_token, revoke_api_token
from lms.accounts.throttle import login_wait, record_failed_login, record_signed_in
from lms.api import ApiError, api_route, json_body, require_user
from lms.api.openapi import error_response, json_response
from lms.api.serializers import serialize_user
from lms.db import db

USER_REF = {"$ref": "#/components/schemas/User"}


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
def create_token():
    """Sign in as the web page does, counted in the same throttle."""
    data = json_body()
    login, password = data.get("login"), data.get("password")
    if not isinstance(login, str) or not isinstance(password, str):
        raise ApiError(400, "bad_request", "login and password must be strings.")
    address = request.remote_addr
    if wait := login_wait(login, address):
        from lms.errors import json_error

        response = json_error(429, "too_many_requests", too_many_attempts_message(wait))
        response.headers["Retry-After"] = str(wait)
        return response
    user = authenticate(login, password)
    if user is None:
        record_failed_login(login, address)
        db.session.commit()
        raise ApiError(401, "invalid_credentials", "Login or password is incorrect.")
    record_signed_in(login)
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
