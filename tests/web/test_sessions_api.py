"""Scheduled sessions through the API: creating, approving, changing and
cancelling them, seats, rooms and the waiting list, visit requests, and every
bad input of issue 13 that booking owns."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest
import sqlalchemy as sa

from courses.sessions.models import Reservation, ScheduledSession
from courses.sessions.states import ReservationState, SessionState
from lms.accounts.roles import Profession, Role
from lms.audit.models import AuditEntry
from lms.db import utcnow
from lms.hospitals.network import Tier
from lms.notifications.models import Notification

TZ8 = "+08:00"


def iso(moment):
    return moment.isoformat()


@pytest.fixture
def scene(db, create_user, create_hospital, api_token):
    """The hub with its studio, two county hospitals with a coordinator and
    learners each, a lecturer and the office, each with a token."""

    class Scene:
        pass

    s = Scene()
    s.hub = create_hospital(tier=Tier.HUB, name_zh="省人民医院")
    s.county = create_hospital(tier=Tier.COUNTY)
    s.other = create_hospital(tier=Tier.TOWNSHIP, province_code="44")
    s.lecturer = create_user(role=Role.LECTURER, hospital=s.hub)
    s.office = create_user(role=Role.ADMINISTRATOR)
    s.coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=s.county)
    s.other_coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=s.other)
    s.learners = [create_user(hospital=s.county) for _ in range(4)]
    s.outsider = create_user(hospital=s.other)
    s.headers = lambda user: api_token(user)
    return s


def session_body(scene, start=None, **changes):
    start = start or (utcnow() + timedelta(days=3)).replace(microsecond=0)
    body = {
        "title_zh": "基层卒中识别直播课",
        "title_en": "Stroke recognition, live",
        "kind": "broadcast",
        "days": [{"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=3))}],
        "venue_hospital_id": scene.hub.id,
        "venue_room": "Studio 1",
        "capacity": 3,
        "rule_set": "CN-2024",
        "project_level": "provincial",
        "credit_category": "CME",
        "project_number": "2026-51-01-001",
        "min_presence": 0.8,
    }
    body.update(changes)
    return body


@pytest.fixture
def open_session(client, scene):
    """A session created by the lecturer and approved by the office: its id."""

    def factory(**changes):
        response = client.post(
            "/api/v1/sessions",
            json=session_body(scene, **changes),
            headers=scene.headers(scene.lecturer),
        )
        assert response.status_code == 201, response.json
        session_id = response.json["id"]
        approved = client.post(
            f"/api/v1/sessions/{session_id}/approve",
            headers=scene.headers(scene.office),
        )
        assert approved.status_code == 200, approved.json
        return session_id

    return factory


def book(client, scene, session_id, user, body=None):
    return client.post(
        f"/api/v1/sessions/{session_id}/reservations",
        json=body if body is not None else {},
        headers=scene.headers(user),
    )


def notices(db, user, kind):
    return db.session.scalars(
        sa.select(Notification).where(
            Notification.user_id == user.id, Notification.kind == kind
        )
    ).all()


# --- creating and approving ---------------------------------------------------


def test_a_lecturer_creates_a_planned_session_the_office_approves(client, db, scene):
    created = client.post(
        "/api/v1/sessions",
        json=session_body(scene),
        headers=scene.headers(scene.lecturer),
    )
    assert created.status_code == 201, created.json
    data = created.json
    assert data["state"] == data["state_at"] == "planned"
    assert data["owner_id"] == scene.lecturer.id
    assert data["lecturer_ids"] == [scene.lecturer.id]
    assert data["seats"] == {
        "capacity": 3,
        "taken": 0,
        "left": 3,
        "room_capacity": None,
    }
    assert data["booking_closes_at"] == data["days"][0]["starts_at"]
    # Planned: a learner neither sees it nor books it.
    learner = scene.headers(scene.learners[0])
    assert (
        client.get(f"/api/v1/sessions/{data['id']}", headers=learner).status_code == 404
    )
    approved = client.post(
        f"/api/v1/sessions/{data['id']}/approve", headers=scene.headers(scene.office)
    )
    assert approved.json["state"] == "open"
    assert approved.json["sequence"] == 1
    assert notices(db, scene.lecturer, "session_approved")
    audit = db.session.scalars(
        sa.select(AuditEntry).where(AuditEntry.target_id == data["id"])
    ).all()
    assert [entry.action for entry in audit] == ["session_approved"]
    assert (
        client.get(f"/api/v1/sessions/{data['id']}", headers=learner).status_code == 200
    )


def test_only_the_office_approves(client, scene):
    created = client.post(
        "/api/v1/sessions",
        json=session_body(scene),
        headers=scene.headers(scene.lecturer),
    )
    response = client.post(
        f"/api/v1/sessions/{created.json['id']}/approve",
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 403


@pytest.mark.parametrize("role", ["learner", "coordinator"])
def test_learners_and_coordinators_do_not_create_sessions(client, scene, role):
    user = scene.learners[0] if role == "learner" else scene.coordinator
    response = client.post(
        "/api/v1/sessions", json=session_body(scene), headers=scene.headers(user)
    )
    assert response.status_code == 403


def test_an_accredited_project_without_its_number_is_not_approved(client, scene):
    created = client.post(
        "/api/v1/sessions",
        json=session_body(scene, project_number=""),
        headers=scene.headers(scene.lecturer),
    )
    response = client.post(
        f"/api/v1/sessions/{created.json['id']}/approve",
        headers=scene.headers(scene.office),
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_credit_terms"
    assert "project number" in response.json["error"]["message"]


def approve(client, scene, session_id):
    response = client.post(
        f"/api/v1/sessions/{session_id}/approve", headers=scene.headers(scene.office)
    )
    assert response.status_code == 200, response.json
    return response


def test_a_planned_session_holds_no_room_until_approved(client, scene):
    """A lecturer's unapproved plans squatted a venue's room: nobody else could
    plan a session there, however long the office took (or never approved)."""
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    squatter = client.post(
        "/api/v1/sessions",
        json=session_body(scene, start),
        headers=scene.headers(scene.lecturer),
    )
    assert squatter.status_code == 201
    other = client.post(
        "/api/v1/sessions",
        json=session_body(scene, start + timedelta(hours=1)),
        headers=scene.headers(scene.office),
    )
    assert other.status_code == 201  # the plan does not hold the room
    approve(client, scene, other.json["id"])
    # The first approved gets the room; the other plan cannot be approved.
    refused = client.post(
        f"/api/v1/sessions/{squatter.json['id']}/approve",
        headers=scene.headers(scene.office),
    )
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "room_taken"
    assert str(other.json["id"]) in refused.json["error"]["message"]


def test_overlapping_sessions_in_one_room_are_refused(client, scene):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    headers = scene.headers(scene.lecturer)
    first = client.post(
        "/api/v1/sessions", json=session_body(scene, start), headers=headers
    )
    assert first.status_code == 201
    approve(client, scene, first.json["id"])  # an approved session holds its room
    later = start + timedelta(hours=2)  # overlaps the last hour
    clash = client.post(
        "/api/v1/sessions",
        json=session_body(scene, later, venue_room="studio  1"),
        headers=headers,
    )
    assert clash.status_code == 409
    assert clash.json["error"]["code"] == "room_taken"
    assert str(first.json["id"]) in clash.json["error"]["message"]
    # Another room, or right after the first, is fine.
    assert (
        client.post(
            "/api/v1/sessions",
            json=session_body(scene, later, venue_room="Studio 2"),
            headers=headers,
        ).status_code
        == 201
    )
    assert (
        client.post(
            "/api/v1/sessions",
            json=session_body(scene, start + timedelta(hours=3)),
            headers=headers,
        ).status_code
        == 201
    )


def test_moving_a_session_onto_a_taken_room_is_refused(client, scene):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    headers = scene.headers(scene.lecturer)
    first = client.post(
        "/api/v1/sessions", json=session_body(scene, start), headers=headers
    )
    approve(client, scene, first.json["id"])
    other = client.post(
        "/api/v1/sessions",
        json=session_body(scene, start, venue_room="Studio 2"),
        headers=headers,
    )
    response = client.patch(
        f"/api/v1/sessions/{other.json['id']}",
        json={"venue_room": "Studio 1"},
        headers=headers,
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "room_taken"


def test_a_cancelled_session_frees_its_room(client, scene):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    headers = scene.headers(scene.lecturer)
    first = client.post(
        "/api/v1/sessions", json=session_body(scene, start), headers=headers
    )
    approve(client, scene, first.json["id"])
    client.post(
        f"/api/v1/sessions/{first.json['id']}/cancel",
        json={"reason": "改期"},
        headers=headers,
    )
    again = client.post(
        "/api/v1/sessions", json=session_body(scene, start), headers=headers
    )
    assert again.status_code == 201


def _day(start, hours=3):
    return {"starts_at": iso(start), "ends_at": iso(start + timedelta(hours=hours))}


SOON = datetime(2031, 3, 4, 1, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("changes", "status", "code"),
    [
        pytest.param({"days": []}, 422, None, id="no-days"),
        pytest.param(
            {"days": [_day(SOON + timedelta(days=i)) for i in range(32)]},
            422,
            None,
            id="32-days",
        ),
        pytest.param(
            {
                "days": [
                    {
                        "starts_at": "2031-03-04T09:00:00",
                        "ends_at": "2031-03-04T12:00:00",
                    }
                ]
            },
            422,
            None,
            id="no-time-zone",
        ),
        pytest.param(
            {"days": [{"starts_at": 1956211200, "ends_at": 1956222000}]},
            422,
            None,
            id="timestamps",
        ),
        pytest.param({"days": [_day(SOON, -1)]}, 422, "invalid_days", id="ends-first"),
        pytest.param({"days": [_day(SOON, 25)]}, 422, "invalid_days", id="25-hours"),
        pytest.param(
            {"days": [_day(SOON), _day(SOON + timedelta(hours=2))]},
            422,
            "invalid_days",
            id="days-overlap",
        ),
        pytest.param(
            {"days": [_day(datetime(2020, 1, 1, tzinfo=UTC))]},
            422,
            "day_in_past",
            id="in-the-past",
        ),
        pytest.param({"capacity": 0}, 422, None, id="no-seats"),
        pytest.param({"capacity": 2**64}, 422, None, id="capacity-past-64-bits"),
        pytest.param({"capacity": "3"}, 422, None, id="capacity-a-string"),
        pytest.param({"capacity": 3.5}, 422, None, id="capacity-a-float"),
        pytest.param({"capacity": True}, 422, None, id="capacity-a-boolean"),
        pytest.param(
            {"room_capacity": 4}, 422, "invalid_room_capacity", id="room-over-all"
        ),
        pytest.param({"min_presence": 0}, 422, None, id="presence-0"),
        pytest.param({"min_presence": 1.01}, 422, None, id="presence-over-1"),
        pytest.param(
            {"min_presence": 0.805}, 422, "invalid_min_presence", id="presence-3-places"
        ),
        pytest.param({"venue_hospital_id": 2**63}, 422, None, id="venue-past-64-bits"),
        pytest.param(
            {"venue_hospital_id": 2_000_000},
            422,
            "invalid_venue_hospital",
            id="no-venue",
        ),
        pytest.param({"kind": "party"}, 422, None, id="unknown-kind"),
        pytest.param({"rule_set": "XX-1999"}, 422, "invalid_rule_set", id="rule-set"),
        pytest.param(
            {"credit_category": "Z"}, 422, "invalid_credit_category", id="category"
        ),
        pytest.param({"project_level": "galactic"}, 422, None, id="level"),
        pytest.param({"title_zh": "\u200b \u202e"}, 422, "invalid_title", id="blank"),
        pytest.param({"title_zh": "x" * 201}, 422, None, id="title-too-long"),
        pytest.param(
            {"lecturer_ids": [2_000_000]}, 422, "invalid_lecturers", id="lect"
        ),
        pytest.param(
            {"audience": {"tiers": ["galactic"]}}, 422, None, id="audience-tier"
        ),
        pytest.param(
            {"audience": {"provinces": ["99"]}},
            422,
            "invalid_audience_provinces",
            id="audience-province",
        ),
        pytest.param(
            {"audience": {"hospital_ids": [2_000_000]}},
            422,
            "invalid_audience_hospital_ids",
            id="audience-hospital",
        ),
        pytest.param(
            {"booking_closes_at": "2031-03-05T09:00:00+08:00"},
            422,
            "invalid_booking_closes",
            id="closes-after-start",
        ),
        pytest.param({"doors_open_minutes": 241}, 422, None, id="doors"),
    ],
)
def test_bad_session_input_is_refused_and_changes_nothing(
    client, db, scene, changes, status, code
):
    before = db.session.scalar(sa.select(sa.func.count(ScheduledSession.id)))
    response = client.post(
        "/api/v1/sessions",
        json=session_body(scene, SOON, **changes),
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == status, response.json
    assert "message" in response.json["error"]
    if code:
        assert response.json["error"]["code"] == code
    assert db.session.scalar(sa.select(sa.func.count(ScheduledSession.id))) == before


def test_texts_are_cleaned(client, scene):
    response = client.post(
        "/api/v1/sessions",
        json=session_body(
            scene, title_zh="卒中\u202e识别\x00", venue_room=" Studio\t1 "
        ),
        headers=scene.headers(scene.lecturer),
    )
    assert response.json["title_zh"] == "卒中识别"
    assert response.json["venue_room"] == "Studio 1"


# --- seats --------------------------------------------------------------------


def test_learners_book_until_full_then_the_waiting_list(
    client, db, scene, open_session
):
    session_id = open_session(capacity=2)
    first, second, third, fourth = scene.learners
    assert book(client, scene, session_id, first).status_code == 201
    assert book(client, scene, session_id, second).status_code == 201
    full = book(client, scene, session_id, third)
    assert full.status_code == 409
    assert full.json["error"]["code"] == "session_full"
    waiting = book(client, scene, session_id, third, {"waitlist": True})
    assert waiting.status_code == 201
    assert waiting.json["state"] == "waiting"
    assert waiting.json["waiting_position"] == 1
    shown = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(third)
    ).json
    assert shown["seats"] == {
        "capacity": 2,
        "taken": 2,
        "left": 0,
        "room_capacity": None,
    }
    assert shown["my_reservation"]["state"] == "waiting"
    # The first cancels: the waiting learner gets the seat and is told.
    mine = client.get(f"/api/v1/sessions/{session_id}", headers=scene.headers(first))
    cancelled = client.delete(
        f"/api/v1/reservations/{mine.json['my_reservation']['id']}",
        headers=scene.headers(first),
    )
    assert cancelled.status_code == 200
    assert cancelled.json["reservation"]["state"] == "cancelled"
    assert [r["user_id"] for r in cancelled.json["promoted"]] == [third.id]
    assert notices(db, third, "seat_confirmed")
    # Cancelling it again changes nothing.
    again = client.delete(
        f"/api/v1/reservations/{mine.json['my_reservation']['id']}",
        headers=scene.headers(first),
    )
    assert again.status_code == 409
    assert fourth  # unused


def test_one_seat_per_learner(client, db, scene, open_session):
    session_id = open_session()
    learner = scene.learners[0]
    assert book(client, scene, session_id, learner).status_code == 201
    again = book(client, scene, session_id, learner)
    assert again.status_code == 409
    assert again.json["error"]["code"] == "already_booked"
    waiting_too = book(client, scene, session_id, learner, {"waitlist": True})
    assert waiting_too.status_code == 409
    count = db.session.scalar(
        sa.select(sa.func.count(Reservation.id)).where(
            Reservation.session_id == session_id
        )
    )
    assert count == 1


def test_the_unique_index_is_the_backstop_for_one_seat(db, scene, open_session):
    """Two seats of one learner at one session cannot both stand, whatever
    the operations checked first: the partial unique index refuses the second."""
    session_id = open_session()
    learner = scene.learners[0]
    for _ in range(2):
        db.session.add(
            Reservation(
                session_id=session_id,
                kind="seat",
                state=ReservationState.BOOKED,
                user_id=learner.id,
                hospital_id=learner.hospital_id,
            )
        )
    with pytest.raises(sa.exc.IntegrityError):
        db.session.flush()


def test_booking_after_it_closes_is_refused(client, db, scene, open_session):
    session_id = open_session(
        booking_closes_at=iso(utcnow().replace(microsecond=0) + timedelta(days=1))
    )
    learner = scene.learners[0]
    assert book(client, scene, session_id, learner).status_code == 201
    session = db.session.get(ScheduledSession, session_id)
    session.booking_closes_dt = utcnow() - timedelta(minutes=1)  # it closed
    db.session.flush()
    closed = book(client, scene, session_id, scene.learners[1])
    assert closed.status_code == 409
    assert closed.json["error"]["code"] == "booking_closed"
    room = book(
        client,
        scene,
        session_id,
        scene.coordinator,
        {"hospital_id": scene.county.id, "seats": 1},
    )
    assert room.status_code == 409
    assert room.json["error"]["code"] == "booking_closed"


def test_planned_cancelled_and_ended_sessions_cannot_be_booked(
    client, db, scene, open_session
):
    planned = client.post(
        "/api/v1/sessions",
        json=session_body(scene),
        headers=scene.headers(scene.lecturer),
    ).json["id"]
    # The office sees a planned session, but nobody books it.
    office_book = book(
        client,
        scene,
        planned,
        scene.office,
        {"hospital_id": scene.county.id, "seats": 2},
    )
    assert office_book.status_code == 409
    assert office_book.json["error"]["code"] == "not_open"
    cancelled = open_session(venue_room="Studio 2")
    client.post(
        f"/api/v1/sessions/{cancelled}/cancel",
        json={"reason": "讲者生病"},
        headers=scene.headers(scene.lecturer),
    )
    refused = book(client, scene, cancelled, scene.learners[0])
    assert refused.json["error"]["code"] == "session_cancelled"
    ended = open_session(venue_room="Studio 3")
    db.session.get(ScheduledSession, ended).state = SessionState.ENDED
    db.session.flush()
    assert book(client, scene, ended, scene.learners[0]).status_code == 409


# --- rooms -------------------------------------------------------------------------


def test_a_coordinator_books_and_changes_their_hospitals_room(
    client, scene, open_session
):
    session_id = open_session(capacity=30, room_capacity=20)
    body = {"hospital_id": scene.county.id, "seats": 12, "room": "二楼示教室"}
    first = book(client, scene, session_id, scene.coordinator, body)
    assert first.status_code == 201, first.json
    assert (first.json["kind"], first.json["seats"]) == ("room", 12)
    changed = book(
        client,
        scene,
        session_id,
        scene.coordinator,
        {**body, "seats": 15, "equipment_tested": True},
    )
    assert changed.status_code == 200
    assert changed.json["id"] == first.json["id"]
    assert (changed.json["seats"], changed.json["equipment_tested"]) == (15, True)
    shown = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.coordinator)
    ).json
    assert shown["my_hospital_room"]["id"] == first.json["id"]
    assert shown["seats"]["taken"] == 15
    too_big = book(client, scene, session_id, scene.coordinator, {**body, "seats": 21})
    assert too_big.status_code == 409
    assert too_big.json["error"]["code"] == "room_capacity"


def test_a_coordinator_cannot_book_for_another_hospital(
    client, db, scene, open_session
):
    session_id = open_session(capacity=30)
    response = book(
        client,
        scene,
        session_id,
        scene.coordinator,
        {"hospital_id": scene.other.id, "seats": 5},
    )
    assert response.status_code == 403
    assert response.json["error"]["code"] == "not_your_hospital"
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0


def test_a_room_booking_over_capacity_is_refused_and_kept(client, scene, open_session):
    session_id = open_session(capacity=10)
    body = {"hospital_id": scene.county.id, "seats": 6}
    assert book(client, scene, session_id, scene.coordinator, body).status_code == 201
    for learner in scene.learners:
        book(client, scene, session_id, learner)
    grown = book(client, scene, session_id, scene.coordinator, {**body, "seats": 7})
    assert grown.status_code == 409
    assert grown.json["error"]["code"] == "session_full"
    shown = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.coordinator)
    ).json
    assert shown["my_hospital_room"]["seats"] == 6
    assert shown["seats"]["taken"] == 10


def test_fewer_seats_in_a_room_promote_the_waiting_list(
    client, db, scene, open_session
):
    session_id = open_session(capacity=5)
    body = {"hospital_id": scene.county.id, "seats": 5}
    book(client, scene, session_id, scene.coordinator, body)
    waiting = book(client, scene, session_id, scene.learners[0], {"waitlist": True})
    assert waiting.json["state"] == "waiting"
    book(client, scene, session_id, scene.coordinator, {**body, "seats": 4})
    shown = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.learners[0])
    ).json
    assert shown["my_reservation"]["state"] == "booked"
    assert notices(db, scene.learners[0], "seat_confirmed")


# --- the audience ------------------------------------------------------------------


def test_a_learner_outside_the_audience_is_refused_with_the_reason(
    client, scene, open_session
):
    session_id = open_session(audience={"tiers": ["county"], "professions": ["doctor"]})
    outsider = book(client, scene, session_id, scene.outsider)
    assert outsider.status_code == 403
    assert outsider.json["error"]["code"] == "not_in_audience"
    assert "another tier" in outsider.json["error"]["message"]
    nurse = scene.learners[0]
    nurse.profession = Profession.NURSE
    refused = book(client, scene, session_id, nurse)
    assert "other professions" in refused.json["error"]["message"]
    doctor = scene.learners[1]
    doctor.profession = Profession.DOCTOR
    assert book(client, scene, session_id, doctor).status_code == 201
    room = book(
        client,
        scene,
        session_id,
        scene.other_coordinator,
        {"hospital_id": scene.other.id, "seats": 3},
    )
    assert room.status_code == 403
    assert "another tier" in room.json["error"]["message"]


# --- changes people hear about ---------------------------------------------------


def test_a_session_edited_after_bookings_tells_everyone_booked(
    client, db, scene, open_session
):
    session_id = open_session(capacity=30)
    before = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.lecturer)
    ).json
    learner, waiting_learner = scene.learners[0], scene.learners[1]
    book(client, scene, session_id, learner)
    book(
        client,
        scene,
        session_id,
        scene.coordinator,
        {"hospital_id": scene.county.id, "seats": 29},
    )
    book(client, scene, session_id, waiting_learner, {"waitlist": True})
    start = datetime.fromisoformat(before["days"][0]["starts_at"]) + timedelta(hours=5)
    moved = {"days": [_day(start)]}
    headers = scene.headers(scene.lecturer)
    # Without a reason the change is refused: people are told why.
    refused = client.patch(
        f"/api/v1/sessions/{session_id}", json=moved, headers=headers
    )
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid_reason"
    changed = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={**moved, "reason": "讲者手术改期"},
        headers=headers,
    )
    assert changed.status_code == 200, changed.json
    assert changed.json["sequence"] == before["sequence"] + 1
    # The day keeps its id (calendars' UIDs and presences stay attached).
    assert changed.json["days"][0]["id"] == before["days"][0]["id"]
    assert datetime.fromisoformat(changed.json["days"][0]["starts_at"]) == start
    for person in (learner, waiting_learner, scene.coordinator):
        [notice] = notices(db, person, "session_changed")
        assert notice.params["reason"] == "讲者手术改期"
        assert notice.params["session"]["zh"] == "基层卒中识别直播课"
        assert "(Asia/Shanghai)" in notice.params["when"]
        assert notice.link == f"/sessions/{session_id}"
    assert not notices(db, scene.learners[2], "session_changed")
    # A change nobody's calendar shows (capacity) raises nothing.
    quiet = client.patch(
        f"/api/v1/sessions/{session_id}", json={"capacity": 40}, headers=headers
    )
    assert quiet.json["sequence"] == changed.json["sequence"]
    assert len(notices(db, learner, "session_changed")) == 1


def test_a_title_change_is_told_too(client, db, scene, open_session):
    session_id = open_session()
    book(client, scene, session_id, scene.learners[0])
    response = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"title_en": "Stroke, part 2", "reason": "更正标题"},
        headers=scene.headers(scene.office),
    )
    assert response.status_code == 200
    assert response.json["sequence"] == 2
    assert notices(db, scene.learners[0], "session_changed")


def test_capacity_cannot_drop_below_the_seats_booked(client, scene, open_session):
    session_id = open_session(capacity=3)
    for learner in scene.learners[:2]:
        book(client, scene, session_id, learner)
    response = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"capacity": 1},
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "capacity_below_booked"


def test_more_capacity_promotes_the_waiting_list(client, db, scene, open_session):
    session_id = open_session(capacity=1)
    book(client, scene, session_id, scene.learners[0])
    book(client, scene, session_id, scene.learners[1], {"waitlist": True})
    client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"capacity": 2},
        headers=scene.headers(scene.lecturer),
    )
    shown = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.learners[1])
    ).json
    assert shown["my_reservation"]["state"] == "booked"


def test_only_the_owner_or_the_office_changes_or_cancels(
    client, create_user, scene, open_session
):
    session_id = open_session()
    other_lecturer = create_user(role=Role.LECTURER, hospital=scene.hub)
    for user in (other_lecturer, scene.learners[0], scene.coordinator):
        patch = client.patch(
            f"/api/v1/sessions/{session_id}",
            json={"capacity": 5},
            headers=scene.headers(user),
        )
        assert patch.status_code == 403
        cancel = client.post(
            f"/api/v1/sessions/{session_id}/cancel",
            json={"reason": "x"},
            headers=scene.headers(user),
        )
        assert cancel.status_code == 403


def test_cancelling_tells_everyone_booked_or_waiting_and_is_audited(
    client, db, scene, open_session
):
    session_id = open_session(capacity=1)
    book(client, scene, session_id, scene.learners[0])
    book(client, scene, session_id, scene.learners[1], {"waitlist": True})
    response = client.post(
        f"/api/v1/sessions/{session_id}/cancel",
        json={"reason": "讲者生病"},
        headers=scene.headers(scene.office),
    )
    assert response.status_code == 200
    assert response.json["state"] == "cancelled"
    assert response.json["sequence"] == 2
    for learner in scene.learners[:2]:
        [notice] = notices(db, learner, "session_cancelled")
        assert notice.params["reason"] == "讲者生病"
    entry = db.session.scalar(
        sa.select(AuditEntry).where(
            AuditEntry.target_id == session_id, AuditEntry.action == "session_cancelled"
        )
    )
    assert entry.reason == "讲者生病"
    again = client.post(
        f"/api/v1/sessions/{session_id}/cancel",
        json={"reason": "again"},
        headers=scene.headers(scene.office),
    )
    assert again.status_code == 409
    blank = client.post(
        f"/api/v1/sessions/{open_session(venue_room='B')}/cancel",
        json={"reason": "\u200b"},
        headers=scene.headers(scene.office),
    )
    assert blank.status_code == 422


# --- reservations: who cancels ---------------------------------------------------


def test_a_reservation_is_cancelled_by_its_holder_coordinator_or_office(
    client, scene, open_session
):
    session_id = open_session(capacity=10)
    seats = [book(client, scene, session_id, u).json["id"] for u in scene.learners[:3]]
    stranger = client.delete(
        f"/api/v1/reservations/{seats[0]}", headers=scene.headers(scene.learners[3])
    )
    assert stranger.status_code == 404
    other_coordinator = client.delete(
        f"/api/v1/reservations/{seats[0]}",
        headers=scene.headers(scene.other_coordinator),
    )
    assert other_coordinator.status_code == 404
    for reservation_id, user in zip(
        seats, (scene.learners[0], scene.coordinator, scene.office), strict=True
    ):
        response = client.delete(
            f"/api/v1/reservations/{reservation_id}", headers=scene.headers(user)
        )
        assert response.status_code == 200, response.json


# --- the schedule ------------------------------------------------------------------


def test_the_schedule_shows_planned_sessions_only_to_their_hosts(
    client, scene, open_session
):
    open_id = open_session()
    planned = client.post(
        "/api/v1/sessions",
        json=session_body(scene, venue_room="Studio 9"),
        headers=scene.headers(scene.lecturer),
    ).json["id"]
    when = (utcnow() + timedelta(days=3)).date()
    query = f"?from={when - timedelta(days=1)}&to={when + timedelta(days=1)}"

    def ids(user, extra=""):
        response = client.get(
            f"/api/v1/sessions{query}{extra}", headers=scene.headers(user)
        )
        assert response.status_code == 200, response.json
        return {item["id"] for item in response.json["items"]}

    assert {open_id, planned} <= ids(scene.lecturer)
    assert {open_id, planned} <= ids(scene.office)
    learner_sees = ids(scene.learners[0])
    assert open_id in learner_sees and planned not in learner_sees
    assert open_id in ids(scene.learners[0], f"&hospital_id={scene.hub.id}")
    assert open_id not in ids(scene.learners[0], f"&hospital_id={scene.county.id}")
    book(
        client,
        scene,
        open_id,
        scene.coordinator,
        {"hospital_id": scene.county.id, "seats": 1},
    )
    assert open_id in ids(scene.learners[0], f"&hospital_id={scene.county.id}")
    later = f"?from={when + timedelta(days=5)}&to={when + timedelta(days=9)}"
    response = client.get(
        f"/api/v1/sessions{later}", headers=scene.headers(scene.office)
    )
    assert open_id not in {item["id"] for item in response.json["items"]}


@pytest.mark.parametrize(
    "query",
    [
        "?from=2026-13-01",
        "?from=not-a-date",
        "?from=2026-12-10&to=2026-12-01",
        "?from=2026-01-01&to=2027-12-31",
        "?from=0001-01-01",
        "?to=9999-12-31",
        f"?hospital_id={2**64}",
        "?hospital_id=-1",
    ],
)
def test_a_bad_schedule_query_is_a_400(client, scene, query):
    response = client.get(
        f"/api/v1/sessions{query}", headers=scene.headers(scene.office)
    )
    assert response.status_code == 400
    assert response.json["error"]["code"]


# --- ids and types ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", f"/api/v1/sessions/{2**64}"),
        ("PATCH", f"/api/v1/sessions/{2**63}"),
        ("POST", f"/api/v1/sessions/{2**64 + 1}/approve"),
        ("POST", f"/api/v1/sessions/{2**64}/cancel"),
        ("POST", f"/api/v1/sessions/{2**64}/reservations"),
        ("DELETE", f"/api/v1/reservations/{2**64}"),
        ("POST", f"/api/v1/visit-requests/{2**64}/decline"),
        ("POST", f"/api/v1/hospitals/{2**64}/visit-requests"),
        ("GET", "/api/v1/sessions/999999"),
    ],
)
def test_ids_past_64_bits_and_unknown_ids_are_404(client, scene, method, path):
    response = client.open(
        path, method=method, json={"reason": "x"}, headers=scene.headers(scene.office)
    )
    assert response.status_code == 404


@pytest.mark.parametrize(
    "body",
    [
        {"waitlist": "yes"},
        {"waitlist": 1},
        {"hospital_id": "12", "seats": 3},
        {"hospital_id": 2**64, "seats": 3},
        {"seats": 2},
        {"seats": -1},
        {"room": "x" * 101},
        [],
        "seat please",
    ],
)
def test_wrong_types_in_a_booking_are_refused(client, db, scene, open_session, body):
    session_id = open_session()
    response = book(client, scene, session_id, scene.learners[0], body)
    assert response.status_code in (400, 422), response.json
    assert db.session.scalar(sa.select(sa.func.count(Reservation.id))) == 0


def test_a_coordinator_without_seats_is_told_what_is_missing(
    client, scene, open_session
):
    session_id = open_session()
    response = book(
        client, scene, session_id, scene.coordinator, {"hospital_id": scene.county.id}
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_reservation"


# --- visits ------------------------------------------------------------------------


def test_a_visit_is_requested_then_scheduled_as_an_open_onsite_session(
    client, db, scene
):
    requested = client.post(
        f"/api/v1/hospitals/{scene.county.id}/visit-requests",
        json={
            "kind": "onsite",
            "topic": "基层高血压规范化管理",
            "details": "12月上旬任一周三下午",
            "expected_attendees": 25,
        },
        headers=scene.headers(scene.coordinator),
    )
    assert requested.status_code == 201, requested.json
    assert requested.json["state"] == "requested"
    start = (utcnow() + timedelta(days=7)).replace(microsecond=0)
    scheduled = client.post(
        f"/api/v1/visit-requests/{requested.json['id']}/schedule",
        json={
            "days": [_day(start)],
            "capacity": 30,
            "rule_set": "CN-2024",
            "project_level": "hospital",
            "credit_category": "CME",
        },
        headers=scene.headers(scene.office),
    )
    assert scheduled.status_code == 201, scheduled.json
    session = scheduled.json
    assert (session["kind"], session["state"]) == ("onsite", "open")
    assert session["venue_hospital_id"] == scene.county.id
    assert session["audience"]["hospital_ids"] == [scene.county.id]
    assert session["title_zh"] == "基层高血压规范化管理"
    [notice] = notices(db, scene.coordinator, "visit_scheduled")
    assert notice.link == f"/sessions/{session['id']}"
    # Decided once.
    again = client.post(
        f"/api/v1/visit-requests/{requested.json['id']}/decline",
        json={"reason": "x"},
        headers=scene.headers(scene.office),
    )
    assert again.status_code == 409
    # The hospital's learners may book it; others may not.
    assert book(client, scene, session["id"], scene.learners[0]).status_code == 201
    assert book(client, scene, session["id"], scene.outsider).status_code == 403


def test_a_visit_is_declined_with_a_reason(client, db, scene):
    requested = client.post(
        f"/api/v1/hospitals/{scene.county.id}/visit-requests",
        json={"kind": "skills", "topic": "心肺复苏", "expected_attendees": 10},
        headers=scene.headers(scene.coordinator),
    ).json
    declined = client.post(
        f"/api/v1/visit-requests/{requested['id']}/decline",
        json={"reason": "本月无讲者"},
        headers=scene.headers(scene.office),
    )
    assert declined.status_code == 200
    assert (declined.json["state"], declined.json["decision_note"]) == (
        "declined",
        "本月无讲者",
    )
    [notice] = notices(db, scene.coordinator, "visit_declined")
    assert notice.params["reason"] == "本月无讲者"
    audit = db.session.scalar(
        sa.select(AuditEntry).where(AuditEntry.action == "visit_decided")
    )
    assert audit.reason == "本月无讲者"


@pytest.mark.parametrize(
    ("who", "hospital", "body", "status"),
    [
        ("coordinator", "other", {"kind": "onsite"}, 403),
        ("learner", "county", {"kind": "onsite"}, 403),
        ("coordinator", "county", {"kind": "broadcast"}, 422),
        ("coordinator", "county", {"expected_attendees": 0}, 422),
        ("coordinator", "county", {"expected_attendees": 2**64}, 422),
        ("coordinator", "county", {"topic": "\u200b"}, 422),
    ],
)
def test_bad_visit_requests(client, scene, who, hospital, body, status):
    user = scene.coordinator if who == "coordinator" else scene.learners[0]
    hospital_id = getattr(scene, hospital).id
    payload = {"kind": "onsite", "topic": "查房指导", "expected_attendees": 10, **body}
    response = client.post(
        f"/api/v1/hospitals/{hospital_id}/visit-requests",
        json=payload,
        headers=scene.headers(user),
    )
    assert response.status_code == status, response.json


def test_only_the_office_decides_visits(client, scene):
    requested = client.post(
        f"/api/v1/hospitals/{scene.county.id}/visit-requests",
        json={"kind": "skills", "topic": "心肺复苏", "expected_attendees": 10},
        headers=scene.headers(scene.coordinator),
    ).json
    response = client.post(
        f"/api/v1/visit-requests/{requested['id']}/decline",
        json={"reason": "no"},
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 403


def test_days_shifted_onto_each_others_dates_keep_their_ids(
    client, scene, open_session
):
    """Three days moved one day later: each day row takes the next one's old
    start (the unique (session, start) never collides mid-edit) and keeps its id."""
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    days = [_day(start + timedelta(days=i)) for i in range(3)]
    session_id = open_session(days=days)
    headers = scene.headers(scene.lecturer)
    before = client.get(f"/api/v1/sessions/{session_id}", headers=headers).json
    shifted = [_day(start + timedelta(days=i + 1)) for i in range(3)]
    response = client.patch(
        f"/api/v1/sessions/{session_id}", json={"days": shifted}, headers=headers
    )
    assert response.status_code == 200, response.json
    assert [d["id"] for d in response.json["days"]] == [d["id"] for d in before["days"]]
    got = [datetime.fromisoformat(d["starts_at"]) for d in response.json["days"]]
    assert got == [start + timedelta(days=i + 1) for i in range(3)]
    # One day fewer changes the approved class hours: the office's to do.
    fewer = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"days": shifted[1:]},
        headers=scene.headers(scene.office),
    )
    assert fewer.status_code == 200, fewer.json
    ids = [d["id"] for d in before["days"]]
    assert [d["id"] for d in fewer.json["days"]] == ids[:2]


# --- holes found by the attacker of issue 13 ------------------------------------


def _queries(db, action):
    from sqlalchemy import event

    count = [0]

    def before(*args, **kwargs):
        count[0] += 1

    engine = db.engine
    event.listen(engine, "before_cursor_execute", before)
    try:
        action()
    finally:
        event.remove(engine, "before_cursor_execute", before)
    return count[0]


@pytest.mark.parametrize(
    "change",
    [
        {"project_level": "national"},
        {"project_number": "2026-00-00-999"},
        {"min_presence": 0.01},
        {"kind": "onsite"},
        {"rule_set": "CN-2024", "project_level": "hospital"},
        "extra_lecturer",
        "longer_days",
    ],
    ids=str,
)
def test_an_approved_sessions_credit_terms_are_changed_only_by_the_office(
    client, db, scene, open_session, create_user, change
):
    """The owner raised the level, cut the presence to 1 %, added lecturers or
    stretched 3 hours to 31 days of 24 after the office approved them."""
    session_id = open_session()
    before = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.office)
    ).json
    if change == "extra_lecturer":
        colleague = create_user(role=Role.LECTURER, hospital=scene.hub)
        change = {"lecturer_ids": [scene.lecturer.id, colleague.id]}
    elif change == "longer_days":
        start = datetime.fromisoformat(before["days"][0]["starts_at"])
        change = {
            "days": [
                {
                    "starts_at": iso(start + timedelta(days=n)),
                    "ends_at": iso(start + timedelta(days=n, hours=23)),
                }
                for n in range(31)
            ],
            "reason": "x",
        }
    response = client.patch(
        f"/api/v1/sessions/{session_id}",
        json=change,
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 403, response.json
    assert response.json["error"]["code"] == "office_only"
    assert "office" in response.json["error"]["message"]
    after = client.get(
        f"/api/v1/sessions/{session_id}", headers=scene.headers(scene.office)
    ).json
    assert after == before
    # The same fields sent unchanged (a form posting everything) are fine.
    same = {k: before[k] for k in ("project_level", "min_presence", "kind")}
    same["lecturer_ids"] = before["lecturer_ids"]
    assert (
        client.patch(
            f"/api/v1/sessions/{session_id}",
            json={**same, "title_zh": "新标题"},
            headers=scene.headers(scene.lecturer),
        ).status_code
        == 200
    )
    # The office changes them.
    office = client.patch(
        f"/api/v1/sessions/{session_id}",
        json={"min_presence": 0.9, "project_level": "national"},
        headers=scene.headers(scene.office),
    )
    assert office.status_code == 200, office.json
    assert office.json["min_presence"] == 0.9


def test_a_session_under_way_or_past_its_days_is_edited_only_by_the_office(
    client, db, scene, create_scheduled_session, create_user
):
    now = utcnow().replace(microsecond=0)
    session = create_scheduled_session(
        owner=scene.lecturer,
        venue=scene.hub,
        days=[(now - timedelta(hours=3), now - timedelta(hours=1))],
    )
    colleague = create_user(role=Role.LECTURER, hospital=scene.hub)
    for change in (
        {"min_presence": 0.01, "project_level": "national"},
        {"lecturer_ids": [scene.lecturer.id, colleague.id]},
        {"title_zh": "改个标题", "reason": "x"},
    ):
        response = client.patch(
            f"/api/v1/sessions/{session.id}",
            json=change,
            headers=scene.headers(scene.lecturer),
        )
        assert response.status_code == 403, response.json
        assert response.json["error"]["code"] == "office_only"
        assert "under way" in response.json["error"]["message"]
    db.session.refresh(session)
    assert session.min_presence == Decimal("0.80") and len(session.lecturers) <= 1
    office = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={"title_zh": "改个标题", "reason": "x"},
        headers=scene.headers(scene.office),
    )
    assert office.status_code == 200, office.json
    # ... but never its days that have begun.
    moved = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={"days": [_day(now + timedelta(days=1))], "reason": "x"},
        headers=scene.headers(scene.office),
    )
    assert moved.status_code == 409
    assert moved.json["error"]["code"] == "day_started"


@pytest.mark.parametrize("state", [SessionState.ENDED, SessionState.CANCELLED])
def test_an_ended_or_cancelled_session_is_edited_by_nobody(
    client, db, scene, create_scheduled_session, state
):
    session = create_scheduled_session(owner=scene.lecturer, venue=scene.hub)
    session.state = state
    db.session.commit()
    for user in (scene.lecturer, scene.office):
        response = client.patch(
            f"/api/v1/sessions/{session.id}",
            json={"min_presence": 0.5},
            headers=scene.headers(user),
        )
        assert response.status_code == 409
        assert response.json["error"]["code"] == "session_closed"


@pytest.mark.parametrize(
    "changes",
    [
        {
            "days": [
                {
                    "starts_at": "9999-12-31T20:00:00-08:00",
                    "ends_at": "9999-12-31T21:00:00-08:00",
                }
            ]
        },
        {
            "days": [
                {
                    "starts_at": "9999-12-31T17:00:00+00:00",
                    "ends_at": "9999-12-31T18:00:00+00:00",
                }
            ]
        },
        {
            "days": [
                {
                    "starts_at": "9999-12-30T09:00:00+08:00",
                    "ends_at": "9999-12-30T12:00:00+08:00",
                }
            ]
        },
        {
            "days": [
                {
                    "starts_at": "2101-01-01T09:00:00+08:00",
                    "ends_at": "2101-01-01T12:00:00+08:00",
                }
            ]
        },
        {"booking_closes_at": "0001-01-01T00:00:00+08:00"},
        {"booking_closes_at": "0001-01-01T07:59:00+08:00"},
        {"booking_closes_at": "1999-12-31T23:00:00+08:00"},
    ],
    ids=[
        "past-9999-in-utc",
        "10000-in-beijing",
        "9999",
        "2101",
        "before-year-1",
        "year-1",
        "1999",
    ],
)
def test_years_outside_the_networks_are_a_clear_422(client, db, scene, changes):
    """OverflowError (a 500) on some; a year-9999 day broke the office's list,
    the session's page, approval and the venue's feed on the others."""
    response = client.post(
        "/api/v1/sessions",
        json=session_body(scene, **changes),
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 422, response.get_data(as_text=True)[:300]
    assert "2000 and 2100" in response.json["error"]["message"]
    # None of this lecturer's (other tests' committed sessions may share the
    # database on PostgreSQL).
    mine = sa.select(sa.func.count(ScheduledSession.id)).where(
        ScheduledSession.owner_id == scene.lecturer.id
    )
    assert db.session.scalar(mine) == 0


def test_a_waiting_room_shrunk_to_fit_is_booked(client, scene, open_session):
    session_id = open_session(capacity=10)
    county = {"hospital_id": scene.county.id, "seats": 8}
    assert (
        book(client, scene, session_id, scene.coordinator, county).json["state"]
        == "booked"
    )
    other = {"hospital_id": scene.other.id, "seats": 5, "waitlist": True}
    assert (
        book(client, scene, session_id, scene.other_coordinator, other).json["state"]
        == "waiting"
    )
    smaller = book(
        client,
        scene,
        session_id,
        scene.other_coordinator,
        {"hospital_id": scene.other.id, "seats": 2},
    )
    assert smaller.status_code == 200
    assert smaller.json["state"] == "booked"
    assert smaller.json["waiting_position"] is None


@pytest.mark.parametrize("people", [5, 60])
def test_an_edit_tells_everyone_booked_in_a_bounded_number_of_queries(
    client, db, scene, open_session, create_user, people
):
    """Two statements per person under the session's lock: 420 queries for an
    edit of a session with 200 booked."""
    from courses.sessions.booking import reserve_seat

    session_id = open_session(capacity=1000)
    session = db.session.get(ScheduledSession, session_id)
    learners = [create_user(hospital=scene.county) for _ in range(people)]
    for learner in learners:
        reserve_seat(session, learner, utcnow())
    db.session.commit()
    headers = scene.headers(scene.lecturer)
    counted = _queries(
        db,
        lambda: client.patch(
            f"/api/v1/sessions/{session_id}",
            json={"title_zh": "改了标题", "reason": "改名"},
            headers=headers,
        ),
    )
    assert counted < 40, counted
    assert all(
        len(notices(db, learner, "session_changed")) == 1 for learner in learners
    )
    counted = _queries(
        db,
        lambda: client.post(
            f"/api/v1/sessions/{session_id}/cancel",
            json={"reason": "停电"},
            headers=headers,
        ),
    )
    assert counted < 40, counted
    assert all(
        len(notices(db, learner, "session_cancelled")) == 1 for learner in learners
    )


def test_a_group_viewing_shows_only_an_approved_course(client, db, scene, create_user):
    from courses import operations as course_ops

    other_lecturer = create_user(role=Role.LECTURER, hospital=scene.hub)
    draft = course_ops.create_course(other_lecturer, title_zh="未发布草稿课程ABC")
    db.session.commit()
    response = client.post(
        "/api/v1/sessions",
        json=session_body(scene, kind="group_viewing", course_id=draft.id),
        headers=scene.headers(scene.lecturer),
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_course"


def test_a_seat_is_not_cancelled_once_the_session_is_under_way(
    client, db, scene, create_scheduled_session
):
    now = utcnow().replace(microsecond=0)
    session = create_scheduled_session(
        owner=scene.lecturer,
        venue=scene.hub,
        days=[(now + timedelta(hours=1), now + timedelta(hours=3))],
    )
    learner = scene.learners[0]
    seat = book(client, scene, session.id, learner)
    assert seat.status_code == 201
    session.days[0].starts_dt = now - timedelta(minutes=30)  # it began
    db.session.commit()
    response = client.delete(
        f"/api/v1/reservations/{seat.json['id']}", headers=scene.headers(learner)
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "session_under_way"
    assert db.session.get(Reservation, seat.json["id"]).state == ReservationState.BOOKED


@pytest.mark.parametrize("edit", ["remove", "move"])
def test_a_day_with_a_sign_in_is_neither_moved_nor_removed(
    client, db, scene, create_scheduled_session, edit
):
    """Days are matched by position: a learner signed in while the doors were
    open, the owner moved that day a week on, and the sign-in belonged to the
    new day (or to the next day when the first was removed)."""
    from courses.sessions import attendance
    from courses.sessions.models import Presence

    now = utcnow().replace(microsecond=0)
    first = (now + timedelta(minutes=20), now + timedelta(hours=2))
    second = (now + timedelta(days=1), now + timedelta(days=1, hours=2))
    session = create_scheduled_session(
        owner=scene.lecturer, venue=scene.hub, days=[first, second]
    )
    code, _, _ = attendance.room_code(session, scene.lecturer, now)
    attendance.sign_in(session, scene.learners[0], code, now)
    db.session.commit()
    days = (
        [second]
        if edit == "remove"
        else [(first[0] + timedelta(days=7), first[1] + timedelta(days=7)), second]
    )
    before = [(d.id, d.starts_dt) for d in session.days]
    response = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={
            "days": [{"starts_at": iso(s), "ends_at": iso(e)} for s, e in days],
            "reason": "moved",
        },
        headers=scene.headers(scene.office),
    )
    assert response.status_code == 409, response.json
    # The doors opened 30 minutes before the first day: it has begun.
    assert response.json["error"]["code"] == "day_started"
    session.doors_open_minutes = 0  # the doors not yet open: the sign-in holds it
    db.session.commit()
    response = client.patch(
        f"/api/v1/sessions/{session.id}",
        json={
            "days": [{"starts_at": iso(s), "ends_at": iso(e)} for s, e in days],
            "reason": "moved",
        },
        headers=scene.headers(scene.office),
    )
    assert response.status_code == 409, response.json
    assert response.json["error"]["code"] == "day_attended"
    db.session.expire_all()
    session = db.session.get(ScheduledSession, session.id)
    assert [(d.id, d.starts_dt) for d in session.days] == before
    presence = db.session.scalar(sa.select(Presence))
    assert presence.day_id == before[0][0]


@pytest.mark.parametrize("change", ["demoted", "moved"])
def test_a_former_coordinator_cannot_cancel_the_hospitals_room(
    client, db, scene, open_session, change
):
    from lms.accounts.operations import update_user_as_admin

    session_id = open_session(capacity=50)
    coordinator = scene.coordinator
    room = book(
        client,
        scene,
        session_id,
        coordinator,
        {"hospital_id": scene.county.id, "seats": 20},
    )
    assert room.status_code == 201
    role, hospital = (
        (Role.LEARNER, coordinator.hospital)
        if change == "demoted"
        else (coordinator.role, scene.other)
    )
    update_user_as_admin(
        coordinator, role=role, hospital=hospital, is_active=True, actor=scene.office
    )
    db.session.commit()
    response = client.delete(
        f"/api/v1/reservations/{room.json['id']}", headers=scene.headers(coordinator)
    )
    assert response.status_code == 404
    assert db.session.get(Reservation, room.json["id"]).state == ReservationState.BOOKED


def test_which_sessions_a_hospital_booked_is_for_its_staff_and_the_office(
    client, scene, open_session
):
    """?hospital_id= listed the sessions any hospital booked rooms at to anyone."""
    session_id = open_session(capacity=50)
    room = {"hospital_id": scene.county.id, "seats": 5}
    assert book(client, scene, session_id, scene.coordinator, room).status_code == 201
    when = (utcnow() + timedelta(days=3)).date()
    path = f"/api/v1/sessions?from={when - timedelta(days=1)}&hospital_id="

    def ids(user, hospital):
        response = client.get(f"{path}{hospital.id}", headers=scene.headers(user))
        assert response.status_code == 200
        return [item["id"] for item in response.json["items"]]

    assert ids(scene.outsider, scene.county) == []  # another hospital's learner
    assert ids(scene.other_coordinator, scene.county) == []
    assert ids(scene.learners[0], scene.county) == [session_id]  # its own staff
    assert ids(scene.coordinator, scene.county) == [session_id]
    assert ids(scene.office, scene.county) == [session_id]
    assert ids(scene.outsider, scene.hub) == [session_id]  # held there: public
