"""Writing the audit log: one row per change, flushed in the caller's transaction
(the change and its entry commit or roll back together)."""

import datetime
import decimal
import enum

from lms.audit.actions import AuditAction
from lms.audit.models import AuditEntry
from lms.db import db

LABEL_LENGTH = 300


def record_audit(
    actor, action, target, *, before=None, after=None, reason="", label=None
):
    """Record that ``actor`` (a User, a user id, or None for the system) did
    ``action`` to ``target``.

    ``target`` is an ORM row (its table and id are kept, and ``label`` or its
    ``str()`` for reading later) or a ``(target_type, target_id)`` pair.
    ``before`` / ``after`` are dicts of the fields that changed; Decimals, dates
    and enums are stored as strings. Returns the flushed row.
    """
    action = AuditAction(action)
    if isinstance(target, tuple):
        target_type, target_id = target
    else:
        target_type, target_id = target.__tablename__, target.id
    entry = AuditEntry(
        actor_id=getattr(actor, "id", actor),
        action=action,
        target_type=target_type,
        target_id=target_id,
        target_label=(label if label is not None else _label(target))[:LABEL_LENGTH],
        before=jsonable(before) if before is not None else None,
        after=jsonable(after) if after is not None else None,
        reason=reason or "",
    )
    db.session.add(entry)
    db.session.flush()
    return entry


def _label(target):
    if isinstance(target, tuple):
        return ""
    for name in ("title_zh", "serial", "login", "name_zh", "name", "code"):
        value = getattr(target, name, None)
        if isinstance(value, str) and value:
            return value
    return ""


def jsonable(value):
    """``value`` as JSON: Decimals, dates and enums as strings, sets as sorted lists."""
    if isinstance(value, dict):
        return {str(k): jsonable(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [jsonable(v) for v in value]
    if isinstance(value, set | frozenset):
        return sorted(jsonable(v) for v in value)
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, decimal.Decimal):
        return str(value)
    if isinstance(value, datetime.date | datetime.datetime):
        return value.isoformat()
    if value is None or isinstance(value, bool | int | float | str):
        return value
    return str(value)
