"""A published course's media changes only through the CME office: a new upload
becomes a version waiting for review, learners keep the old media until the
office approves it, a rejected one is discarded (issue 9, item 9)."""

import pytest
import sqlalchemy as sa

from courses import operations as course_ops
from courses.models import Lecture
from courses.workflow import CourseStatus
from lms.accounts.roles import Role
from lms.db import utcnow
from media_pipeline import operations as ops
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.states import JobState, MediaStatus, ReviewState
from media_pipeline.storage import Storage
from media_pipeline.tasks import transcode_job
from tests.media.clips import make_clip
from tests.web.test_media_api import approved


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review-clips")
    return (
        make_clip(folder / "first.mp4", seconds=3, size="320x180").read_bytes(),
        make_clip(folder / "second.mp4", seconds=5, size="320x180").read_bytes(),
    )


@pytest.fixture
def published(create_course, create_user, api_token, client, clips):
    """An approved course whose lecture plays ``clips[0]``, one enrolled learner."""
    course = create_course(durations=(60.0,))
    lecture = course.lectures[0]
    learner = api_token(create_user())
    client.post(f"/api/v1/courses/{course.id}/enrol", headers=learner)
    office = api_token(create_user(role=Role.ADMINISTRATOR))
    lecturer = api_token(course.owner)
    first = put(client, lecture, lecturer, clips[0]).json["job"]
    approved(client, first, office)
    return lecture, lecturer, learner, office


def put(client, lecture, headers, body):
    return client.put(
        f"/api/v1/lectures/{lecture.id}/media", data=body, headers=headers
    )


def playing(client, lecture, learner):
    return client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json


def test_a_new_upload_waits_for_review_and_learners_keep_the_old_media(
    client, published, clips
):
    lecture, lecturer, learner, office = published
    before = playing(client, lecture, learner)
    response = put(client, lecture, lecturer, clips[1])
    assert response.status_code == 202
    job = response.json["job"]
    assert job["state"] == "succeeded" and job["review"] == "pending"
    after = playing(client, lecture, learner)
    assert after["hls_url"] == before["hls_url"]
    assert after["duration"] == pytest.approx(3.0, abs=0.2)
    assert client.get(after["hls_url"], headers=learner).status_code == 200
    # The waiting version is not for learners, even when they guess its address.
    preview = job["preview_url"]
    assert preview and preview != before["hls_url"]
    assert client.get(preview, headers=learner).status_code == 404
    assert client.get(preview, headers=lecturer).status_code == 200
    assert client.get(preview, headers=office).status_code == 200


def test_the_office_sees_the_version_and_approval_makes_it_the_lectures_media(
    client, published, clips, app
):
    lecture, lecturer, learner, office = published
    old_url = playing(client, lecture, learner)["hls_url"]
    job = put(client, lecture, lecturer, clips[1]).json["job"]
    waiting = client.get("/api/v1/media-reviews", headers=office).json["versions"]
    assert [v["id"] for v in waiting] == [job["id"]]
    assert client.get("/api/v1/media-reviews", headers=lecturer).status_code == 403

    result = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    assert result.status_code == 200 and result.json["review"] == "approved"
    now = playing(client, lecture, learner)
    assert now["hls_url"] == job["preview_url"] and now["hls_url"] != old_url
    assert now["duration"] == pytest.approx(5.0, abs=0.2)
    assert client.get(now["hls_url"], headers=learner).status_code == 200
    assert client.get(old_url, headers=learner).status_code == 404
    assert client.get("/api/v1/media-reviews", headers=office).json["versions"] == []
    again = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    assert again.status_code == 409 and again.json["error"]["code"] == "not_pending"


def test_a_lecturer_cannot_approve_their_own_upload_nor_an_officer_theirs(
    client, published, clips, create_user, api_token, create_course, db
):
    lecture, lecturer, learner, office = published
    before = playing(client, lecture, learner)["hls_url"]
    job = put(client, lecture, lecturer, clips[1]).json["job"]
    own = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=lecturer)
    assert own.status_code == 403
    rejected = client.post(
        f"/api/v1/jobs/{job['id']}/reject", headers=lecturer, json={"comment": "x"}
    )
    assert rejected.status_code == 403
    # An officer who uploads needs another officer's approval too.
    officer_job = put(client, lecture, office, clips[1]).json["job"]
    assert officer_job["review"] == "pending"
    mine = client.post(f"/api/v1/jobs/{officer_job['id']}/approve", headers=office)
    assert mine.status_code == 403
    assert playing(client, lecture, learner)["hls_url"] == before
    colleague = api_token(create_user(role=Role.ADMINISTRATOR))
    ok = client.post(f"/api/v1/jobs/{officer_job['id']}/approve", headers=colleague)
    assert ok.status_code == 200


def test_a_rejected_version_is_discarded_and_the_old_media_stays(
    client, published, clips, app
):
    lecture, lecturer, learner, office = published
    before = playing(client, lecture, learner)
    job = put(client, lecture, lecturer, clips[1]).json["job"]
    folder = Storage(app.config["MEDIA_DIR"]).work_dir(lecture.id, job["id"], 1)
    assert (folder / "master.m3u8").is_file()
    bare = client.post(f"/api/v1/jobs/{job['id']}/reject", headers=office, json={})
    assert bare.status_code == 422
    response = client.post(
        f"/api/v1/jobs/{job['id']}/reject",
        headers=office,
        json={"comment": "第二讲的音频不清晰"},
    )
    assert response.status_code == 200 and response.json["review"] == "rejected"
    assert not folder.exists()
    assert playing(client, lecture, learner) == before
    status = client.get(f"/api/v1/jobs/{job['id']}", headers=lecturer).json
    assert status["review_comment"] == "第二讲的音频不清晰"
    late = client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    assert late.status_code == 409
    assert playing(client, lecture, learner) == before


def test_a_newer_version_supersedes_one_still_waiting(client, published, clips, db):
    lecture, lecturer, learner, office = published
    first = put(client, lecture, lecturer, clips[1]).json["job"]
    second = put(client, lecture, lecturer, clips[0]).json["job"]
    assert db.session.get(TranscodeJob, first["id"]).review_state == (
        ReviewState.SUPERSEDED
    )
    stale = client.post(f"/api/v1/jobs/{first['id']}/approve", headers=office)
    assert stale.status_code == 409
    approved(client, second, office)
    assert playing(client, lecture, learner)["hls_url"] == second["preview_url"]


@pytest.mark.parametrize(
    "office_approves", [True, False], ids=["approved", "in-review"]
)
def test_a_course_submitted_while_its_recording_transcodes_holds_it_for_review(
    create_course, clips, db, app, tmp_path, office_approves
):
    """The rule holds when the job ends, not when the upload started: a
    recording that finishes while the office reviews the course, or after it
    approved it, waits for the office."""
    course = create_course(status="draft", durations=(60.0,))
    lecture = course.lectures[0]
    storage = Storage(app.config["MEDIA_DIR"])
    upload = ops.start_upload(
        lecture, course.owner, filename="a.mp4", size=len(clips[0]), max_bytes=10**9
    )
    (tmp_path / "a.mp4").write_bytes(clips[0])
    with (tmp_path / "a.mp4").open("rb") as stream:
        job = ops.receive_chunk(upload, 0, stream, storage, utcnow(), chunk_limit=10**9)
    course.status = CourseStatus.SUBMITTED
    if office_approves:
        admin = db.session.scalar(
            sa.select(course.owner.__class__)
            .filter_by(role=Role.ADMINISTRATOR)
            .limit(1)
        )
        course_ops.change_course_status(course, admin, "approve", utcnow())
    db.session.flush()
    transcode_job.call_local(job.id)
    db.session.refresh(job)
    assert job.state == JobState.SUCCEEDED and job.review_state == ReviewState.PENDING
    assert not storage.published(lecture.id).exists()


def test_a_draft_courses_media_is_published_without_review(
    client, create_course, api_token, clips, db
):
    course = create_course(status="draft", durations=(60.0,))
    lecture = course.lectures[0]
    job = put(client, lecture, api_token(course.owner), clips[0]).json["job"]
    assert job["state"] == "succeeded" and job["review"] is None
    refreshed = db.session.get(Lecture, lecture.id)
    db.session.refresh(refreshed)
    assert refreshed.media_status == MediaStatus.READY
    assert refreshed.duration_seconds == pytest.approx(3.0, abs=0.2)


def test_no_new_recording_while_the_office_reviews_the_course(
    client, create_course, api_token, clips, db
):
    """The office would approve a video it never saw."""
    course = create_course(status="submitted", durations=(60.0,))
    lecture = course.lectures[0]
    lecturer = api_token(course.owner)
    whole = put(client, lecture, lecturer, clips[0])
    assert whole.status_code == 409
    assert whole.json["error"]["code"] == "course_under_review"
    chunked = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads",
        headers=lecturer,
        json={"size": len(clips[0]), "filename": "a.mp4"},
    )
    assert chunked.status_code == 409
    tus = client.post(
        f"/api/v1/lectures/{lecture.id}/tus-uploads",
        headers={**lecturer, "Tus-Resumable": "1.0.0", "Upload-Length": "10"},
    )
    assert tus.status_code == 409
    assert not db.session.scalar(
        sa.select(sa.func.count())
        .select_from(MediaUpload)
        .where(MediaUpload.lecture_id == lecture.id)
    )


def test_an_older_recording_retried_after_approval_waits_for_review(
    client, create_course, api_token, create_user, clips, db
):
    """Only the recording learners see now re-transcodes without review: an
    older one, published while the course was a draft and retried after the
    office approved the course, is new content to the office."""
    course = create_course(status="draft", durations=(60.0,))
    lecture = course.lectures[0]
    lecturer = api_token(course.owner)
    older = put(client, lecture, lecturer, clips[0]).json["job"]
    current = put(client, lecture, lecturer, clips[1]).json["job"]
    assert older["review"] is None and current["review"] is None
    # The older recording's first attempt had been cancelled before it ran.
    first = db.session.get(TranscodeJob, older["id"])
    cancelled = TranscodeJob(
        lecture_id=lecture.id,
        upload_id=first.upload_id,
        state=JobState.CANCELLED,
        policy=first.policy,
        created_dt=utcnow(),
    )
    db.session.add(cancelled)
    course.status = CourseStatus.APPROVED
    db.session.commit()
    learner = api_token(create_user())
    client.post(f"/api/v1/courses/{course.id}/enrol", headers=learner)
    before = playing(client, lecture, learner)

    retried = client.post(f"/api/v1/jobs/{cancelled.id}/retry", headers=lecturer)
    assert retried.status_code == 200, retried.json
    job = retried.json
    assert job["state"] == "succeeded" and job["review"] == "pending"
    after = playing(client, lecture, learner)
    assert after["hls_url"] == before["hls_url"]
    assert after["duration"] == pytest.approx(5.0, abs=0.2)  # still the 5 s clip
