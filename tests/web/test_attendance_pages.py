"""A coordinator records a room's attendance; it earns credits once per course."""

import csv
import io
from datetime import date, timedelta

import pytest
import sqlalchemy as sa

from certificates.models import CreditAward
from lms.accounts.roles import Role


@pytest.fixture
def hospital(create_hospital):
    return create_hospital(name_zh="盐亭县人民医院")


@pytest.fixture
def coordinator(create_user, auth, hospital):
    person = create_user(role=Role.SITE_COORDINATOR, hospital=hospital)
    auth.login(person.login)
    return person


def record(client, auth, **data):
    token = auth.csrf_token("/credits/attendance")
    return client.post(
        "/credits/attendance",
        data={"csrf_token": token, **data},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )


def lines_of(db, user):
    return db.session.scalars(
        sa.select(CreditAward).filter_by(user_id=user.id, source="attendance")
    ).all()


def test_a_room_earns_credits_once(
    client, db, auth, coordinator, hospital, create_user, create_course
):
    course = create_course(format="live", durations=(3 * 3600.0,))
    present = [create_user(name=f"到场{i}", hospital=hospital) for i in range(2)]
    absent = create_user(name="缺席", hospital=hospital)
    data = {
        "course_id": course.id,
        "on": (date.today() - timedelta(days=1)).isoformat(),
        "minutes": "180",  # 3 clock hours (issue 10: not 135 minutes)
        "learner_ids": [p.id for p in present],
    }
    response = record(client, auth, **data)
    assert "Attendance recorded: 2 learners, 1 credits each." in response.text
    for person in present:
        (line,) = lines_of(db, person)
        assert (line.class_hours, line.created_by_id) == (3, coordinator.id)
    assert lines_of(db, absent) == []
    record(client, auth, **data)  # the same sheet sent twice
    assert [len(lines_of(db, p)) for p in present] == [1, 1]


def test_another_hospitals_learner_cannot_be_marked_present(
    client, db, auth, coordinator, create_user, create_course
):
    course = create_course()
    stranger = create_user(name="外院")
    response = record(
        client,
        auth,
        course_id=course.id,
        on=date.today().isoformat(),
        minutes="90",
        learner_ids=[stranger.id],
    )
    assert "is not a valid choice" in response.text
    assert lines_of(db, stranger) == []


def test_a_session_in_the_future_is_refused(
    client, db, auth, coordinator, hospital, create_user, create_course
):
    course = create_course()
    person = create_user(hospital=hospital)
    response = record(
        client,
        auth,
        course_id=course.id,
        on=(date.today() + timedelta(days=3)).isoformat(),
        minutes="90",
        learner_ids=[person.id],
    )
    assert "The session date cannot be in the future." in response.text
    assert lines_of(db, person) == []


def test_the_coordinator_exports_only_their_hospital(
    client, db, auth, coordinator, hospital, create_user, create_course
):
    from tests.builders import complete_course

    course = create_course(durations=(3 * 2700.0,))
    complete_course(course, create_user(name="本院", hospital=hospital))
    complete_course(course, create_user(name="他院"))
    rows = list(
        csv.reader(
            io.StringIO(client.get("/credits/hospital.csv").data.decode("utf-8-sig"))
        )
    )
    assert [row[8] for row in rows[1:]] == ["本院"]


def test_learners_do_not_record_attendance(client, auth, create_user):
    learner = create_user()
    auth.login(learner.login)
    assert client.get("/credits/attendance").status_code == 403
    assert client.get("/credits/hospital.csv").status_code == 403


def test_a_learner_who_attended_then_completed_can_get_the_certificate(
    client, auth, db, create_user, create_course, hospital
):
    from certificates import operations as ops
    from lms.db import utcnow
    from tests.builders import complete_course

    course = create_course(durations=(3 * 2700.0,))
    learner = create_user(hospital=hospital)
    office = create_user(role=Role.ADMINISTRATOR)
    ops.record_attendance(
        course, learner, office, utcnow(), on=date.today(), minutes=135
    )
    complete_course(course, learner)
    auth.login(learner.login)
    page = client.get(f"/courses/{course.id}", headers={"Accept-Language": "en"})
    assert "Get my certificate" in page.text
