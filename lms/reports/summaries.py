"""The summary tables, recomputed from the raw rows a month at a time.

One code path serves both jobs: ``refresh_pending`` recomputes the months the
stale marks name (and the current and previous month, which beats change
without marks), and ``rebuild`` recomputes every month that has raw rows. A
month is recomputed whole (its rows deleted and inserted again in one
transaction), so a refresh is exact however often it runs, and two refreshes
of one month take turns (the SQLite write lock; an advisory lock on PostgreSQL).
"""

import time
from collections import defaultdict
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from certificates.models import Attendance, Certificate, CreditAward
from certificates.queries import get_rule_set, get_transcripts
from certificates.rules import Source, calculate_class_hours
from courses.models import Course, Enrolment, Evaluation, PlaySession
from courses.queries import class_hours
from courses.sessions.models import (
    Presence,
    Reservation,
    RoomHeadcount,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
)
from courses.sessions.states import OutcomeRole, PresenceSource, SessionState
from lms.accounts.models import User
from lms.db import begin_write_transaction, db, utcnow
from lms.reports.models import (
    CourseHospitalMonth,
    CourseMonth,
    HospitalMonth,
    HospitalMonthCredits,
    LearnerHospitalYear,
    LearnerMonth,
    LearnerYear,
    RefreshLog,
    StaleMark,
    TopicMonth,
)
from lms.reports.rules import (
    date_bounds,
    month_bounds,
    month_of,
    month_of_date,
    months_between,
    previous_month,
)

MONTH_TABLES = (
    HospitalMonth,
    CourseHospitalMonth,
    HospitalMonthCredits,
    TopicMonth,
    CourseMonth,
    LearnerMonth,
)
#: People whose transcripts one query batch loads.
LEARNER_BATCH = 2000
HUNDREDTH = Decimal("0.01")
ZERO_HOURS = Decimal("0.00")
#: The advisory lock refreshes take turns on (PostgreSQL).
REFRESH_LOCK = 15_000_001


@dataclass(frozen=True)
class RefreshResult:
    months: tuple
    learner_years: int
    seconds: float


def _lock_month():
    """Take the refresh's turn: the SQLite write lock, or an advisory lock. On
    SQLite a transaction that has only read is ended first: it could not take
    the write lock once another writer had committed ("database is locked")."""
    if db.session.get_bind().dialect.name == "sqlite" and db.session().in_transaction():
        db.session.commit()
    begin_write_transaction()
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(REFRESH_LOCK)))


# --- one month ---------------------------------------------------------------------


def sessions_starting(lo, hi):
    """{session id: (its days' minutes, venue, state, course, rule set)} of the
    sessions whose first day starts within ``[lo, hi)``."""
    days = SessionDay.__table__.c
    first = (
        sa.select(days.session_id)
        .group_by(days.session_id)
        .having(sa.func.min(days.starts_dt) >= lo, sa.func.min(days.starts_dt) < hi)
    )
    ids = list(db.session.scalars(first))
    if not ids:
        return {}
    minutes = defaultdict(int)
    for session_id, starts, ends in db.session.execute(
        sa.select(
            SessionDay.session_id, SessionDay.starts_dt, SessionDay.ends_dt
        ).where(SessionDay.session_id.in_(ids))
    ):
        minutes[session_id] += int((ends - starts).total_seconds() // 60)
    rows = db.session.execute(
        sa.select(
            ScheduledSession.id,
            ScheduledSession.venue_hospital_id,
            ScheduledSession.state,
            ScheduledSession.course_id,
            ScheduledSession.rule_set_code,
        ).where(ScheduledSession.id.in_(ids))
    )
    return {row.id: (minutes[row.id], row) for row in rows}


def session_hours(minutes, rule_set_code):
    """A session's class hours (clock hours, the rule set's steps) for its minutes."""
    rule_set = get_rule_set(rule_set_code)
    hours = calculate_class_hours(minutes, rule_set) if rule_set else minutes / 60
    return Decimal(hours).quantize(HUNDREDTH)


class _Cells:
    """The rows of one month being assembled."""

    def __init__(self):
        self.hospital = defaultdict(lambda: defaultdict(int))
        self.credits = defaultdict(Decimal)
        self.topic = defaultdict(lambda: defaultdict(int))
        self.course = defaultdict(lambda: defaultdict(int))
        self.course_hospital = defaultdict(lambda: defaultdict(int))
        self.hours = {}
        #: Every course's class hours, read once a refresh (``_course_hours``).
        self.hours_of = {}
        self.learners = set()


def refresh_month(month, *, commit, course_hours=None):
    """Recompute every summary row of ``month`` from the raw rows: read them,
    end the reading transaction (``commit``), then replace the month's rows in
    a transaction of their own (the write lock is held only to write)."""
    cells = _read_month(month, {} if course_hours is None else course_hours)
    commit()
    _lock_month()
    _write_month(month, cells)


def _course_hours(hours_of):
    """Fill ``hours_of`` with every course's class hours (once per refresh)."""
    if not hours_of:
        for course in db.session.scalars(
            sa.select(Course).options(sa.orm.selectinload(Course.lectures))
        ):
            hours_of[course.id] = Decimal(str(class_hours(course))).quantize(HUNDREDTH)
    return hours_of


def _read_month(month, hours_of):
    lo, hi = month_bounds(month)
    day_lo, day_hi = date_bounds(month)
    cells = _Cells()
    cells.hours_of = hours_of
    specialty = dict(db.session.execute(sa.select(Course.id, Course.specialty)).all())

    def hours(course_id):
        return _course_hours(hours_of).get(course_id, ZERO_HOURS)

    # Enrolments and completions, by hospital, course and profession.
    for column, field in (
        (Enrolment.enrolled_dt, "enrolments"),
        (Enrolment.completed_dt, "completions"),
    ):
        query = (
            sa.select(
                Enrolment.hospital_id,
                Enrolment.course_id,
                User.profession,
                sa.func.count().label("n"),
            )
            .join(User, User.id == Enrolment.user_id)
            .where(column >= lo, column < hi, Enrolment.hospital_id.is_not(None))
            .group_by(Enrolment.hospital_id, Enrolment.course_id, User.profession)
        )
        for hospital_id, course_id, profession, n in db.session.execute(query):
            cells.hospital[hospital_id][field] += n
            topic = (hospital_id, specialty.get(course_id, ""), profession.value)
            cells.topic[topic][field] += n
            cells.course[course_id][field] += n
            cells.course_hospital[(course_id, hospital_id)][field] += n
            cells.hours[course_id] = hours(course_id)
        cells.learners.update(
            map(
                tuple,
                db.session.execute(
                    sa.select(Enrolment.user_id, Enrolment.hospital_id)
                    .where(
                        column >= lo, column < hi, Enrolment.hospital_id.is_not(None)
                    )
                    .distinct()
                ).all(),
            )
        )

    # Attendances a coordinator recorded at a course's sessions.
    query = (
        sa.select(
            Attendance.hospital_id,
            Attendance.course_id,
            User.profession,
            sa.func.count(),
        )
        .join(User, User.id == Attendance.user_id)
        .where(
            Attendance.session_date >= day_lo,
            Attendance.session_date < day_hi,
            Attendance.hospital_id.is_not(None),
        )
        .group_by(Attendance.hospital_id, Attendance.course_id, User.profession)
    )
    for hospital_id, course_id, profession, n in db.session.execute(query):
        cells.hospital[hospital_id]["attendances"] += n
        topic = (hospital_id, specialty.get(course_id, ""), profession.value)
        cells.topic[topic]["attendances"] += n
    cells.learners.update(
        map(
            tuple,
            db.session.execute(
                sa.select(Attendance.user_id, Attendance.hospital_id)
                .where(
                    Attendance.session_date >= day_lo,
                    Attendance.session_date < day_hi,
                    Attendance.hospital_id.is_not(None),
                )
                .distinct()
            ).all(),
        )
    )

    _add_sessions(cells, sessions_starting(lo, hi), specialty)

    # Time watched: recorded lectures by the play session's start.
    for hospital_id, seconds in db.session.execute(
        sa.select(PlaySession.hospital_id, sa.func.sum(PlaySession.credited_seconds))
        .where(
            PlaySession.started_dt >= lo,
            PlaySession.started_dt < hi,
            PlaySession.hospital_id.is_not(None),
        )
        .group_by(PlaySession.hospital_id)
    ):
        cells.hospital[hospital_id]["watched"] += seconds or 0

    # Credits by category (learners' lines, net of revocations).
    for hospital_id, category, credits in db.session.execute(
        sa.select(
            CreditAward.hospital_id,
            CreditAward.category,
            sa.func.sum(CreditAward.credits),
        )
        .where(
            CreditAward.activity_date >= day_lo,
            CreditAward.activity_date < day_hi,
            CreditAward.source != Source.TEACHING,
            CreditAward.hospital_id.is_not(None),
        )
        .group_by(CreditAward.hospital_id, CreditAward.category)
    ):
        cells.credits[(hospital_id, category)] += Decimal(credits or 0)
        cells.hospital[hospital_id]  # a row even when the credits net to zero

    # Certificates (re)issued this month and valid now.
    for hospital_id, n in db.session.execute(
        sa.select(Certificate.hospital_id, sa.func.count())
        .where(
            Certificate.issued_dt >= lo,
            Certificate.issued_dt < hi,
            Certificate.revoked_dt.is_(None),
            Certificate.replaced_dt.is_(None),
            Certificate.hospital_id.is_not(None),
        )
        .group_by(Certificate.hospital_id)
    ):
        cells.hospital[hospital_id]["certificates"] += n

    # Evaluations, by course.
    for course_id, n, quality, lecturer, relevance in db.session.execute(
        sa.select(
            Enrolment.course_id,
            sa.func.count(),
            sa.func.sum(Evaluation.course_quality),
            sa.func.sum(Evaluation.lecturer_quality),
            sa.func.sum(Evaluation.relevance),
        )
        .join(Enrolment, Enrolment.id == Evaluation.enrolment_id)
        .where(Evaluation.submitted_dt >= lo, Evaluation.submitted_dt < hi)
        .group_by(Enrolment.course_id)
    ):
        row = cells.course[course_id]
        row["evaluations"] += n
        row["course_quality"] += quality or 0
        row["lecturer_quality"] += lecturer or 0
        row["relevance"] += relevance or 0

    return cells


def _add_sessions(cells, sessions, specialty):
    if not sessions:
        return
    ids = list(sessions)
    held = {i for i, (_, s) in sessions.items() if s.state == SessionState.ENDED}
    for minutes, session in sessions.values():
        if session.id in held:
            row = cells.hospital[session.venue_hospital_id]
            row["sessions_held"] += 1
            row["session_hours"] += session_hours(minutes, session.rule_set_code)
    course_of = {i: s.course_id for i, (_, s) in sessions.items()}
    # Learners present (their outcomes, where they were when they signed in).
    query = (
        sa.select(
            SessionOutcome.session_id,
            SessionOutcome.user_id,
            SessionOutcome.hospital_id,
            User.profession,
        )
        .join(User, User.id == SessionOutcome.user_id)
        .where(
            SessionOutcome.session_id.in_(ids),
            SessionOutcome.role == OutcomeRole.LEARNER,
            SessionOutcome.hospital_id.is_not(None),
        )
    )
    for session_id, user_id, hospital_id, profession in db.session.execute(query):
        cells.hospital[hospital_id]["attendances"] += 1
        topic = (
            hospital_id,
            specialty.get(course_of[session_id], ""),
            profession.value,
        )
        cells.topic[topic]["attendances"] += 1
        cells.learners.add((user_id, hospital_id))
    # Hospitals that took part in a session held elsewhere: staff present, or
    # their room counted heads.
    venue = {i: s.venue_hospital_id for i, (_, s) in sessions.items()}
    connected = set()
    if held:
        connected.update(
            map(
                tuple,
                db.session.execute(
                    sa.select(Presence.session_id, Presence.hospital_id)
                    .where(
                        Presence.session_id.in_(held), Presence.hospital_id.is_not(None)
                    )
                    .distinct()
                ).all(),
            )
        )
        connected.update(
            map(
                tuple,
                db.session.execute(
                    sa.select(RoomHeadcount.session_id, Reservation.hospital_id)
                    .join(Reservation, Reservation.id == RoomHeadcount.reservation_id)
                    .where(
                        RoomHeadcount.session_id.in_(held),
                        RoomHeadcount.headcount > 0,
                        Reservation.hospital_id.is_not(None),
                    )
                    .distinct()
                ).all(),
            )
        )
    for session_id, hospital_id in connected:
        if hospital_id != venue[session_id]:
            cells.hospital[hospital_id]["rooms_connected"] += 1
    # Presence while watching a broadcast live counts as time watched.
    for hospital_id, seconds in db.session.execute(
        sa.select(Presence.hospital_id, sa.func.sum(Presence.live_seconds))
        .where(
            Presence.session_id.in_(ids),
            Presence.source == PresenceSource.LIVE,
            Presence.hospital_id.is_not(None),
        )
        .group_by(Presence.hospital_id)
    ):
        cells.hospital[hospital_id]["watched"] += seconds or 0


def _write_month(month, cells):
    for model in MONTH_TABLES:
        db.session.execute(sa.delete(model).where(model.month == month))
    learners_at = defaultdict(int)
    for _, hospital_id in cells.learners:
        learners_at[hospital_id] += 1
        cells.hospital[hospital_id]  # a row for every active hospital
    rows = []
    for hospital_id, row in cells.hospital.items():
        rows.append(
            {
                "hospital_id": hospital_id,
                "month": month,
                "enrolments": row["enrolments"],
                "attendances": row["attendances"],
                "learners": learners_at[hospital_id],
                "completions": row["completions"],
                "sessions_held": row["sessions_held"],
                "session_hours": Decimal(row["session_hours"]),
                "rooms_connected": row["rooms_connected"],
                "watched_seconds": round(row["watched"]),
                "certificates": row["certificates"],
            }
        )
    _insert(HospitalMonth, rows)
    _insert(
        HospitalMonthCredits,
        [
            {"hospital_id": h, "month": month, "category": c, "credits": credits}
            for (h, c), credits in cells.credits.items()
        ],
    )
    _insert(
        TopicMonth,
        [
            {
                "hospital_id": h,
                "month": month,
                "specialty": s,
                "profession": p,
                "enrolments": row["enrolments"],
                "attendances": row["attendances"],
                "completions": row["completions"],
            }
            for (h, s, p), row in cells.topic.items()
        ],
    )
    _insert(
        CourseMonth,
        [
            {
                "course_id": course_id,
                "month": month,
                "enrolments": row["enrolments"],
                "completions": row["completions"],
                "class_hours": _course_hours(cells.hours_of).get(course_id, ZERO_HOURS),
                "evaluations": row["evaluations"],
                "course_quality": row["course_quality"],
                "lecturer_quality": row["lecturer_quality"],
                "relevance": row["relevance"],
            }
            for course_id, row in cells.course.items()
        ],
    )
    _insert(
        CourseHospitalMonth,
        [
            {
                "course_id": course_id,
                "hospital_id": hospital_id,
                "month": month,
                "enrolments": row["enrolments"],
                "completions": row["completions"],
                "class_hours": cells.hours[course_id],
            }
            for (course_id, hospital_id), row in cells.course_hospital.items()
        ],
    )
    _insert(
        LearnerMonth,
        [{"user_id": u, "month": month, "hospital_id": h} for u, h in cells.learners],
    )
    db.session.flush()


def _insert(model, rows, batch=5000):
    for start in range(0, len(rows), batch):
        db.session.execute(sa.insert(model), rows[start : start + batch])


# --- learners' years -----------------------------------------------------------------


def fold_years(years, *, commit):
    """Rewrite the learners active at each hospital in each of ``years`` from
    the year's learner-months (one statement a year)."""
    lm = LearnerMonth.__table__.c
    for year in sorted(years):
        _lock_month()
        db.session.execute(
            sa.delete(LearnerHospitalYear).where(LearnerHospitalYear.year == year)
        )
        db.session.execute(
            sa.insert(LearnerHospitalYear).from_select(
                ["user_id", "year", "hospital_id"],
                sa.select(lm.user_id, sa.literal(year), lm.hospital_id)
                .where(lm.month.between(year * 100 + 1, year * 100 + 12))
                .distinct(),
            )
        )
        commit()


def refresh_learner_years(pairs, *, commit):
    """Recompute the transcripts' verdicts of ``(user id, year)`` pairs (user 0:
    every learner; year 0: every year with ledger lines), a batch of people per
    transaction; returns how many rows were written."""
    wanted = defaultdict(set)  # year -> user ids (None: everyone)
    years = set()
    if any(year == 0 for _, year in pairs):
        years = set(db.session.scalars(sa.select(CreditAward.year).distinct()))
        years |= set(db.session.scalars(sa.select(LearnerYear.year).distinct()))
    for user_id, year in pairs:
        for y in sorted(years) if year == 0 else [year]:
            if user_id == 0:
                wanted[y] = None
            elif wanted.get(y, set()) is not None:
                wanted.setdefault(y, set()).add(user_id)
    count = 0
    for year, user_ids in sorted(wanted.items()):
        if user_ids is None:
            # Everyone with lines that year, and everyone with a row of it.
            user_ids = set(
                db.session.scalars(
                    sa.select(CreditAward.user_id)
                    .where(CreditAward.year == year)
                    .distinct()
                )
            ) | set(
                db.session.scalars(
                    sa.select(LearnerYear.user_id).where(LearnerYear.year == year)
                )
            )
        ordered = sorted(user_ids)
        for start in range(0, len(ordered), LEARNER_BATCH):
            batch = ordered[start : start + LEARNER_BATCH]
            rows = _learner_year_rows(year, batch)
            commit()
            _lock_month()
            db.session.execute(
                sa.delete(LearnerYear).where(
                    LearnerYear.year == year, LearnerYear.user_id.in_(batch)
                )
            )
            _insert(LearnerYear, rows)
            commit()
            count += len(rows)
    return count


def _learner_year_rows(year, user_ids):
    """The rows of people with ledger lines in ``year`` (whatever their role now:
    compliance reads only the learners among them)."""
    people = db.session.scalars(
        sa.select(User)
        .where(User.id.in_(user_ids))
        .options(sa.orm.selectinload(User.hospital))
    ).all()
    transcripts = get_transcripts(people, year)
    return [
        {
            "user_id": person.id,
            "year": year,
            "credits": transcripts[person.id].counted_credits,
            "is_met": transcripts[person.id].is_met,
        }
        for person in people
        if transcripts[person.id].lines
    ]


# --- the jobs ------------------------------------------------------------------------


def _read_marks():
    return db.session.execute(
        sa.select(StaleMark.id, StaleMark.month, StaleMark.user_id, StaleMark.year)
    ).all()


def _delete_marks(marks, commit):
    ids = [m.id for m in marks]
    _lock_month()
    for start in range(0, len(ids), 5000):
        db.session.execute(
            sa.delete(StaleMark).where(StaleMark.id.in_(ids[start : start + 5000]))
        )
    commit()


def refresh_pending(now=None, *, commit=None):
    """Recompute what the stale marks name, and every month since the month
    before the previous refresh (changes that count in the month they happen
    leave no mark); delete exactly the marks read, a mark written meanwhile
    waits for the next run. Each month is a transaction of its own (``commit``,
    the session's by default)."""
    commit = commit or db.session.commit
    now = now or utcnow()
    log = last_refresh()
    if log is None:  # never built (a new install, or just migrated)
        return rebuild(now=now, commit=commit)
    started = time.perf_counter()
    marks = _read_marks()
    current = month_of(now)
    since = min(previous_month(month_of(log.refreshed_dt)), previous_month(current))
    months = set(months_between(since, current))
    months.update(m.month for m in marks if m.month is not None)
    pairs = {(m.user_id, m.year) for m in marks if m.month is None}
    commit()
    hours = {}
    for month in sorted(months):
        refresh_month(month, commit=commit, course_hours=hours)
        commit()
    fold_years({m // 100 for m in months}, commit=commit)
    count = refresh_learner_years(pairs, commit=commit)
    _delete_marks(marks, commit)
    seconds = time.perf_counter() - started
    _lock_month()
    _log_refresh(now, len(months), seconds)
    commit()
    return RefreshResult(tuple(sorted(months)), count, seconds)


def rebuild(first=None, last=None, *, now=None, commit=None, progress=None):
    """Recompute every month from ``first`` to ``last`` (default: every month
    with raw rows up to now) and every learner's years, from the raw rows; the
    stale marks read first are then done with."""
    commit = commit or db.session.commit
    now = now or utcnow()
    started = time.perf_counter()
    marks = _read_marks() if first is None and last is None else []
    first = first or _first_month(now)
    last = last or month_of(now)
    months = months_between(first, last) if first <= last else []
    commit()
    hours = {}
    for month in months:
        refresh_month(month, commit=commit, course_hours=hours)
        commit()
        if progress:
            progress(month)
    fold_years({m // 100 for m in months}, commit=commit)
    count = refresh_learner_years({(0, 0)}, commit=commit)
    _delete_marks(marks, commit)
    if db.session.get_bind().dialect.name == "sqlite":
        # Fresh statistics, or the planner may walk the wrong index of a table
        # that grew from nothing to millions of rows.
        db.session.execute(sa.text("PRAGMA optimize"))
        commit()
    seconds = time.perf_counter() - started
    _lock_month()
    _log_refresh(now, len(months), seconds)
    commit()
    return RefreshResult(tuple(months), count, seconds)


def _first_month(now):
    """The earliest month any raw row the reports count falls in."""
    candidates = [
        db.session.scalar(sa.select(sa.func.min(Enrolment.enrolled_dt))),
        db.session.scalar(sa.select(sa.func.min(PlaySession.started_dt))),
        db.session.scalar(sa.select(sa.func.min(Certificate.issued_dt))),
        db.session.scalar(sa.select(sa.func.min(SessionDay.starts_dt))),
        db.session.scalar(sa.select(sa.func.min(Evaluation.submitted_dt))),
    ]
    months = [month_of(c) for c in candidates if c is not None]
    for day in (
        db.session.scalar(sa.select(sa.func.min(CreditAward.activity_date))),
        db.session.scalar(sa.select(sa.func.min(Attendance.session_date))),
    ):
        if day is not None:
            months.append(month_of_date(day))
    return min(months, default=month_of(now))


def _log_refresh(now, months, seconds):
    log = db.session.get(RefreshLog, 1)
    if log is None:
        db.session.add(
            RefreshLog(id=1, refreshed_dt=now, months=months, seconds=seconds)
        )
    else:
        log.refreshed_dt, log.months, log.seconds = now, months, seconds
    db.session.flush()


def last_refresh():
    return db.session.get(RefreshLog, 1)
