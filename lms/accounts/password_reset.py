"""Forgotten passwords: a signed, expiring, single-use link sent by email.

The link carries the user id and a fingerprint of the stored password hash and
session version, signed with the app's secret (itsdangerous). It expires after
``PASSWORD_RESET_MAX_AGE`` seconds, and setting a password changes the
fingerprint, so a link works once. Nothing is stored. Without SMTP
(``MAIL_SERVER`` empty) no link is sent: the page says to ask the CME office,
who sets a new password on the person's page.
"""

import hashlib

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from lms.accounts.models import User
from lms.accounts.operations import AccountError, set_password
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db

SALT = "password-reset"
#: How long a link works (seconds); ``PASSWORD_RESET_MAX_AGE`` overrides it.
DEFAULT_MAX_AGE = 3600


def _serializer():
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=SALT)


def _fingerprint(user):
    text = f"{user.password_hash}:{user.session_version}"
    return hashlib.sha256(text.encode()).hexdigest()[:24]


def make_reset_token(user):
    """A token for ``user``'s reset link."""
    return _serializer().dumps({"u": user.id, "f": _fingerprint(user)})


def user_for_reset_token(token):
    """The active user a reset token belongs to, or None (forged, expired, used)."""
    max_age = int(current_app.config.get("PASSWORD_RESET_MAX_AGE", DEFAULT_MAX_AGE))
    if not isinstance(token, str) or len(token) > 512:
        return None
    try:
        data = _serializer().loads(token, max_age=max_age)
    except (BadSignature, SignatureExpired):
        return None
    user_id = data.get("u") if isinstance(data, dict) else None
    if not isinstance(user_id, int) or not 0 < user_id < 2**31:
        return None
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or data.get("f") != _fingerprint(user):
        return None
    return user


def reset_password(token, new_password):
    """Set a new password through a reset link; the link stops working, every
    other session ends and API tokens are revoked. Raises ``AccountError``."""
    user = user_for_reset_token(token)
    if user is not None:
        # Read again under the row's lock: two posts of one link at once would
        # both have passed the check before either changed the password.
        db.session.refresh(user, with_for_update=True)
        user = user_for_reset_token(token)
    if user is None:
        raise AccountError("invalid_reset_link")
    set_password(user, new_password)
    record_audit(
        user, AuditAction.PASSWORD_RESET, user, label=user.name, reason="reset link"
    )
    db.session.flush()
    return user


def can_send_reset_email(user):
    """Whether a link can reach ``user``: SMTP is configured and they sign in
    with an email address (mobile numbers get no email)."""
    return bool(current_app.config.get("MAIL_SERVER")) and "@" in user.login
