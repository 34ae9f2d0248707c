"""Uploads and transcode jobs. Operations flush; views, the CLI and tasks commit."""

import secrets
import shutil

import sqlalchemy as sa

from courses.access import can_review_media
from courses.models import Lecture
from courses.queries import actor_of
from courses.workflow import may_upload_media, media_needs_review
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import course_params, notify
from lms.problems import StatusError
from media_pipeline.models import MediaUpload, TranscodeChunk, TranscodeJob
from media_pipeline.runner import TranscodeFailed, publish
from media_pipeline.states import (
    FINISHED,
    MAX_ATTEMPTS,
    JobState,
    MediaStatus,
    ReviewState,
    clean_filename,
    is_stale,
    parse_sha256_hex,
    parse_upload_checksum,
)
from media_pipeline.storage import ChecksumMismatch

#: tus's status for a chunk whose bytes do not match its checksum.
CHECKSUM_MISMATCH = 460


class MediaError(StatusError):
    """A request about media that cannot be carried out (``lms.problems``)."""


def start_upload(lecture, user, *, filename, size, max_bytes, token=None, sha256=None):
    """A new resumable upload; ``sha256`` is the whole file's digest if known."""
    if not may_upload_media(lecture.course.status):
        raise MediaError(
            "course_under_review",
            "The office is reviewing this course: upload again once it is"
            " approved or returned.",
            409,
        )
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
        expected_sha256=None if sha256 is None else parse_file_sha256(sha256),
    )
    db.session.add(upload)
    db.session.flush()
    return upload


def parse_file_sha256(value):
    try:
        return parse_sha256_hex(value)
    except ValueError:
        raise MediaError(
            "invalid_checksum",
            "sha256 must be the file's SHA-256 in 64 hex digits.",
            422,
        ) from None


def parse_chunk_checksum(header):
    """The digest of an ``Upload-Checksum`` header (None when not sent)."""
    if header is None:
        return None
    try:
        return parse_upload_checksum(header)
    except ValueError as error:
        raise MediaError(
            "invalid_checksum",
            "Upload-Checksum must read 'sha256 <base64 digest>'.",
            400,
        ) from error


def get_upload(token, *, for_update=False):
    query = sa.select(MediaUpload).filter_by(token=token)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    return db.session.scalar(query) if isinstance(token, str) else None


def _offset_mismatch(upload):
    return MediaError(
        "offset_mismatch", f"Expected offset {upload.received}; resume from there."
    )


def check_chunk(upload, offset, chunk_limit):
    """How many bytes a chunk at ``offset`` may carry; refuses a wrong offset."""
    if upload.completed_dt is not None:
        raise MediaError("upload_complete", "This upload is already complete.")
    if offset != upload.received:
        raise _offset_mismatch(upload)
    return min(chunk_limit, upload.size - upload.received)


def write_chunk(storage, token, offset, stream, limit, *, sha256=None):
    """Stream a chunk to the upload's file (outside any database transaction).

    The caller holds ``storage.locked(token)`` and checked ``offset`` under it.
    """
    try:
        return storage.append(token, offset, stream, limit, sha256=sha256)
    except OverflowError:
        raise MediaError(
            "chunk_too_large",
            "The chunk goes past the declared size "
            "or the chunk limit; nothing of it was kept.",
            413,
        ) from None
    except ChecksumMismatch:
        raise MediaError(
            "checksum_mismatch",
            "The chunk does not match its Upload-Checksum; nothing of it was kept.",
            CHECKSUM_MISMATCH,
        ) from None


def check_file(storage, upload, offset, written, *, sha256=None):
    """The whole file's SHA-256 once a chunk completes it (None before).

    Compared with the digest the client declared (``sha256`` now, or at the
    start); on a mismatch the chunk is cut off again and nothing is recorded.
    """
    if offset + written < upload.size:
        return None
    actual = storage.file_sha256(upload.token)
    declared = parse_file_sha256(sha256) if sha256 else upload.expected_sha256
    if declared is not None and declared != actual:
        storage.truncate(upload.token, offset)
        raise MediaError(
            "checksum_mismatch",
            "The file does not match its SHA-256; the last chunk was not kept. "
            "Start the upload again.",
            CHECKSUM_MISMATCH,
        )
    return actual


def record_chunk(upload, offset, written, now, *, sha256=None):
    """Note a written chunk; returns the new job when the upload is complete."""
    if offset != upload.received or upload.completed_dt is not None:
        raise _offset_mismatch(upload)
    upload.received = offset + written
    if upload.received < upload.size:
        db.session.flush()
        return None
    upload.completed_dt = now
    upload.sha256 = sha256
    return create_job(upload, now)


def check_upload_intact(storage, path, sha256):
    """Before transcoding: the file is still the one received (same SHA-256)."""
    if sha256 and storage.path_sha256(path) != sha256:
        raise TranscodeFailed(
            "The uploaded file changed after it was received; upload it again.",
            code="checksum_mismatch",
        )


def receive_chunk(upload, offset, stream, storage, now, *, chunk_limit, sha256=None):
    """Check, write and record a chunk in one go (tests, scripts, small files)."""
    with storage.locked(upload.token):
        limit = check_chunk(upload, offset, chunk_limit)
        written = write_chunk(
            storage, upload.token, offset, stream, limit, sha256=sha256
        )
        digest = check_file(storage, upload, offset, written)
        return record_chunk(upload, offset, written, now, sha256=digest)


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


def fail_running_job(job_id, now, error):
    """Record ``error`` (with its ``code``) on the job, if it still runs (a
    cancelled or superseded one keeps what it says); the caller commits."""
    job = db.session.get(TranscodeJob, job_id)
    db.session.refresh(job)
    if job.state == JobState.RUNNING:
        finish_job(job, now, error=str(error), error_code=error.code)


def finish_job(job, now, *, duration=None, error=None, error_code=""):
    """Record a job's end; True when its output is to be published now.

    A published course's lecture keeps its media: a successful job's output
    then waits for the CME office (:func:`approve_version`), and an older
    version still waiting is superseded.
    """
    lecture = job.lecture
    job.finished_dt = now
    if error is not None:
        job.state = JobState.FAILED
        job.error = error[:4000]
        job.error_code = error_code or ""
        if lecture.media_status != MediaStatus.READY:
            lecture.media_status = MediaStatus.FAILED
        db.session.flush()
        return False
    job.state = JobState.SUCCEEDED
    job.progress = 1.0
    job.duration_seconds = duration
    if media_needs_review(lecture.course.status) and not _was_published(job):
        for older in db.session.scalars(
            sa.select(TranscodeJob).where(
                TranscodeJob.lecture_id == job.lecture_id,
                TranscodeJob.review_state == ReviewState.PENDING,
                TranscodeJob.id != job.id,
            )
        ):
            older.review_state = ReviewState.SUPERSEDED
            older.reviewed_dt = now
        job.review_state = ReviewState.PENDING
        db.session.flush()
        return False
    lecture.duration_seconds = duration
    lecture.media_status = MediaStatus.READY
    db.session.flush()
    return True


def _was_published(job):
    """Whether this job re-transcodes the recording learners see now (the same
    content the office passed, in a new ladder).

    Only the lecture's live recording counts: an older recording that was once
    published (in a draft, say) and is retried after approval is new content to
    the office and waits for review like any upload.
    """
    live = live_job(job.lecture_id, besides=job.id)
    return live is not None and live.upload_id == job.upload_id


def live_job(lecture_id, *, besides=None):
    """The succeeded job whose output learners see now (None before any).

    Published without review, or approved; the latest decision wins.
    ``besides``: a job id left out (the one being finished).
    """
    return db.session.scalar(
        sa.select(TranscodeJob)
        .where(
            TranscodeJob.lecture_id == lecture_id,
            TranscodeJob.id != (besides or 0),
            TranscodeJob.state == JobState.SUCCEEDED,
            sa.or_(
                TranscodeJob.review_state.is_(None),
                TranscodeJob.review_state == ReviewState.APPROVED,
            ),
        )
        .order_by(
            sa.func.coalesce(TranscodeJob.reviewed_dt, TranscodeJob.finished_dt).desc(),
            TranscodeJob.id.desc(),
        )
        .limit(1)
    )


def get_version_for_review(job_id):
    """A job's row locked for the office's decision (None when unknown)."""
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(id=job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def _check_reviewable(job, reviewer):
    if not can_review_media(actor_of(reviewer), job.upload.user_id):
        raise MediaError(
            "forbidden",
            "Only the CME office reviews new media, and not the person who "
            "uploaded it.",
            403,
        )
    if job.review_state != ReviewState.PENDING:
        raise MediaError("not_pending", "This version is not waiting for review.")


def approve_version(job, reviewer, now, storage):
    """The office passes a new version: it becomes the lecture's media at once.

    The lecture's duration and status change in this transaction and the
    published link moves atomically (learners see the old or the new, never a mix).
    """
    _check_reviewable(job, reviewer)
    work = storage.work_dir(job.lecture_id, job.id, job.attempts)
    if not (work / "master.m3u8").is_file():
        raise MediaError(
            "version_missing", "This version's files are gone; upload it again."
        )
    job.review_state = ReviewState.APPROVED
    job.reviewed_by_id, job.reviewed_dt = reviewer.id, now
    lecture = job.lecture
    lecture.duration_seconds = job.duration_seconds
    lecture.media_status = MediaStatus.READY
    db.session.flush()
    _record_review(job, reviewer, approved=True)
    publish(work, storage.published(job.lecture_id))
    _discard_superseded(job, storage)


def reject_version(job, reviewer, now, storage, *, comment=""):
    """The office turns a new version down: it is discarded, the old media stays."""
    _check_reviewable(job, reviewer)
    comment = str(comment or "").strip()
    if not comment:
        raise MediaError("comment_required", "Say why the version is rejected.", 422)
    job.review_state = ReviewState.REJECTED
    job.reviewed_by_id, job.reviewed_dt = reviewer.id, now
    job.review_comment = comment[:2000]
    db.session.flush()
    _record_review(job, reviewer, approved=False)
    discard_work(storage.work_dir(job.lecture_id, job.id, job.attempts))
    _discard_superseded(job, storage)


def _record_review(job, reviewer, *, approved):
    """The audit entry of a media review and the uploader's notice."""
    lecture = job.lecture
    course = lecture.course
    record_audit(
        reviewer,
        AuditAction.MEDIA_APPROVED if approved else AuditAction.MEDIA_REJECTED,
        job,
        before={"review_state": ReviewState.PENDING},
        after={"review_state": job.review_state},
        reason=job.review_comment or "",
        label=f"{course.title_zh} · {lecture.title_zh}",
    )
    notify(
        job.upload.user_id,
        NotificationKind.MEDIA_APPROVED
        if approved
        else NotificationKind.MEDIA_REJECTED,
        params=course_params(
            course,
            lecture={"zh": lecture.title_zh, "en": lecture.title_en},
            reason=job.review_comment or "",
        ),
        link=f"/teach/courses/{course.id}",
    )


def _discard_superseded(job, storage):
    """Versions a newer one replaced while they waited are no longer kept."""
    for older in db.session.scalars(
        sa.select(TranscodeJob).filter_by(
            lecture_id=job.lecture_id, review_state=ReviewState.SUPERSEDED
        )
    ):
        discard_work(storage.work_dir(older.lecture_id, older.id, older.attempts))


def requeue_stale_jobs(now, stale_after):
    """Running jobs whose worker died go back to pending (fail after the last try)."""
    requeued = []
    for job in db.session.scalars(
        sa.select(TranscodeJob).filter_by(state=JobState.RUNNING).with_for_update()
    ):
        if not is_stale(job.state, job.heartbeat_dt, now, stale_after):
            continue
        if has_chunks(job.id):
            continue  # its chunks are watched one by one (requeue_stale_chunks)
        if job.attempts >= MAX_ATTEMPTS:
            job.state = JobState.FAILED
            job.error = f"the worker stopped {job.attempts} times; giving up"
            job.error_code = "worker_died"
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


def terminate_upload(storage, upload):
    """An unfinished upload given up by its sender (tus termination): its row and
    file go. The caller holds ``storage.locked(upload.token)``; a complete upload
    belongs to its transcode job and stays."""
    if upload.completed_dt is not None:
        raise MediaError(
            "upload_complete", "This upload is complete; its recording is processed."
        )
    storage.upload_path(upload.token).unlink(missing_ok=True)
    db.session.delete(upload)
    db.session.flush()


def create_chunks(job_id, plan, policy, now, *, attempt=None):
    """The chunk rows of a running job (its video chunks, then the piece holding
    the whole recording's audio and stills); ``[]`` when the job stopped, when
    ``attempt`` is no longer the job's (a worker taken back during its analysis)
    or when its chunks exist already."""
    job = _locked_job(job_id)
    if job is None or job.state != JobState.RUNNING:
        return []
    if attempt is not None and job.attempts != attempt:
        return []
    if has_chunks(job_id):
        return []
    rows = [
        TranscodeChunk(
            job_id=job_id,
            position=chunk.index,
            start_seconds=chunk.start_seconds,
            end_seconds=chunk.end_seconds,
            first_segment=chunk.first_segment,
            policy=policy,
        )
        for chunk in plan
    ]
    rows.append(
        TranscodeChunk(job_id=job_id, position=len(plan), is_audio=True, policy=policy)
    )
    db.session.add_all(rows)
    job.heartbeat_dt = now
    db.session.flush()
    return rows


def _locked_job(job_id):
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(id=job_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )


def claim_chunk(chunk_id, now, worker):
    """Mark a pending chunk of a running job running; None when it should not run."""
    chunk = db.session.scalar(
        sa.select(TranscodeChunk)
        .filter_by(id=chunk_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    if chunk is None or chunk.state != JobState.PENDING:
        return None
    if chunk.job.state != JobState.RUNNING:
        return None
    chunk.state = JobState.RUNNING
    chunk.attempts += 1
    chunk.worker = worker[:100]
    chunk.started_dt = chunk.started_dt or now
    chunk.heartbeat_dt = now
    db.session.flush()
    return chunk


def beat_job(job_id, attempt, now):
    """A running job's heartbeat while its own worker works (not its chunks');
    False when the job stopped or another attempt took it over."""
    jobs = TranscodeJob.__table__
    return bool(
        db.session.execute(
            jobs.update()
            .where(
                jobs.c.id == job_id,
                jobs.c.state == JobState.RUNNING,
                jobs.c.attempts == attempt,
            )
            .values(heartbeat_dt=now)
        ).rowcount
    )


def beat_chunk(chunk_id, attempt, job_id, now):
    """A running chunk's heartbeat (its job's too); False when it should stop
    (the job was cancelled, superseded or failed, or the chunk was taken back)."""
    jobs = TranscodeJob.__table__
    alive = db.session.execute(
        jobs.update()
        .where(jobs.c.id == job_id, jobs.c.state == JobState.RUNNING)
        .values(heartbeat_dt=now)
    ).rowcount
    return bool(alive) and _update_chunk(
        chunk_id, attempt, JobState.RUNNING, heartbeat_dt=now
    )


def _update_chunk(chunk_id, attempt, state, **values):
    chunks = TranscodeChunk.__table__
    return bool(
        db.session.execute(
            chunks.update()
            .where(
                chunks.c.id == chunk_id,
                chunks.c.state == JobState.RUNNING,
                chunks.c.attempts == attempt,
            )
            .values(state=state, **values)
        ).rowcount
    )


def finish_chunk(chunk_id, attempt, job_id, now):
    """Record a chunk's success; True when it was the job's last one, so this
    worker joins the pieces.

    The job's row is locked first: two workers finishing their chunks at once
    take turns, and only the second sees every chunk done.
    """
    job = _locked_job(job_id)
    if job is None or job.state != JobState.RUNNING:
        return False
    if not _update_chunk(
        chunk_id, attempt, JobState.SUCCEEDED, finished_dt=now, heartbeat_dt=now
    ):
        return False
    states = db.session.scalars(
        sa.select(TranscodeChunk.state).filter_by(job_id=job_id)
    ).all()
    done = sum(state == JobState.SUCCEEDED for state in states)
    job.progress = round(min(0.99, done / len(states)), 4)
    job.heartbeat_dt = now
    db.session.flush()
    return done == len(states)


def fail_chunk(chunk_id, attempt, job_id, now, error, error_code):
    """A chunk that cannot be transcoded fails its job (the published media stays)."""
    job = _locked_job(job_id)
    chunk = db.session.get(TranscodeChunk, chunk_id)
    stopped = error_code == "cancelled"
    state = JobState.CANCELLED if stopped else JobState.FAILED
    _update_chunk(chunk_id, attempt, state, finished_dt=now, error=error[:4000])
    if stopped or job is None or job.state != JobState.RUNNING:
        return
    where = f"{chunk.start_seconds:g} s" if not chunk.is_audio else "audio"
    finish_job(
        job,
        now,
        error=f"chunk {chunk.position} ({where}): {error}",
        error_code=error_code,
    )


def has_chunks(job_id):
    return (
        db.session.scalar(
            sa.select(sa.func.count(TranscodeChunk.id)).filter_by(job_id=job_id)
        )
        > 0
    )


def requeue_stale_chunks(now, stale_after):
    """Chunks whose worker died go back to pending, alone (the job fails after a
    chunk's last try); a job whose chunks are all done but whose join died gets
    its last chunk run again (it joins when it ends)."""
    requeued = []
    for chunk in db.session.scalars(
        sa.select(TranscodeChunk)
        .join(TranscodeJob)
        .where(
            TranscodeChunk.state == JobState.RUNNING,
            TranscodeJob.state == JobState.RUNNING,
        )
        .with_for_update(of=TranscodeChunk)
    ):
        if not is_stale(chunk.state, chunk.heartbeat_dt, now, stale_after):
            continue
        if chunk.attempts >= MAX_ATTEMPTS:
            chunk.state = JobState.FAILED
            chunk.finished_dt = now
            finish_job(
                chunk.job,
                now,
                error=f"chunk {chunk.position}: the worker stopped "
                f"{chunk.attempts} times; giving up",
                error_code="worker_died",
            )
        else:
            chunk.state = JobState.PENDING
            requeued.append(chunk.id)
    for job in db.session.scalars(
        sa.select(TranscodeJob).where(
            TranscodeJob.state == JobState.RUNNING,
            TranscodeJob.id.in_(sa.select(TranscodeChunk.job_id)),
        )
    ):
        if not is_stale(job.state, job.heartbeat_dt, now, stale_after):
            continue
        rows = db.session.scalars(
            sa.select(TranscodeChunk)
            .filter_by(job_id=job.id)
            .execution_options(populate_existing=True)
        ).all()
        if all(c.state == JobState.SUCCEEDED for c in rows):
            # The join died: the last chunk runs again and joins when it ends.
            last = max(rows, key=lambda c: c.finished_dt or now)
            if last.attempts >= MAX_ATTEMPTS:
                finish_job(
                    job,
                    now,
                    error=f"joining the chunks stopped {last.attempts} times; "
                    "giving up",
                    error_code="worker_died",
                )
                continue
            last.state = JobState.PENDING
            requeued.append(last.id)
            continue
        # Pending chunks whose queue task was lost (the worker died between
        # writing them and queuing them, or before claiming one): queued again.
        # A duplicate task finds its chunk claimed and does nothing; the job's
        # heartbeat moves so that happens once per stale period.
        lost = [
            c.id for c in rows if c.state == JobState.PENDING and c.id not in requeued
        ]
        if lost:
            job.heartbeat_dt = now
            requeued += lost
    db.session.flush()
    return requeued
