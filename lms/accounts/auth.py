"""Who is asking: browser sessions, bearer tokens, and role checks for views."""

from functools import wraps

from flask import abort, g, request
from flask_babel import lazy_gettext as _l
from flask_login import current_user

from lms.accounts.operations import touch_api_token
from lms.accounts.queries import get_api_token, get_user_by_session_id
from lms.db import utcnow


def init_login_manager(manager):
    manager.login_view = "accounts.login"
    manager.login_message = _l("Please sign in to see this page.")
    manager.login_message_category = "info"
    manager.session_protection = "basic"
    manager.user_loader(get_user_by_session_id)
    manager.request_loader(load_user_from_bearer_token)


def bearer_token_from_request():
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


def load_user_from_bearer_token(req):
    """Flask-Login's fallback when the session has no user: an API bearer token."""
    token = bearer_token_from_request()
    if token is None:
        return None
    row = get_api_token(token)
    if row is None:
        return None
    if request.method not in ("GET", "HEAD", "OPTIONS"):
        # Writes only: a read must not turn into a write transaction.
        touch_api_token(row, utcnow())
    g.api_token = row
    return row.user


def roles_required(*roles):
    """Let through signed-in users with one of ``roles``; others get 401 or 403."""

    def decorator(view):
        @wraps(view)
        def wrapper(*args, **kwargs):
            if not current_user.is_authenticated:
                from lms.extensions import login_manager

                return login_manager.unauthorized()
            if current_user.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapper

    return decorator
