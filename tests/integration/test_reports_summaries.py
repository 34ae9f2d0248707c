"""The summary tables follow events through the app's own operations, and a
rebuild from the raw rows gives the very same rows (issue 15)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certificates import operations as credit_ops
from courses import operations as ops
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from lms.reports import summaries
from lms.reports.models import HospitalMonth, HospitalMonthCredits, LearnerMonth
from lms.reports.queries import Scope, network_report
from lms.reports.rules import Period, month_of
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def rows_of(db, model, hospital_ids):
    columns = list(model.__table__.c)
    return sorted(
        tuple(row)
        for row in db.session.execute(
            sa.select(*columns).where(model.hospital_id.in_(hospital_ids))
        )
    )


def test_a_completion_and_a_manual_line_reach_the_report_and_a_rebuild_agrees(
    db, create_hospital, create_user, create_course
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    township = create_hospital(tier=Tier.TOWNSHIP, province_code="52")
    admin = create_user(role=Role.ADMINISTRATOR)
    course = create_course(durations=(3600.0, 5400.0), questions=1)
    a = create_user(name="张医生", hospital=county)
    b = create_user(name="李护士", hospital=township)
    complete_course(course, a, NOW)
    ops.enrol(course, b, NOW)
    credit_ops.record_manual_award(
        b,
        admin,
        NOW,
        title="综述",
        rule_set_code="CN-2024",
        category="CME",
        credits="4",
        class_hours="6",
        kind="self-study",
        on=date(2025, 3, 1),  # a back-dated line: its month is marked
        reason="综述已审核",
    )
    db.session.commit()
    summaries.refresh_pending(NOW)
    ids = (county.id, township.id)
    scope = Scope(hospital_ids=ids)

    report = network_report(Period(202601, 202612), "hospital", scope)
    by_key = {row.key: row.figures for row in report.rows}
    assert by_key[str(county.id)].enrolments == 1
    assert by_key[str(county.id)].completions == 1
    assert by_key[str(county.id)].credits > 0
    assert by_key[str(township.id)].person_times == 1
    assert by_key[str(township.id)].completions == 0
    assert report.totals.learners == 2
    assert report.totals.staff == 2  # both registered learners, one year
    march = network_report(Period(202503, 202503), "tier", scope)
    assert march.totals.credits_by_category == {"CME": Decimal("4.00")}

    before = {
        model: rows_of(db, model, ids)
        for model in (HospitalMonth, HospitalMonthCredits, LearnerMonth)
    }
    summaries.rebuild(202503, month_of(NOW), now=NOW)
    after = {model: rows_of(db, model, ids) for model in before}
    assert after == before
    assert before[HospitalMonth]  # not two empty lists


def test_a_learner_who_moves_leaves_their_history_where_it_was_made(
    db, create_hospital, create_user, create_course
):
    first = create_hospital(tier=Tier.COUNTY, province_code="51")
    second = create_hospital(tier=Tier.MUNICIPAL, province_code="51")
    course = create_course(durations=(3600.0, 5400.0), questions=1)
    learner = create_user(hospital=first)
    complete_course(course, learner, NOW)
    db.session.commit()
    learner.hospital_id = second.id
    db.session.commit()
    summaries.refresh_pending(NOW)
    report = network_report(
        Period(202606, 202606), "hospital", Scope(hospital_ids=(first.id, second.id))
    )
    figures = {row.key: row.figures for row in report.rows}
    assert figures[str(first.id)].enrolments == 1
    assert figures[str(first.id)].credits > 0
    assert figures[str(second.id)].enrolments == 0
    # Compliance counts people where they are registered now.
    assert figures[str(first.id)].staff == 0
    assert figures[str(second.id)].staff == 1


def test_a_session_held_counts_at_its_venue_and_in_the_rooms_that_took_part(
    db, create_hospital, create_user, create_scheduled_session
):
    from datetime import timedelta

    from courses.sessions import crediting
    from courses.sessions.models import Presence
    from courses.sessions.states import PresenceSource
    from lms.db import utcnow

    hub = create_hospital(tier=Tier.HUB, province_code="51")
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    township = create_hospital(tier=Tier.TOWNSHIP, province_code="52")
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(hours=3)
    session = create_scheduled_session(
        venue=hub, days=[(start, start + timedelta(hours=2))]
    )
    day = session.days[0]
    people = [create_user(hospital=h) for h in (county, county, township)]
    for person in people:
        db.session.add(
            Presence(
                session_id=session.id,
                day_id=day.id,
                user_id=person.id,
                hospital_id=person.hospital_id,
                source=PresenceSource.CODE,
                signed_in_dt=day.starts_dt,
                signed_out_dt=day.ends_dt,
                minutes=120,
            )
        )
    db.session.flush()
    crediting.end_session(session, None, now)
    crediting.credit_session(session.id, now)
    db.session.commit()
    summaries.refresh_pending(now)

    month = month_of(start)
    ids = (hub.id, county.id, township.id)
    report = network_report(Period(month, month), "hospital", Scope(hospital_ids=ids))
    figures = {row.key: row.figures for row in report.rows}
    assert figures[str(hub.id)].sessions_held == 1
    assert figures[str(hub.id)].session_hours == Decimal("2.00")
    assert figures[str(hub.id)].rooms_connected == 0  # the venue hosts, not joins
    assert figures[str(county.id)].attendances == 2
    assert figures[str(county.id)].rooms_connected == 1
    assert figures[str(township.id)].attendances == 1
    assert figures[str(county.id)].credits > 0  # attendance lines
    assert report.totals.class_hours_delivered == Decimal("2.00")
    assert report.totals.person_times == 3

    before = rows_of(db, HospitalMonth, ids)
    summaries.rebuild(month, month, now=now)
    assert rows_of(db, HospitalMonth, ids) == before


def test_the_rebuild_and_refresh_commands(db, runner, create_user, create_course):
    course = create_course(durations=(3600.0,), questions=1)
    complete_course(course, create_user(), NOW)
    db.session.commit()
    result = runner.invoke(
        args=["reports", "rebuild", "--start", "2026-05", "--end", "2026-06"]
    )
    assert result.exit_code == 0, result.output
    assert "Rebuilt 2 month(s)" in result.output
    result = runner.invoke(args=["reports", "refresh"])
    assert result.exit_code == 0, result.output
    assert "Refreshed" in result.output
    result = runner.invoke(args=["reports", "rebuild", "--start", "2026-13"])
    assert result.exit_code != 0
    assert "YYYY-MM" in result.output
    assert summaries.last_refresh() is not None
