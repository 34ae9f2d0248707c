"""Uploading recordings and transcoding them for real (tiny generated clips)."""

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.db import utcnow
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, MediaStatus
from media_pipeline.tasks import transcode_job
from tests.media.clips import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(
        tmp_path_factory.mktemp("clips") / "talk.mp4", seconds=4, size="426x240"
    ).read_bytes()


@pytest.fixture
def office(api_token, create_user):
    return api_token(create_user(role=Role.ADMINISTRATOR))


@pytest.fixture
def lecture_setup(create_course, api_token, create_user, client, office):
    course = create_course(durations=(60.0,))
    lecture = course.lectures[0]
    learner = create_user()
    learner_headers = api_token(learner)
    client.post(f"/api/v1/courses/{course.id}/enrol", headers=learner_headers)
    return lecture, api_token(course.owner), learner_headers


def approved(client, job, office):
    """A published course's new version passed by the office (its media now)."""
    assert job["state"] == "succeeded" and job["review"] == "pending", job
    response = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    assert response.status_code == 200, response.json
    return response.json


def put_published(client, lecture, lecturer, office, body):
    """Upload a whole recording to a published lecture and have the office pass it."""
    response = client.put(
        f"/api/v1/lectures/{lecture.id}/media", data=body, headers=lecturer
    )
    assert response.status_code == 202, response.json
    return approved(client, response.json["job"], office)


def start(client, lecture, headers, size, filename="讲座 ../../x.mp4"):
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads",
        headers=headers,
        json={"size": size, "filename": filename},
    )
    assert response.status_code == 201, response.json
    return response.json["upload"]


def patch(client, token, headers, offset, body):
    return client.patch(
        f"/api/v1/uploads/{token}",
        data=body,
        headers=headers
        | {"Upload-Offset": str(offset), "Content-Type": "application/octet-stream"},
    )


def test_a_dropped_upload_resumes_then_the_ladder_is_published(
    client, lecture_setup, clip, db, office
):
    lecture, lecturer, learner = lecture_setup
    token = start(client, lecture, lecturer, len(clip))
    half = len(clip) // 2
    assert patch(client, token, lecturer, 0, clip[:half]).json["offset"] == half
    # The link dropped; a resent chunk at the wrong offset is refused, nothing changes.
    wrong = patch(client, token, lecturer, 0, clip[:half])
    assert wrong.status_code == 409 and wrong.json["error"]["code"] == "offset_mismatch"
    resume = client.get(f"/api/v1/uploads/{token}", headers=lecturer).json
    assert resume["offset"] == half and resume["complete"] is False
    done = patch(client, token, lecturer, half, clip[half:]).json
    assert done["complete"] and done["job"]["state"] == "succeeded"
    approved(client, done["job"], office)

    info = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    assert info["status"] == "ready" and info["duration"] == pytest.approx(4.0, abs=0.1)
    master = client.get(info["hls_url"], headers=learner)
    assert master.status_code == 200 and b"#EXT-X-STREAM-INF" in master.data
    assert "immutable" in master.headers["Cache-Control"]
    segment_url = info["hls_url"].replace("master.m3u8", "audio/seg_00000.m4s")
    ranged = client.get(segment_url, headers=learner | {"Range": "bytes=0-99"})
    assert ranged.status_code == 206 and len(ranged.data) == 100


def test_media_is_served_only_to_those_who_may_watch(
    client, lecture_setup, clip, create_user, api_token, office
):
    lecture, lecturer, learner = lecture_setup
    put_published(client, lecture, lecturer, office, clip)
    url = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json["hls_url"]
    stranger = api_token(create_user())
    assert client.get(url, headers=stranger).status_code == 404
    assert client.get(url).status_code == 404
    assert client.get(url, headers=learner).status_code == 200
    assert (
        client.get(
            url.replace("master.m3u8", "../../../etc/passwd"), headers=learner
        ).status_code
        == 404
    )


def test_a_lecturer_cannot_upload_to_someone_elses_lecture(
    client, lecture_setup, create_user, api_token
):
    lecture, _, _ = lecture_setup
    rival = api_token(create_user(role=Role.LECTURER))
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads", headers=rival, json={"size": 10}
    )
    assert response.status_code == 403
    assert (
        client.put(
            f"/api/v1/lectures/{lecture.id}/media", data=b"x" * 10, headers=rival
        ).status_code
        == 403
    )


def test_sizes_beyond_the_limits_are_refused_and_nothing_is_kept(
    client, lecture_setup, app
):
    lecture, lecturer, _ = lecture_setup
    huge = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads",
        headers=lecturer,
        json={"size": app.config["MAX_UPLOAD_BYTES"] + 1},
    )
    assert huge.status_code == 413
    token = start(client, lecture, lecturer, 10)
    too_much = patch(client, token, lecturer, 0, b"y" * 11)
    assert too_much.status_code == 413
    assert client.get(f"/api/v1/uploads/{token}", headers=lecturer).json["offset"] == 0


def test_a_text_file_renamed_mp4_fails_the_job_with_a_reason(
    client, create_course, api_token, db
):
    course = create_course(status="draft", durations=(60.0,))
    lecture, lecturer = course.lectures[0], api_token(course.owner)
    lecture.media_status = MediaStatus.NONE  # no recording yet
    db.session.flush()
    body = "这不是视频\n".encode() * 200
    response = client.put(
        f"/api/v1/lectures/{lecture.id}/media",
        data=body,
        headers=lecturer | {"X-Filename": "lecture.mp4"},
    )
    job = response.json["job"]
    assert job["state"] == "failed" and "not a readable recording" in job["error"]
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=lecturer).json["error"]
    info = client.get(f"/api/v1/lectures/{lecture.id}", headers=lecturer).json
    assert info["status"] == "failed" and info["hls_url"] is None


def test_a_failed_upload_keeps_the_previous_media(client, lecture_setup, clip, office):
    lecture, lecturer, learner = lecture_setup
    put_published(client, lecture, lecturer, office, clip)
    before = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    client.put(
        f"/api/v1/lectures/{lecture.id}/media", data=b"garbage" * 100, headers=lecturer
    )
    after = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    assert after["status"] == "ready" and after["hls_url"] == before["hls_url"]
    assert client.get(after["hls_url"], headers=learner).status_code == 200


def test_a_newer_upload_wins_over_a_job_not_yet_run(
    client, lecture_setup, clip, db, office
):
    lecture, lecturer, learner = lecture_setup
    token = start(client, lecture, lecturer, len(clip))
    upload = ops.get_upload(token)
    stale_job = ops.create_job(upload, utcnow())  # queued, not yet run
    db.session.flush()
    put_published(client, lecture, lecturer, office, clip)
    db.session.refresh(stale_job)
    assert stale_job.state == JobState.CANCELLED
    url = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json["hls_url"]
    assert url
    transcode_job.call_local(stale_job.id)  # delivered late: it must not run
    db.session.refresh(stale_job)
    assert stale_job.state == JobState.CANCELLED
    assert (
        client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json["hls_url"]
        == url
    )


def test_jobs_are_visible_only_to_the_courses_lecturers(
    client, lecture_setup, clip, create_user, api_token
):
    lecture, lecturer, learner = lecture_setup
    job = client.put(
        f"/api/v1/lectures/{lecture.id}/media", data=clip, headers=lecturer
    ).json["job"]
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=learner).status_code == 404
    rival = api_token(create_user(role=Role.LECTURER))
    assert client.get(f"/api/v1/jobs/{job['id']}", headers=rival).status_code == 404


def test_stale_running_jobs_go_back_to_the_queue(client, lecture_setup, db):
    from datetime import timedelta

    lecture, lecturer, _ = lecture_setup
    token = start(client, lecture, lecturer, 10)
    job = ops.create_job(ops.get_upload(token), utcnow())
    job.state, job.attempts = JobState.RUNNING, 1
    job.heartbeat_dt = utcnow() - timedelta(minutes=10)
    db.session.flush()
    assert ops.requeue_stale_jobs(utcnow(), timedelta(seconds=120)) == [job.id]
    assert job.state == JobState.PENDING
    job.state, job.attempts = JobState.RUNNING, 3
    db.session.flush()
    assert ops.requeue_stale_jobs(utcnow(), timedelta(seconds=120)) == []
    assert job.state == JobState.FAILED and "giving up" in job.error


def test_hostile_file_names_are_only_displayed_clean(client, lecture_setup, db):
    lecture, lecturer, _ = lecture_setup
    before = MediaStatus(lecture.media_status)
    token = start(client, lecture, lecturer, 10, filename="../../etc/\u202egpj.mp4\x00")
    upload = ops.get_upload(token)
    assert upload.filename == "gpj.mp4"
    assert db.session.scalar(sa.select(sa.func.count()).select_from(TranscodeJob)) == 0
    assert MediaStatus(lecture.media_status) == before  # starting changes nothing


def test_nginx_mode_answers_with_x_accel_redirect(
    client, lecture_setup, clip, app, office
):
    lecture, lecturer, learner = lecture_setup
    put_published(client, lecture, lecturer, office, clip)
    url = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json["hls_url"]
    app.config["MEDIA_ACCEL"] = "nginx"
    try:
        response = client.get(url, headers=learner)
    finally:
        app.config["MEDIA_ACCEL"] = ""
    assert response.status_code == 200 and response.data == b""
    assert response.headers["X-Accel-Redirect"] == url.replace(
        "/media/", "/protected-media/", 1
    )


def test_retranscode_queues_a_new_job_per_lecture(
    client, lecture_setup, clip, runner, db, office
):
    lecture, lecturer, learner = lecture_setup
    put_published(client, lecture, lecturer, office, clip)
    before = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    result = runner.invoke(
        args=["media", "retranscode", "--all", "--policy", "high_motion"]
    )
    assert "Queued 1 transcode jobs." in result.output, result.output
    jobs = db.session.scalars(sa.select(TranscodeJob).order_by(TranscodeJob.id)).all()
    assert [j.state for j in jobs] == [JobState.SUCCEEDED, JobState.SUCCEEDED]
    assert jobs[-1].policy == "high_motion"
    after = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    assert after["hls_url"] != before["hls_url"]
    assert client.get(after["hls_url"], headers=learner).status_code == 200
    assert client.get(before["hls_url"], headers=learner).status_code == 404


def test_the_office_picks_the_high_motion_ladder_for_a_course(
    client, create_course, create_user, api_token, clip, db
):
    course = create_course(status="submitted", durations=(60.0,))
    admin = api_token(create_user(role=Role.ADMINISTRATOR))
    bad = client.post(
        f"/api/v1/courses/{course.id}/approve",
        headers=admin,
        json={"media_policy": "cinema"},
    )
    assert bad.status_code == 422
    client.post(
        f"/api/v1/courses/{course.id}/approve",
        headers=admin,
        json={"media_policy": "high_motion"},
    )
    lecturer = api_token(course.owner)
    job = client.put(
        f"/api/v1/lectures/{course.lectures[0].id}/media", data=clip, headers=lecturer
    ).json["job"]
    assert db.session.get(TranscodeJob, job["id"]).policy == "high_motion"
