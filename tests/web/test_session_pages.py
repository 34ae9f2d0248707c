"""The pages of booking and managing scheduled sessions (issue 13, lane E): the
session page for learners, coordinators and hosts, new and edit, the office's
list and visit requests, a coordinator's bookings."""

import re
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.sessions.models import Reservation, ScheduledSession, VisitRequest
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
    VisitState,
)
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.hospitals.network import Tier
from tests.conftest import csrf_token_from


@pytest.fixture
def hub(create_hospital):
    return create_hospital(tier=Tier.HUB, name_zh="中心医院")


@pytest.fixture
def county(create_hospital):
    return create_hospital(name_zh="协调县人民医院")


@pytest.fixture
def office(create_user):
    return create_user(role=Role.ADMINISTRATOR, name="继教办")


@pytest.fixture
def lecturer(create_user, hub):
    return create_user(role=Role.LECTURER, name="王讲师", hospital=hub)


@pytest.fixture
def coordinator(create_user, county):
    return create_user(role=Role.SITE_COORDINATOR, name="赵协调", hospital=county)


@pytest.fixture
def learner(create_user, county):
    return create_user(name="李学员", hospital=county)


@pytest.fixture
def session(create_scheduled_session, lecturer, hub):
    start = utcnow().replace(second=0, microsecond=0) + timedelta(days=3)
    return create_scheduled_session(
        owner=lecturer, venue=hub, days=[(start, start + timedelta(hours=2))]
    )


def post(client, path, data, page):
    """Post ``data`` with the CSRF token of ``page``."""
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    return client.post(path, data={"csrf_token": token, **data})


def count(db, model, *where):
    return db.session.scalar(
        sa.select(sa.func.count()).select_from(model).where(*where)
    )


def session_fields(hub, **overrides):
    start = (utcnow() + timedelta(days=10)).strftime("%Y-%m-%d")
    second = (utcnow() + timedelta(days=11)).strftime("%Y-%m-%d")
    fields = {
        "kind": "onsite",
        "title_zh": "基层急救技能培训",
        "title_en": "",
        "description_zh": "两天的培训",
        "days": f"{start} 09:00-12:00\n{second} 14:00-17:00",
        "venue_hospital_id": str(hub.id),
        "venue_room": "示教室 2",
        "course_id": "0",
        "capacity": "40",
        "room_capacity": "",
        "rule_set_code": "CN-2024",
        "project_level": "provincial",
        "credit_category": "CME",
        "project_number": "2026-51-01-002",
        "min_presence": "80",
        "booking_closes": "",
        "doors_open_minutes": "30",
    }
    fields.update(overrides)
    return fields


# --- who sees which page --------------------------------------------------------


@pytest.mark.parametrize(
    ("who", "path", "status"),
    [
        ("learner", "/sessions/{id}", 200),
        ("coordinator", "/sessions/{id}", 200),
        ("lecturer", "/sessions/{id}", 200),
        ("office", "/sessions/{id}", 200),
        ("lecturer", "/sessions/new", 200),
        ("office", "/sessions/new", 200),
        ("learner", "/sessions/new", 403),
        ("coordinator", "/sessions/new", 403),
        ("lecturer", "/sessions/{id}/edit", 200),
        ("office", "/sessions/{id}/edit", 200),
        ("learner", "/sessions/{id}/edit", 403),
        ("other_lecturer", "/sessions/{id}/edit", 403),
        ("office", "/office/sessions", 200),
        ("lecturer", "/office/sessions", 403),
        ("coordinator", "/office/sessions", 403),
        ("office", "/office/visits", 200),
        ("coordinator", "/office/visits", 403),
        ("coordinator", "/hospital/bookings", 200),
        ("learner", "/hospital/bookings", 403),
        ("office", "/hospital/bookings", 403),
    ],
)
def test_each_page_opens_for_its_people_only(
    client, auth, create_user, session, who, path, status, request
):
    if who == "other_lecturer":
        person = create_user(role=Role.LECTURER)
    else:
        person = request.getfixturevalue(who)
    auth.login(person.login)
    assert client.get(path.format(id=session.id)).status_code == status


def test_pages_need_a_signed_in_person(client, session):
    for path in (f"/sessions/{session.id}", "/office/sessions", "/hospital/bookings"):
        response = client.get(path)
        assert response.status_code == 302 and "/login" in response.location


def test_unknown_and_unapproved_sessions_are_not_found(
    client, auth, learner, create_scheduled_session
):
    planned = create_scheduled_session(state=SessionState.PLANNED)
    auth.login(learner.login)
    assert client.get("/sessions/999999").status_code == 404
    assert client.get("/sessions/99999999999999999999").status_code == 404
    assert client.get(f"/sessions/{planned.id}").status_code == 404


def test_the_session_page_shows_days_place_seats_and_credit_terms(
    client, auth, learner, create_scheduled_session, hub
):
    start = utcnow().replace(hour=1, minute=0, second=0, microsecond=0) + timedelta(
        days=5
    )
    session = create_scheduled_session(
        venue=hub,
        venue_room="演播室 1",
        capacity=12,
        days=[
            (start, start + timedelta(hours=3)),
            (start + timedelta(days=1), start + timedelta(days=1, hours=3)),
        ],
    )
    auth.login(learner.login)
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    local = (start + timedelta(hours=8)).strftime("%Y-%m-%d")
    assert local in html and "09:00" in html and "12:00" in html
    assert "演播室 1" in html and "中心医院" in html
    assert "授课专家" in html  # the lecturer
    assert "12" in html and "2026-51-01-001" in html
    assert "80%" in html


# --- a learner --------------------------------------------------------------------


def test_a_learner_books_a_seat_and_cancels_it(client, auth, db, learner, session):
    auth.login(learner.login)
    page = f"/sessions/{session.id}"
    response = post(client, f"/sessions/{session.id}/seat", {}, page)
    assert response.status_code == 302
    seat = db.session.scalar(
        sa.select(Reservation).where(Reservation.user_id == learner.id)
    )
    assert seat.state == ReservationState.BOOKED
    html = client.get(page).get_data(as_text=True)
    assert (
        "Your seat is booked." in html or "您的座位已预约" in html or "已预约" in html
    )

    response = post(client, f"/reservations/{seat.id}/cancel", {}, page)
    assert response.status_code == 302
    db.session.refresh(seat)
    assert seat.state == ReservationState.CANCELLED


def test_a_learner_booking_twice_is_told_and_holds_one_seat(
    client, auth, db, learner, session
):
    auth.login(learner.login)
    page = f"/sessions/{session.id}"
    post(client, f"/sessions/{session.id}/seat", {}, page)
    token = csrf_token_from(client.get(page).get_data(as_text=True))
    response = client.post(
        f"/sessions/{session.id}/seat",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert "already" in response.get_data(as_text=True) or "已" in response.get_data(
        as_text=True
    )
    assert count(db, Reservation, Reservation.user_id == learner.id) == 1


def test_a_full_session_offers_the_waiting_list_with_a_position(
    client, auth, db, create_user, county, create_scheduled_session
):
    session = create_scheduled_session(capacity=1)
    first, second = create_user(hospital=county), create_user(hospital=county)
    auth.login(first.login)
    post(client, f"/sessions/{session.id}/seat", {}, f"/sessions/{session.id}")
    auth.logout()
    auth.login(second.login)
    page = f"/sessions/{session.id}"
    html = client.get(page).get_data(as_text=True)
    assert 'name="waitlist"' in html
    # Asking for a seat without the waiting list: refused, nothing stored.
    token = csrf_token_from(html)
    refused = client.post(
        f"/sessions/{session.id}/seat",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert count(db, Reservation, Reservation.user_id == second.id) == 0
    assert "full" in refused.get_data(as_text=True) or "满" in refused.get_data(
        as_text=True
    )
    post(client, f"/sessions/{session.id}/seat", {"waitlist": "y"}, page)
    seat = db.session.scalar(
        sa.select(Reservation).where(Reservation.user_id == second.id)
    )
    assert seat.state == ReservationState.WAITING
    html = client.get(page).get_data(as_text=True)
    assert "1" in html and ("waiting list" in html or "候补" in html)


def test_a_learner_outside_the_audience_is_told_why_and_cannot_book(
    client, auth, db, learner, create_scheduled_session, create_hospital
):
    other = create_hospital(name_zh="别的医院")
    session = create_scheduled_session(audience_hospital_ids=[other.id])
    auth.login(learner.login)
    page = f"/sessions/{session.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Book a seat" not in html and "预约座位" not in html
    post(client, f"/sessions/{session.id}/seat", {}, page)
    assert count(db, Reservation, Reservation.user_id == learner.id) == 0


def test_a_learner_cannot_cancel_someone_elses_seat(
    client, auth, db, create_user, county, session
):
    from courses.sessions import booking

    owner = create_user(hospital=county)
    seat = booking.reserve_seat(session, owner, utcnow())
    intruder = create_user(hospital=county)
    auth.login(intruder.login)
    response = post(
        client, f"/reservations/{seat.id}/cancel", {}, f"/sessions/{session.id}"
    )
    assert response.status_code == 404
    db.session.refresh(seat)
    assert seat.state == ReservationState.BOOKED


def test_posting_without_the_csrf_token_changes_nothing(
    client, auth, db, learner, session
):
    auth.login(learner.login)
    response = client.post(f"/sessions/{session.id}/seat", data={})
    assert response.status_code == 400
    assert count(db, Reservation, Reservation.session_id == session.id) == 0


# --- a coordinator --------------------------------------------------------------------


def test_a_coordinator_books_a_room_for_their_hospital_and_changes_it(
    client, auth, db, coordinator, county, session
):
    auth.login(coordinator.login)
    page = f"/sessions/{session.id}"
    data = {"seats": "12", "room": "三楼会议室", "is_equipment_tested": "y"}
    assert post(client, f"/sessions/{session.id}/room", data, page).status_code == 302
    room = db.session.scalar(
        sa.select(Reservation).where(
            Reservation.kind == ReservationKind.ROOM,
            Reservation.session_id == session.id,
        )
    )
    assert (room.hospital_id, room.seats, room.room) == (county.id, 12, "三楼会议室")
    assert room.is_equipment_tested
    post(
        client,
        f"/sessions/{session.id}/room",
        {"seats": "8", "room": "三楼会议室"},
        page,
    )
    db.session.refresh(room)
    assert room.seats == 8 and not room.is_equipment_tested
    html = client.get("/hospital/bookings").get_data(as_text=True)
    assert "三楼会议室" in html and session.title_zh in html


def test_a_coordinator_cannot_book_for_another_hospital(
    client, auth, db, coordinator, create_hospital, session
):
    other = create_hospital(name_zh="别的医院")
    auth.login(coordinator.login)
    page = f"/sessions/{session.id}"
    post(
        client,
        f"/sessions/{session.id}/room",
        {"seats": "5", "hospital_id": str(other.id)},
        page,
    )
    rooms = db.session.scalars(
        sa.select(Reservation).where(
            Reservation.kind == ReservationKind.ROOM,
            Reservation.session_id == session.id,
        )
    ).all()
    assert [r.hospital_id for r in rooms] == [coordinator.hospital_id]


def test_a_coordinator_cannot_cancel_another_hospitals_room(
    client, auth, db, create_user, create_hospital, coordinator, session
):
    from courses.sessions import booking

    other = create_hospital()
    their = create_user(role=Role.SITE_COORDINATOR, hospital=other)
    room = booking.book_room(session, their, utcnow(), hospital_id=other.id, seats=4)
    auth.login(coordinator.login)
    response = post(
        client, f"/reservations/{room.id}/cancel", {}, f"/sessions/{session.id}"
    )
    assert response.status_code == 404
    db.session.refresh(room)
    assert room.state == ReservationState.BOOKED


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"seats": "0"}, id="no-seats"),
        pytest.param({"seats": "abc"}, id="not-a-number"),
        pytest.param({"seats": "999999"}, id="too-many"),
        pytest.param({"seats": "5", "room": "x" * 101}, id="room-too-long"),
    ],
)
def test_a_bad_room_booking_gives_the_form_back_and_changes_nothing(
    client, auth, db, coordinator, session, data
):
    auth.login(coordinator.login)
    response = post(
        client, f"/sessions/{session.id}/room", data, f"/sessions/{session.id}"
    )
    assert response.status_code == 400
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert count(db, Reservation, Reservation.session_id == session.id) == 0


def test_a_room_larger_than_the_session_is_refused_with_a_message(
    client, auth, db, coordinator, create_scheduled_session
):
    session = create_scheduled_session(capacity=10)
    auth.login(coordinator.login)
    response = post(
        client,
        f"/sessions/{session.id}/room",
        {"seats": "12"},
        f"/sessions/{session.id}",
    )
    assert response.status_code == 409
    assert 'class="flash flash-error"' in response.get_data(as_text=True)
    assert count(db, Reservation, Reservation.session_id == session.id) == 0


def test_a_coordinator_asks_for_a_visit_and_sees_the_answer(
    client, auth, db, coordinator
):
    auth.login(coordinator.login)
    data = {
        "kind": "onsite",
        "topic": "胸痛中心建设指导",
        "details": "十二月中旬均可",
        "expected_attendees": "25",
    }
    response = post(client, "/hospital/visits", data, "/hospital/bookings")
    assert response.status_code == 302
    visit = db.session.scalar(
        sa.select(VisitRequest).where(
            VisitRequest.hospital_id == coordinator.hospital_id
        )
    )
    assert (visit.topic, visit.expected_attendees) == ("胸痛中心建设指导", 25)
    assert visit.hospital_id == coordinator.hospital_id
    assert "胸痛中心建设指导" in client.get("/hospital/bookings").get_data(as_text=True)


@pytest.mark.parametrize(
    "data",
    [
        pytest.param({"topic": "", "expected_attendees": "5"}, id="no-topic"),
        pytest.param({"topic": "x", "expected_attendees": "0"}, id="nobody"),
        pytest.param(
            {"topic": "x", "expected_attendees": "5", "kind": "broadcast"},
            id="not-a-visit-kind",
        ),
        pytest.param({"topic": "x" * 201, "expected_attendees": "5"}, id="too-long"),
    ],
)
def test_a_bad_visit_request_gives_the_form_back(client, auth, db, coordinator, data):
    auth.login(coordinator.login)
    response = post(
        client, "/hospital/visits", {"kind": "onsite", **data}, "/hospital/bookings"
    )
    assert response.status_code == 422
    assert 'class="error-summary"' in response.get_data(as_text=True)
    assert (
        count(db, VisitRequest, VisitRequest.hospital_id == coordinator.hospital_id)
        == 0
    )


# --- new and edit -------------------------------------------------------------


def test_the_office_creates_a_two_day_session_that_waits_for_approval(
    client, auth, db, office, hub
):
    auth.login(office.login)
    response = post(client, "/sessions/new", session_fields(hub), "/sessions/new")
    assert response.status_code == 302
    session = db.session.scalar(
        sa.select(ScheduledSession).where(
            ScheduledSession.title_zh == "基层急救技能培训"
        )
    )
    assert session.state == SessionState.PLANNED and len(session.days) == 2
    assert session.kind == SessionKind.ONSITE and session.venue_room == "示教室 2"
    assert [d.starts_dt.hour for d in session.days] == [1, 6]  # 09:00, 14:00 in Beijing


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        pytest.param({"days": ""}, None, id="no-days"),
        pytest.param({"days": "next week"}, None, id="unreadable-day"),
        pytest.param({"days": "2026-02-30 09:00-12:00"}, None, id="no-such-date"),
        pytest.param({"days": "2020-01-02 09:00-12:00"}, "past", id="day-in-the-past"),
        pytest.param({"days": "0001-01-01 00:00-01:00"}, None, id="year-1"),
        pytest.param({"days": "2026-12-03 09:00-10:00\n" * 2000}, None, id="huge"),
        pytest.param({"booking_closes": "0001-01-01T00:00"}, None, id="closes-year-1"),
        pytest.param({"booking_closes": "9999-12-31T23:59"}, None, id="closes-9999"),
        pytest.param({"title_zh": ""}, None, id="no-title"),
        pytest.param({"capacity": "0"}, None, id="no-seats"),
        pytest.param({"min_presence": "150"}, None, id="presence-over-100"),
        pytest.param({"venue_hospital_id": "999999"}, None, id="unknown-hospital"),
        pytest.param({"kind": "party"}, None, id="unknown-kind"),
        pytest.param({"booking_closes": "tomorrow"}, None, id="bad-booking-close"),
        pytest.param(
            {"capacity": "10", "room_capacity": "20"}, "capacity", id="room-over-all"
        ),
    ],
)
def test_bad_session_input_gives_the_form_back_and_creates_nothing(
    client, auth, db, office, hub, overrides, message
):
    auth.login(office.login)
    before = count(db, ScheduledSession)
    response = post(
        client, "/sessions/new", session_fields(hub, **overrides), "/sessions/new"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert 'class="error-summary"' in html or 'class="flash flash-error"' in html
    assert count(db, ScheduledSession) == before


def test_the_owner_edits_a_session_and_everyone_booked_is_told(
    client, auth, db, lecturer, learner, session
):
    from courses.sessions import booking
    from lms.notifications.models import Notification

    booking.reserve_seat(session, learner, utcnow())
    auth.login(lecturer.login)
    page = f"/sessions/{session.id}/edit"
    html = client.get(page).get_data(as_text=True)
    assert session.title_zh in html
    fields = {
        name: value
        for name, value in session_fields(session.venue).items()
        if name not in ("days",)
    }
    # The office approved the credit terms: the form keeps them as they are.
    fields.update(kind=session.kind.value, project_number=session.project_number)
    # Moved to 09:00-11:00 (Beijing) the next day: a change at any time of day
    # the test runs (an hour later could cross midnight).
    from courses.sessions.schedule import LOCAL_TZ

    next_day = session.days[0].starts_dt.astimezone(LOCAL_TZ).date() + timedelta(days=1)
    fields["days"] = f"{next_day:%Y-%m-%d} 09:00-11:00"
    # Moving the day without a reason: refused, nothing changes.
    response = post(client, page, fields, page)
    assert response.status_code == 422
    db.session.refresh(session)
    assert session.sequence == 0
    fields["reason"] = "讲者航班改期"
    response = post(client, page, fields, page)
    assert response.status_code == 302
    db.session.refresh(session)
    assert session.sequence == 1
    notices = db.session.scalars(
        sa.select(Notification).where(Notification.user_id == learner.id)
    ).all()
    assert notices


def test_an_edit_keeps_days_the_form_shows_unchanged(
    client, auth, db, lecturer, create_scheduled_session, hub
):
    start = utcnow().replace(microsecond=0) + timedelta(days=4)
    start = start.replace(second=17)
    session = create_scheduled_session(
        owner=lecturer, venue=hub, days=[(start, start + timedelta(hours=2))]
    )
    day_id = session.days[0].id
    auth.login(lecturer.login)
    page = f"/sessions/{session.id}/edit"
    html = client.get(page).get_data(as_text=True)
    from html import unescape

    days_text = unescape(html.split('name="days"')[1].split(">", 1)[1].split("</")[0])
    fields = session_fields(
        hub,
        days=days_text.strip(),
        title_zh="新的题目",
        reason="改题",
        kind=session.kind.value,
        project_number=session.project_number,
    )
    assert post(client, page, fields, page).status_code == 302
    db.session.refresh(session)
    assert session.days[0].id == day_id and session.days[0].starts_dt == start


# --- the office ---------------------------------------------------------------


def test_the_office_approves_a_planned_session_from_its_list(
    client, auth, db, office, create_scheduled_session
):
    planned = create_scheduled_session(
        state=SessionState.PLANNED, title_zh="待审批的直播课"
    )
    auth.login(office.login)
    html = client.get("/office/sessions").get_data(as_text=True)
    assert html.index("待审批的直播课") < html.index('id="group-open"')
    response = post(
        client,
        f"/sessions/{planned.id}/approve",
        {"back": "manage"},
        "/office/sessions",
    )
    assert response.status_code == 302 and response.location.endswith(
        "/office/sessions"
    )
    db.session.refresh(planned)
    assert planned.state == SessionState.OPEN


def test_the_office_cancels_with_a_reason_and_not_without(
    client, auth, db, office, learner, session
):
    from courses.sessions import booking

    booking.reserve_seat(session, learner, utcnow())
    auth.login(office.login)
    post(client, f"/sessions/{session.id}/cancel", {"reason": "  "}, "/office/sessions")
    db.session.refresh(session)
    assert session.state == SessionState.OPEN
    post(
        client,
        f"/sessions/{session.id}/cancel",
        {"reason": "讲者临时有手术", "back": "manage"},
        "/office/sessions",
    )
    db.session.refresh(session)
    assert session.state == SessionState.CANCELLED
    assert session.cancel_reason == "讲者临时有手术"
    auth.logout()
    auth.login(learner.login)
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "讲者临时有手术" in html


def test_a_learner_cannot_approve_or_cancel(client, auth, db, learner, session):
    auth.login(learner.login)
    page = f"/sessions/{session.id}"
    assert post(client, f"/sessions/{session.id}/approve", {}, page).status_code == 403
    response = post(client, f"/sessions/{session.id}/cancel", {"reason": "x"}, page)
    assert response.status_code == 403
    db.session.refresh(session)
    assert session.state == SessionState.OPEN


def make_visit(db, coordinator):
    from courses.sessions import booking

    return booking.request_visit(
        coordinator,
        utcnow(),
        hospital_id=coordinator.hospital_id,
        kind=SessionKind.ONSITE,
        topic="县医院胸痛中心指导",
        details="希望周三",
        expected_attendees=18,
    )


def test_the_office_schedules_a_visit_from_a_form_prefilled_by_the_request(
    client, auth, db, office, coordinator, hub
):
    visit = make_visit(db, coordinator)
    auth.login(office.login)
    assert "县医院胸痛中心指导" in client.get("/office/visits").get_data(as_text=True)
    page = f"/office/visits/{visit.id}/schedule"
    html = client.get(page).get_data(as_text=True)
    assert 'value="县医院胸痛中心指导"' in html and 'value="18"' in html
    fields = session_fields(
        hub,
        title_zh="县医院胸痛中心指导",
        venue_hospital_id=str(coordinator.hospital_id),
        capacity="18",
        audience_hospital_ids=str(coordinator.hospital_id),
    )
    response = post(client, page, fields, page)
    assert response.status_code == 302
    db.session.refresh(visit)
    assert visit.state == VisitState.SCHEDULED
    assert visit.session.state == SessionState.OPEN
    assert visit.session.venue_hospital_id == coordinator.hospital_id


def test_the_office_declines_a_visit_with_a_reason(
    client, auth, db, office, coordinator
):
    visit = make_visit(db, coordinator)
    auth.login(office.login)
    post(client, f"/office/visits/{visit.id}/decline", {"reason": ""}, "/office/visits")
    db.session.refresh(visit)
    assert visit.state == VisitState.REQUESTED
    post(
        client,
        f"/office/visits/{visit.id}/decline",
        {"reason": "本月专家已排满"},
        "/office/visits",
    )
    db.session.refresh(visit)
    assert (visit.state, visit.decision_note) == (VisitState.DECLINED, "本月专家已排满")
    auth.logout()
    auth.login(coordinator.login)
    assert "本月专家已排满" in client.get("/hospital/bookings").get_data(as_text=True)


def test_a_coordinator_cannot_schedule_or_decline_visits(client, auth, db, coordinator):
    visit = make_visit(db, coordinator)
    auth.login(coordinator.login)
    assert client.get(f"/office/visits/{visit.id}/schedule").status_code == 403
    response = post(
        client,
        f"/office/visits/{visit.id}/decline",
        {"reason": "x"},
        "/hospital/bookings",
    )
    assert response.status_code == 403
    db.session.refresh(visit)
    assert visit.state == VisitState.REQUESTED


def test_pages_speak_english_too(client, auth, learner, session):
    auth.login(learner.login)
    token = csrf_token_from(client.get("/").get_data(as_text=True))
    client.post(
        "/language/en", data={"csrf_token": token, "next": f"/sessions/{session.id}"}
    )
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "Stroke recognition, live" in html and "Book a seat" in html


def test_the_office_lists_and_bookings_read_a_bounded_number_of_queries(
    client, auth, db, office, coordinator, create_user, create_scheduled_session
):
    """One query per list, not per row (sessions, rooms, visit requests)."""
    from courses.sessions import booking
    from tests.web.test_office_tools import counted_queries

    def add_rows():
        session = create_scheduled_session(capacity=100)
        booking.book_room(
            session,
            coordinator,
            utcnow(),
            hospital_id=coordinator.hospital_id,
            seats=2,
        )
        create_scheduled_session(state=SessionState.PLANNED)
        make_visit(db, coordinator)
        # Another hospital's request: its hospital and requester are new rows.
        make_visit(db, create_user(role=Role.SITE_COORDINATOR))

    def queries_for(person, path):
        auth.login(person.login)
        with counted_queries(db) as statements:
            assert client.get(path).status_code == 200
        auth.logout()
        return len(statements)

    add_rows()
    pages = [
        (office, "/office/sessions"),
        (office, "/office/visits"),
        (coordinator, "/hospital/bookings"),
    ]
    few = [queries_for(person, path) for person, path in pages]
    for _ in range(4):
        add_rows()
    assert [queries_for(person, path) for person, path in pages] == few


def test_a_learner_sees_their_presence_by_day_and_why_it_earned_no_credit(
    client, auth, db, learner, create_scheduled_session
):
    from courses.sessions.models import Presence, SessionOutcome
    from courses.sessions.states import OutcomeRole, PresenceSource

    start = utcnow().replace(second=0, microsecond=0) - timedelta(days=2)
    session = create_scheduled_session(
        state=SessionState.ENDED, days=[(start, start + timedelta(hours=2))]
    )
    day = session.days[0]
    db.session.add_all(
        [
            Presence(
                session_id=session.id,
                day_id=day.id,
                user_id=learner.id,
                hospital_id=learner.hospital_id,
                source=PresenceSource.CODE,
                signed_in_dt=start,
                signed_out_dt=start + timedelta(minutes=45),
                minutes=45,
            ),
            SessionOutcome(
                session_id=session.id,
                user_id=learner.id,
                role=OutcomeRole.LEARNER,
                presence_minutes=45,
                scheduled_minutes=120,
                reason="present 45 of the 96 minutes needed",
            ),
        ]
    )
    db.session.flush()
    auth.login(learner.login)
    html = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert "45 / 120" in html or "45 of 120" in html
    assert "present 45 of the 96 minutes needed" in html
    assert 'action="/sessions/' not in html.split('id="mine-heading"')[1]  # no booking


def test_the_office_sees_the_latest_past_sessions_first(
    client, auth, office, create_scheduled_session
):
    now = utcnow().replace(second=0, microsecond=0)
    for days_ago, title in ((30, "一个月前的直播课"), (2, "两天前的直播课")):
        start = now - timedelta(days=days_ago)
        create_scheduled_session(
            state=SessionState.ENDED,
            title_zh=title,
            days=[(start, start + timedelta(hours=1))],
        )
    auth.login(office.login)
    html = client.get("/office/sessions").get_data(as_text=True)
    ended = html.split('id="group-ended"')[1]
    assert ended.index("两天前的直播课") < ended.index("一个月前的直播课")


# --- holes found by the attacker of issue 13 ---------------------------------------


def edit_form(client, session):
    """The edit page's own fields, as a browser would post them back."""
    from html import unescape

    page = f"/sessions/{session.id}/edit"
    html = client.get(page).get_data(as_text=True)
    fields = {}
    for tag in re.findall(r"<input[^>]*>", html):
        name = re.search(r'name="([^"]+)"', tag)
        if not name or name.group(1) == "csrf_token":
            continue
        value = re.search(r'value="([^"]*)"', tag)
        if ("checkbox" in tag or "radio" in tag) and "checked" not in tag:
            continue
        value = unescape(value.group(1)) if value else ""
        if name.group(1) in fields:  # a checked list
            previous = fields[name.group(1)]
            fields[name.group(1)] = [
                *(previous if isinstance(previous, list) else [previous]),
                value,
            ]
        else:
            fields[name.group(1)] = value
    for name, options in re.findall(
        r'<select[^>]*name="([^"]+)"[^>]*>(.*?)</select>', html, re.S
    ):
        chosen = re.findall(r'<option[^>]*selected[^>]*value="([^"]*)"', options)
        chosen += re.findall(r'<option[^>]*value="([^"]*)"[^>]*selected', options)
        if chosen:
            fields[name] = chosen[0] if len(chosen) == 1 else chosen
    days = re.search(r'<textarea[^>]*name="days"[^>]*>(.*?)</textarea>', html, re.S)
    fields["days"] = unescape(days.group(1)).strip()
    return page, fields


def test_the_owner_cannot_change_approved_credit_terms_on_the_edit_page(
    client, auth, db, lecturer, session
):
    auth.login(lecturer.login)
    page, fields = edit_form(client, session)
    fields.update(project_level="national", min_presence="1", reason="x")
    response = post(client, page, fields, page)
    assert response.status_code == 403
    page = response.get_data(as_text=True)
    assert "CME office" in page or "只有继续教育办公室可以修改" in page
    db.session.refresh(session)
    assert session.project_level.value == "provincial"
    assert str(session.min_presence) == "0.80"


def test_a_day_past_midnight_is_edited_on_its_page(
    client, auth, db, lecturer, create_scheduled_session, hub
):
    """The API accepts 22:00-02:00; the page showed it as '22:00-02:00' and
    refused its own text, so the session could not be edited on the page."""
    from datetime import datetime

    from courses.sessions.schedule import LOCAL_TZ

    on = (utcnow() + timedelta(days=5)).astimezone(LOCAL_TZ).date()
    start = datetime(on.year, on.month, on.day, 22, 0, tzinfo=LOCAL_TZ)
    session = create_scheduled_session(
        owner=lecturer, venue=hub, days=[(start, start + timedelta(hours=4))]
    )
    day_id = session.days[0].id
    auth.login(lecturer.login)
    page, fields = edit_form(client, session)
    assert fields["days"] == f"{on:%Y-%m-%d} 22:00-02:00 +1"
    fields.update(title_zh="改个标题", reason="改题")
    response = post(client, page, fields, page)
    body = response.get_data(as_text=True)
    assert response.status_code == 302, re.findall(
        r"(?:error|flash)[^>]*>([^<]{3,200})", body
    )
    db.session.refresh(session)
    assert session.title_zh == "改个标题"
    assert session.days[0].id == day_id
    assert session.days[0].ends_dt == start + timedelta(hours=4)


def _queries(db, action):
    from sqlalchemy import event

    count = [0]

    def before(*args, **kwargs):
        count[0] += 1

    event.listen(db.engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(db.engine, "before_cursor_execute", before)
    return count[0]


def test_the_hosts_page_reads_its_rooms_hospitals_in_one_query(
    client, auth, db, lecturer, office, session, create_hospital
):
    from courses.sessions.booking import book_room

    auth.login(lecturer.login)
    counts = []
    for rooms in (2, 12):
        while len(q_rooms(db, session)) < rooms:
            book_room(
                session, office, utcnow(), hospital_id=create_hospital().id, seats=1
            )
        db.session.commit()
        counts.append(_queries(db, lambda: client.get(f"/sessions/{session.id}")))
    assert counts[1] == counts[0], counts


def q_rooms(db, session):
    return db.session.scalars(
        sa.select(Reservation).where(
            Reservation.session_id == session.id,
            Reservation.kind == ReservationKind.ROOM,
        )
    ).all()


def test_a_stored_year_10000_day_breaks_no_office_page_approval_or_feed(
    client,
    auth,
    db,
    office,
    create_user,
    create_hospital,
    create_scheduled_session,
    api_token,
):
    """9999-12-31T17:00Z is year 10000 in Beijing. The API refuses it now; a row
    stored before that still must not 500 the office's list, the session's
    page, its approval, cancelling it or the venue's feed."""
    from datetime import UTC, datetime

    from tests.web.test_calendar import feed_secret, fetch, make_feed

    venue = create_hospital()
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=venue)
    start = datetime(9999, 12, 31, 17, 0, tzinfo=UTC)
    session = create_scheduled_session(
        venue=venue,
        days=[(start, start.replace(hour=18))],
        state=SessionState.PLANNED,
    )
    db.session.commit()
    headers = api_token(office)
    approve = client.post(f"/api/v1/sessions/{session.id}/approve", headers=headers)
    assert approve.status_code == 422
    assert approve.json["error"]["code"] == "invalid_days"
    cancel = client.post(
        f"/api/v1/sessions/{session.id}/cancel",
        json={"reason": "错年"},
        headers=headers,
    )
    assert cancel.status_code == 200
    auth.login(office.login)
    assert client.get("/office/sessions").status_code == 200
    assert client.get(f"/sessions/{session.id}").status_code == 200
    auth.logout()
    auth.login(coordinator.login)
    secret = feed_secret(make_feed(client, "hospital", hospital_id=venue.id))
    assert fetch(client, secret).status_code == 200


def test_a_session_under_way_offers_its_owner_no_edit_button(
    client, auth, db, lecturer, office, create_scheduled_session, hub
):
    now = utcnow().replace(microsecond=0)
    session = create_scheduled_session(
        owner=lecturer,
        venue=hub,
        days=[(now - timedelta(minutes=5), now + timedelta(hours=1))],
    )
    edit = f'href="/sessions/{session.id}/edit"'
    auth.login(lecturer.login)
    assert edit not in client.get(f"/sessions/{session.id}").get_data(as_text=True)
    page, fields = edit_form(client, session)
    fields.update(title_zh="进行中改标题", reason="x")
    assert post(client, page, fields, page).status_code == 403
    auth.logout()
    auth.login(office.login)
    assert edit in client.get(f"/sessions/{session.id}").get_data(as_text=True)
