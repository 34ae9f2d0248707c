"""Seats of a scheduled session under concurrency, on SQLite and PostgreSQL:
six learners racing for three seats, two hospitals racing for the last seats,
and a waiting list under a double cancellation.

Each request runs in its own thread with its own connection from the pool, on
a database of this test's own, and the threads wait at a barrier so the
requests really arrive together.
"""

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from courses.sessions import booking
from courses.sessions.models import Reservation
from courses.sessions.states import ReservationState, SessionKind
from lms.accounts.operations import create_user, issue_api_token
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from lms.notifications.models import Notification
from tests.conftest import unique


def _hospital(tier=Tier.COUNTY):
    return create_hospital(
        code=unique("H"), name_zh="测试医院", tier=tier, province_code="51"
    )


def _user(role, hospital):
    return create_user(
        login=f"{unique('u')}@example.org",
        name="测试",
        password="correct-horse-battery",
        role=role,
        hospital=hospital,
    )


def _token(user):
    token = issue_api_token(user, lifetime=timedelta(hours=1)).token
    return {"Authorization": f"Bearer {token}"}


def setup_session(app, *, capacity, learners=0, hospitals=0):
    """An open session of ``capacity`` seats, ``learners`` learners and
    ``hospitals`` hospitals with a coordinator each: (session id, learners'
    headers, learner ids, [(hospital id, coordinator's headers)])."""
    with app.app_context():
        hub = _hospital(Tier.HUB)
        county = _hospital()
        lecturer = _user(Role.LECTURER, hub)
        office = _user(Role.ADMINISTRATOR, None)
        now = utcnow()
        start = now + timedelta(days=2)
        session = booking.create_session(
            lecturer,
            now,
            kind=SessionKind.BROADCAST,
            title_zh="抢座测试",
            days=[(start, start + timedelta(hours=2))],
            venue_hospital_id=hub.id,
            capacity=capacity,
            rule_set_code="CN-2024",
            project_level="hospital",
            credit_category="CME",
        )
        booking.approve_session(session, office, now)
        people = [_user(Role.LEARNER, county) for _ in range(learners)]
        rooms = []
        for _ in range(hospitals):
            hospital = _hospital()
            rooms.append((hospital.id, _user(Role.SITE_COORDINATOR, hospital)))
        answer = (
            session.id,
            [_token(user) for user in people],
            [user.id for user in people],
            [(hospital_id, _token(user)) for hospital_id, user in rooms],
            _token(office),
        )
        db.session.commit()
        return answer


def race(app, requests):
    """Send ``requests`` (method, path, headers, json) at once; their
    (status, body) in order."""
    barrier = threading.Barrier(len(requests))

    def send(request):
        method, path, headers, body = request
        client = app.test_client()
        barrier.wait()
        response = client.open(path, method=method, headers=headers, json=body)
        return response.status_code, response.json

    with ThreadPoolExecutor(max_workers=len(requests)) as pool:
        return list(pool.map(send, requests))


def booked(app, session_id):
    with app.app_context():
        rows = db.session.execute(
            sa.select(Reservation.state, Reservation.seats, Reservation.user_id).where(
                Reservation.session_id == session_id
            )
        ).all()
        return rows


def test_six_learners_race_for_three_seats_and_exactly_three_win(racing_app):
    app = racing_app
    session_id, headers, _, _, _ = setup_session(app, capacity=3, learners=6)
    path = f"/api/v1/sessions/{session_id}/reservations"
    answers = race(app, [("POST", path, h, {}) for h in headers])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 201, 201, 409, 409, 409], answers
    assert {body["error"]["code"] for status, body in answers if status == 409} == {
        "session_full"
    }
    rows = booked(app, session_id)
    assert [state for state, _, _ in rows].count(ReservationState.BOOKED) == 3
    assert len(rows) == 3


def test_six_learners_race_with_the_waiting_list(racing_app):
    """Asking for the waiting list, all six get a place: three booked, three
    waiting, never four booked."""
    app = racing_app
    session_id, headers, _, _, _ = setup_session(app, capacity=3, learners=6)
    path = f"/api/v1/sessions/{session_id}/reservations"
    answers = race(app, [("POST", path, h, {"waitlist": True}) for h in headers])
    assert [status for status, _ in answers] == [201] * 6
    states = sorted(body["state"] for _, body in answers)
    assert states == ["booked"] * 3 + ["waiting"] * 3


def test_one_learner_double_booking_at_once_holds_one_seat(racing_app):
    app = racing_app
    session_id, headers, _, _, _ = setup_session(app, capacity=10, learners=1)
    path = f"/api/v1/sessions/{session_id}/reservations"
    answers = race(app, [("POST", path, headers[0], {}) for _ in range(6)])
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201] + [409] * 5, answers
    assert len(booked(app, session_id)) == 1


def test_two_hospitals_race_for_the_last_seats(racing_app):
    """10 seats, 4 taken by learners; two hospitals ask for 6 each at once:
    one room is booked, the other is refused, and never 16 seats."""
    app = racing_app
    session_id, learners, _, rooms, _ = setup_session(
        app, capacity=10, learners=4, hospitals=2
    )
    path = f"/api/v1/sessions/{session_id}/reservations"
    for h in learners:
        assert app.test_client().post(path, headers=h, json={}).status_code == 201
    answers = race(
        app,
        [
            ("POST", path, h, {"hospital_id": hospital_id, "seats": 6})
            for hospital_id, h in rooms
        ],
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [201, 409], answers
    rows = booked(app, session_id)
    assert sum(seats for state, seats, _ in rows if state == "booked") == 10


def test_the_waiting_list_is_promoted_exactly_once_under_a_double_cancel(
    racing_app,
):
    """One seat, one booked learner, two waiting: the learner and the office
    cancel the booked seat at once. One cancellation stands, the first waiting
    learner is promoted once (one notice), the second still waits."""
    app = racing_app
    session_id, headers, ids, _, office = setup_session(app, capacity=1, learners=3)
    path = f"/api/v1/sessions/{session_id}/reservations"
    client = app.test_client()
    first = client.post(path, headers=headers[0], json={}).json
    client.post(path, headers=headers[1], json={"waitlist": True})
    client.post(path, headers=headers[2], json={"waitlist": True})
    cancel = f"/api/v1/reservations/{first['id']}"
    answers = race(
        app,
        [("DELETE", cancel, headers[0], None), ("DELETE", cancel, office, None)] * 2,
    )
    statuses = sorted(status for status, _ in answers)
    assert statuses == [200, 409, 409, 409], answers
    promoted = next(body["promoted"] for status, body in answers if status == 200)
    assert [r["user_id"] for r in promoted] == [ids[1]]
    states = {user_id: state for state, _, user_id in booked(app, session_id)}
    assert states == {
        ids[0]: ReservationState.CANCELLED,
        ids[1]: ReservationState.BOOKED,
        ids[2]: ReservationState.WAITING,
    }
    with app.app_context():
        told = db.session.scalar(
            sa.select(sa.func.count(Notification.id)).where(
                Notification.user_id == ids[1], Notification.kind == "seat_confirmed"
            )
        )
    assert told == 1
