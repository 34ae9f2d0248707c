"""A worker killed with SIGKILL mid-transcode: nothing half-published, and the job
runs again and succeeds (on the SQLite queue and on Redis)."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest

from courses.models import Lecture
from courses.workflow import CourseStatus
from lms.db import db, utcnow
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, MediaStatus
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


def start_worker(env):
    return subprocess.Popen(
        [sys.executable, "-m", "flask", "--app", "lms", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )


def wait_for(app, job_id, states, seconds):
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.rollback()  # a fresh snapshot: see what the worker wrote
            job = db.session.get(TranscodeJob, job_id)
            if job.state in states:
                return job.state
            time.sleep(0.1)
    raise AssertionError(f"job {job_id} did not reach {states} in {seconds} s")


def wait_for_progress(app, job_id, seconds):
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.rollback()
            job = db.session.get(TranscodeJob, job_id)
            if job.progress > 0 and job.state == JobState.RUNNING:
                return job.progress
            time.sleep(0.05)
    raise AssertionError(f"job {job_id} reported no progress in {seconds} s")


def test_a_killed_worker_publishes_nothing_and_the_job_runs_again(tmp_path, queue_url):
    media = tmp_path / "media"
    database = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    app = make_app(
        tmp_path,
        database,
        QUEUE_IMMEDIATE=False,
        QUEUE_URL=queue_url,
        MEDIA_DIR=str(media),
    )
    clip = make_clip(tmp_path / "long.mp4", seconds=40, size="640x360").read_bytes()
    with app.app_context():
        scene = build_scene()
        # A course being prepared, its lecture without media yet: the output is
        # published when done (a published course's new media waits for review).
        scene.course.status = CourseStatus.DRAFT
        lecture = scene.course.lectures[0]
        lecture.media_status = MediaStatus.NONE
        upload = ops.start_upload(
            lecture,
            scene.lecturer,
            filename="long.mp4",
            size=len(clip),
            max_bytes=len(clip),
        )
        job = ops.receive_chunk(
            upload, 0, io.BytesIO(clip), Storage(media), utcnow(), chunk_limit=len(clip)
        )
        db.session.commit()
        job_id, lecture_id = job.id, lecture.id
        enqueue(job)
    env = dict(
        os.environ,
        LMS_SECRET_KEY="w" * 40,
        LMS_DATABASE_URL=database,
        LMS_INSTANCE_PATH=str(tmp_path),
        LMS_QUEUE_URL=queue_url,
        LMS_MEDIA_DIR=str(media),
    )
    worker = start_worker(env)
    try:
        wait_for(app, job_id, {JobState.RUNNING}, 60)
        wait_for_progress(app, job_id, 60)  # ffmpeg is part-way through: kill now
        os.killpg(worker.pid, signal.SIGKILL)
        worker.wait(10)
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGKILL)
    published = Storage(media).published(lecture_id)
    with app.app_context():
        assert db.session.get(TranscodeJob, job_id).state == JobState.RUNNING
        assert not published.exists()
        assert (
            db.session.get(Lecture, lecture_id).media_status == MediaStatus.PROCESSING
        )
        # The periodic task's step, with "stale" meaning "now" for the test.
        assert ops.requeue_stale_jobs(
            utcnow() + timedelta(hours=1), timedelta(seconds=1)
        ) == [job_id]
        db.session.commit()
        enqueue(db.session.get(TranscodeJob, job_id))
    worker = start_worker(env)
    try:
        assert wait_for(app, job_id, {JobState.SUCCEEDED, JobState.FAILED}, 120) == (
            JobState.SUCCEEDED
        )
    finally:
        os.killpg(worker.pid, signal.SIGTERM)
        worker.wait(30)
    with app.app_context():
        job = db.session.get(TranscodeJob, job_id)
        assert job.attempts == 2
        assert (published / "master.m3u8").exists()
        assert [
            p.name
            for p in Storage(media).lecture_dir(lecture_id).iterdir()
            if p.name.startswith("job-")
        ] == [published.resolve().name]
        assert db.session.get(Lecture, lecture_id).media_status == MediaStatus.READY
        db.engine.dispose()
