"""Reading the audit log."""

import sqlalchemy as sa

from lms.audit.models import AuditEntry
from lms.db import db


def list_audit_entries(
    *,
    action=None,
    actor_id=None,
    since_dt=None,
    until_dt=None,
    target=None,
    page=1,
    per_page=50,
):
    """A page of entries, newest first, filtered by action, actor, a half-open
    time range ``[since_dt, until_dt)`` and a ``(target_type, target_id)``."""
    statement = sa.select(AuditEntry).options(sa.orm.joinedload(AuditEntry.actor))
    if action is not None:
        statement = statement.where(AuditEntry.action == action)
    if actor_id is not None:
        statement = statement.where(AuditEntry.actor_id == actor_id)
    if since_dt is not None:
        statement = statement.where(AuditEntry.created_dt >= since_dt)
    if until_dt is not None:
        statement = statement.where(AuditEntry.created_dt < until_dt)
    if target is not None:
        statement = statement.where(
            AuditEntry.target_type == target[0], AuditEntry.target_id == target[1]
        )
    return db.paginate(
        statement.order_by(AuditEntry.created_dt.desc(), AuditEntry.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def list_audit_actors():
    """Everyone who has an entry, by name (the actor filter's choices)."""
    from lms.accounts.models import User

    actor_ids = sa.select(AuditEntry.actor_id).where(AuditEntry.actor_id.is_not(None))
    return db.session.scalars(
        sa.select(User).where(User.id.in_(actor_ids.distinct())).order_by(User.name)
    ).all()
