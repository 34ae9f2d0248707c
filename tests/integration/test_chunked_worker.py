"""Long recordings in chunks (issue 16, item 5) with real media workers: a
recording over the threshold is cut into chunks that any worker transcodes as
queue tasks of their own; the last one joins them into the ladder a whole-file
transcode gives, with one worker and with two. A chunk whose worker is killed
is run again alone. On SQLite and on PostgreSQL."""

import io
import os
import signal
import subprocess
import sys
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from courses.models import Lecture
from courses.workflow import CourseStatus
from lms.db import db, utcnow
from lms.workers.models import WorkerHeartbeat
from media_pipeline import operations as ops
from media_pipeline.chunk_tasks import transcode_chunk
from media_pipeline.ladder import LECTURE_POLICY
from media_pipeline.models import TranscodeChunk, TranscodeJob
from media_pipeline.runner import build_ladder
from media_pipeline.states import JobState, MediaStatus
from media_pipeline.storage import Storage
from media_pipeline.tasks import enqueue
from tests.builders import build_scene
from tests.conftest import make_app, unique
from tests.media.clips import make_clip
from tests.media.ladders import compare, plays_through

ROOT = Path(__file__).resolve().parents[2]
#: Seconds of the clip, and of a chunk (a threshold of 10 s: 5 chunks and the audio).
CLIP_SECONDS, CHUNK_SECONDS = 30, 6


@pytest.fixture(params=["sqlite", "postgresql"])
def media_app(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("chunks_"))
    media = tmp_path / "media"
    config = {
        "QUEUE_IMMEDIATE": False,
        "QUEUE_URL": "",
        "MEDIA_DIR": str(media),
        "MEDIA_CHUNK_THRESHOLD_SECONDS": 10,
        "MEDIA_CHUNK_SECONDS": CHUNK_SECONDS,
    }
    app = make_app(tmp_path, url, **config)
    env = dict(
        os.environ,
        LMS_SECRET_KEY="w" * 40,
        LMS_DATABASE_URL=url,
        LMS_INSTANCE_PATH=str(tmp_path),
        LMS_QUEUE_URL="",
        LMS_MEDIA_DIR=str(media),
        LMS_MEDIA_CHUNK_THRESHOLD_SECONDS="10",
        LMS_MEDIA_CHUNK_SECONDS=str(CHUNK_SECONDS),
    )
    yield app, env, media
    with app.app_context():
        db.engine.dispose()


def upload_recording(app, media, clip):
    data = clip.read_bytes()
    with app.app_context():
        scene = build_scene()
        scene.course.status = CourseStatus.DRAFT  # published at once when done
        lecture = scene.course.lectures[0]
        lecture.media_status = MediaStatus.NONE
        upload = ops.start_upload(
            lecture,
            scene.lecturer,
            filename="long.mp4",
            size=len(data),
            max_bytes=len(data),
        )
        job = ops.receive_chunk(
            upload, 0, io.BytesIO(data), Storage(media), utcnow(), chunk_limit=len(data)
        )
        job.policy = "lecture"
        db.session.commit()
        return job.id, lecture.id


def start_workers(app, env, count):
    """``count`` media workers, each consuming before the next starts (their
    lane's heartbeat row names the newest's pid) and before the job is queued."""
    workers = []
    for _ in range(count):
        worker = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "flask",
                "--app",
                "lms",
                "worker",
                "--lane",
                "media",
            ],
            cwd=ROOT,
            env=env,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            start_new_session=True,
        )
        workers.append(worker)
        until(
            app,
            lambda pid=worker.pid: (
                pid in set(db.session.scalars(sa.select(WorkerHeartbeat.pid)))
            ),
        )
    return workers


def stop(workers, sig=signal.SIGTERM):
    for worker in workers:
        if worker.poll() is None:
            os.killpg(worker.pid, sig)
    for worker in workers:
        worker.wait(30)


def until(app, predicate, seconds=90):
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            db.session.rollback()  # a fresh snapshot: see what the workers wrote
            value = predicate()
            if value:
                return value
            time.sleep(0.05)
    raise AssertionError(f"not reached in {seconds} s")


def job_ended(job_id):
    job = db.session.get(TranscodeJob, job_id)
    return job.state if job.state in (JobState.SUCCEEDED, JobState.FAILED) else None


def chunks_of(job_id):
    return db.session.scalars(
        sa.select(TranscodeChunk).filter_by(job_id=job_id).order_by("position")
    ).all()


def assert_equals_whole_file(clip, published, tmp_path):
    _, ladder = build_ladder(clip, tmp_path / "whole", policy=LECTURE_POLICY)
    for name, row in compare(tmp_path / "whole", published, clip, ladder).items():
        assert row["same_segments"], name
        assert row["duration"][1] == pytest.approx(row["duration"][0], abs=0.05)
        assert row["packets"][1] == row["packets"][0], name
        if "ssim" in row:
            assert abs(row["ssim"][0] - row["ssim"][1]) <= 0.005, (name, row)
    assert plays_through(published / "master.m3u8")[0]


@pytest.mark.parametrize("workers", [1, 2])
def test_a_long_recording_is_joined_from_chunks_by_any_worker(
    media_app, tmp_path, workers
):
    app, env, media = media_app
    clip = make_clip(tmp_path / "long.mp4", seconds=CLIP_SECONDS, size="320x240")
    job_id, lecture_id = upload_recording(app, media, clip)
    running = start_workers(app, env, workers)
    try:
        started = time.monotonic()
        with app.app_context():
            enqueue(db.session.get(TranscodeJob, job_id))
        assert until(app, lambda: job_ended(job_id)) == JobState.SUCCEEDED
        print(f"{workers} worker(s): {time.monotonic() - started:.1f} s")
        # The joiner gives the pieces' folder back just after its commit.
        published = Storage(media).published(lecture_id)
        until(app, lambda: not (published / "chunks").exists(), seconds=30)
    finally:
        stop(running)
    with app.app_context():
        pieces = chunks_of(job_id)
        assert [(c.position, c.is_audio) for c in pieces] == [
            (n, n == 5) for n in range(6)
        ]
        assert all(c.state == JobState.SUCCEEDED and c.attempts == 1 for c in pieces)
        ran = {int(c.worker.rsplit(":", 1)[1]) for c in pieces}
        assert ran <= {w.pid for w in running}
        if workers == 2:
            assert len(ran) == 2  # both took pieces
        job = db.session.get(TranscodeJob, job_id)
        assert job.progress == 1.0 and job.attempts == 1
        assert db.session.get(Lecture, lecture_id).media_status == MediaStatus.READY
    assert_equals_whole_file(clip, published, tmp_path)


def test_a_chunk_whose_worker_is_killed_is_run_again_alone(media_app, tmp_path):
    app, env, media = media_app
    env = dict(env, LMS_MEDIA_CHUNK_SECONDS="12")  # 0-12, 12-24, 24-30 s
    clip = make_clip(
        tmp_path / "long.mp4", seconds=CLIP_SECONDS, size="640x360", noise=True
    )
    job_id, lecture_id = upload_recording(app, media, clip)
    work = Storage(media).work_dir(lecture_id, job_id, 1)  # its first attempt's
    second = work / "chunks" / "1-a1" / "240p"  # the chunk's first attempt

    def second_chunk_half_done():
        states = {c.position: c.state for c in chunks_of(job_id)}
        return (
            states.get(1) == JobState.RUNNING
            and (second / "seg_00002.m4s").exists()
            and not (second / "seg_00003.m4s").exists()
        )

    running = start_workers(app, env, 1)
    try:
        with app.app_context():
            enqueue(db.session.get(TranscodeJob, job_id))
        until(app, second_chunk_half_done)
        stop(running, signal.SIGKILL)  # its ffmpeg dies with it (PDEATHSIG)
    finally:
        stop(running, signal.SIGKILL)
    first = work / "chunks" / "0-a1" / "240p"
    kept = {p.name: p.stat().st_ino for p in first.glob("seg_*.m4s")}
    assert sorted(kept) == ["seg_00000.m4s", "seg_00001.m4s"]
    with app.app_context():
        states = [(c.position, c.state) for c in chunks_of(job_id)]
        assert states == [
            (0, JobState.SUCCEEDED),
            (1, JobState.RUNNING),
            (2, JobState.PENDING),
            (3, JobState.SUCCEEDED),  # the audio and stills went first
        ]
        assert db.session.get(TranscodeJob, job_id).state == JobState.RUNNING
        # The periodic task's step, with "stale" meaning "now" for the test: the
        # job itself is watched through its chunks; the dead one returns, and
        # the pending one is queued again (its task may be lost with the worker;
        # a duplicate finds it claimed).
        stale = (utcnow() + timedelta(hours=1), timedelta(seconds=1))
        assert ops.requeue_stale_jobs(*stale) == []
        requeued = ops.requeue_stale_chunks(*stale)
        assert requeued == [c.id for c in chunks_of(job_id)[1:3]]
        db.session.commit()
        for chunk_id in requeued:
            transcode_chunk(chunk_id)
    running = start_workers(app, env, 1)
    try:
        assert until(app, lambda: job_ended(job_id)) == JobState.SUCCEEDED
    finally:
        stop(running)
    with app.app_context():
        assert [(c.position, c.attempts) for c in chunks_of(job_id)] == [
            (0, 1),
            (1, 2),
            (2, 1),
            (3, 1),
        ]
    published = Storage(media).published(lecture_id)
    # The first chunk's segments were not made again: the ladder links the same files.
    assert {name: (published / "240p" / name).stat().st_ino for name in kept} == kept
    assert_equals_whole_file(clip, published, tmp_path)
