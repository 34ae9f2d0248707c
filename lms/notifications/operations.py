"""Writing notifications: one row per notice, flushed in the caller's transaction.

An email copy goes out only after that transaction commits (a rolled-back action
sends nothing): :func:`notify` queues the message on the session, and the
session's ``after_commit`` hands it to the fast lane (:mod:`lms.notifications.tasks`).
"""

import logging

import sqlalchemy as sa
from flask import current_app, has_app_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms.accounts.models import User
from lms.db import db, utcnow
from lms.notifications.kinds import NotificationKind
from lms.notifications.models import Notification

#: The session's ``info`` key holding emails to send once it commits.
_OUTBOX = "telecme_notification_outbox"


def course_params(course, **extra):
    """The params naming a course (both titles; the reader's language picks)."""
    return {"course": {"zh": course.title_zh, "en": course.title_en}, **extra}


def notify(recipient, kind, *, params=None, link=""):
    """Tell ``recipient`` (a User or a user id) about ``kind``; returns the row.

    ``params`` are JSON values the message names (see
    :mod:`lms.notifications.messages`), ``link`` a path inside the app. The row
    is flushed with the caller's change; an email follows after the commit when
    ``MAIL_SERVER`` is set and the person signs in with an email address.
    """
    kind = NotificationKind(kind)
    user = recipient if isinstance(recipient, User) else db.session.get(User, recipient)
    if user is None:
        raise ValueError(f"no user {recipient!r} to notify")
    row = Notification(
        user_id=user.id, kind=kind, params=dict(params or {}), link=link or ""
    )
    db.session.add(row)
    db.session.flush()
    if _mail_configured() and "@" in user.login and user.is_active:
        db.session.info.setdefault(_OUTBOX, []).append(
            {
                "to": user.login,
                "locale": user.locale,
                "kind": kind.value,
                "params": row.params,
                "link": row.link,
            }
        )
    return row


def notify_many(user_ids, kind, *, params=None, link=""):
    """Tell each of ``user_ids`` the same ``kind`` of notice, in a bounded
    number of statements whatever their number (one read of the people, one
    insert of the rows): an edit of a session with hundreds booked holds its
    lock for two statements, not two per person. Emails follow after the
    commit as :func:`notify`'s do, for active people signing in with an email
    address, all in one queued task. Returns how many were told."""
    kind = NotificationKind(kind)
    ids = sorted(set(user_ids))
    if not ids:
        return 0
    people = db.session.execute(
        sa.select(User.id, User.login, User.locale, User.is_active).where(
            User.id.in_(ids)
        )
    ).all()
    if len(people) != len(ids):
        missing = set(ids) - {person.id for person in people}
        raise ValueError(f"no users {sorted(missing)!r} to notify")
    params, link, now = dict(params or {}), link or "", utcnow()
    db.session.execute(
        sa.insert(Notification),
        [
            {
                "user_id": person.id,
                "kind": kind,
                "params": params,
                "link": link,
                "created_dt": now,
            }
            for person in people
        ],
    )
    if _mail_configured():
        mails = [
            {
                "to": person.login,
                "locale": person.locale,
                "kind": kind.value,
                "params": params,
                "link": link,
            }
            for person in people
            if "@" in person.login and person.is_active
        ]
        if mails:
            db.session.info.setdefault(_OUTBOX, []).append({"batch": mails})
    return len(people)


def mark_read(user, notification_ids=None):
    """Mark ``user``'s notifications read (all unread ones when no ids given);
    another person's ids are ignored. Returns how many changed."""
    statement = (
        sa.update(Notification)
        .where(Notification.user_id == user.id, Notification.read_dt.is_(None))
        .values(read_dt=utcnow())
    )
    if notification_ids is not None:
        statement = statement.where(Notification.id.in_(list(notification_ids)))
    result = db.session.execute(statement.execution_options(synchronize_session=False))
    return result.rowcount


def _mail_configured():
    return has_app_context() and bool(current_app.config.get("MAIL_SERVER"))


@event.listens_for(Session, "after_commit")
def _send_after_commit(session):
    outbox = session.info.pop(_OUTBOX, None)
    if not outbox:
        return
    from lms.notifications.tasks import (
        send_notification_email,
        send_notification_emails,
    )

    for message in outbox:
        try:
            if "batch" in message:
                send_notification_emails(message["batch"])
            else:
                send_notification_email(message)
        except Exception:
            # The action is committed; a queue that is down loses the copy (the
            # notice itself is in the app), it does not turn the answer into a 500.
            logging.getLogger(__name__).exception(
                "could not queue the email copy of a %s notice",
                message.get("kind") or message["batch"][0]["kind"],
            )


@event.listens_for(Session, "after_soft_rollback")
def _forget_after_rollback(session, previous_transaction):
    if previous_transaction.parent is None:  # the whole transaction, not a savepoint
        session.info.pop(_OUTBOX, None)
