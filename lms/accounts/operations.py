"""Writing accounts. Operations flush; the view, CLI command or task commits."""

import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.logins import normalize_login, password_problem
from lms.accounts.models import ApiToken, User
from lms.accounts.queries import get_user_by_login, hash_token
from lms.accounts.roles import ROLES_WITH_HOSPITAL, Profession, Role
from lms.db import db, utcnow

#: Compared against when the login is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
TOKEN_PREFIX = "tcme_"
TOKEN_TOUCH_INTERVAL = timedelta(minutes=1)


class AccountError(ValueError):
    """A request to change accounts that cannot be carried out; ``code`` says why."""

    def __init__(self, code, message=""):
        super().__init__(message or code)
        self.code = code


@dataclass(frozen=True)
class IssuedToken:
    token: str
    row: ApiToken


def create_user(
    *,
    login,
    name,
    password,
    role=Role.LEARNER,
    hospital=None,
    profession=Profession.OTHER,
    professional_title="",
    min_password_length=8,
):
    """Create an account; :class:`AccountError` says why one cannot be made."""
    login = normalize_login(login)
    name = name.strip()
    if not name:
        raise AccountError("name_required")
    if get_user_by_login(login) is not None:
        raise AccountError("login_taken")
    if problem := password_problem(password, min_password_length):
        raise AccountError(f"password_{problem}")
    if role in ROLES_WITH_HOSPITAL and hospital is None:
        raise AccountError("hospital_required")
    user = User(
        login=login,
        name=name,
        password_hash=_hash(password),
        role=role,
        hospital=hospital,
        profession=profession,
        professional_title=professional_title.strip(),
    )
    db.session.add(user)
    db.session.flush()
    return user


def _hash(password):
    return generate_password_hash(
        password, method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def authenticate(login, password):
    """The active user with this login and password, or None; same cost either way."""
    user = get_user_by_login(login)
    if user is None:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_dt = utcnow()
    db.session.flush()
    return user


def change_password(user, current, new, *, min_password_length=8):
    """Set a new password after checking the current one; ends other sessions."""
    if not check_password_hash(user.password_hash, current):
        raise AccountError("wrong_password")
    set_password(user, new, min_password_length=min_password_length)


def set_password(user, new, *, min_password_length=8):
    if problem := password_problem(new, min_password_length):
        raise AccountError(f"password_{problem}")
    user.password_hash = _hash(new)
    user.session_version += 1
    db.session.flush()


def update_profile(user, *, name, profession, professional_title, locale):
    """Change what a person may change about themself (never role or hospital)."""
    if not name.strip():
        raise AccountError("name_required")
    if name.strip() != user.name and has_credit_lines(user):
        # Certificates carry the name: after the first credit line only the CME
        # office changes it (and re-issues what it must).
        raise AccountError("name_locked")
    user.name = name.strip()
    user.profession = profession
    user.professional_title = professional_title.strip()
    user.locale = locale or None
    db.session.flush()


def has_credit_lines(user):
    from certificates.models import CreditAward

    return (
        db.session.scalar(
            sa.select(sa.func.count(CreditAward.id)).where(
                CreditAward.user_id == user.id
            )
        )
        > 0
    )


def update_user_as_admin(user, *, role, hospital, is_active, name=None):
    """An administrator's change to someone's role, hospital, active flag or name."""
    if role in ROLES_WITH_HOSPITAL and hospital is None:
        raise AccountError("hospital_required")
    if name is not None:
        if not name.strip() or len(name.strip()) > 100:
            raise AccountError("name_required")
        user.name = name.strip()
    if user.is_active and not is_active:
        user.session_version += 1
    user.role = role
    user.hospital = hospital
    user.is_active = is_active
    if not is_active:
        revoke_all_api_tokens(user)
    db.session.flush()


def issue_api_token(user, *, lifetime, label=""):
    """A new bearer token for ``user``; the plain token is returned only here."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=hash_token(token),
        prefix=token[:12],
        label=label[:100],
        expires_dt=utcnow() + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return IssuedToken(token=token, row=row)


def revoke_api_token(row):
    if row.revoked_dt is None:
        row.revoked_dt = utcnow()
        db.session.flush()


def revoke_all_api_tokens(user):
    now = utcnow()
    for row in user.api_tokens.filter_by(revoked_dt=None):
        row.revoked_dt = now
    db.session.flush()


def touch_api_token(row, now):
    """Note that a token was used, at most once a minute (it costs a write)."""
    if row.last_used_dt is None or now - row.last_used_dt > TOKEN_TOUCH_INTERVAL:
        row.last_used_dt = now
