"""Queue tasks: the transcode itself, and re-queuing jobs whose worker died."""

import time
from datetime import timedelta

from flask import current_app
from huey import crontab

from lms.db import db, utcnow
from lms.queue import periodic_task, task
from media_pipeline import operations as ops
from media_pipeline.ladder import POLICIES
from media_pipeline.models import TranscodeJob
from media_pipeline.probe import ProbeRejected
from media_pipeline.runner import TranscodeFailed, build_ladder, publish
from media_pipeline.storage import Storage

#: Seconds between progress and heartbeat writes of a running job.
BEAT_SECONDS = 2.0


def storage():
    return Storage(current_app.config["MEDIA_DIR"])


@task(retries=2, retry_delay=30)
def transcode_job(job_id):
    job = ops.claim_job(job_id, utcnow())
    db.session.commit()
    if job is None:
        return
    store = storage()
    upload_path = store.upload_path(job.upload.token)
    work = store.work_dir(job.lecture_id, job.id, job.attempts)
    for leftover in store.lecture_dir(job.lecture_id).glob(f"job-{job.id}-*"):
        ops.discard_work(leftover)  # an earlier attempt's worker was killed mid-way
    last = [0.0]

    def on_progress(fraction):
        now = time.monotonic()
        if now - last[0] >= BEAT_SECONDS:
            last[0] = now
            db.session.execute(
                TranscodeJob.__table__.update()
                .where(TranscodeJob.id == job_id)
                .values(progress=round(min(fraction, 0.99), 4), heartbeat_dt=utcnow())
            )
            db.session.commit()

    try:
        source, _ = build_ladder(
            upload_path, work, policy=POLICIES.get(job.policy), on_progress=on_progress
        )
    except (ProbeRejected, TranscodeFailed) as error:
        ops.discard_work(work)
        job = db.session.get(TranscodeJob, job_id)
        ops.finish_job(job, utcnow(), error=str(error))
        db.session.commit()
        return
    job = db.session.get(TranscodeJob, job_id)
    db.session.refresh(job)
    if not ops.is_latest_job(job):
        ops.discard_work(work)  # a newer upload won; nothing of this one is shown
        return
    publish(work, store.published(job.lecture_id))
    ops.finish_job(job, utcnow(), duration=source.duration)
    db.session.commit()


@periodic_task(crontab(minute="*"))
def requeue_stale_jobs():
    stale_after = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    job_ids = ops.requeue_stale_jobs(utcnow(), stale_after)
    db.session.commit()
    for job_id in job_ids:
        transcode_job(job_id)


def enqueue(job):
    """Call after committing a new job."""
    transcode_job(job.id)
