"""The chunk table of a long recording's job (issue 16, item 5): who joins, what
a cancelled job's chunks do, and what a failing chunk does to its job."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from lms.db import begin_write_transaction, db, utcnow
from media_pipeline import operations as ops
from media_pipeline.chunks import plan_chunks
from media_pipeline.models import TranscodeJob
from media_pipeline.states import MAX_ATTEMPTS, JobState, MediaStatus
from tests.builders import build_scene

PLAN = plan_chunks(30, segment_seconds=6, threshold_seconds=10, chunk_seconds=12)


def running_job(media_status=MediaStatus.NONE):
    """A claimed job with its chunks: three of video and the audio piece."""
    scene = build_scene()
    scene.course.status = "draft"
    lecture = scene.course.lectures[0]
    lecture.media_status = media_status
    upload = ops.start_upload(
        lecture, scene.lecturer, filename="long.mp4", size=10, max_bytes=10
    )
    upload.received, upload.completed_dt = 10, utcnow()
    job = ops.create_job(upload, utcnow(), policy="lecture")
    ops.claim_job(job.id, utcnow())
    rows = ops.create_chunks(job.id, PLAN, "lecture", utcnow())
    db.session.flush()
    return job, rows


def test_chunks_are_planned_rows_with_the_audio_last(db):
    job, rows = running_job()
    assert [(r.position, r.is_audio, r.start_seconds, r.end_seconds) for r in rows] == [
        (0, False, 0, 12),
        (1, False, 12, 24),
        (2, False, 24, None),
        (3, True, 0, None),
    ]
    assert all(r.state == JobState.PENDING and r.policy == "lecture" for r in rows)
    assert ops.has_chunks(job.id)


def test_a_cancelled_job_s_chunks_stop_and_do_not_start(db):
    job, rows = running_job()
    running = ops.claim_chunk(rows[0].id, utcnow(), "host:1")
    assert running.attempts == 1 and running.worker == "host:1"
    assert ops.beat_chunk(rows[0].id, 1, job.id, utcnow())
    ops.cancel_job(job, utcnow())
    assert not ops.beat_chunk(rows[0].id, 1, job.id, utcnow())  # ffmpeg is stopped
    assert ops.claim_chunk(rows[1].id, utcnow(), "host:2") is None
    assert not ops.finish_chunk(rows[0].id, 1, job.id, utcnow())


def test_a_chunk_taken_back_cannot_finish_for_its_old_attempt(db):
    job, rows = running_job()
    ops.claim_chunk(rows[0].id, utcnow(), "host:1")
    rows[0].state = JobState.PENDING  # requeued: its worker was taken for dead
    ops.claim_chunk(rows[0].id, utcnow(), "host:2")
    assert not ops.beat_chunk(rows[0].id, 1, job.id, utcnow())
    assert not ops.finish_chunk(rows[0].id, 1, job.id, utcnow())
    assert not ops.finish_chunk(rows[0].id, 2, job.id, utcnow())  # not the last one
    db.session.refresh(rows[0])
    assert (rows[0].attempts, rows[0].state) == (2, JobState.SUCCEEDED)


def test_a_failing_chunk_fails_the_job_and_keeps_the_published_media(db):
    job, rows = running_job(media_status=MediaStatus.READY)
    ops.claim_chunk(rows[1].id, utcnow(), "host:1")
    ops.fail_chunk(
        rows[1].id, 1, job.id, utcnow(), "Invalid data found", "ffmpeg_failed"
    )
    db.session.refresh(job)
    assert job.state == JobState.FAILED
    assert job.error == "chunk 1 (12 s): Invalid data found"
    assert job.error_code == "ffmpeg_failed"
    assert job.lecture.media_status == MediaStatus.READY
    db.session.refresh(rows[1])
    assert rows[1].state == JobState.FAILED
    assert ops.claim_chunk(rows[2].id, utcnow(), "host:2") is None


def test_progress_counts_the_finished_chunks(db):
    job, rows = running_job()
    for row in rows[:2]:
        ops.claim_chunk(row.id, utcnow(), "host:1")
        assert not ops.finish_chunk(row.id, 1, job.id, utcnow())
    assert job.progress == 0.5


def test_two_chunks_finishing_at_once_make_exactly_one_joiner(racing_app):
    """The last two chunks end together; each worker's transaction holds on a
    moment before committing. Exactly one of them sees every chunk done."""
    with racing_app.app_context():
        job, rows = running_job()
        for row in rows:
            ops.claim_chunk(row.id, utcnow(), "host:1")
        for row in rows[:2]:
            ops.finish_chunk(row.id, 1, job.id, utcnow())
        db.session.commit()
        job_id, last_two = job.id, [r.id for r in rows[2:]]
    barrier = threading.Barrier(2)

    def finish(chunk_id):
        with racing_app.app_context():
            barrier.wait()
            begin_write_transaction()
            joins = ops.finish_chunk(chunk_id, 1, job_id, utcnow())
            time.sleep(0.3)  # the other worker counts meanwhile
            db.session.commit()
            return joins

    with ThreadPoolExecutor(2) as pool:
        results = list(pool.map(finish, last_two))
    assert sorted(results) == [False, True]
    with racing_app.app_context():
        assert db.session.get(TranscodeJob, job_id).progress == pytest.approx(0.99)


STALE = timedelta(seconds=120)


def test_pending_chunks_whose_task_was_lost_are_queued_again(db):
    """The worker died between writing the chunks and queuing their tasks (or
    a task died before its claim): once the job is stale, they are queued
    again, once per stale period; a duplicate task finds its chunk claimed."""
    job, rows = running_job()
    ops.claim_chunk(rows[0].id, utcnow(), "host:1")
    ops.finish_chunk(rows[0].id, 1, job.id, utcnow())
    assert ops.requeue_stale_chunks(utcnow(), STALE) == []  # not stale yet
    later = utcnow() + timedelta(minutes=3)
    assert sorted(ops.requeue_stale_chunks(later, STALE)) == [r.id for r in rows[1:]]
    assert ops.requeue_stale_chunks(later + timedelta(seconds=1), STALE) == []
    assert ops.claim_chunk(rows[1].id, later, "host:2").attempts == 1
    assert ops.claim_chunk(rows[1].id, later, "host:3") is None  # the duplicate


def test_a_join_that_keeps_dying_fails_the_job_after_the_last_try(db):
    job, rows = running_job()
    now = utcnow()
    for row in rows:
        ops.claim_chunk(row.id, now, "host:1")
        ops.finish_chunk(row.id, 1, job.id, now)
    tries = 1
    while True:
        now += timedelta(minutes=3)  # the joiner died: nothing beats
        requeued = ops.requeue_stale_chunks(now, STALE)
        if not requeued:
            break
        (chunk_id,) = requeued
        chunk = ops.claim_chunk(chunk_id, now, "host:1")
        assert ops.finish_chunk(chunk_id, chunk.attempts, job.id, now)  # joins
        tries += 1
    assert tries == MAX_ATTEMPTS
    db.session.refresh(job)
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_died")
    assert job.error == f"joining the chunks stopped {MAX_ATTEMPTS} times; giving up"


def test_a_worker_taken_back_during_its_analysis_writes_no_chunks(db):
    """Worker 1 is taken for dead while it analyses; worker 2 claims the job.
    Whichever writes the chunks first, the other writes none (no UNIQUE error)."""
    scene = build_scene()
    scene.course.status = "draft"
    upload = ops.start_upload(
        scene.course.lectures[0], scene.lecturer, filename="l.mp4", size=1, max_bytes=1
    )
    upload.received, upload.completed_dt = 1, utcnow()
    job = ops.create_job(upload, utcnow(), policy="auto")
    start = utcnow()
    assert ops.claim_job(job.id, start).attempts == 1
    assert ops.requeue_stale_jobs(start + timedelta(seconds=121), STALE) == [job.id]
    assert ops.claim_job(job.id, start + timedelta(seconds=122)).attempts == 2
    assert not ops.beat_job(job.id, 1, utcnow())  # worker 1's beat: stop
    assert ops.create_chunks(job.id, PLAN, "lecture", utcnow(), attempt=1) == []
    assert len(ops.create_chunks(job.id, PLAN, "lecture", utcnow(), attempt=2)) == 4
    assert ops.create_chunks(job.id, PLAN, "lecture", utcnow(), attempt=2) == []
    assert ops.beat_job(job.id, 2, utcnow())
