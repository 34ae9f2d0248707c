"""Scheduled sessions through the API: creating, approving, changing and
cancelling them, seats, rooms and the waiting list, visit requests, and every
bad input of issue 13 that booking owns."""

from datetime import UTC, datetime, timedelta

import pytest
import sqlalchemy as sa

from courses.sessions.models import Reservation, ScheduledSession
from courses.sessions.states import ReservationState
from lms.accounts.roles import Role
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


def test_overlapping_sessions_in_one_room_are_refused(client, scene):
    start = (utcnow() + timedelta(days=3)).replace(microsecond=0)
    headers = scene.headers(scene.lecturer)
    first = client.post(
        "/api/v1/sessions", json=session_body(scene, start), headers=headers
    )
    assert first.status_code == 201
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
    client.post("/api/v1/sessions", json=session_body(scene, start), headers=headers)
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
