"""'auto' ladders through the real pipeline: each upload's picture is analysed, the
job keeps what was found and used, the course page shows it, and the office's
choice for a lecture beats the analysis (audited, transcoded again)."""

import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.models import AuditEntry
from media_pipeline.models import TranscodeJob
from tests.media.content_clips import make_grainy_camera, make_slides


@pytest.fixture(scope="module")
def clips(tmp_path_factory):
    folder = tmp_path_factory.mktemp("auto")
    return {
        "slides": make_slides(folder / "slides.mp4").read_bytes(),
        "camera": make_grainy_camera(folder / "camera.mp4").read_bytes(),
    }


def upload(client, lecture, headers, body):
    response = client.put(
        f"/api/v1/lectures/{lecture.id}/media", data=body, headers=headers
    )
    assert response.status_code == 202, response.json
    job = response.json["job"]
    assert job["state"] == "succeeded", job
    return job


def frame_rate_at(client, job, headers, resolution):
    """The FRAME-RATE of the job's variant at ``resolution`` in its master."""
    master = client.get(job["preview_url"], headers=headers).get_data(as_text=True)
    (line,) = [x for x in master.splitlines() if f"RESOLUTION={resolution}," in x]
    return float(line.split("FRAME-RATE=")[1].split(",")[0])


def jobs_of(db, lecture):
    return db.session.scalars(
        sa.select(TranscodeJob)
        .filter_by(lecture_id=lecture.id)
        .order_by(TranscodeJob.id)
    ).all()


def policy_audits(db, lecture):
    return db.session.scalars(
        sa.select(AuditEntry).filter_by(
            action=AuditAction.MEDIA_POLICY_CHANGED, target_id=lecture.id
        )
    ).all()


def test_auto_picks_each_recordings_ladder_and_the_office_overrides_it(
    client, create_course, create_user, api_token, auth, clips, db
):
    course = create_course(durations=(60.0, 60.0))
    assert course.media_policy == "auto"  # the new default
    slides_lecture, camera_lecture = course.lectures
    lecturer = api_token(course.owner)
    office_user = create_user(role=Role.ADMINISTRATOR)
    office = api_token(office_user)

    slides = upload(client, slides_lecture, lecturer, clips["slides"])
    camera = upload(client, camera_lecture, lecturer, clips["camera"])
    assert (slides["policy"], slides["content_class"], slides["used_policy"]) == (
        "auto",
        "slides",
        "lecture",
    )
    assert (camera["policy"], camera["content_class"], camera["used_policy"]) == (
        "auto",
        "camera",
        "high_motion",
    )
    # The ladders differ as the policies say: 360p at 15 fps for slides, 30 for camera.
    assert frame_rate_at(client, slides, office, "640x360") == 15
    assert frame_rate_at(client, camera, office, "640x360") == 30
    row = db.session.get(TranscodeJob, camera["id"])
    assert row.content_features["noise"] > 1 and row.analysis_note == ""

    # The lecturer sees what was detected; only the office gets the form.
    auth.login(course.owner.login)
    page = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert "Slides and a speaker" in page and "Camera" in page
    assert "-media_policy" not in page  # no form
    refused = client.post(
        f"/teach/courses/{course.id}/lectures/{camera_lecture.id}/media-policy",
        data={
            f"policy-{camera_lecture.id}-media_policy": "lecture",
            "csrf_token": auth.csrf_token(f"/teach/courses/{course.id}"),
        },
    )
    assert refused.status_code == 403
    auth.logout()

    auth.login(office_user.login)
    page = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert f'name="policy-{camera_lecture.id}-media_policy"' in page
    url = f"/teach/courses/{course.id}/lectures/{camera_lecture.id}/media-policy"
    field = f"policy-{camera_lecture.id}-media_policy"
    token = auth.csrf_token(f"/teach/courses/{course.id}")

    # A value not offered changes nothing.
    bad = client.post(url, data={field: "cinema", "csrf_token": token})
    assert bad.status_code == 302
    db.session.expire_all()
    assert camera_lecture.media_policy is None and len(jobs_of(db, camera_lecture)) == 1
    assert policy_audits(db, camera_lecture) == []

    # The office's choice beats the analysis: no analysis, the lecture ladder.
    done = client.post(url, data={field: "lecture", "csrf_token": token})
    assert done.status_code == 302
    db.session.expire_all()
    again = jobs_of(db, camera_lecture)[-1]
    assert camera_lecture.media_policy == "lecture"
    assert (again.policy, again.used_policy, again.content_class) == (
        "lecture",
        "lecture",
        None,
    )
    assert again.state.value == "succeeded"
    (entry,) = policy_audits(db, camera_lecture)
    assert entry.actor_id == office_user.id
    assert (entry.before, entry.after) == (
        {"media_policy": None},
        {"media_policy": "lecture"},
    )
    page = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert "chosen by the CME office" in page

    # Back to the course's choice: analysed again.
    client.post(url, data={field: "", "csrf_token": token})
    db.session.expire_all()
    last = jobs_of(db, camera_lecture)[-1]
    assert camera_lecture.media_policy is None
    assert (last.policy, last.used_policy, last.content_class) == (
        "auto",
        "high_motion",
        "camera",
    )


def test_a_cut_upload_keeps_why_auto_fell_back_and_fails_as_incomplete(
    client, create_course, api_token, db, tmp_path
):
    from tests.media.content_clips import ffmpeg

    whole = tmp_path / "whole.mp4"
    ffmpeg(
        *("-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25", "-t", "12"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-movflags", "+faststart"),
        str(whole),
    )
    body = whole.read_bytes()[: whole.stat().st_size // 50]
    course = create_course(durations=(60.0,))
    lecture = course.lectures[0]
    response = client.put(
        f"/api/v1/lectures/{lecture.id}/media",
        data=body,
        headers=api_token(course.owner),
    )
    job = response.json["job"]
    assert job["state"] == "failed" and job["error_code"] == "incomplete", job
    row = db.session.get(TranscodeJob, job["id"])
    assert row.used_policy == "lecture" and row.content_class is None
    assert "fewer than two frames" in row.analysis_note


def test_the_office_may_name_auto_or_screen_on_approval_and_in_the_cli(
    client, create_course, create_user, api_token, clips, db, runner
):
    course = create_course(status="submitted", durations=(60.0,))
    office = api_token(create_user(role=Role.ADMINISTRATOR))
    bad = client.post(
        f"/api/v1/courses/{course.id}/approve",
        headers=office,
        json={"media_policy": "cinema"},
    )
    assert bad.status_code == 422
    approved = client.post(
        f"/api/v1/courses/{course.id}/approve",
        headers=office,
        json={"media_policy": "screen"},
    )
    assert approved.status_code == 200, approved.json
    db.session.expire_all()
    assert course.media_policy == "screen"

    lecture = course.lectures[0]
    job = upload(client, lecture, api_token(course.owner), clips["slides"])
    assert (job["policy"], job["used_policy"], job["content_class"]) == (
        "screen",
        "screen",
        None,
    )
    client.post(f"/api/v1/jobs/{job['id']}/approve", headers=office)
    result = runner.invoke(
        args=["media", "retranscode", "--lecture", str(lecture.id), "--policy", "auto"]
    )
    assert "Queued 1 transcode jobs." in result.output, result.output
    db.session.expire_all()
    last = jobs_of(db, lecture)[-1]
    assert lecture.media_policy == "auto"
    assert (last.policy, last.used_policy, last.content_class) == (
        "auto",
        "lecture",
        "slides",
    )
