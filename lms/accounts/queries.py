"""Reading accounts."""

import functools
import hashlib

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager, joinedload

from lms.accounts.logins import InvalidLogin, normalize_login
from lms.accounts.models import (
    ApiToken,
    HospitalChangeRequest,
    HospitalChangeState,
    User,
)
from lms.db import db, utcnow
from lms.hospitals.models import Hospital
from lms.text import clean_text


def hash_token(token):
    return hashlib.sha256(token.encode()).hexdigest()


def get_user_by_login(text):
    """The user with this login (any accepted spelling of it), or None."""
    try:
        login = normalize_login(text)
    except InvalidLogin:
        return None
    return db.session.scalar(sa.select(User).where(User.login == login))


def get_user_by_session_id(session_id):
    """The active user behind a session id ``"<id>:<session_version>"``, or None."""
    user_id, _, version = str(session_id).partition(":")
    if not user_id.isdigit() or not version.isdigit():
        return None
    user = db.session.get(User, int(user_id))
    if user is None or not user.is_active or user.session_version != int(version):
        return None
    return user


@functools.cache
def _token_with_user():
    """Built once, at first use (once every model is mapped): every API request
    with a bearer token runs it, and building it cost as much as running it."""
    return (
        sa.select(ApiToken)
        .where(ApiToken.token_hash == sa.bindparam("token_hash"))
        .options(joinedload(ApiToken.user))
    )


def get_api_token(token):
    """The valid token row for a bearer token, or None (unknown, expired, revoked)."""
    row = db.session.scalar(_token_with_user(), {"token_hash": hash_token(token)})
    if row is None or not row.is_valid_at(utcnow()) or not row.user.is_active:
        return None
    return row


def escape_like(text):
    """``text`` matched literally inside a LIKE pattern (``%`` and ``_`` too)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def list_users(*, q="", role=None, hospital_id=None, page=1, per_page=50):
    """Users matching the filters, newest first, as a Flask-SQLAlchemy page.

    ``q`` finds a name, a login, or a hospital by its name or its county/city;
    the hospitals come in the same query (a page is two queries, whatever its
    length)."""
    query = (
        sa.select(User)
        .outerjoin(User.hospital)
        .options(contains_eager(User.hospital))
        .order_by(User.id.desc())
    )
    if q := clean_text(q, required=False):
        like = f"%{escape_like(q)}%"
        query = query.where(
            sa.or_(
                User.name.ilike(like, escape="\\"),
                User.login.ilike(like, escape="\\"),
                Hospital.name_zh.ilike(like, escape="\\"),
                Hospital.name_en.ilike(like, escape="\\"),
                Hospital.city.ilike(like, escape="\\"),
            )
        )
    if role:
        query = query.where(User.role == role)
    if hospital_id:
        query = query.where(User.hospital_id == hospital_id)
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def count_users_by_role():
    rows = db.session.execute(sa.select(User.role, sa.func.count()).group_by(User.role))
    return dict(rows.all())


def list_api_tokens(user, now):
    """``user``'s tokens that still work at ``now``, newest first."""
    return db.session.scalars(
        sa.select(ApiToken)
        .where(
            ApiToken.user_id == user.id,
            ApiToken.revoked_dt.is_(None),
            ApiToken.expires_dt > now,
        )
        .order_by(ApiToken.id.desc())
    ).all()


def list_pending_hospital_changes():
    """Learners' hospital change requests the office has not decided, oldest first."""
    return db.session.scalars(
        sa.select(HospitalChangeRequest)
        .filter_by(state=HospitalChangeState.PENDING)
        .options(
            joinedload(HospitalChangeRequest.user),
            joinedload(HospitalChangeRequest.from_hospital),
            joinedload(HospitalChangeRequest.to_hospital),
        )
        .order_by(HospitalChangeRequest.created_dt, HospitalChangeRequest.id)
    ).all()


def get_pending_hospital_change(user_id):
    """The learner's own undecided request, or None."""
    return db.session.scalar(
        sa.select(HospitalChangeRequest).filter_by(
            user_id=user_id, state=HospitalChangeState.PENDING
        )
    )
