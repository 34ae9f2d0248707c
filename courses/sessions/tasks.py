"""Queue tasks of scheduled sessions: crediting an ended session, and ending the
sessions nobody ended so their attendance is not left without credits."""

from datetime import timedelta

from flask import current_app
from huey import crontab

from courses.sessions import crediting, queries
from lms.db import begin_write_transaction, db, utcnow
from lms.problems import DomainError
from lms.queue import periodic_task, task

#: An ended session whose credits task has not finished after this long is
#: queued again (its task was lost with a restarted queue or a killed worker).
CREDIT_RETRY_AFTER = timedelta(minutes=10)


@task()
def credit_session_task(session_id):
    """Turn the ended session's attendance into credit lines (idempotent)."""
    begin_write_transaction()
    try:
        crediting.credit_session(session_id, utcnow())
        db.session.commit()
    except Exception:
        db.session.rollback()
        current_app.logger.exception("crediting session %s failed", session_id)
        raise


def queue_credits(session_id):
    """Call after committing the session's end."""
    credit_session_task(session_id)


@periodic_task(crontab(minute="*/5"))
def end_finished_sessions():
    """End the sessions whose last day ended ``SESSION_AUTO_END_HOURS`` ago and
    credit them; queue again the credits of ended sessions still uncredited."""
    now = utcnow()
    hours = current_app.config["SESSION_AUTO_END_HOURS"]
    begin_write_transaction()
    ended = []
    for session_id in queries.sessions_to_end(now, timedelta(hours=hours)):
        try:
            with db.session.begin_nested():
                crediting.end_session(queries.get_session(session_id), None, now)
        except DomainError:
            continue  # ended meanwhile by its host
        ended.append(session_id)
    stale = queries.sessions_to_credit(now, CREDIT_RETRY_AFTER)
    db.session.commit()
    for session_id in [*ended, *stale]:
        queue_credits(session_id)
