"""Writing accounts. Operations flush; the view, CLI command or task commits."""

import re
import secrets
from dataclasses import dataclass
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app
from werkzeug.security import check_password_hash, generate_password_hash

from lms.accounts.logins import normalize_login, password_problem
from lms.accounts.models import (
    ApiToken,
    HospitalChangeRequest,
    HospitalChangeState,
    User,
)
from lms.accounts.passwords import common_passwords
from lms.accounts.queries import get_user_by_login, hash_token
from lms.accounts.roles import ROLES_WITH_HOSPITAL, Profession, Role
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db, utcnow
from lms.limits import TOKEN_LABEL_MAX
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import notify
from lms.text import BlankText, clean_text

#: Compared against when the login is unknown, so both failures take as long.
_DUMMY_HASH = generate_password_hash("not-a-real-password")
_SURROGATES = re.compile("[\ud800-\udfff]")
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
    min_password_length=None,
):
    """Create an account; :class:`AccountError` says why one cannot be made.

    The password is hashed before the login is looked up, so a taken login is
    refused no faster than a new one is created (registration must not time
    which logins exist).
    """
    login = normalize_login(login)
    name = _clean_name(name)
    professional_title = _clean_optional(professional_title)
    check_password(password, login=login, min_length=min_password_length)
    if role in ROLES_WITH_HOSPITAL and hospital is None:
        raise AccountError("hospital_required")
    password_hash = _hash(password)
    if get_user_by_login(login) is not None:
        raise AccountError("login_taken")
    try:
        with db.session.begin_nested():
            user = User(
                login=login,
                name=name,
                password_hash=password_hash,
                role=role,
                hospital=hospital,
                profession=profession,
                professional_title=professional_title,
            )
            db.session.add(user)
    except sa.exc.IntegrityError:
        # Registered by a concurrent request since the lookup above.
        raise AccountError("login_taken") from None
    return user


def check_password(password, *, login="", min_length=None):
    """Refuse a new password that is short, common or the login itself."""
    if min_length is None:
        min_length = current_app.config["MIN_PASSWORD_LENGTH"]
    problem = password_problem(
        password, min_length=min_length, login=login, common=common_passwords()
    )
    if problem:
        raise AccountError(f"password_{problem}")


def _clean_name(name):
    try:
        name = clean_text(name)
    except BlankText:
        raise AccountError("name_required") from None
    if len(name) > 100:
        raise AccountError("name_too_long")
    return name


def _clean_optional(text, max_length=100):
    text = clean_text(text, required=False)
    if len(text) > max_length:
        raise AccountError("text_too_long")
    return text


def _hash(password):
    return generate_password_hash(
        _hashable(password), method=current_app.config["PASSWORD_HASH_METHOD"]
    )


def _check(password_hash, password):
    return check_password_hash(password_hash, _hashable(password))


def _hashable(password):
    """The password as UTF-8 can carry it: a lone surrogate (JSON may send
    ``"\\ud800"``) becomes U+FFFD instead of failing the hash with a 500."""
    return _SURROGATES.sub("\ufffd", password)


def authenticate(login, password):
    """The active user with this login and password, or None; same cost either way."""
    user = get_user_by_login(login)
    if user is None:
        _check(_DUMMY_HASH, password)
        return None
    if not _check(user.password_hash, password) or not user.is_active:
        return None
    user.last_login_dt = utcnow()
    db.session.flush()
    return user


def change_password(user, current, new, *, min_password_length=None):
    """Set a new password after checking the current one (see :func:`set_password`)."""
    if not _check(user.password_hash, current):
        raise AccountError("wrong_password")
    set_password(user, new, min_password_length=min_password_length)


def set_password(user, new, *, min_password_length=None):
    """A new password: every other session of ``user`` ends and every API token
    is revoked (a stolen password's sessions and tokens die with it)."""
    check_password(new, login=user.login, min_length=min_password_length)
    user.password_hash = _hash(new)
    end_sessions_and_tokens(user)


def end_sessions_and_tokens(user):
    """Sign ``user`` out everywhere: older session cookies stop matching their
    session version, and their API tokens are revoked."""
    user.session_version += 1
    revoke_all_api_tokens(user)


def update_profile(user, *, name, profession, professional_title, locale):
    """Change what a person may change about themself (never role or hospital)."""
    name = _clean_name(name)
    if name != user.name and has_credit_lines(user):
        # Certificates carry the name: after the first credit line only the CME
        # office changes it (and re-issues what it must).
        raise AccountError("name_locked")
    user.name = name
    user.profession = profession
    user.professional_title = _clean_optional(professional_title)
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


def update_user_as_admin(
    user, *, role, hospital, is_active, name=None, new_password=None, actor=None
):
    """An administrator's change to someone's role, hospital, active flag, name
    or password. Deactivating or setting a password signs the person out
    everywhere (sessions and API tokens). Each change is in the audit log as
    ``actor``'s (a role change, a password reset, other fields), never the
    password itself."""
    if role in ROLES_WITH_HOSPITAL and hospital is None:
        raise AccountError("hospital_required")
    before = _admin_fields(user)
    if name is not None:
        user.name = _clean_name(name)
    if new_password:
        set_password(user, new_password)
    if user.is_active and not is_active:
        end_sessions_and_tokens(user)
    user.role = role
    user.hospital = hospital
    user.is_active = is_active
    db.session.flush()
    after = _admin_fields(user)
    if before["role"] != after["role"]:
        record_audit(
            actor,
            AuditAction.ROLE_CHANGED,
            user,
            before={"role": before["role"]},
            after={"role": after["role"]},
            label=user.login,
        )
    changed = [k for k in after if k != "role" and before[k] != after[k]]
    if changed:
        record_audit(
            actor,
            AuditAction.USER_CHANGED,
            user,
            before={k: before[k] for k in changed},
            after={k: after[k] for k in changed},
            label=user.login,
        )
    if new_password:
        record_audit(actor, AuditAction.PASSWORD_RESET, user, label=user.login)


def _admin_fields(user):
    return {
        "role": user.role,
        "name": user.name,
        "hospital_id": user.hospital_id,
        "is_active": user.is_active,
    }


def issue_api_token(user, *, lifetime, label=""):
    """A new bearer token for ``user``; the plain token is returned only here."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        user=user,
        token_hash=hash_token(token),
        prefix=token[:12],
        label=clean_text(label, required=False)[:TOKEN_LABEL_MAX],
        expires_dt=utcnow() + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    return IssuedToken(token=token, row=row)


def revoke_api_token(row):
    """Revoke one token (a second revocation changes nothing)."""
    if row.revoked_dt is None:
        row.revoked_dt = utcnow()
        db.session.flush()


def revoke_all_api_tokens(user):
    """Revoke every token of ``user`` that is not revoked yet."""
    now = utcnow()
    for row in user.api_tokens.filter_by(revoked_dt=None):
        row.revoked_dt = now
    db.session.flush()


def touch_api_token(row, now):
    """Note that a token was used, at most once a minute (it costs a write)."""
    if row.last_used_dt is None or now - row.last_used_dt > TOKEN_TOUCH_INTERVAL:
        row.last_used_dt = now


# --- hospital changes ------------------------------------------------------------


def request_hospital_change(user, hospital, reason="", *, now=None):
    """A learner asks to move to ``hospital``; the CME office confirms it.

    One pending request per learner; the hospital must be another active one.
    """
    if user.role != Role.LEARNER:
        raise AccountError("not_a_learner")
    if hospital is None or not hospital.is_active:
        raise AccountError("hospital_required")
    if hospital.id == user.hospital_id:
        raise AccountError("same_hospital")
    # The person's row is the lock: two requests at once (two tabs) cannot both
    # find none pending and both be filed.
    db.session.execute(sa.select(User.id).filter_by(id=user.id).with_for_update())
    pending = db.session.scalar(
        sa.select(HospitalChangeRequest).filter_by(
            user_id=user.id, state=HospitalChangeState.PENDING
        )
    )
    if pending is not None:
        raise AccountError("change_pending")
    request = HospitalChangeRequest(
        user_id=user.id,
        from_hospital_id=user.hospital_id,
        to_hospital_id=hospital.id,
        reason=_clean_optional(reason, max_length=500),
        created_dt=now or utcnow(),
    )
    db.session.add(request)
    db.session.flush()
    return request


def _pending_change(actor, request_id):
    if actor is None or actor.role != Role.ADMINISTRATOR:
        raise AccountError("forbidden")
    request = (
        db.session.scalar(
            sa.select(HospitalChangeRequest).filter_by(id=request_id).with_for_update()
        )
        if isinstance(request_id, int) and not isinstance(request_id, bool)
        else None
    )
    if request is None:
        raise AccountError("unknown_request")
    if request.state != HospitalChangeState.PENDING:
        raise AccountError("not_pending")
    return request


def confirm_hospital_change(actor, request_id, *, now=None):
    """The CME office confirms a learner's request: the learner moves hospital."""
    request = _pending_change(actor, request_id)
    before = request.user.hospital_id
    request.user.hospital_id = request.to_hospital_id
    request.state = HospitalChangeState.CONFIRMED
    request.decided_dt = now or utcnow()
    request.decided_by_id = actor.id
    db.session.flush()
    hospital = request.to_hospital
    record_audit(
        actor,
        AuditAction.HOSPITAL_CHANGE_CONFIRMED,
        request.user,
        label=request.user.name,
        before={"hospital_id": before},
        after={"hospital_id": hospital.id},
        reason=request.reason,
    )
    notify(
        request.user,
        NotificationKind.HOSPITAL_CHANGED,
        params={"hospital": {"zh": hospital.name_zh, "en": hospital.name_en}},
        link="/profile",
    )
    return request


def reject_hospital_change(actor, request_id, note="", *, now=None):
    """The CME office refuses a learner's request; the learner stays."""
    request = _pending_change(actor, request_id)
    request.state = HospitalChangeState.REJECTED
    request.decided_dt = now or utcnow()
    request.decided_by_id = actor.id
    request.decision_note = _clean_optional(note, max_length=500)
    db.session.flush()
    return request


@dataclass(frozen=True)
class ImportedUser:
    user: object
    #: The password made for a row that gave none (shown to the office once).
    generated_password: str


def import_users(rows, hospitals_by_code):
    """Create the people of a parsed sheet (``lms.accounts.importing``).

    Returns ``(imported, errors)``: each row goes through :func:`create_user`'s
    checks (a taken login, a weak password, an unknown hospital become a
    ``RowError`` of its line). The caller imports nothing when there are errors
    (it rolls back).
    """
    from lms.hospitals.importing import RowError

    imported, errors = [], []
    for row in rows:
        hospital = hospitals_by_code.get(row.hospital_code)
        if hospital is None:
            errors.append(
                RowError(
                    row.line,
                    f"no hospital has the code {row.hospital_code}",
                    "unknown_hospital",
                    (row.hospital_code,),
                )
            )
            continue
        password = row.password or secrets.token_urlsafe(9)
        try:
            user = create_user(
                login=row.login,
                name=row.name,
                password=password,
                role=row.role,
                hospital=hospital,
                profession=row.profession,
            )
        except AccountError as error:
            errors.append(RowError(row.line, error.code, error.code, ()))
            continue
        imported.append(ImportedUser(user, "" if row.password else password))
    return imported, errors
