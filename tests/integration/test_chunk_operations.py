"""The chunk table of a long recording's job (issue 16, item 5): who joins, what
a cancelled job's chunks do, and what a failing chunk does to its job."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import pytest

from lms.db import begin_write_transaction, db, utcnow
from media_pipeline import operations as ops
from media_pipeline.chunks import plan_chunks
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, MediaStatus
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
