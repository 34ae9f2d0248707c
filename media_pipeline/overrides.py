"""The office's ladder choice for one lecture, and a new transcode with it.

Which recording is transcoded again:

- a job still pending or running (always the lecture's newest upload: a new
  upload supersedes older unfinished jobs) is replaced by a job for that same
  upload with the new ladder; an older recording is never transcoded over it;
- otherwise the version waiting for the office's review (it is what goes live
  next; its new transcode waits for review again, the old one is superseded);
- otherwise the live recording (``operations.live_job``): its new ladder is
  published at once, as the same content the office passed.

A rejected or superseded version is never brought back. When the lecture's
ladder is unchanged and the job in flight already uses it, nothing is done.
"""

from dataclasses import dataclass

import sqlalchemy as sa

from courses.models import Lecture
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.enums import MEDIA_POLICIES
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, ReviewState

#: The error a job in flight keeps when the office's new ladder replaces it.
REPLACED = "replaced: the CME office chose another video ladder"


@dataclass(frozen=True)
class Override:
    """What the office's choice did: ``job`` to enqueue (after the commit), or
    ``in_flight`` (a job already transcodes with this ladder), or neither (no
    recording yet: the choice applies to the next upload)."""

    job: TranscodeJob | None = None
    in_flight: TranscodeJob | None = None


def job_in_flight(lecture_id):
    """The lecture's pending or running job (the newest, if ever more than one)."""
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter(
            TranscodeJob.lecture_id == lecture_id,
            TranscodeJob.state.in_([JobState.PENDING, JobState.RUNNING]),
        )
        .order_by(TranscodeJob.id.desc())
        .limit(1)
    )


def job_awaiting_review(lecture_id):
    """The succeeded version waiting for the office's review, if any."""
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(
            lecture_id=lecture_id,
            state=JobState.SUCCEEDED,
            review_state=ReviewState.PENDING,
        )
        .order_by(TranscodeJob.id.desc())
        .limit(1)
    )


def override_lecture_policy(lecture, policy, actor, now):
    """Give ``lecture`` its own ladder ``policy`` (None: the course's), audited,
    and transcode its recording with it (see the module's rules).

    Returns an :class:`Override`; the caller commits, then enqueues its job.
    Raises ``ValueError`` for a policy that is not one of ``MEDIA_POLICIES``.
    """
    if policy is not None and policy not in MEDIA_POLICIES:
        raise ValueError(f"media_policy must be one of {', '.join(MEDIA_POLICIES)}")
    # One decision at a time per lecture (PostgreSQL; SQLite writes one at a time).
    db.session.execute(sa.select(Lecture.id).filter_by(id=lecture.id).with_for_update())
    before = lecture.media_policy
    lecture.media_policy = policy
    wanted = policy or lecture.course.media_policy or "lecture"
    result = transcode_again(lecture, wanted, now)
    if before != policy or result.job is not None:
        after = {"media_policy": policy}
        if result.job is not None:
            after |= {"job": result.job.id, "upload": result.job.upload_id}
        record_audit(
            actor,
            AuditAction.MEDIA_POLICY_CHANGED,
            lecture,
            before={"media_policy": before},
            after=after,
        )
    return result


def transcode_again(lecture, wanted, now):
    """A new job of ``lecture``'s recording with ladder ``wanted`` (the module's
    rules), as an :class:`Override`; the caller commits, then enqueues its job."""
    running = job_in_flight(lecture.id)
    if running is not None:
        if running.policy == wanted:
            return Override(in_flight=running)
        ops.cancel_job(running, now)
        running.error = REPLACED
        return Override(job=ops.create_job(running.upload, now, policy=wanted))
    target = job_awaiting_review(lecture.id) or ops.live_job(lecture.id)
    if target is None:
        return Override()
    return Override(job=ops.create_job(target.upload, now, policy=wanted))
