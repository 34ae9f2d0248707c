"""The reports, read from the summary tables (``summaries``): a handful of
GROUP BYs over at most a few hundred thousand summary rows, whatever the
number of raw rows behind them."""

from collections import defaultdict
from dataclasses import dataclass, replace
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from courses.models import Course, Enrolment, PlaySession, course_lecturers
from courses.sessions.models import (
    Presence,
    ScheduledSession,
    SessionDay,
    session_lecturers,
)
from courses.sessions.states import SessionState
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE, Tier
from lms.reports.models import (
    CourseHospitalMonth,
    CourseMonth,
    HospitalMonth,
    HospitalMonthCredits,
    LearnerHospitalYear,
    LearnerMonth,
    LearnerYear,
    TopicMonth,
)
from lms.reports.rules import (
    GROUPINGS,
    Figures,
    month_bounds,
    month_label,
    month_of,
    sum_figures,
)
from lms.reports.summaries import last_refresh, session_hours, sessions_starting

_H = Hospital.__table__.c
ZERO_HOURS = Decimal("0.00")
_ADDITIVE_COLUMNS = (
    "enrolments",
    "attendances",
    "completions",
    "sessions_held",
    "session_hours",
    "rooms_connected",
    "watched_seconds",
    "certificates",
)


@dataclass(frozen=True)
class Row:
    """One row of a report: ``key`` is the tier, province code, hospital id or
    month (YYYY-MM) as a string; the names are for people."""

    key: str
    name_zh: str
    name_en: str
    figures: Figures
    #: Hospital rows: where the hospital sits.
    tier: str = ""
    province_code: str = ""

    def name(self, language):
        return (
            self.name_en if language.startswith("en") and self.name_en else self.name_zh
        )


@dataclass(frozen=True)
class Report:
    period: object
    by: str
    rows: tuple
    totals: Figures
    #: When the summary tables were last brought up to date (None: never).
    as_of: object


@dataclass(frozen=True)
class Scope:
    """Which hospitals a report covers: all of them, one province's, or the
    given ones (a coordinator's own)."""

    hospital_ids: tuple | None = None
    province_code: str | None = None

    @property
    def is_everything(self):
        return self.hospital_ids is None and self.province_code is None

    def covers(self, column):
        """The clause keeping ``column``'s hospitals in scope (none for the
        whole network: an "IN (every hospital)" leads planners astray)."""
        return sa.true() if self.is_everything else column.in_(self.hospitals())

    def hospitals(self):
        """A select of the hospitals' ids in scope."""
        query = sa.select(_H.id)
        if self.hospital_ids is not None:
            query = query.where(_H.id.in_(self.hospital_ids or (-1,)))
        if self.province_code is not None:
            query = query.where(_H.province_code == self.province_code)
        return query


def _key_column(by, month_column):
    return {
        "tier": _H.tier,
        "province": _H.province_code,
        "hospital": _H.id,
        "month": month_column,
    }[by]


def network_reports(period, groupings, scope=Scope()):
    """``{by: Report}`` of ``period`` for several groupings (a page's tables):
    the totals that are counted again, not summed, are counted once."""
    reports, totals = {}, None
    for by in groupings:
        report = network_report(period, by, scope, totals=totals)
        totals = totals or report.totals
        reports[by] = report
    return reports


def network_report(period, by, scope=Scope(), *, totals=None):
    """Figures of ``period`` grouped ``by`` tier, province, hospital or month
    (``totals``: of another grouping of the same period and scope, to reuse its
    distinct counts)."""
    if by not in GROUPINGS:
        raise ValueError(f"unknown grouping {by!r}")
    values = defaultdict(dict)

    m = HospitalMonth.__table__.c
    key = _key_column(by, m.month)
    query = (
        sa.select(key, *(sa.func.sum(m[name]) for name in _ADDITIVE_COLUMNS))
        .join(Hospital.__table__, _H.id == m.hospital_id)
        .where(m.month.between(period.first, period.last), scope.covers(m.hospital_id))
        .group_by(key)
    )
    for k, *sums in db.session.execute(query):
        for name, value in zip(_ADDITIVE_COLUMNS, sums, strict=True):
            values[_row_key(by, k)][name] = _number(name, value)

    c = HospitalMonthCredits.__table__.c
    key = _key_column(by, c.month)
    query = (
        sa.select(key, c.category, sa.func.sum(c.credits))
        .join(Hospital.__table__, _H.id == c.hospital_id)
        .where(c.month.between(period.first, period.last), scope.covers(c.hospital_id))
        .group_by(key, c.category)
    )
    credits = defaultdict(dict)
    for k, category, total in db.session.execute(query):
        credits[_row_key(by, k)][category] = Decimal(total or 0)

    learners = _learners(period, by, scope)
    course_hours = _course_hours(period, by, scope)
    has_staff = by != "month" and period.year is not None
    staff = _staff(period.year, by, scope) if has_staff else {}

    rows = []
    for k, name_zh, name_en, tier, province in _row_keys(period, by, scope):
        done = staff.get(k, (0, 0)) if has_staff else (None, None)
        figures = Figures(
            **values.get(k, {}),
            learners=learners.get(k, 0),
            course_hours=course_hours.get(k, ZERO_HOURS),
            credits_by_category=_clean(credits.get(k, {})),
            staff=done[0],
            staff_met=done[1],
        )
        rows.append(Row(k, name_zh, name_en, figures, tier, province))
    summed = sum_figures(r.figures for r in rows)
    if totals is None:
        staff = (
            _staff(period.year, None, scope)
            if period.year is not None
            else (None, None)
        )
        totals = replace(
            summed,
            learners=_learners(period, None, scope),
            course_hours=_course_hours(period, None, scope),
            staff=staff[0],
            staff_met=staff[1],
        )
    else:  # another grouping's: the distinct counts are the same
        totals = replace(
            summed,
            learners=totals.learners,
            course_hours=totals.course_hours,
            staff=totals.staff,
            staff_met=totals.staff_met,
        )
    log = last_refresh()
    return Report(period, by, tuple(rows), totals, log.refreshed_dt if log else None)


def _course_hours(period, by, scope):
    """Class hours of the distinct courses completed, per key (or in all when
    ``by`` is None): a course completed at two hospitals counts at each, once
    in their sum."""
    ch = CourseHospitalMonth.__table__.c
    where = (
        ch.month.between(period.first, period.last),
        scope.covers(ch.hospital_id),
        ch.completions > 0,
    )
    hours = sa.func.max(ch.class_hours)
    if by is None and scope.is_everything:
        # The network's: from the courses' months, a few rows a course.
        cm = CourseMonth.__table__.c
        query = (
            sa.select(cm.course_id, sa.func.max(cm.class_hours))
            .where(cm.month.between(period.first, period.last), cm.completions > 0)
            .group_by(cm.course_id)
        )
        return sum((Decimal(h) for _, h in db.session.execute(query)), ZERO_HOURS)
    if by is None:
        query = sa.select(ch.course_id, hours).where(*where).group_by(ch.course_id)
        return sum((Decimal(h) for _, h in db.session.execute(query)), ZERO_HOURS)
    key = _key_column(by, ch.month)
    query = sa.select(key, hours).where(*where).group_by(key, ch.course_id)
    if by != "month":
        query = query.join(Hospital.__table__, _H.id == ch.hospital_id)
    totals = defaultdict(lambda: ZERO_HOURS)
    for k, h in db.session.execute(query):
        totals[_row_key(by, k)] += Decimal(h)
    return totals


def _text(key):
    return key.value if hasattr(key, "value") else str(key)


def _row_key(by, key):
    """A grouping's key as the rows name it (a month as "YYYY-MM")."""
    return month_label(key) if by == "month" else _text(key)


def _number(name, value):
    if name == "session_hours":
        return Decimal(value or 0)
    return int(value or 0)


def _clean(by_category):
    return {k: v for k, v in sorted(by_category.items()) if v}


def _learners(period, by, scope):
    """Distinct learners per key (or in all when ``by`` is None): from the
    learners' years when the period is whole calendar years not split by month,
    else from their months."""
    if period.first % 100 == 1 and period.last % 100 == 12 and by != "month":
        return _learners_of_years((period.first // 100, period.last // 100), by, scope)
    lm = LearnerMonth.__table__.c
    where = (lm.month.between(period.first, period.last), scope.covers(lm.hospital_id))
    count = sa.func.count(sa.distinct(lm.user_id))
    if by is None:
        return db.session.scalar(sa.select(count).where(*where)) or 0
    key = _key_column(by, lm.month)
    query = sa.select(key, count).where(*where).group_by(key)
    if by != "month":
        query = query.join(Hospital.__table__, _H.id == lm.hospital_id)
    return {_row_key(by, k): n for k, n in db.session.execute(query)}


def _learners_of_years(years, by, scope):
    ly = LearnerHospitalYear.__table__.c
    where = (ly.year.between(*years), scope.covers(ly.hospital_id))
    count = sa.func.count(sa.distinct(ly.user_id))
    if by is None:
        return db.session.scalar(sa.select(count).where(*where)) or 0
    key = _key_column(by, None)
    query = (
        sa.select(key, count)
        .join(Hospital.__table__, _H.id == ly.hospital_id)
        .where(*where)
        .group_by(key)
    )
    return {_row_key(by, k): n for k, n in db.session.execute(query)}


def _staff(year, by, scope):
    """(registered learners, those who met ``year``) per key, or in all."""
    u, ly = User.__table__.c, LearnerYear.__table__.c
    met = sa.func.sum(sa.case((ly.is_met.is_(True), 1), else_=0))
    query = (
        sa.select(sa.func.count(u.id), met)
        .select_from(User.__table__)
        .join(Hospital.__table__, _H.id == u.hospital_id)
        .outerjoin(LearnerYear.__table__, sa.and_(ly.user_id == u.id, ly.year == year))
        .where(
            u.role == Role.LEARNER.value,
            u.is_active.is_(True),
            scope.covers(u.hospital_id),
        )
    )
    if by is None:
        total, done = db.session.execute(query).one()
        return total or 0, int(done or 0)
    key = _key_column(by, None)
    query = query.add_columns(key).group_by(key)
    return {
        _text(k): (n or 0, int(done or 0)) for n, done, k in db.session.execute(query)
    }


def _row_keys(period, by, scope):
    """Every row the report shows, zero or not: (key, zh, en, tier, province)."""
    if by == "month":
        return [(month_label(m), month_label(m), "", "", "") for m in period.months]
    hospitals = db.session.execute(
        sa.select(_H.id, _H.name_zh, _H.name_en, _H.tier, _H.province_code)
        .where(_H.id.in_(scope.hospitals()))
        .order_by(_H.province_code, _H.tier, _H.id)
    ).all()
    if by == "hospital":
        return [
            (str(h.id), h.name_zh, h.name_en, _text(h.tier), h.province_code)
            for h in hospitals
        ]
    if by == "tier":
        present = {_text(h.tier) for h in hospitals}
        return [
            (t.value, t.value, t.value, t.value, "") for t in Tier if t.value in present
        ]
    codes = sorted({h.province_code for h in hospitals})
    rows = []
    for code in codes:
        province = PROVINCES_BY_CODE.get(code)
        rows.append(
            (
                code,
                province.name_zh if province else code,
                province.name_en if province else code,
                "",
                code,
            )
        )
    return rows


# --- reach and silence -----------------------------------------------------------


@dataclass(frozen=True)
class TierReach:
    tier: str
    #: Active hospitals of the tier (in scope), and those with any activity.
    hospitals: int
    reached: int

    @property
    def share(self):
        return self.reached / self.hospitals if self.hospitals else None


_ACTIVITY = (
    "enrolments",
    "attendances",
    "completions",
    "sessions_held",
    "rooms_connected",
)


def _active_hospitals(period, in_scope):
    m = HospitalMonth.__table__.c
    return (
        sa.select(m.hospital_id)
        .where(
            m.month.between(period.first, period.last),
            m.hospital_id.in_(in_scope),
            sa.or_(*(m[name] > 0 for name in _ACTIVITY)),
        )
        .distinct()
    )


def reach(period, scope=Scope()):
    """Per tier: the hospitals, and those with any activity in ``period`` (the
    network's "hospitals reached"; the township row is its township reach)."""
    in_scope = scope.hospitals()
    active = set(db.session.scalars(_active_hospitals(period, in_scope)))
    counts = defaultdict(lambda: [0, 0])
    for hospital_id, tier in db.session.execute(
        sa.select(_H.id, _H.tier).where(_H.id.in_(in_scope), _H.is_active.is_(True))
    ):
        counts[_text(tier)][0] += 1
        counts[_text(tier)][1] += hospital_id in active
    return [TierReach(t.value, *counts[t.value]) for t in Tier if t.value in counts]


@dataclass(frozen=True)
class Site:
    hospital_id: int
    name_zh: str
    name_en: str
    tier: str
    province_code: str
    #: The last month with any activity (YYYYMM), or None: never.
    last_active_month: int | None

    def name(self, language):
        return (
            self.name_en if language.startswith("en") and self.name_en else self.name_zh
        )


def inactive_sites(now, days=90, scope=Scope()):
    """Active hospitals where nobody enrolled, watched, attended, completed or
    hosted anything in the last ``days`` days (read from the raw rows since
    then, which the indexes on their times keep short)."""
    since = now - timedelta(days=days)
    in_scope = scope.hospitals()
    m = HospitalMonth.__table__.c
    # Enrolments and completions in the months wholly after ``since`` (the
    # summaries count them exactly) clear most hospitals at once; the raw rows
    # are read for the others only. (A DISTINCT over every raw row of the 90
    # days took 2-4 s at the network's size on SQLite.)
    busy = set(
        db.session.scalars(
            sa.select(m.hospital_id)
            .where(
                m.month > month_of(since),
                m.hospital_id.in_(in_scope),
                sa.or_(m.enrolments > 0, m.completions > 0),
            )
            .distinct()
        )
    )
    candidates = [
        i
        for i in db.session.scalars(
            sa.select(_H.id).where(_H.id.in_(in_scope), _H.is_active.is_(True))
        )
        if i not in busy
    ]
    for start in range(0, len(candidates), 500):
        chunk = candidates[start : start + 500]
        for query in (
            sa.select(Enrolment.hospital_id).where(
                Enrolment.hospital_id.in_(chunk), Enrolment.enrolled_dt >= since
            ),
            sa.select(Enrolment.hospital_id).where(
                Enrolment.hospital_id.in_(chunk), Enrolment.completed_dt >= since
            ),
            sa.select(PlaySession.hospital_id).where(
                PlaySession.hospital_id.in_(chunk), PlaySession.started_dt >= since
            ),
            sa.select(Presence.hospital_id)
            .join(SessionDay, SessionDay.id == Presence.day_id)
            .where(Presence.hospital_id.in_(chunk), SessionDay.starts_dt >= since),
            sa.select(ScheduledSession.venue_hospital_id)
            .join(SessionDay, SessionDay.session_id == ScheduledSession.id)
            .where(
                ScheduledSession.venue_hospital_id.in_(chunk),
                SessionDay.starts_dt >= since,
                SessionDay.starts_dt <= now,
            ),
        ):
            busy.update(db.session.scalars(query.distinct()))
    last = dict(
        db.session.execute(
            sa.select(m.hospital_id, sa.func.max(m.month))
            .where(m.hospital_id.in_(in_scope), sa.or_(*(m[n] > 0 for n in _ACTIVITY)))
            .group_by(m.hospital_id)
        ).all()
    )
    hospitals = db.session.execute(
        sa.select(_H.id, _H.name_zh, _H.name_en, _H.tier, _H.province_code)
        .where(_H.id.in_(in_scope), _H.is_active.is_(True))
        .order_by(_H.province_code, _H.tier, _H.id)
    )
    return [
        Site(h.id, h.name_zh, h.name_en, _text(h.tier), h.province_code, last.get(h.id))
        for h in hospitals
        if h.id not in busy
    ]


# --- by topic ------------------------------------------------------------------------


@dataclass(frozen=True)
class TopicRow:
    key: str
    enrolments: int
    attendances: int
    completions: int

    @property
    def person_times(self):
        return self.enrolments + self.attendances


def topic_breakdown(period, dimension, scope=Scope()):
    """Person-times and completions by the course's ``"specialty"`` or the
    learner's ``"profession"`` ("" for a session without a course), largest
    first."""
    t = TopicMonth.__table__.c
    key = {"specialty": t.specialty, "profession": t.profession}[dimension]
    query = (
        sa.select(
            key,
            sa.func.sum(t.enrolments),
            sa.func.sum(t.attendances),
            sa.func.sum(t.completions),
        )
        .where(
            t.month.between(period.first, period.last),
            t.hospital_id.in_(scope.hospitals()),
        )
        .group_by(key)
    )
    rows = [
        TopicRow(k, int(e or 0), int(a or 0), int(c or 0))
        for k, e, a, c in db.session.execute(query)
    ]
    return sorted(rows, key=lambda r: (-r.person_times, r.key))


# --- courses and lecturers ---------------------------------------------------------


@dataclass(frozen=True)
class CourseEvaluation:
    course_id: int
    title_zh: str
    title_en: str
    enrolments: int
    completions: int
    evaluations: int
    #: Average 1–5 ratings (None without evaluations).
    course_quality: float | None
    lecturer_quality: float | None
    relevance: float | None

    def title(self, language):
        return (
            self.title_en
            if language.startswith("en") and self.title_en
            else self.title_zh
        )


def _average(total, count):
    return round(total / count, 2) if count else None


def evaluations_by_course(period, course_ids=None):
    """Enrolments, completions and average evaluations of each course with any
    in ``period``, most evaluated first."""
    c = CourseMonth.__table__.c
    query = (
        sa.select(
            c.course_id,
            Course.title_zh,
            Course.title_en,
            sa.func.sum(c.enrolments),
            sa.func.sum(c.completions),
            sa.func.sum(c.evaluations),
            sa.func.sum(c.course_quality),
            sa.func.sum(c.lecturer_quality),
            sa.func.sum(c.relevance),
        )
        .join(Course, Course.id == c.course_id)
        .where(c.month.between(period.first, period.last))
        .group_by(c.course_id, Course.title_zh, Course.title_en)
    )
    if course_ids is not None:
        query = query.where(c.course_id.in_(course_ids or (-1,)))
    rows = []
    for (
        cid,
        zh,
        en,
        enrolled,
        completed,
        n,
        quality,
        lecturer,
        relevance,
    ) in db.session.execute(query):
        n = int(n or 0)
        rows.append(
            CourseEvaluation(
                cid,
                zh,
                en,
                int(enrolled or 0),
                int(completed or 0),
                n,
                _average(quality or 0, n),
                _average(lecturer or 0, n),
                _average(relevance or 0, n),
            )
        )
    return sorted(rows, key=lambda r: (-r.evaluations, -r.enrolments, r.course_id))


@dataclass(frozen=True)
class Workload:
    user_id: int
    name: str
    #: Sessions held in the period that they taught, and their class hours.
    sessions: int
    session_hours: Decimal
    #: Their courses, and completions and evaluations of them in the period.
    courses: int
    completions: int
    evaluations: int
    course_quality: float | None
    lecturer_quality: float | None
    #: Hospitals whose staff took part (present at their sessions, or enrolled
    #: in their courses in the period), and how many of each tier.
    hospitals: int
    tiers: dict

    @property
    def hours_taught(self):
        return self.session_hours


def lecturer_workload(period, lecturer_ids=None):
    """Each lecturer's teaching in ``period`` (every lecturer, or those given)."""
    people = sa.select(User.id, User.name).where(User.role == Role.LECTURER)
    if lecturer_ids is not None:
        people = people.where(User.id.in_(lecturer_ids or (-1,)))
    names = dict(db.session.execute(people.order_by(User.id)).all())
    if not names:
        return []
    lo, _ = month_bounds(period.first)
    _, hi = month_bounds(period.last)
    held = {
        i: value
        for i, value in sessions_starting(lo, hi).items()
        if value[1].state == SessionState.ENDED
    }
    sessions_of = defaultdict(set)
    if held:
        for session_id, user_id in db.session.execute(
            sa.select(
                session_lecturers.c.session_id, session_lecturers.c.user_id
            ).where(
                session_lecturers.c.session_id.in_(held),
                session_lecturers.c.user_id.in_(names),
            )
        ):
            sessions_of[user_id].add(session_id)
    courses_of = defaultdict(set)
    for course_id, user_id in db.session.execute(
        sa.select(course_lecturers.c.course_id, course_lecturers.c.user_id).where(
            course_lecturers.c.user_id.in_(names)
        )
    ):
        courses_of[user_id].add(course_id)
    all_courses = set().union(*courses_of.values()) if courses_of else set()
    c = CourseMonth.__table__.c
    course_sums = {
        row[0]: row[1:]
        for row in db.session.execute(
            sa.select(
                c.course_id,
                sa.func.sum(c.completions),
                sa.func.sum(c.evaluations),
                sa.func.sum(c.course_quality),
                sa.func.sum(c.lecturer_quality),
            )
            .where(
                c.month.between(period.first, period.last),
                c.course_id.in_(all_courses or (-1,)),
            )
            .group_by(c.course_id)
        )
    }
    # Where their learners were: present at their sessions, enrolled in their courses.
    hospitals_of_session = defaultdict(set)
    all_sessions = set().union(*sessions_of.values()) if sessions_of else set()
    if all_sessions:
        for session_id, hospital_id in db.session.execute(
            sa.select(Presence.session_id, Presence.hospital_id)
            .where(
                Presence.session_id.in_(all_sessions), Presence.hospital_id.is_not(None)
            )
            .distinct()
        ):
            hospitals_of_session[session_id].add(hospital_id)
    hospitals_of_course = defaultdict(set)
    if all_courses:
        ch = CourseHospitalMonth.__table__.c
        for course_id, hospital_id in db.session.execute(
            sa.select(ch.course_id, ch.hospital_id)
            .where(
                ch.course_id.in_(all_courses),
                ch.month.between(period.first, period.last),
                ch.enrolments > 0,
            )
            .distinct()
        ):
            hospitals_of_course[course_id].add(hospital_id)
    tier_of = dict(db.session.execute(sa.select(_H.id, _H.tier)).all())
    rows = []
    for user_id, name in names.items():
        sessions = sessions_of.get(user_id, set())
        courses = courses_of.get(user_id, set())
        completions = evaluations = quality = lecturer = 0
        for course_id in courses:
            done, n, q, lq = course_sums.get(course_id, (0, 0, 0, 0))
            completions += int(done or 0)
            evaluations += int(n or 0)
            quality += int(q or 0)
            lecturer += int(lq or 0)
        reached = set()
        for session_id in sessions:
            reached |= hospitals_of_session[session_id]
        for course_id in courses:
            reached |= hospitals_of_course[course_id]
        tiers = defaultdict(int)
        for hospital_id in reached:
            tiers[_text(tier_of[hospital_id])] += 1
        rows.append(
            Workload(
                user_id=user_id,
                name=name,
                sessions=len(sessions),
                session_hours=sum(
                    (
                        session_hours(held[s][0], held[s][1].rule_set_code)
                        for s in sessions
                    ),
                    Decimal(0),
                ),
                courses=len(courses),
                completions=completions,
                evaluations=evaluations,
                course_quality=_average(quality, evaluations),
                lecturer_quality=_average(lecturer, evaluations),
                hospitals=len(reached),
                tiers=dict(sorted(tiers.items())),
            )
        )
    return rows


# --- the home page -----------------------------------------------------------------


@dataclass(frozen=True)
class HomeFigures:
    hospitals_by_tier: dict
    provinces: int
    sessions_held: int
    class_hours_delivered: Decimal
    person_times: int
    learners: int


def home_figures():
    """The network's headline numbers over all time, from the summary tables."""
    m = HospitalMonth.__table__.c
    held, session_hours_, enrolments, attendances = db.session.execute(
        sa.select(
            sa.func.sum(m.sessions_held),
            sa.func.sum(m.session_hours),
            sa.func.sum(m.enrolments),
            sa.func.sum(m.attendances),
        )
    ).one()
    cm = CourseMonth.__table__.c
    completed = (
        sa.select(cm.course_id, sa.func.max(cm.class_hours).label("hours"))
        .where(cm.completions > 0)
        .group_by(cm.course_id)
        .subquery()
    )
    course_hours = db.session.scalar(sa.select(sa.func.sum(completed.c.hours)))
    by_tier = dict(
        db.session.execute(
            sa.select(_H.tier, sa.func.count())
            .where(_H.is_active.is_(True))
            .group_by(_H.tier)
        ).all()
    )
    provinces = db.session.scalar(
        sa.select(sa.func.count(sa.distinct(_H.province_code))).where(
            _H.is_active.is_(True)
        )
    )
    learners = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.LEARNER, User.is_active.is_(True))
    )
    return HomeFigures(
        hospitals_by_tier={_text(k): v for k, v in by_tier.items()},
        provinces=provinces or 0,
        sessions_held=int(held or 0),
        class_hours_delivered=Decimal(session_hours_ or 0) + Decimal(course_hours or 0),
        person_times=int(enrolments or 0) + int(attendances or 0),
        learners=learners or 0,
    )
