"""Reads of uploads and transcode jobs."""

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from courses.models import Lecture
from lms.db import db
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.states import JobState, ReviewState


def list_versions_awaiting_review():
    """New media of published lectures waiting for the office, oldest first."""
    return db.session.scalars(
        sa.select(TranscodeJob)
        .filter_by(review_state=ReviewState.PENDING)
        .options(
            joinedload(TranscodeJob.lecture).joinedload(Lecture.course),
            joinedload(TranscodeJob.upload).joinedload(MediaUpload.user),
        )
        .order_by(TranscodeJob.finished_dt, TranscodeJob.id)
    ).all()


def pending_versions_by_lecture(course_id):
    """``{lecture_id: job}`` of a course's new media waiting for the office."""
    jobs = db.session.scalars(
        sa.select(TranscodeJob)
        .join(Lecture, Lecture.id == TranscodeJob.lecture_id)
        .where(
            Lecture.course_id == course_id,
            TranscodeJob.review_state == ReviewState.PENDING,
        )
    )
    return {job.lecture_id: job for job in jobs}


def failed_jobs_by_lecture(course_id):
    """``{lecture_id: job}`` of a course's lectures whose newest job failed."""
    return {
        lecture_id: job
        for lecture_id, job in latest_jobs_by_lecture(course_id).items()
        if job.state == JobState.FAILED
    }


def get_upload_job(upload_id):
    """The newest transcode job of an upload (None before it is complete)."""
    return db.session.scalar(
        sa.select(TranscodeJob)
        .filter_by(upload_id=upload_id)
        .order_by(TranscodeJob.id.desc())
        .limit(1)
    )


def latest_jobs_by_lecture(course_id):
    """``{lecture_id: job}``: each of a course's lectures' newest transcode job."""
    newest = (
        sa.select(sa.func.max(TranscodeJob.id))
        .join(Lecture, Lecture.id == TranscodeJob.lecture_id)
        .where(Lecture.course_id == course_id)
        .group_by(TranscodeJob.lecture_id)
    )
    jobs = db.session.scalars(
        sa.select(TranscodeJob).where(TranscodeJob.id.in_(newest))
    )
    return {job.lecture_id: job for job in jobs}
