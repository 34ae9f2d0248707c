"""Uploads and transcode jobs. Operations flush; views, the CLI and tasks commit."""

import secrets
import shutil

import sqlalchemy as sa

from courses.models import Lecture
from lms.db import db
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.states import (
    FINISHED,
    MAX_ATTEMPTS,
    JobState,
    MediaStatus,
    clean_filename,
    is_stale,
)


class MediaError(ValueError):
    def __init__(self, code, message, status=409):
        super().__init__(message)
        self.code, self.status = code, status


def start_upload(lecture, user, *, filename, size, max_bytes, token=None):
    if not isinstance(size, int) or isinstance(size, bool) or size <= 0:
        raise MediaError(
            "invalid_size", "size must be the file's length in bytes.", 422
        )
    if size > max_bytes:
        raise MediaError(
            "too_large", f"Recordings may be at most {max_bytes} bytes.", 413
        )
    upload = MediaUpload(
        token=token or secrets.token_urlsafe(32),
        lecture_id=lecture.id,
        user_id=user.id,
        filename=clean_filename(filename),
        size=size,
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def get_upload(token, *, for_update=False):
    query = sa.select(MediaUpload).filter_by(token=token)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query) if isinstance(token, str) else None


def check_chunk(upload, offset, chunk_limit):
    """How many bytes a chunk at ``offset`` may carry; refuses a wrong offset."""
    if upload.completed_dt is not None:
        raise MediaError("upload_complete", "This upload is already complete.")
    if offset != upload.received:
        raise MediaError(
            "offset_mismatch", f"Expected offset {upload.received}; resume from there."
        )
    return min(chunk_limit, upload.size - upload.received)


def write_chunk(storage, token, offset, stream, limit):
    """Stream a chunk to the upload's file (outside any database transaction)."""
    try:
        return storage.append(token, offset, stream, limit)
    except OverflowError:
        raise MediaError(
            "chunk_too_large",
            "The chunk goes past the declared size "
            "or the chunk limit; nothing of it was kept.",
            413,
        ) from None


def record_chunk(upload, offset, written, now):
    """Note a written chunk; returns the new job when the upload is complete."""
    if offset != upload.received or upload.completed_dt is not None:
        raise MediaError(
            "offset_mismatch", f"Expected offset {upload.received}; resume from there."
        )
    upload.received = offset + written
    if upload.received < upload.size:
        db.session.flush()
        return None
    upload.completed_dt = now
    return create_job(upload, now)


def receive_chunk(upload, offset, stream, storage, now, *, chunk_limit):
    """Check, write and record a chunk in one go (tests, scripts, small files)."""
    limit = check_chunk(upload, offset, chunk_limit)
    written = write_chunk(storage, upload.token, offset, stream, limit)
    return record_chunk(upload, offset, written, now)


def create_job(upload, now, policy=None):
    """A pending job for a complete upload; older unfinished jobs are superseded."""
    for older in db.session.scalars(
        sa.select(TranscodeJob).where(
            TranscodeJob.lecture_id == upload.lecture_id,
            TranscodeJob.state.in_([JobState.PENDING, JobState.RUNNING]),
        )
    ):
        older.state = JobState.CANCELLED
        older.error = "superseded by a newer upload"
        older.finished_dt = now
    lecture = db.session.get(Lecture, upload.lecture_id)
    policy = policy or lecture.media_policy or lecture.course.media_policy or "lecture"
    job = TranscodeJob(
        lecture_id=upload.lecture_id, upload=upload, policy=policy, created_dt=now
    )
    db.session.add(job)
    if lecture.media_status != MediaStatus.READY:
        lecture.media_status = MediaStatus.PROCESSING
    db.session.flush()
    return job


def claim_job(job_id, now):
    """Mark a pending job running for this attempt; None when it should not run."""
    job = db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(id=job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if job is None or job.state != JobState.PENDING:
        return None
    job.state = JobState.RUNNING
    job.attempts += 1
    job.started_dt = job.started_dt or now
    job.heartbeat_dt = now
    job.progress = 0.0
    db.session.flush()
    return job


def is_latest_job(job):
    newest = db.session.scalar(
        sa.select(sa.func.max(TranscodeJob.id)).filter_by(lecture_id=job.lecture_id)
    )
    return newest == job.id and job.state == JobState.RUNNING


def finish_job(job, now, *, duration=None, error=None, error_code="failed"):
    """Succeed, or fail with ``error`` (ffmpeg's words) and ``error_code`` (why, for
    people: ``disk_full``, ``timeout``, ``not_media``...); a lecture that had
    media keeps it."""
    lecture = job.lecture
    if error is None:
        job.state = JobState.SUCCEEDED
        job.progress = 1.0
        lecture.duration_seconds = duration
        lecture.media_status = MediaStatus.READY
    else:
        job.state = JobState.FAILED
        job.error = error[:4000]
        job.error_code = error_code[:32]
        if lecture.media_status != MediaStatus.READY:
            lecture.media_status = MediaStatus.FAILED
    job.finished_dt = now
    db.session.flush()


def requeue_stale_jobs(now, stale_after):
    """Running jobs whose worker died go back to pending (fail after the last try)."""
    requeued = []
    for job in db.session.scalars(
        sa.select(TranscodeJob).filter_by(state=JobState.RUNNING).with_for_update()
    ):
        if not is_stale(job.state, job.heartbeat_dt, now, stale_after):
            continue
        if job.attempts >= MAX_ATTEMPTS:
            job.state = JobState.FAILED
            job.error = f"the worker stopped {job.attempts} times; giving up"
            job.finished_dt = now
        else:
            job.state = JobState.PENDING
            requeued.append(job.id)
    db.session.flush()
    return requeued


def cancel_job(job, now):
    if job.state in FINISHED:
        raise MediaError("job_finished", "This job has already finished.")
    job.state = JobState.CANCELLED
    job.error = "cancelled"
    job.finished_dt = now
    db.session.flush()


def retry_job(job, now):
    """A new job for the same upload (the failed or cancelled one stays as history)."""
    if job.state not in (JobState.FAILED, JobState.CANCELLED):
        raise MediaError(
            "job_not_finished", "Only a failed or cancelled job is retried."
        )
    return create_job(job.upload, now, policy=job.policy)


def discard_work(path):
    shutil.rmtree(path, ignore_errors=True)
