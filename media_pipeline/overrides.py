"""The office's ladder choice for one lecture, and a new transcode with it."""

import sqlalchemy as sa

from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.enums import MEDIA_POLICIES
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState


def latest_succeeded_job(lecture_id):
    """The newest job of the lecture that made a ladder (its upload is kept)."""
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(lecture_id=lecture_id, state=JobState.SUCCEEDED)
        .order_by(TranscodeJob.id.desc())
        .limit(1)
    )


def override_lecture_policy(lecture, policy, actor, now):
    """Give ``lecture`` its own ladder ``policy`` (None: the course's), audited,
    and queue a transcode of its latest recording with it.

    Returns the new job (the caller commits, then enqueues it), or None when the
    lecture has no recording yet (the choice applies to the next upload).
    Raises ``ValueError`` for a policy that is not one of ``MEDIA_POLICIES``.
    """
    if policy is not None and policy not in MEDIA_POLICIES:
        raise ValueError(f"media_policy must be one of {', '.join(MEDIA_POLICIES)}")
    before = lecture.media_policy
    lecture.media_policy = policy
    if before != policy:
        record_audit(
            actor,
            AuditAction.MEDIA_POLICY_CHANGED,
            lecture,
            before={"media_policy": before},
            after={"media_policy": policy},
        )
    done = latest_succeeded_job(lecture.id)
    if done is None:
        return None
    return ops.create_job(done.upload, now)
