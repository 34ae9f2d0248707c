"""Reading notifications."""

import sqlalchemy as sa

from lms.db import db
from lms.notifications.models import Notification


def count_unread(user_id):
    """The header's number: one indexed count."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Notification)
        .where(Notification.user_id == user_id, Notification.read_dt.is_(None))
    )


def list_notifications(user_id, *, page=1, per_page=30):
    """A page of ``user_id``'s notifications, newest first."""
    return db.paginate(
        sa.select(Notification)
        .where(Notification.user_id == user_id)
        .order_by(Notification.created_dt.desc(), Notification.id.desc()),
        page=page,
        per_page=per_page,
        error_out=False,
    )


def get_own_notification(user_id, notification_id):
    """``user_id``'s notification, or None (another person's is None too)."""
    return db.session.scalar(
        sa.select(Notification).where(
            Notification.id == notification_id, Notification.user_id == user_id
        )
    )


def ids_notified_since(user_ids, kind, since):
    """Those of ``user_ids`` who got a ``kind`` notice at ``since`` or later."""
    if not user_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(Notification.user_id).where(
                Notification.user_id.in_(user_ids),
                Notification.kind == kind,
                Notification.created_dt >= since,
            )
        )
    )
