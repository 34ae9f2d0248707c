"""What keeps the summary tables honest as events happen, in the event's own
transaction:

* every raw row the reports count is stamped with the learner's hospital when
  it is made (a person who moves later does not take their history along);
* every change to such a row leaves a stale mark for its month (or the
  learner's year), which the next refresh recomputes (``summaries``).

A change that counts in the month it happens in leaves no mark (most beats of
a lecture or a broadcast): every refresh recomputes the months since the
previous refresh anyway, and a mark per beat would be a write per beat.
"""

import sqlalchemy as sa
from sqlalchemy.orm import Session

from certificates.models import Attendance, Certificate, CreditAward, RuleSetVariant
from certificates.rules import Source
from courses.events import learner_enrolled, play_session_credited
from courses.models import Course, Enrolment, Evaluation, Lecture, PlaySession
from courses.sessions.models import (
    Presence,
    RoomHeadcount,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
)
from lms.accounts.models import User
from lms.db import utcnow
from lms.hospitals.models import Hospital
from lms.reports.models import CourseMonth, LearnerMonth, StaleMark
from lms.reports.rules import month_of, month_of_date

#: Raw rows stamped with the learner's hospital when inserted.
STAMPED = (Enrolment, CreditAward, Certificate, PlaySession, SessionOutcome, Attendance)
_users = User.__table__
_awards = CreditAward.__table__
_enrolments = Enrolment.__table__


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
        course_id = getattr(target, "course_id", None)
        if (
            isinstance(target, CreditAward | Certificate)
            and course_id is not None
            and getattr(target, "source", None) != Source.TEACHING
        ):
            # A course's credits and certificate count where its enrolment does
            # (a learner may move between enrolling and completing).
            enrolled_at = connection.scalar(
                sa.select(_enrolments.c.hospital_id).where(
                    _enrolments.c.user_id == target.user_id,
                    _enrolments.c.course_id == course_id,
                )
            )
            if enrolled_at is not None:
                target.hospital_id = enrolled_at
                return
    target.hospital_id = connection.scalar(query)


class _Flush:
    """What one flush's marks need to look up, each at most once."""

    def __init__(self, connection):
        self.connection = connection
        self._first_day = {}

    def first_day_month(self, session_id):
        """The month a session counts in: its first day's."""
        if session_id not in self._first_day:
            days = SessionDay.__table__.c
            first = self.connection.scalar(
                sa.select(sa.func.min(days.starts_dt)).where(
                    days.session_id == session_id
                )
            )
            self._first_day[session_id] = None if first is None else month_of(first)
        return self._first_day[session_id]

    def months_of(self, table, **where):
        """The months a summary table holds rows of (a course's, a learner's)."""
        query = sa.select(table.c.month).distinct()
        for name, value in where.items():
            query = query.where(table.c[name] == value)
        return set(self.connection.scalars(query))


def _values(obj, name):
    """An attribute's value now and any value it had before this flush."""
    history = sa.inspect(obj).attrs[name].history
    return [
        v
        for v in (*history.unchanged, *history.added, *history.deleted)
        if v is not None
    ]


def _changed(obj, name):
    return sa.inspect(obj).attrs[name].history.has_changes()


def marks_of(obj, flush, now):
    """The stale marks a new, changed or deleted ``obj`` leaves:
    ``(month, user, year)`` triples."""
    if isinstance(obj, Enrolment):
        for name in ("enrolled_dt", "completed_dt"):
            yield from ((month_of(v), None, None) for v in _values(obj, name))
    elif isinstance(obj, CreditAward):
        yield month_of_date(obj.activity_date), None, None
        yield None, obj.user_id, obj.year
    elif isinstance(obj, Certificate | Evaluation):
        name = "issued_dt" if isinstance(obj, Certificate) else "submitted_dt"
        yield from ((month_of(v), None, None) for v in _values(obj, name))
    elif isinstance(obj, Attendance):
        yield from (
            (month_of_date(v), None, None) for v in _values(obj, "session_date")
        )
    elif isinstance(obj, PlaySession):
        # Its beats count in the month it started: marked only when that is not
        # this month (every refresh recomputes the months since the last one).
        if obj.started_dt is not None and month_of(obj.started_dt) != month_of(now):
            yield month_of(obj.started_dt), None, None
    elif isinstance(obj, SessionOutcome | Presence | RoomHeadcount) or (
        isinstance(obj, ScheduledSession) and _changed(obj, "state")
    ):
        session_id = obj.id if isinstance(obj, ScheduledSession) else obj.session_id
        month = flush.first_day_month(session_id)
        if month is not None and month != month_of(now):
            yield month, None, None
    elif isinstance(obj, Course | Lecture):
        # The hours and specialty of a course count where it was completed.
        if isinstance(obj, Course) and not (
            _changed(obj, "specialty") or _changed(obj, "class_hours_override")
        ):
            return
        course_id = obj.id if isinstance(obj, Course) else obj.course_id
        for month in flush.months_of(CourseMonth.__table__, course_id=course_id):
            yield month, None, None
    elif isinstance(obj, User):
        if _changed(obj, "hospital_id"):
            yield None, obj.id, 0  # compliance is counted where people are now
        if _changed(obj, "profession"):
            for month in flush.months_of(LearnerMonth.__table__, user_id=obj.id):
                yield month, None, None
    elif isinstance(obj, Hospital):
        if _changed(obj, "tier") or _changed(obj, "province_code"):
            # The requirement its people are held to may change.
            users = User.__table__.c
            for user_id in flush.connection.scalars(
                sa.select(users.id).where(users.hospital_id == obj.id)
            ):
                yield None, user_id, 0
    elif isinstance(obj, RuleSetVariant):
        yield None, 0, 0  # who met which year may change for everyone


def _mark_changes(session, flush_context):
    flush = _Flush(session.connection())
    now = utcnow()
    marks = set()
    for obj in (*session.new, *session.dirty, *session.deleted):
        marks.update(marks_of(obj, flush, now))
    if marks:
        write_marks(flush.connection, marks)


def write_marks(connection, marks):
    connection.execute(
        sa.insert(StaleMark.__table__),
        [{"month": m, "user_id": u, "year": y} for m, u, y in sorted(marks, key=str)],
    )


def _on_enrolled(enrolment, *, now):
    from lms.db import db

    write_marks(db.session.connection(), {(month_of(now), None, None)})


def _on_credited(started_dt, *, now):
    """A beat credited seconds to a play session: like the ORM's PlaySession
    rows above, marked only when it started in an earlier month."""
    if month_of(started_dt) != month_of(now):
        from lms.db import db

        write_marks(db.session.connection(), {(month_of(started_dt), None, None)})


def connect():
    """Called once by the app factory."""
    if sa.event.contains(Session, "after_flush", _mark_changes):
        return
    for model in STAMPED:
        sa.event.listen(model, "before_insert", _stamp_hospital)
    sa.event.listen(Session, "after_flush", _mark_changes)
    learner_enrolled.connect(_on_enrolled)
    play_session_credited.connect(_on_credited)
