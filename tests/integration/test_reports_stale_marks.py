"""After refresh_pending the summary tables equal a rebuild from the raw rows
(issue 15), whatever changed the counted rows (found by an attacker's review).
Each test changes counted data through an app operation in an old month (not
the current or previous one), refreshes, and compares with a rebuild."""

from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from certificates import operations as credit_ops
from courses import operations as ops
from lms.accounts import operations as account_ops
from lms.accounts.roles import Profession, Role
from lms.hospitals import operations as hospital_ops
from lms.hospitals.network import Tier
from lms.reports import summaries
from lms.reports.models import LearnerYear
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)  # June: Feb/Mar are "old" months
FEB = datetime(2026, 2, 10, 2, 0, tzinfo=UTC)


def snapshot(db):
    out = {}
    for model in (*summaries.MONTH_TABLES, LearnerYear):
        cols = list(model.__table__.c)
        out[model.__tablename__] = sorted(
            tuple(r) for r in db.session.execute(sa.select(*cols))
        )
    return out


def settle(db):
    """Bring the tables up to date and consume every mark (the first
    refresh_pending is a rebuild, which leaves the marks in place)."""
    db.session.commit()
    summaries.refresh_pending(NOW)
    summaries.refresh_pending(NOW)


def refresh_then_rebuild(db, now=NOW):
    db.session.commit()
    summaries.refresh_pending(now)
    refreshed = snapshot(db)
    summaries.rebuild(now=now)
    db.session.commit()
    rebuilt = snapshot(db)
    diff = {
        t: (
            sorted(set(refreshed[t]) - set(rebuilt[t])),
            sorted(set(rebuilt[t]) - set(refreshed[t])),
        )
        for t in refreshed
        if refreshed[t] != rebuilt[t]
    }
    return diff


def test_course_class_hours_changed_after_completions(
    db, create_hospital, create_user, create_course
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    course = create_course(durations=(3600.0, 5400.0), questions=1)
    complete_course(course, create_user(hospital=county), FEB)
    db.session.commit()
    settle(db)
    admin = create_user(role=Role.ADMINISTRATOR)
    # The office edits a published course (can_edit_course: always, but archived):
    # one more lecture, so class_hours(course) grows for every past completion.
    ops.add_lecture(course, admin, title_zh="补充讲座", duration_seconds=3600)
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_course_specialty_changed_by_the_office(
    db, create_hospital, create_user, create_course
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    course = create_course(durations=(3600.0,), questions=1)
    complete_course(course, create_user(hospital=county), FEB)
    settle(db)
    admin = create_user(role=Role.ADMINISTRATOR)
    new = "general_practice" if course.specialty != "general_practice" else "cardiology"
    ops.update_course(course, admin, specialty=new)
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_profession_changed_by_the_learner(
    db, create_hospital, create_user, create_course
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    course = create_course(durations=(3600.0,), questions=1)
    learner = create_user(hospital=county)
    complete_course(course, learner, FEB)
    settle(db)
    new = (
        Profession.PHARMACIST
        if learner.profession != Profession.PHARMACIST
        else Profession.NURSE
    )
    account_ops.update_profile(
        learner,
        name=learner.name,
        profession=new,
        professional_title=None,
        locale=None,
    )
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_withdrawn_attendance_that_joined_another_line(
    db, create_hospital, create_user, create_course
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    course = create_course(durations=(3600.0,), questions=1)
    learner = create_user(hospital=county)
    credit_ops.record_attendance(
        course, learner, coordinator, NOW, on=date(2026, 2, 10), minutes=30
    )
    march = credit_ops.record_attendance(
        course, learner, coordinator, NOW, on=date(2026, 3, 10), minutes=30
    )
    settle(db)
    credit_ops.withdraw_attendance(march, coordinator, NOW, "勾错了人")
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_hospital_tier_change_changes_who_met_the_year(
    db, create_hospital, create_user
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    admin = create_user(role=Role.ADMINISTRATOR)
    learner = create_user(hospital=county)
    credit_ops.add_rule_set_variant(
        "CN-2024",
        admin,
        NOW,
        code="TOWNSHIP-EASY",
        name_zh="乡镇",
        name_en="t",
        valid_from=date(2026, 1, 1),
        tier="township",
        values={"yearly_credits": "1", "yearly_class_hours": "1"},
    )
    credit_ops.record_manual_award(
        learner,
        admin,
        NOW,
        title="综述",
        rule_set_code="CN-2024",
        category="CME",
        credits="4",
        class_hours="6",
        kind="self-study",
        on=date(2026, 2, 1),
        reason="已审核",
    )
    settle(db)
    hospital_ops.update_hospital(
        county,
        name_zh=county.name_zh,
        name_en=county.name_en,
        tier=Tier.TOWNSHIP,
        province_code=county.province_code,
        city=county.city,
        is_active=True,
    )
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_coordinator_made_a_learner_keeps_no_learner_year(
    db, create_hospital, create_user
):
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    admin = create_user(role=Role.ADMINISTRATOR)
    person = create_user(hospital=county)
    credit_ops.record_manual_award(
        person,
        admin,
        NOW,
        title="综述",
        rule_set_code="CN-2024",
        category="CME",
        credits="4",
        class_hours="6",
        kind="self-study",
        on=date(2026, 2, 1),
        reason="已审核",
    )
    settle(db)
    # The learner becomes a coordinator, then a rule-set change recomputes
    # everyone (the coordinator's row goes), then they are a learner again.
    account_ops.update_user_as_admin(
        person, role=Role.SITE_COORDINATOR, hospital=county, is_active=True, actor=admin
    )
    db.session.commit()
    credit_ops.add_rule_set_variant(
        "CN-2024",
        admin,
        NOW,
        code="ANY",
        name_zh="任意",
        name_en="a",
        valid_from=date(2030, 1, 1),
        values={"yearly_credits": "30"},
    )
    settle(db)
    account_ops.update_user_as_admin(
        person, role=Role.LEARNER, hospital=county, is_active=True, actor=admin
    )
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_headcount_entered_after_the_end_of_a_session_that_began_months_ago(
    db, create_hospital, create_user, create_scheduled_session
):
    """A session's days may lie months apart (up to 31 days, anywhere); all of
    it counts in its first day's month. A room's headcount entered in the week
    of corrections after the end makes that room 'connected' but leaves no mark."""
    from datetime import timedelta

    from courses.sessions import attendance, crediting
    from courses.sessions.models import Reservation
    from courses.sessions.states import ReservationKind, ReservationState
    from lms.db import utcnow

    hub = create_hospital(tier=Tier.HUB, province_code="51")
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    now = utcnow().replace(microsecond=0)
    first = now - timedelta(days=120)
    last = now - timedelta(hours=3)
    session = create_scheduled_session(
        venue=hub,
        days=[(first, first + timedelta(hours=2)), (last, last + timedelta(hours=2))],
    )
    room = Reservation(
        session_id=session.id,
        kind=ReservationKind.ROOM,
        state=ReservationState.BOOKED,
        user_id=coordinator.id,
        hospital_id=county.id,
        seats=10,
        room="会议室",
    )
    db.session.add(room)
    db.session.flush()
    crediting.end_session(session, None, now)
    crediting.credit_session(session.id, now)
    db.session.commit()
    summaries.refresh_pending(now)
    summaries.refresh_pending(now)
    attendance.enter_headcount(
        session,
        coordinator,
        now,
        day_id=session.days[0].id,
        reservation_id=room.id,
        headcount=12,
    )
    diff = refresh_then_rebuild(db, now)
    assert diff == {}, diff


def test_beats_of_a_play_session_started_months_ago(
    db, create_hospital, create_user, create_course
):
    """Beats leave no mark on the claim that they change the current month
    only; but time watched counts in the month the play session *started*, and
    nothing ends an old play session (a tab left open, a client reusing its
    token): its beats change an old month for good."""
    county = create_hospital(tier=Tier.COUNTY, province_code="51")
    course = create_course(durations=(3600.0,), questions=1)
    learner = create_user(hospital=county)
    ops.enrol(course, learner, FEB)
    lecture = course.lectures[0]
    play, _ = ops.start_play_session(learner, lecture, FEB)
    from datetime import timedelta

    ops.record_heartbeat(
        learner, lecture, play.token, 1, [[0, 30]], FEB + timedelta(seconds=30)
    )
    settle(db)
    later = NOW - timedelta(days=1)
    ops.record_heartbeat(learner, lecture, play.token, 2, [[30, 60]], later)
    db.session.commit()
    diff = refresh_then_rebuild(db)
    assert diff == {}, diff


def test_a_completion_after_a_move_is_split_between_two_hospitals(
    db, create_hospital, create_user, create_course
):
    """Enrolled at A, moved to B, completed: the completion (and the learner's
    month) count at A, its credits and certificate at B — one event, two
    hospitals."""
    from lms.reports.queries import Scope, network_report
    from lms.reports.rules import Period

    a = create_hospital(tier=Tier.COUNTY, province_code="51")
    b = create_hospital(tier=Tier.TOWNSHIP, province_code="52")
    course = create_course(durations=(3600.0, 5400.0), questions=1)
    learner = create_user(hospital=a)
    ops.enrol(course, learner, datetime(2026, 6, 1, tzinfo=UTC))
    learner.hospital_id = b.id
    db.session.flush()
    complete_course(course, learner, NOW)
    settle(db)
    report = network_report(
        Period(202606, 202606), "hospital", Scope(hospital_ids=(a.id, b.id))
    )
    f = {row.key: row.figures for row in report.rows}
    where_completed = {k for k, v in f.items() if v.completions}
    where_credited = {k for k, v in f.items() if v.credits}
    assert where_completed == where_credited, (where_completed, where_credited)
