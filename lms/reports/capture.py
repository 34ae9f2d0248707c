"""What keeps the summary tables honest as events happen, in the event's own
transaction:

* every raw row the reports count is stamped with the learner's hospital when
  it is made (a person who moves later does not take their history along);
* every change to such a row leaves a stale mark for its month (or the
  learner's year), which the next refresh recomputes (``summaries``).

Beats of a lecture or of a live broadcast leave no mark: they change the
current month only, which every refresh recomputes anyway (a mark per beat
would be a write per beat).
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certificates.models import Attendance, Certificate, CreditAward, RuleSetVariant
from courses.events import learner_enrolled
from courses.models import Enrolment, Evaluation, PlaySession
from courses.sessions.models import ScheduledSession, SessionDay, SessionOutcome
from lms.accounts.models import User
from lms.reports.models import StaleMark
from lms.reports.rules import month_of, month_of_date

#: Raw rows stamped with the learner's hospital when inserted.
STAMPED = (Enrolment, CreditAward, Certificate, PlaySession, SessionOutcome, Attendance)
_users = User.__table__
_awards = CreditAward.__table__


def _stamp_hospital(mapper, connection, target):
    if target.hospital_id is not None:
        return
    if isinstance(target, CreditAward) and target.revokes_id is not None:
        # A revocation cancels the line where that line was counted.
        query = sa.select(_awards.c.hospital_id).where(
            _awards.c.id == target.revokes_id
        )
    else:
        query = sa.select(_users.c.hospital_id).where(_users.c.id == target.user_id)
    target.hospital_id = connection.scalar(query)


def _first_day_month(connection, session_id):
    first = connection.scalar(
        sa.select(sa.func.min(SessionDay.__table__.c.starts_dt)).where(
            SessionDay.__table__.c.session_id == session_id
        )
    )
    return None if first is None else month_of(first)


def _changed(obj, name):
    return sa.inspect(obj).attrs[name].history.has_changes()


def marks_of(obj, connection):
    """The stale marks a new or changed ``obj`` leaves: ``(month, user, year)``."""
    if isinstance(obj, Enrolment):
        yield from (
            (month_of(moment), None, None)
            for moment in (obj.enrolled_dt, obj.completed_dt)
            if moment is not None
        )
    elif isinstance(obj, CreditAward):
        yield month_of_date(obj.activity_date), None, None
        yield None, obj.user_id, obj.year
    elif isinstance(obj, Certificate):
        if obj.issued_dt is not None:
            yield month_of(obj.issued_dt), None, None
    elif isinstance(obj, Attendance):
        yield month_of_date(obj.session_date), None, None
    elif isinstance(obj, Evaluation):
        if obj.submitted_dt is not None:
            yield month_of(obj.submitted_dt), None, None
    elif isinstance(obj, SessionOutcome) or (
        isinstance(obj, ScheduledSession) and _changed(obj, "state")
    ):
        session_id = obj.session_id if isinstance(obj, SessionOutcome) else obj.id
        month = _first_day_month(connection, session_id)
        if month is not None:
            yield month, None, None
    elif isinstance(obj, User) and _changed(obj, "hospital_id"):
        yield None, obj.id, 0  # compliance is counted where people are now
    elif isinstance(obj, RuleSetVariant):
        yield None, 0, 0  # who met which year may change for everyone


def _mark_changes(session, flush_context):
    connection = session.connection()
    marks = set()
    for obj in list(session.new) + list(session.dirty):
        marks.update(marks_of(obj, connection))
    if marks:
        write_marks(connection, marks)


def write_marks(connection, marks):
    connection.execute(
        sa.insert(StaleMark.__table__),
        [{"month": m, "user_id": u, "year": y} for m, u, y in sorted(marks, key=str)],
    )


def _on_enrolled(enrolment, *, now):
    from lms.db import db

    write_marks(db.session.connection(), {(month_of(now), None, None)})


def connect():
    """Called once by the app factory."""
    if sa.event.contains(Session, "after_flush", _mark_changes):
        return
    for model in STAMPED:
        sa.event.listen(model, "before_insert", _stamp_hospital)
    sa.event.listen(Session, "after_flush", _mark_changes)
    learner_enrolled.connect(_on_enrolled)
