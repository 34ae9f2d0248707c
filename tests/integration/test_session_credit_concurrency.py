"""Two credit runs of one ended session at once (a re-queued task beside the
first, two workers), on SQLite and PostgreSQL: one line per person and role.

Each run is a thread of its own with its own connection, on a database of this
test's own, so the writes really race.
"""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certificates.models import CreditAward
from courses.sessions import crediting
from courses.sessions.models import (
    Presence,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
)
from courses.sessions.states import PresenceSource, SessionKind, SessionState
from lms.accounts.models import User
from lms.accounts.operations import create_user, issue_api_token
from lms.accounts.roles import Role
from lms.db import begin_write_transaction, db, utcnow
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.conftest import unique

pytestmark = pytest.mark.db

LEARNERS = 6
RUNS = 4


def ended_session(app, state=SessionState.ENDED):
    """An ended two-hour broadcast (or one under way: ``state`` OPEN) with
    learners present the whole time and one lecturer; (session id, learner
    ids, lecturer id)."""
    with app.app_context():
        hospital = create_hospital(
            code=unique("H"), name_zh="测试医院", tier=Tier.COUNTY, province_code="51"
        )

        def person(role):
            return create_user(
                login=f"{unique('p')}@example.org",
                name="测试",
                password="correct-horse-battery",
                role=role,
                hospital=hospital,
            )

        lecturer = person(Role.LECTURER)
        learners = [person(Role.LEARNER) for _ in range(LEARNERS)]
        start = utcnow().replace(microsecond=0) - timedelta(hours=3)
        session = ScheduledSession(
            kind=SessionKind.BROADCAST,
            state=state,
            title_zh="并发结课",
            owner_id=lecturer.id,
            venue_hospital_id=hospital.id,
            capacity=30,
            code_secret=secrets.token_hex(32),
            rule_set_code="CN-2024",
            credit_category="CME",
            project_level=ProjectLevel.PROVINCIAL,
            project_number="2026-51-01-099",
            ended_dt=utcnow() if state == SessionState.ENDED else None,
        )
        session.lecturers = [lecturer]
        session.days = [SessionDay(starts_dt=start, ends_dt=start + timedelta(hours=2))]
        db.session.add(session)
        db.session.flush()
        day = session.days[0]
        for learner in learners:
            db.session.add(
                Presence(
                    session_id=session.id,
                    day_id=day.id,
                    user_id=learner.id,
                    hospital_id=hospital.id,
                    source=PresenceSource.CODE,
                    signed_in_dt=day.starts_dt,
                    signed_out_dt=day.ends_dt,
                    minutes=120,
                )
            )
        db.session.commit()
        return session.id, [u.id for u in learners], lecturer.id


def test_two_credit_runs_at_once_make_one_line_each(racing_app):
    app = racing_app
    session_id, learner_ids, lecturer_id = ended_session(app)
    barrier = threading.Barrier(RUNS)

    def run(_):
        with app.app_context():
            barrier.wait()
            begin_write_transaction()
            crediting.credit_session(session_id, utcnow())
            db.session.commit()

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        list(pool.map(run, range(RUNS)))

    with app.app_context():
        lines = db.session.execute(
            sa.select(CreditAward.user_id, CreditAward.source).where(
                CreditAward.session_id == session_id
            )
        ).all()
        assert sorted(lines) == sorted(
            [(uid, "attendance") for uid in learner_ids] + [(lecturer_id, "teaching")]
        )
        outcomes = db.session.scalars(
            sa.select(SessionOutcome).filter_by(session_id=session_id)
        ).all()
        assert len(outcomes) == LEARNERS + 1
        assert all(o.award_id is not None for o in outcomes)
        assert db.session.get(ScheduledSession, session_id).credited_dt is not None


def test_ending_at_once_ends_once(racing_app):
    """The host's two tabs and the office press "end" together: one ends it
    (200), the others hear it has ended (409); one line per person."""
    app = racing_app
    session_id, _, lecturer_id = ended_session(app, SessionState.OPEN)
    with app.app_context():
        # A token each: one token's row would queue the requests by itself.
        hosts = [db.session.get(User, lecturer_id)] + [
            create_user(
                login=f"{unique('office')}@example.org",
                name="继教办",
                password="correct-horse-battery",
                role=Role.ADMINISTRATOR,
            )
            for _ in range(RUNS - 1)
        ]
        tokens = [
            issue_api_token(host, lifetime=timedelta(hours=1)).token for host in hosts
        ]
        db.session.commit()
    barrier = threading.Barrier(RUNS)

    def end(index):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/sessions/{session_id}/end",
            headers={"Authorization": f"Bearer {tokens[index]}"},
        )
        return response.status_code, (response.json or {}).get("error", {}).get("code")

    with ThreadPoolExecutor(max_workers=RUNS) as pool:
        answers = sorted(pool.map(end, range(RUNS)), key=str)
    assert answers.count((200, None)) == 1
    assert answers.count((409, "already_ended")) == RUNS - 1
    with app.app_context():
        assert (
            db.session.scalar(
                sa.select(sa.func.count())
                .select_from(CreditAward)
                .where(CreditAward.session_id == session_id)
            )
            == LEARNERS + 1
        )
