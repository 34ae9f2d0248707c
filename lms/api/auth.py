"""Bearer tokens and the signed-in user."""

from flask import current_app, g, request
from flask_login import current_user

from lms.accounts.messages import too_many_attempts_message
from lms.accounts.operations import authenticate, issue_api_token, revoke_api_token
from lms.accounts.throttle import login_wait, record_failed_login, record_signed_in
from lms.api import ApiError, api_route, require_user
from lms.api import schemas as s
from lms.api.serializers import serialize_user
from lms.db import db


@api_route(
    "/auth/token",
    ["POST"],
    summary="Exchange a login and password for a bearer token",
    auth="none",
    body=s.TokenIn,
    example={"login": "zhang.wei@example.cn", "password": "…", "label": "iPhone"},
    responses={
        201: s.TokenOut,
        401: "Wrong login or password",
        429: "Too many failed attempts: wait Retry-After seconds",
    },
)
def create_token(body):
    """Sign in as the web page does, counted in the same throttle."""
    login, password = body.login, body.password
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
    issued = issue_api_token(
        user, lifetime=current_app.config["API_TOKEN_LIFETIME"], label=body.label
    )
    db.session.commit()
    return {
        "token": issued.token,
        "expires_at": issued.row.expires_dt,
        "user": serialize_user(user),
    }, 201


@api_route(
    "/auth/token",
    ["DELETE"],
    summary="Revoke the bearer token this request carries",
    responses={
        204: {"description": "Revoked"},
        400: "The request did not use a bearer token",
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
    responses={200: s.UserOut},
)
def me():
    require_user()
    return serialize_user(current_user)
