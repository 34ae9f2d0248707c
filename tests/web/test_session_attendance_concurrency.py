"""Sign-ins and vouches racing through the API, on SQLite and PostgreSQL: one
phone tapping eight times makes one presence; a roster's queue replayed eight
times at once makes one; eight people into a room counted at three flag five.

Each request runs in its own thread with its own connection from the pool, on a
database of this test's own, so the writes really race (decided under the
session's row lock)."""

import secrets
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa

from courses.sessions import codes
from courses.sessions.models import (
    Presence,
    Reservation,
    RoomHeadcount,
    ScheduledSession,
    SessionDay,
)
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
)
from lms.accounts.operations import create_user, issue_api_token
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.conftest import unique

RACERS = 8


def token(user):
    issued = issue_api_token(user, lifetime=timedelta(hours=1))
    return {"Authorization": f"Bearer {issued.token}"}


def setup_room(app, learners=1):
    """A session under way, a county room booked, its coordinator and learners."""
    with app.app_context():
        now = utcnow().replace(microsecond=0)
        hub = create_hospital(
            code=unique("H"), name_zh="省医院", tier=Tier.HUB, province_code="51"
        )
        county = create_hospital(
            code=unique("H"), name_zh="县医院", tier=Tier.COUNTY, province_code="51"
        )

        def person(role):
            return create_user(
                login=f"{unique('race')}@example.cn",
                name="测试",
                password="correct-horse-battery",
                role=role,
                hospital=county if role != Role.LECTURER else hub,
            )

        lecturer = person(Role.LECTURER)
        coordinator = person(Role.SITE_COORDINATOR)
        people = [person(Role.LEARNER) for _ in range(learners)]
        session = ScheduledSession(
            kind=SessionKind.BROADCAST,
            state=SessionState.OPEN,
            title_zh="并发签到",
            owner_id=lecturer.id,
            venue_hospital_id=hub.id,
            capacity=50,
            code_secret=secrets.token_hex(32),
            rule_set_code="CN-2024",
            credit_category="CME",
            project_level=ProjectLevel.PROVINCIAL,
            project_number="2026-51-01-010",
            min_presence=Decimal("0.80"),
            approved_dt=now,
        )
        session.lecturers = [lecturer]
        session.days = [
            SessionDay(starts_dt=now - timedelta(minutes=30), ends_dt=now + 90 * MIN)
        ]
        db.session.add(session)
        db.session.flush()
        room = Reservation(
            session_id=session.id,
            kind=ReservationKind.ROOM,
            state=ReservationState.BOOKED,
            user_id=coordinator.id,
            hospital_id=county.id,
            seats=20,
        )
        db.session.add(room)
        db.session.flush()
        facts = {
            "session": session.id,
            "secret": session.code_secret,
            "day": session.days[0].id,
            "room": room.id,
            "coordinator": token(coordinator),
            "learners": [(p.id, token(p)) for p in people],
        }
        db.session.commit()
        return facts


MIN = timedelta(minutes=1)


def in_threads(function, items):
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


def presences(app, session_id):
    with app.app_context():
        return db.session.scalars(
            sa.select(Presence).filter_by(session_id=session_id)
        ).all()


def room_code(facts):
    return codes.current_code(facts["secret"], str(facts["room"]), utcnow())


def test_one_phone_tapping_eight_times_signs_in_once(racing_app):
    facts = setup_room(racing_app)
    (learner_id, headers), code = facts["learners"][0], room_code(facts)

    def sign_in(_):
        return (
            racing_app.test_client()
            .post(
                f"/api/v1/sessions/{facts['session']}/sign-in",
                json={"code": code},
                headers=headers,
            )
            .status_code
        )

    statuses = in_threads(sign_in, range(RACERS))
    assert sorted(statuses) == [200] + [409] * (RACERS - 1)
    assert [p.user_id for p in presences(racing_app, facts["session"])] == [learner_id]


def test_a_vouch_replayed_eight_times_at_once_makes_one_presence(racing_app):
    facts = setup_room(racing_app)
    learner_id, _ = facts["learners"][0]
    now = utcnow()
    body = {
        "user_id": learner_id,
        "day": facts["day"],
        "signed_in_at": (now - 20 * MIN).isoformat(),
        "signed_out_at": (now - MIN).isoformat(),
        "reason": "设备故障",
        "client_ref": "q-1",
    }

    def vouch(_):
        response = racing_app.test_client().post(
            f"/api/v1/sessions/{facts['session']}/attendance",
            json=body,
            headers=facts["coordinator"],
        )
        return response.status_code, response.json.get("id")

    answers = in_threads(vouch, range(RACERS))
    assert {status for status, _ in answers} == {200}
    assert len({presence_id for _, presence_id in answers}) == 1
    (presence,) = presences(racing_app, facts["session"])
    assert presence.minutes == 19


def test_eight_into_a_room_counted_at_three_flag_five(racing_app):
    facts = setup_room(racing_app, learners=RACERS)
    with racing_app.app_context():
        db.session.add(
            RoomHeadcount(
                session_id=facts["session"],
                day_id=facts["day"],
                reservation_id=facts["room"],
                headcount=3,
                entered_by_id=1,
            )
        )
        db.session.commit()
    code = room_code(facts)

    def sign_in(learner):
        _, headers = learner
        return (
            racing_app.test_client()
            .post(
                f"/api/v1/sessions/{facts['session']}/sign-in",
                json={"code": code},
                headers=headers,
            )
            .status_code
        )

    assert in_threads(sign_in, facts["learners"]) == [200] * RACERS
    flagged = [
        p
        for p in presences(racing_app, facts["session"])
        if "above_headcount" in p.flags
    ]
    assert len(flagged) == RACERS - 3
