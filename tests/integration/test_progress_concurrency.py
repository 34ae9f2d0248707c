"""Two beats of one learner at once lose nothing, on SQLite and PostgreSQL.

Each request runs in its own thread with its own connection from the pool, on a
database of this test's own, so the writes really race.
"""

from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.models import LectureProgress, PlaySession
from lms.accounts.operations import issue_api_token
from lms.db import db, utcnow
from tests.builders import build_scene
from tests.conftest import make_app, unique

DURATION = 600.0
SESSIONS = 8  # one learner in eight tabs at once, each beating in order
BEATS = 5  # per session, 10 s each, disjoint across sessions


@pytest.fixture(params=["sqlite", "postgresql"])
def racing_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'race.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("race_"))
    app = make_app(
        tmp_path,
        url,
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10}
        if request.param == "postgresql"
        else {},
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def setup_course(app):
    with app.app_context():
        scene = build_scene(durations=(DURATION,), enrol=True)
        learner = scene.learners[0]
        token = issue_api_token(learner, lifetime=timedelta(hours=1)).token
        db.session.commit()
        return scene.course.lectures[0].id, learner.id, token


def test_concurrent_beats_of_one_learner_lose_no_second(racing_app):
    app = racing_app
    lecture_id, learner_id, token = setup_course(app)
    headers = {"Authorization": f"Bearer {token}"}
    client = app.test_client()
    sessions = [
        client.post(
            f"/api/v1/lectures/{lecture_id}/play-sessions", headers=headers
        ).json["play_session"]
        for _ in range(SESSIONS)
    ]
    with app.app_context():
        db.session.execute(
            sa.update(PlaySession).values(started_dt=utcnow() - timedelta(hours=1))
        )
        db.session.commit()

    def play(index):
        """One tab: its beats in order, as the player sends them."""
        statuses = []
        for seq in range(1, BEATS + 1):
            start = (index * BEATS + seq - 1) * 10.0
            response = app.test_client().post(
                f"/api/v1/lectures/{lecture_id}/progress",
                headers=headers,
                json={
                    "play_session": sessions[index],
                    "seq": seq,
                    "ranges": [[start, start + 10.0]],
                },
            )
            statuses.append((response.status_code, response.json.get("accepted")))
        return statuses

    with ThreadPoolExecutor(max_workers=SESSIONS) as pool:
        results = [s for tab in pool.map(play, range(SESSIONS)) for s in tab]
    assert results == [(200, True)] * SESSIONS * BEATS
    with app.app_context():
        progress = db.session.scalar(
            sa.select(LectureProgress).filter_by(
                user_id=learner_id, lecture_id=lecture_id
            )
        )
        assert progress.coverage == [[0.0, SESSIONS * BEATS * 10.0]]
        assert progress.covered_seconds == SESSIONS * BEATS * 10.0
