"""Issue 15, "Done when": on a generated network, every report's totals equal
the sum of its rows (the additive figures) and equal counts taken straight from
the raw tables, in every grouping, on SQLite and PostgreSQL."""

from collections import defaultdict
from datetime import UTC, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from bench.network_data import generate
from bench.reports import migrated
from certificates.models import Attendance, Certificate, CreditAward
from certificates.rules import Source
from courses.models import Course, Enrolment, PlaySession
from courses.queries import class_hours
from courses.sessions.models import (
    Presence,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
)
from courses.sessions.states import OutcomeRole, PresenceSource, SessionState
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.reports import summaries
from lms.reports.queries import Scope, network_report
from lms.reports.rules import ADDITIVE, GROUPINGS, Period, date_bounds, month_bounds
from tests.conftest import unique

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)
PERIODS = (Period(202501, 202512), Period(202311, 202602), Period(202301, 202512))


@pytest.fixture(params=["sqlite", "postgresql"], scope="module")
def network(request, tmp_path_factory):
    tmp = tmp_path_factory.mktemp("network")
    if request.param == "sqlite":
        url = f"sqlite:///{tmp / 'network.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("rpt_"))
    app, engine = migrated(url, tmp)
    generate(engine, scale=0.01, seed=7, log=None)
    with app.app_context():
        summaries.rebuild(now=NOW)
        yield app
    engine.dispose()


def raw_figures(period):
    """The figures of ``period`` counted straight from the raw rows."""
    from lms.db import db

    lo, _ = month_bounds(period.first)
    _, hi = month_bounds(period.last)
    day_lo, _ = date_bounds(period.first)
    _, day_hi = date_bounds(period.last)

    def count(model, *where):
        return db.session.scalar(
            sa.select(sa.func.count()).select_from(model).where(*where)
        )

    first_day = (
        sa.select(SessionDay.session_id)
        .group_by(SessionDay.session_id)
        .having(
            sa.func.min(SessionDay.starts_dt) >= lo,
            sa.func.min(SessionDay.starts_dt) < hi,
        )
    )
    attended = (
        db.session.execute(
            sa.select(SessionOutcome.user_id).where(
                SessionOutcome.session_id.in_(first_day),
                SessionOutcome.role == OutcomeRole.LEARNER,
                SessionOutcome.hospital_id.is_not(None),
            )
        )
        .scalars()
        .all()
    )
    recorded = (
        db.session.execute(
            sa.select(Attendance.user_id).where(
                Attendance.session_date >= day_lo,
                Attendance.session_date < day_hi,
                Attendance.hospital_id.is_not(None),
            )
        )
        .scalars()
        .all()
    )
    enrolled = db.session.scalars(
        sa.select(Enrolment.user_id).where(
            sa.or_(
                sa.and_(Enrolment.enrolled_dt >= lo, Enrolment.enrolled_dt < hi),
                sa.and_(Enrolment.completed_dt >= lo, Enrolment.completed_dt < hi),
            ),
            Enrolment.hospital_id.is_not(None),
        )
    ).all()
    credits = defaultdict(Decimal)
    for category, total in db.session.execute(
        sa.select(CreditAward.category, sa.func.sum(CreditAward.credits))
        .where(
            CreditAward.activity_date >= day_lo,
            CreditAward.activity_date < day_hi,
            CreditAward.source != Source.TEACHING,
            CreditAward.hospital_id.is_not(None),
        )
        .group_by(CreditAward.category)
    ):
        if total:
            credits[category] += Decimal(total)
    watched = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(PlaySession.credited_seconds), 0)).where(
            PlaySession.started_dt >= lo,
            PlaySession.started_dt < hi,
            PlaySession.hospital_id.is_not(None),
        )
    ) + db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Presence.live_seconds), 0)).where(
            Presence.session_id.in_(first_day),
            Presence.source == PresenceSource.LIVE,
            Presence.hospital_id.is_not(None),
        )
    )
    completed = db.session.scalars(
        sa.select(Enrolment.course_id)
        .where(
            Enrolment.completed_dt >= lo,
            Enrolment.completed_dt < hi,
            Enrolment.hospital_id.is_not(None),
        )
        .distinct()
    ).all()
    course_hours = sum(
        (
            Decimal(str(class_hours(db.session.get(Course, c)))).quantize(
                Decimal("0.01")
            )
            for c in completed
        ),
        Decimal("0.00"),
    )
    return {
        "course_hours": course_hours,
        "enrolments": count(
            Enrolment,
            Enrolment.enrolled_dt >= lo,
            Enrolment.enrolled_dt < hi,
            Enrolment.hospital_id.is_not(None),
        ),
        "completions": count(
            Enrolment,
            Enrolment.completed_dt >= lo,
            Enrolment.completed_dt < hi,
            Enrolment.hospital_id.is_not(None),
        ),
        "attendances": len(attended) + len(recorded),
        "learners": len(set(attended) | set(recorded) | set(enrolled)),
        "sessions_held": count(
            ScheduledSession,
            ScheduledSession.id.in_(first_day),
            ScheduledSession.state == SessionState.ENDED,
        ),
        "certificates": count(
            Certificate,
            Certificate.issued_dt >= lo,
            Certificate.issued_dt < hi,
            Certificate.revoked_dt.is_(None),
            Certificate.replaced_dt.is_(None),
            Certificate.hospital_id.is_not(None),
        ),
        "credits_by_category": dict(credits),
        "watched_seconds": float(watched),
        "staff": count(User, User.role == Role.LEARNER, User.is_active.is_(True)),
    }


@pytest.mark.parametrize("period", PERIODS, ids=lambda p: p.label)
@pytest.mark.parametrize("by", GROUPINGS)
def test_totals_are_the_sum_of_the_rows_and_the_raw_counts(network, by, period):
    report = network_report(period, by, Scope())
    totals = report.totals
    rows = [row.figures for row in report.rows]
    assert len(rows) > 1
    for name in ADDITIVE:
        assert getattr(totals, name) == sum(getattr(r, name) for r in rows), name
    categories = {c for r in rows for c in r.credits_by_category}
    for category in categories:
        assert totals.credits_by_category.get(category, 0) == sum(
            r.credits_by_category.get(category, 0) for r in rows
        )

    raw = raw_figures(period)
    assert raw["enrolments"] > 0 and raw["attendances"] > 0 and raw["completions"] > 0
    for name in (
        "enrolments",
        "completions",
        "attendances",
        "learners",
        "sessions_held",
        "certificates",
    ):
        assert getattr(totals, name) == raw[name], name
    assert totals.credits_by_category == raw["credits_by_category"]
    # Each course's class hours once, however many completed it where.
    assert totals.course_hours == raw["course_hours"] > 0
    assert max(r.course_hours for r in rows) <= totals.course_hours
    assert totals.course_hours <= sum(r.course_hours for r in rows)
    # Seconds are rounded per hospital and month: within half a second a cell.
    cells = len(rows) if by == "hospital" else 600
    assert abs(totals.watched_seconds - raw["watched_seconds"]) <= cells
    if period.year:
        assert totals.staff == raw["staff"]
        assert 0 <= totals.compliance <= 1
    else:
        assert totals.compliance is None
    # Distinct learners: no row counts more than the whole.
    assert (
        max(r.learners for r in rows)
        <= totals.learners
        <= sum(r.learners for r in rows)
    )
