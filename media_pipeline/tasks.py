"""Queue tasks: the transcode itself, and re-queuing jobs whose worker died."""

import time
from datetime import timedelta

from flask import current_app
from huey import crontab

from courses.sessions import replay
from lms.db import begin_write_transaction, db, utcnow
from lms.queue import periodic_task, task
from media_pipeline import chunk_tasks, cleanup
from media_pipeline import operations as ops
from media_pipeline.heartbeat import beating
from media_pipeline.limits import TimeLimits
from media_pipeline.models import TranscodeJob
from media_pipeline.probe import ProbeRejected
from media_pipeline.runner import (
    TranscodeFailed,
    build_ladder,
    choose_policy,
    probe,
    publish,
)
from media_pipeline.states import JobState
from media_pipeline.storage import Storage

#: Seconds between progress and heartbeat writes of a running job.
BEAT_SECONDS = 2.0


def storage():
    return Storage(current_app.config["MEDIA_DIR"])


@task(lane="media", retries=2, retry_delay=30)
def transcode_job(job_id):
    # Every write below starts as a writer: on SQLite a transaction that read
    # first could not take the lock once the web process had written meanwhile.
    begin_write_transaction()
    job = ops.claim_job(job_id, utcnow())
    db.session.commit()
    if job is None:
        return
    store = storage()
    upload_path = store.upload_path(job.upload.token)
    received_sha256 = job.upload.sha256
    attempt = job.attempts
    work = store.work_dir(job.lecture_id, job.id, attempt)
    requested = job.policy
    config = current_app.config
    limits = TimeLimits(
        floor_seconds=config["MEDIA_TIME_LIMIT_FLOOR_SECONDS"],
        per_source_second=config["MEDIA_TIME_LIMIT_PER_SOURCE_SECOND"],
    )
    lecture_dir = store.lecture_dir(job.lecture_id)
    db.session.commit()  # end the read: nothing is held while ffmpeg runs
    for leftover in lecture_dir.glob(f"job-{job_id}-*"):
        ops.discard_work(leftover)  # an earlier attempt's worker was killed mid-way
    last = [0.0]

    def on_progress(fraction):
        now = time.monotonic()
        if now - last[0] >= BEAT_SECONDS:
            last[0] = now
            # A read since the last commit (an expired attribute) would leave a
            # reader's transaction that SQLite cannot turn into a writer's.
            db.session.rollback()
            begin_write_transaction()
            beating = db.session.execute(
                TranscodeJob.__table__.update()
                .where(TranscodeJob.id == job_id)
                .where(TranscodeJob.state == JobState.RUNNING)
                .values(progress=round(min(fraction, 0.99), 4), heartbeat_dt=utcnow())
            ).rowcount
            db.session.commit()
            if not beating:  # cancelled or superseded meanwhile: stop ffmpeg now
                raise TranscodeFailed("the job was cancelled", code="cancelled")

    def beat():
        return ops.beat_job(job_id, attempt, utcnow())

    try:
        # The check, the analysis and a remux report no progress: beat meanwhile.
        with beating(beat, BEAT_SECONDS):
            ops.check_upload_intact(store, upload_path, received_sha256)
            source = probe(upload_path, time_limit=limits.floor_seconds)
            choice = choose_policy(upload_path, source, requested, time_limits=limits)
            record_choice(job_id, choice)
            # A long recording goes on in chunks, run by every media worker.
            chunked = chunk_tasks.start_chunks(
                job_id, attempt, source, choice.policy, work, upload_path
            )
        if chunked:
            return
        source, _ = build_ladder(
            upload_path,
            work,
            policy=choice.policy,
            on_progress=on_progress,
            time_limits=limits,
            source=source,
        )
    except (ProbeRejected, TranscodeFailed) as error:
        ops.discard_work(work)  # the previous media, if any, stays published
        begin_write_transaction()
        ops.fail_running_job(job_id, utcnow(), error)
        db.session.commit()
        return
    begin_write_transaction()
    job = db.session.get(TranscodeJob, job_id)
    db.session.refresh(job)
    if not ops.is_latest_job(job):
        ops.discard_work(work)  # a newer upload won; nothing of this one is shown
        db.session.rollback()
        return
    if ops.finish_job(job, utcnow(), duration=source.duration):
        publish(work, store.published(job.lecture_id))
        replay.announce_replay_ready(job.lecture_id, utcnow())
    # else a published course's new version waits for the office (kept in work)
    db.session.commit()


def record_choice(job_id, choice):
    """Keep on the job what the analysis found and the policy its ladder uses
    (shown while it transcodes), committed at once."""
    db.session.rollback()  # nothing read is held: SQLite's writer turn comes first
    begin_write_transaction()
    db.session.execute(
        TranscodeJob.__table__.update()
        .where(TranscodeJob.id == job_id)
        .values(
            used_policy=choice.policy.name,
            content_class=choice.content_class,
            content_features=choice.features.as_dict() if choice.features else None,
            analysis_note=choice.note,
        )
    )
    db.session.commit()


@periodic_task(crontab(minute="*"))
def requeue_stale_jobs():
    stale_after = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    begin_write_transaction()
    job_ids = ops.requeue_stale_jobs(utcnow(), stale_after)
    chunk_ids = ops.requeue_stale_chunks(utcnow(), stale_after)
    db.session.commit()
    for job_id in job_ids:
        transcode_job(job_id)
    for chunk_id in chunk_ids:
        chunk_tasks.transcode_chunk(chunk_id)


@periodic_task(crontab(minute="*/10"))
def sweep_media_disk():
    """Give the disk back: abandoned uploads, failed and cancelled work folders."""
    expire_after = timedelta(seconds=current_app.config["UPLOAD_EXPIRE_SECONDS"])
    begin_write_transaction()
    expired = cleanup.expire_uploads(storage(), utcnow(), expire_after)
    db.session.commit()
    removed = cleanup.clean_work_folders(storage())
    db.session.commit()
    if expired or removed:
        current_app.logger.info(
            "media sweep: %s uploads expired, %s work folders removed",
            expired,
            len(removed),
        )


def enqueue(job):
    """Call after committing a new job."""
    transcode_job(job.id)
