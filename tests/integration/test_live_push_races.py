"""Encoders pushing with one key at the same moment (a studio's main and
backup encoder, a retry loop), through nginx's on_publish callback in real
threads, on SQLite and PostgreSQL: one broadcast, one publisher."""

import secrets
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import sqlalchemy as sa

from courses.sessions import live
from courses.sessions.models import LiveBroadcast, ScheduledSession, SessionDay
from courses.sessions.states import SessionKind, SessionState
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from media_pipeline.ingest import callback_secret
from tests.conftest import unique

RACERS = 8


def _session_with_key(app):
    with app.app_context():
        venue = create_hospital(
            code=unique("H"), name_zh="演播中心", tier=Tier.HUB, province_code="51"
        )
        host = create_user(
            login=f"{unique('host')}@example.org",
            name="授课专家",
            password="correct-horse-battery",
            role=Role.LECTURER,
            hospital=venue,
        )
        now = utcnow()
        session = ScheduledSession(
            kind=SessionKind.BROADCAST,
            state=SessionState.OPEN,
            title_zh="直播测试",
            owner_id=host.id,
            venue_hospital_id=venue.id,
            capacity=30,
            code_secret=secrets.token_hex(32),
            rule_set_code="CN-2024",
            approved_dt=now,
        )
        session.lecturers = [host]
        session.days = [
            SessionDay(
                starts_dt=now - timedelta(minutes=5), ends_dt=now + timedelta(hours=1)
            )
        ]
        db.session.add(session)
        db.session.flush()
        _, key = live.issue_key(session, host, now)
        db.session.commit()
        return session.id, key


def test_pushes_with_one_key_at_once_start_one_broadcast(racing_app, monkeypatch):
    from media_pipeline import live_tasks

    started = []  # the ladder (a thread pulling from nginx) is not run here
    monkeypatch.setattr(live_tasks, "start_ladder", started.append)
    session_id, key = _session_with_key(racing_app)
    url = f"/live-ingest/{callback_secret(racing_app.config['SECRET_KEY'])}/on_publish"
    barrier = threading.Barrier(RACERS)

    def publish(client_id):
        barrier.wait()
        response = racing_app.test_client().post(
            url, data={"name": key, "clientid": str(client_id), "call": "publish"}
        )
        return response.status_code

    with ThreadPoolExecutor(RACERS) as pool:
        statuses = sorted(pool.map(publish, range(RACERS)))
    assert statuses == [302] + [403] * (RACERS - 1)
    with racing_app.app_context():
        rows = db.session.scalars(
            sa.select(LiveBroadcast).where(LiveBroadcast.session_id == session_id)
        ).all()
        assert [(b.runs, b.state.value) for b in rows] == [(1, "live")]
        assert started == [rows[0].id]
