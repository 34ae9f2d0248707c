"""Why a job failed is a code, shown in the reader's language."""

import io
from datetime import timedelta

from lms.db import db, utcnow
from media_pipeline import operations as ops
from media_pipeline.states import MAX_ATTEMPTS, JobState
from media_pipeline.storage import Storage


def test_a_job_whose_worker_keeps_dying_fails_as_worker_died(
    app, create_course, client, api_token
):
    course = create_course(status="draft", durations=(60.0,))
    lecture, lecturer = course.lectures[0], course.owner
    started = ops.start_upload(lecture, lecturer, filename="x.mp4", size=4, max_bytes=4)
    job = ops.receive_chunk(
        started,
        0,
        io.BytesIO(b"abcd"),
        Storage(app.config["MEDIA_DIR"]),
        utcnow(),
        chunk_limit=4,
    )
    job.state, job.attempts = JobState.RUNNING, MAX_ATTEMPTS
    job.heartbeat_dt = utcnow() - timedelta(hours=1)
    assert ops.requeue_stale_jobs(utcnow(), timedelta(minutes=2)) == []
    db.session.commit()
    assert (job.state, job.error_code) == (JobState.FAILED, "worker_died")
    shown = client.get(
        f"/api/v1/jobs/{job.id}",
        headers=api_token(lecturer) | {"Accept-Language": "en"},
    ).json
    assert shown["error_code"] == "worker_died"
    assert shown["error_message"] == (
        "The worker stopped during processing several times."
    )
