"""The real worker: a long transcode does not hold up search indexing (media and
fast lanes, on the SQLite queue and on Redis), and a lane killed with -9 is
started again by the supervisor and consumes jobs again."""

import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from lms.db import db, utcnow
from lms.search import get_search
from lms.search.tasks import reindex_course
from lms.workers.models import WorkerHeartbeat
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState
from media_pipeline.storage import Storage
from media_pipeline.tasks import enqueue
from tests.builders import build_scene
from tests.conftest import make_app
from tests.media.clips import make_clip

ROOT = Path(__file__).resolve().parents[2]
#: Its database is SQLite of its own, whatever --db says: run once.
pytestmark = pytest.mark.once


@pytest.fixture(params=["sqlite", "redis"])
def queue_url(request):
    if request.param == "redis":
        return request.getfixturevalue("redis_server").url
    return ""


def setting_up(tmp_path, queue_url):
    database = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    settings = {
        "QUEUE_URL": queue_url,
        "MEDIA_DIR": str(tmp_path / "media"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "WORKER_HEARTBEAT_SECONDS": 1,
    }
    app = make_app(tmp_path, database, QUEUE_IMMEDIATE=False, **settings)
    env = dict(
        os.environ,
        LMS_SECRET_KEY="w" * 40,
        LMS_DATABASE_URL=database,
        LMS_INSTANCE_PATH=str(tmp_path),
        **{f"LMS_{key}": str(value) for key, value in settings.items()},
    )
    return app, env


def start_worker(env, log):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "lms", "worker"],
        cwd=ROOT,
        env=env,
        stdout=log.open("wb"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


def stop_worker(worker):
    if worker.poll() is None:
        os.killpg(worker.pid, signal.SIGTERM)
        try:
            worker.wait(30)
        except subprocess.TimeoutExpired:
            os.killpg(worker.pid, signal.SIGKILL)
            worker.wait()


def until(app, condition, seconds, what):
    """Poll ``condition()`` (in a fresh snapshot) until it returns something true."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.rollback()
            value = condition()
            if value:
                return value
            time.sleep(0.1)
    raise AssertionError(f"{what} not within {seconds} s")


def heartbeats():
    rows = db.session.scalars(sa.select(WorkerHeartbeat)).all()
    return {row.lane: (row.pid, row.restarts) for row in rows}


def both_lanes_beating():
    beats = heartbeats()
    return beats if {"fast", "media"} <= set(beats) else None


def test_search_indexing_runs_while_a_long_transcode_holds_the_media_lane(
    tmp_path, queue_url
):
    """With one consumer and one thread, the index waited for the transcode."""
    app, env = setting_up(tmp_path, queue_url)
    clip = make_clip(tmp_path / "long.mp4", seconds=60, size="854x480").read_bytes()
    with app.app_context():
        scene = build_scene(title_zh="慢性阻塞性肺疾病的吸入治疗")
        upload = ops.start_upload(
            scene.course.lectures[0],
            scene.lecturer,
            filename="long.mp4",
            size=len(clip),
            max_bytes=len(clip),
        )
        job = ops.receive_chunk(
            upload,
            0,
            io.BytesIO(clip),
            Storage(tmp_path / "media"),
            utcnow(),
            chunk_limit=len(clip),
        )
        db.session.commit()
        job_id, course_id = job.id, scene.course.id
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        until(app, both_lanes_beating, 90, "both lanes beating")
        with app.app_context():
            enqueue(db.session.get(TranscodeJob, job_id))

        def transcoding():
            job = db.session.get(TranscodeJob, job_id)
            return job.state == JobState.RUNNING and job.progress > 0

        until(app, transcoding, 60, "the transcode under way")
        with app.app_context():
            reindex_course(course_id)  # queued on the fast lane
        started = time.monotonic()
        hits = until(
            app, lambda: get_search().search("慢阻肺").hits, 30, "the course indexed"
        )
        indexed_after = time.monotonic() - started
        with app.app_context():
            db.session.rollback()
            state = db.session.get(TranscodeJob, job_id).state
    finally:
        stop_worker(worker)
    assert [hit.course_id for hit in hits] == [course_id]
    assert state == JobState.RUNNING, "the index waited for the transcode"
    assert indexed_after < 15
    log = (tmp_path / "worker.log").read_text(errors="replace")
    assert "Traceback" not in log, log
    with app.app_context():
        db.engine.dispose()


def test_a_lane_killed_with_sigkill_is_restarted_and_consumes_again(tmp_path):
    app, env = setting_up(tmp_path, "")
    with app.app_context():
        course_id = build_scene(title_zh="糖尿病足的早期筛查").course.id
        db.session.commit()
    worker = start_worker(env, tmp_path / "worker.log")
    try:
        beats = until(app, both_lanes_beating, 90, "both lanes beating")
        killed, _ = beats["fast"]
        os.kill(killed, signal.SIGKILL)

        def restarted():
            pid, restarts = heartbeats()["fast"]
            return (pid, restarts) if pid != killed else None

        _, restarts = until(app, restarted, 60, "the fast lane restarted")
        assert restarts == 1 and not Path(f"/proc/{killed}").exists()
        assert worker.poll() is None  # the supervisor itself carries on
        with app.app_context():
            reindex_course(course_id)
        hits = until(
            app, lambda: get_search().search("糖尿病足").hits, 30, "the course indexed"
        )
        assert [hit.course_id for hit in hits] == [course_id]
        with app.app_context():
            assert heartbeats()["media"][1] == 0  # the other lane was left alone
    finally:
        stop_worker(worker)
    with app.app_context():
        db.engine.dispose()
