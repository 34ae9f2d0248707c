"""A coordinator's tools (issue 11): their staff with this year's standing and
their courses, enrolling the people ticked, reminding those behind, and the
attendance history with corrections."""

import datetime

import pytest
import sqlalchemy as sa

from certificates.models import Attendance, CreditAward
from courses.models import Enrolment
from lms.accounts.roles import Role
from lms.audit.models import AuditEntry
from lms.db import utcnow
from lms.notifications.models import Notification
from tests.builders import complete_course
from tests.conftest import csrf_token_from
from tests.web.test_office_tools import counted_queries

HOURS = 3600.0


@pytest.fixture
def hospital(create_hospital):
    return create_hospital(name_zh="协调县人民医院")


@pytest.fixture
def coordinator(create_user, hospital, auth):
    person = create_user(role=Role.SITE_COORDINATOR, name="赵协调", hospital=hospital)
    auth.login(person.login)
    return person


def post(client, path, data, page="/credits/staff"):
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def test_the_staff_page_shows_this_years_standing_and_each_course(
    client, db, create_course, create_user, hospital, coordinator
):
    course = create_course(durations=(4 * HOURS,))
    done = create_user(name="已完成", hospital=hospital)
    started = create_user(name="刚开始", hospital=hospital)
    create_user(name="外院的人")
    complete_course(course, done)
    from courses import operations as ops

    ops.enrol(course, started, utcnow())
    html = client.get("/credits/staff").get_data(as_text=True)
    assert "已完成" in html and "刚开始" in html and "外院的人" not in html
    assert html.count(course.title_zh) >= 2
    assert "0 / 1" not in html or "1 / 1" in html  # lectures watched of lectures
    assert "is-behind" in html  # nobody here has 25 credits yet


def test_the_staff_page_reads_a_bounded_number_of_queries(
    client, db, create_course, create_user, hospital, coordinator
):
    course = create_course(durations=(4 * HOURS,))

    def queries_for_the_page():
        with counted_queries(db) as statements:
            assert client.get("/credits/staff").status_code == 200
        return len(statements)

    complete_course(course, create_user(hospital=hospital))
    few = queries_for_the_page()
    for _ in range(8):
        complete_course(course, create_user(hospital=hospital))
    assert queries_for_the_page() == few


def test_a_coordinator_enrols_the_people_ticked_and_no_one_else(
    client, db, create_course, create_user, hospital, coordinator
):
    course = create_course()
    ticked = [create_user(hospital=hospital) for _ in range(2)]
    left = create_user(hospital=hospital)
    response = post(
        client,
        "/credits/staff/enrol",
        {
            "enrol-course_id": course.id,
            "enrol-learner_ids": [p.id for p in ticked],
        },
    )
    assert response.status_code == 302
    enrolled = set(
        db.session.scalars(sa.select(Enrolment.user_id).filter_by(course_id=course.id))
    )
    assert enrolled == {p.id for p in ticked}
    assert left.id not in enrolled


def test_nobody_ticked_says_so(client, db, create_course, coordinator):
    course = create_course()
    response = post(client, "/credits/staff/enrol", {"enrol-course_id": course.id})
    follow = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "没有选择" in follow or "Nobody was selected" in follow


def test_no_course_is_preselected_and_none_chosen_enrols_nobody(
    client, db, create_course, create_user, hospital, coordinator
):
    create_course()
    person = create_user(hospital=hospital)
    html = client.get("/credits/staff").get_data(as_text=True)
    select = html[html.index('id="enrol-course_id"') :]
    assert select.index('value="0"') < select.index("</option>")  # "—" first
    assert "selected" not in select[: select.index("</select>")]
    post(
        client,
        "/credits/staff/enrol",
        {"enrol-course_id": 0, "enrol-learner_ids": [person.id]},
    )
    assert db.session.scalar(sa.select(Enrolment).filter_by(user_id=person.id)) is None


def test_the_attendance_history_reads_one_query_for_its_sessions(
    client, db, create_course, create_user, hospital, coordinator
):
    from certificates import operations as cert_ops

    course = create_course(durations=(4 * HOURS,))
    today = cert_ops.local_date(utcnow())

    def record(days):
        for day in days:
            cert_ops.record_attendance(
                course,
                create_user(hospital=hospital),
                coordinator,
                utcnow(),
                on=today - datetime.timedelta(days=day),
                minutes=100,
            )
        db.session.flush()

    def queries_for_the_page():
        with counted_queries(db) as statements:
            assert client.get("/credits/attendance/history").status_code == 200
        return len(statements)

    record([1])
    few = queries_for_the_page()
    record(range(2, 12))
    assert queries_for_the_page() == few


@pytest.mark.parametrize("raw", [str(2**40), "-1", "x", "1e3"])
def test_a_hostile_id_enrols_nobody_and_is_no_500(
    client, db, create_course, create_user, hospital, coordinator, raw
):
    course = create_course()
    mine = create_user(hospital=hospital)
    response = post(
        client,
        "/credits/staff/enrol",
        {"enrol-course_id": course.id, "enrol-learner_ids": [str(mine.id), raw]},
    )
    assert response.status_code == 302
    assert db.session.scalar(sa.select(Enrolment).filter_by(user_id=mine.id)) is None


def test_a_coordinator_cannot_enrol_another_hospitals_staff(
    client, db, create_course, create_user, hospital, coordinator
):
    course = create_course()
    mine, theirs = create_user(hospital=hospital), create_user()
    post(
        client,
        "/credits/staff/enrol",
        {"enrol-course_id": course.id, "enrol-learner_ids": [mine.id, theirs.id]},
    )
    assert (
        db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Enrolment)
            .filter_by(course_id=course.id)
        )
        == 0
    )


def test_a_reminder_reaches_only_those_behind(
    client, db, create_course, create_user, hospital, coordinator
):
    behind = create_user(name="落后者", hospital=hospital)
    met = create_user(name="达标者", hospital=hospital)
    other = create_user(name="外院")
    from certificates import operations as cert_ops

    office = create_user(role=Role.ADMINISTRATOR)
    today = cert_ops.local_date(utcnow())
    # A year met by visiting study (进修, 6 months, assessment passed).
    cert_ops.record_manual_award(
        met,
        office,
        utcnow(),
        title="进修",
        rule_set_code="CN-2024",
        category="CME",
        credits="1",
        class_hours="3",
        kind="visiting",
        on=today,
        reason="进修半年",
        study_months=6,
        assessment_passed=True,
    )
    db.session.flush()
    post(client, "/credits/staff/remind", {"remind-message": "请尽快完成本年度学分"})
    told = db.session.scalars(
        sa.select(Notification.user_id).filter_by(kind="reminder")
    ).all()
    assert behind.id in told and met.id not in told and other.id not in told
    note = db.session.scalar(sa.select(Notification).filter_by(user_id=behind.id))
    assert note.params["message"] == "请尽快完成本年度学分"


# --- attendance history and corrections ---------------------------------------------


@pytest.fixture
def session_day(create_course, create_user, hospital, coordinator, db):
    """A session two people attended; one was ticked by mistake."""
    from certificates import operations as cert_ops

    course = create_course(durations=(4 * HOURS,))
    present = create_user(name="到场者", hospital=hospital)
    mistaken = create_user(name="误勾者", hospital=hospital)
    on = cert_ops.local_date(utcnow()) - datetime.timedelta(days=1)
    for person in (present, mistaken):
        cert_ops.record_attendance(
            course, person, coordinator, utcnow(), on=on, minutes=200
        )
    db.session.flush()
    return course, on, present, mistaken


def test_the_history_lists_each_session(client, db, session_day):
    course, on, _present, _mistaken = session_day
    html = client.get("/credits/attendance/history").get_data(as_text=True)
    assert f"/credits/attendance/{course.id}/{on.isoformat()}" in html
    page = client.get(f"/credits/attendance/{course.id}/{on.isoformat()}")
    assert "到场者" in page.get_data(as_text=True)
    assert "误勾者" in page.get_data(as_text=True)


def test_a_withdrawn_attendance_revokes_its_credits_and_is_logged(
    client, db, session_day, coordinator
):
    course, on, present, mistaken = session_day
    page = f"/credits/attendance/{course.id}/{on.isoformat()}"
    line = db.session.scalar(
        sa.select(CreditAward).filter_by(user_id=mistaken.id, course_id=course.id)
    )
    assert line is not None and line.credits > 0
    post(client, f"{page}/withdraw", {"user_id": mistaken.id, "reason": ""}, page)
    assert db.session.scalar(sa.select(Attendance).filter_by(user_id=mistaken.id))
    post(client, f"{page}/withdraw", {"user_id": mistaken.id, "reason": "勾错人"}, page)
    assert (
        db.session.scalar(sa.select(Attendance).filter_by(user_id=mistaken.id)) is None
    )
    revocation = db.session.scalar(sa.select(CreditAward).filter_by(revokes_id=line.id))
    assert revocation is not None and revocation.credits == -line.credits
    entry = db.session.scalar(
        sa.select(AuditEntry).filter_by(action="attendance_corrected")
    )
    assert entry.actor_id == coordinator.id and entry.reason == "勾错人"
    assert entry.before["user_id"] == mistaken.id
    # The other person keeps their presence and credits.
    assert db.session.scalar(sa.select(Attendance).filter_by(user_id=present.id))


def test_a_coordinator_cannot_withdraw_another_hospitals_attendance(
    client, db, create_course, create_user, coordinator
):
    from certificates import operations as cert_ops

    course = create_course(durations=(4 * HOURS,))
    theirs = create_user(name="外院学员")
    office = create_user(role=Role.ADMINISTRATOR)
    on = cert_ops.local_date(utcnow())
    cert_ops.record_attendance(course, theirs, office, utcnow(), on=on, minutes=200)
    db.session.flush()
    page = f"/credits/attendance/{course.id}/{on.isoformat()}"
    assert "外院学员" not in client.get(page).get_data(as_text=True)
    response = post(
        client, f"{page}/withdraw", {"user_id": theirs.id, "reason": "x"}, page
    )
    assert response.status_code == 404
    assert db.session.scalar(sa.select(Attendance).filter_by(user_id=theirs.id))


def test_a_bad_session_date_is_a_404(client, db, create_course, coordinator):
    course = create_course()
    assert client.get(f"/credits/attendance/{course.id}/2026-02-31").status_code == 404


def test_a_learner_gets_one_reminder_a_day_however_often_the_button_is_pressed(
    client, db, create_user, hospital, coordinator
):
    from lms.limits import REMINDER_INTERVAL_HOURS

    first = create_user(name="落后者甲", hospital=hospital)

    def reminders(person):
        return db.session.scalars(
            sa.select(Notification).filter_by(kind="reminder", user_id=person.id)
        ).all()

    post(client, "/credits/staff/remind", {"remind-message": "请尽快完成"})
    assert len(reminders(first)) == 1
    second = create_user(name="落后者乙", hospital=hospital)  # joined since
    page = client.post(
        "/credits/staff/remind",
        data={
            "csrf_token": csrf_token_from(client.get("/credits/staff").text),
            "remind-message": "再次提醒",
        },
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    ).text
    assert len(reminders(first)) == 1 and len(reminders(second)) == 1
    assert "A reminder was sent to 1 people behind this year." in page
    assert f"1 had a reminder in the last {REMINDER_INTERVAL_HOURS} hours" in page
    page = client.post(
        "/credits/staff/remind",
        data={"csrf_token": csrf_token_from(page), "remind-message": "第三次"},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    ).text
    assert len(reminders(first)) == 1 and len(reminders(second)) == 1
    assert (
        f"Everyone behind had a reminder in the last {REMINDER_INTERVAL_HOURS} "
        "hours; nothing was sent." in page
    )
    # A day later the first learner may be reminded again.
    (note,) = reminders(first)
    note.created_dt = utcnow() - datetime.timedelta(hours=REMINDER_INTERVAL_HOURS + 1)
    db.session.flush()
    post(client, "/credits/staff/remind", {"remind-message": "第四次"})
    assert len(reminders(first)) == 2 and len(reminders(second)) == 1
