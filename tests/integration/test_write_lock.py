"""Concurrent writers on SQLite wait for the lock instead of failing with a 500.

The app is served by a real threaded server on loopback, on a SQLite file of
this test's own; the requests go over real sockets, all released at once.
"""

import json
import threading
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa
from werkzeug.serving import make_server

from courses import operations as course_ops
from lms.accounts.operations import issue_api_token
from lms.db import db
from tests.builders import build_scene
from tests.conftest import make_app

LEARNERS = 10


@pytest.fixture
def served(tmp_path):
    """The app on a SQLite file, served on a free loopback port."""
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'locks.sqlite3'}")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.engine.dispose()


def token_of(user):
    return issue_api_token(user, lifetime=timedelta(hours=1)).token


def send(url, *, token, method="POST", body=None, content_type=None):
    """One request; its status (an HTTP error is an answer too)."""
    request = urllib.request.Request(url, data=body, method=method)
    request.add_header("Authorization", f"Bearer {token}")
    if content_type:
        request.add_header("Content-Type", content_type)
    try:
        with urllib.request.urlopen(request, timeout=120) as response:
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def all_at_once(calls):
    """Run the calls in as many threads, released together; their statuses."""
    barrier = threading.Barrier(len(calls))

    def run(call):
        barrier.wait()
        return call()

    with ThreadPoolExecutor(max_workers=len(calls)) as pool:
        return list(pool.map(run, calls))


def test_body_less_posts_all_start_a_play_session(served):
    """100 play-session starts at once (POSTs without a body): none is a 500."""
    app, base = served
    with app.app_context():
        scene = build_scene(learners=LEARNERS, enrol=True)
        lecture_id = scene.course.lectures[0].id
        tokens = [token_of(learner) for learner in scene.learners]
        db.session.commit()
    url = f"{base}/api/v1/lectures/{lecture_id}/play-sessions"
    statuses = all_at_once(
        [lambda t=tokens[i % LEARNERS]: send(url, token=t) for i in range(100)]
    )
    assert statuses == [201] * 100


def test_posts_with_another_json_type_all_write(served):
    """50 edits sent as ``application/merge-patch+json`` at once: each one saved."""
    app, base = served
    with app.app_context():
        scene = build_scene()
        draft = course_ops.create_course(scene.lecturer, title_zh="草稿课程")
        token = token_of(scene.lecturer)
        db.session.commit()
        course_id = draft.id
    url = f"{base}/api/v1/courses/{course_id}"
    statuses = all_at_once(
        [
            lambda i=i: send(
                url,
                token=token,
                method="PATCH",
                body=json.dumps({"title_en": f"Draft {i}"}).encode(),
                content_type="application/merge-patch+json",
            )
            for i in range(50)
        ]
    )
    assert statuses == [200] * 50


@pytest.mark.parametrize(
    "engine_options",
    [{}, {"connect_args": {"check_same_thread": False}}],
    ids=["default", "other-connect-args"],
)
def test_sqlite_writers_wait_generously_for_the_lock(tmp_path, engine_options):
    """Every SQLite connection waits SQLITE_BUSY_TIMEOUT (30 s) for the lock."""
    from lms import create_app

    app = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'busy.sqlite3'}",
            "SQLALCHEMY_ENGINE_OPTIONS": engine_options,
            "INSTANCE_PATH": str(tmp_path),
        }
    )
    with app.app_context():
        assert db.session.execute(sa.text("PRAGMA busy_timeout")).scalar() == 30_000
        db.engine.dispose()
