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


@pytest.fixture(autouse=True)
def english(client):
    """The pages' English text is what these tests read."""
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"


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
        {"media_policy": "lecture", "job": again.id, "upload": again.upload_id},
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


def choose(client, auth, course, lecture, policy):
    """The office's ladder form for one lecture, posted; returns the page after."""
    return client.post(
        f"/teach/courses/{course.id}/lectures/{lecture.id}/media-policy",
        data={
            f"policy-{lecture.id}-media_policy": policy,
            "csrf_token": auth.csrf_token(f"/teach/courses/{course.id}"),
        },
        follow_redirects=True,
    ).get_data(as_text=True)


def put_waiting(client, lecture, headers, body, monkeypatch):
    """An upload whose job waits for a worker (no worker takes it)."""
    import lms.api.media as api_media

    with monkeypatch.context() as patch:
        patch.setattr(api_media, "enqueue", lambda job: None)
        response = client.put(
            f"/api/v1/lectures/{lecture.id}/media", data=body, headers=headers
        )
    assert response.status_code == 202, response.json
    return response.json["job"]


def test_a_newer_upload_in_flight_takes_the_ladder_and_the_older_is_not_redone(
    client, create_course, create_user, api_token, auth, clips, db, monkeypatch
):
    course = create_course(durations=(60.0,))  # approved: new media is reviewed
    (lecture,) = course.lectures
    lecturer = api_token(course.owner)
    office_user = create_user(role=Role.ADMINISTRATOR)
    old = upload(client, lecture, lecturer, clips["slides"])
    client.post(f"/api/v1/jobs/{old['id']}/approve", headers=api_token(office_user))
    new = put_waiting(client, lecture, lecturer, clips["camera"], monkeypatch)
    new_upload = db.session.get(TranscodeJob, new["id"]).upload_id

    auth.login(office_user.login)
    page = choose(client, auth, course, lecture, "screen")
    assert "transcoded again with the chosen ladder" in page
    db.session.expire_all()
    jobs = jobs_of(db, lecture)
    replaced, last = db.session.get(TranscodeJob, new["id"]), jobs[-1]
    # The lecturer's new recording is transcoded with the office's ladder; the
    # older, live recording is not transcoded again over it.
    assert replaced.state.value == "cancelled" and "CME office" in replaced.error
    assert [j.upload_id for j in jobs[2:]] == [new_upload]
    assert (last.policy, last.state.value) == ("screen", "succeeded")
    assert last.review_state == "pending"  # new content: the office reviews it
    (entry,) = policy_audits(db, lecture)
    assert entry.after == {
        "media_policy": "screen",
        "job": last.id,
        "upload": new_upload,
    }


def test_the_live_recording_is_redone_never_a_rejected_version(
    client, create_course, create_user, api_token, auth, clips, db
):
    course = create_course(durations=(60.0,))
    (lecture,) = course.lectures
    lecturer = api_token(course.owner)
    office_user = create_user(role=Role.ADMINISTRATOR)
    office = api_token(office_user)
    live = upload(client, lecture, lecturer, clips["slides"])
    client.post(f"/api/v1/jobs/{live['id']}/approve", headers=office)
    rejected = upload(client, lecture, lecturer, clips["camera"])
    response = client.post(
        f"/api/v1/jobs/{rejected['id']}/reject", headers=office, json={"comment": "no"}
    )
    assert response.status_code == 200, response.json

    auth.login(office_user.login)
    choose(client, auth, course, lecture, "screen")
    db.session.expire_all()
    last = jobs_of(db, lecture)[-1]
    live_upload = db.session.get(TranscodeJob, live["id"]).upload_id
    # The recording learners see gets the new ladder, published as before
    # (the same content); the rejected one stays rejected.
    assert (last.upload_id, last.policy, last.state.value) == (
        live_upload,
        "screen",
        "succeeded",
    )
    assert last.review_state is None
    assert db.session.get(TranscodeJob, rejected["id"]).review_state == "rejected"


def test_the_cli_follows_the_same_rules_as_the_office(
    client, create_course, create_user, api_token, clips, db, runner
):
    """`media retranscode --all` redid each lecture's newest succeeded job: a
    rejected version came back for review while the live one kept its ladder."""
    course = create_course(durations=(60.0,))
    (lecture,) = course.lectures
    lecturer = api_token(course.owner)
    office = api_token(create_user(role=Role.ADMINISTRATOR))
    live = upload(client, lecture, lecturer, clips["slides"])
    client.post(f"/api/v1/jobs/{live['id']}/approve", headers=office)
    rejected = upload(client, lecture, lecturer, clips["camera"])
    client.post(
        f"/api/v1/jobs/{rejected['id']}/reject", headers=office, json={"comment": "no"}
    )

    result = runner.invoke(
        args=[
            "media",
            "retranscode",
            "--lecture",
            str(lecture.id),
            "--policy",
            "screen",
        ]
    )
    assert "Queued 1 transcode jobs." in result.output, result.output
    db.session.expire_all()
    last = jobs_of(db, lecture)[-1]
    live_upload = db.session.get(TranscodeJob, live["id"]).upload_id
    assert (last.upload_id, last.policy, last.state.value) == (
        live_upload,
        "screen",
        "succeeded",
    )
    assert db.session.get(TranscodeJob, rejected["id"]).review_state == "rejected"


def test_a_version_awaiting_review_is_redone_and_waits_again(
    client, create_course, create_user, api_token, auth, clips, db
):
    course = create_course(durations=(60.0,))
    (lecture,) = course.lectures
    lecturer = api_token(course.owner)
    office_user = create_user(role=Role.ADMINISTRATOR)
    live = upload(client, lecture, lecturer, clips["slides"])
    client.post(f"/api/v1/jobs/{live['id']}/approve", headers=api_token(office_user))
    waiting = upload(client, lecture, lecturer, clips["camera"])

    auth.login(office_user.login)
    choose(client, auth, course, lecture, "screen")
    db.session.expire_all()
    last = jobs_of(db, lecture)[-1]
    assert last.upload_id == db.session.get(TranscodeJob, waiting["id"]).upload_id
    assert (last.policy, last.review_state) == ("screen", "pending")
    assert db.session.get(TranscodeJob, waiting["id"]).review_state == "superseded"


def test_repeated_posts_start_one_transcode_and_each_one_is_audited(
    client, create_course, create_user, api_token, auth, clips, db, monkeypatch
):
    import lms.learning.teach as teach

    course = create_course(durations=(60.0,))
    (lecture,) = course.lectures
    office_user = create_user(role=Role.ADMINISTRATOR)
    upload(client, lecture, api_token(course.owner), clips["slides"])
    auth.login(office_user.login)
    choose(client, auth, course, lecture, "screen")  # transcoded at once
    monkeypatch.setattr(teach, "enqueue", lambda job: None)  # workers busy
    pages = [choose(client, auth, course, lecture, "screen") for _ in range(20)]
    db.session.expire_all()
    jobs = jobs_of(db, lecture)
    # The first repeat transcodes the recording again (asked for, audited);
    # the 19 others find that job waiting with the same ladder and do nothing.
    assert [j.state.value for j in jobs] == ["succeeded", "succeeded", "pending"]
    assert all("nothing was started again" in page for page in pages[1:])
    first, again = policy_audits(db, lecture)
    assert first.after["job"] == jobs[1].id and again.after["job"] == jobs[2].id
    assert again.before == {"media_policy": "screen"}


def test_a_choice_reaches_the_first_uploads_waiting_job(
    client, create_course, create_user, api_token, auth, clips, db, monkeypatch
):
    course = create_course(durations=(60.0,))
    (lecture,) = course.lectures
    office_user = create_user(role=Role.ADMINISTRATOR)
    waiting = put_waiting(
        client, lecture, api_token(course.owner), clips["slides"], monkeypatch
    )
    auth.login(office_user.login)
    page = choose(client, auth, course, lecture, "screen")
    assert "transcoded again with the chosen ladder" in page
    db.session.expire_all()
    first, last = jobs_of(db, lecture)
    assert first.id == waiting["id"] and first.state.value == "cancelled"
    assert (last.upload_id, last.policy, last.used_policy) == (
        first.upload_id,
        "screen",
        "screen",
    )
    assert last.state.value == "succeeded"


def test_a_kept_course_ladder_is_not_called_the_office_choice_for_the_lecture(
    client, create_course, api_token, auth, clips, db
):
    course = create_course(durations=(60.0,))
    course.media_policy = "lecture"  # an approved course's kept default
    db.session.commit()
    (lecture,) = course.lectures
    upload(client, lecture, api_token(course.owner), clips["slides"])
    auth.login(course.owner.login)
    page = client.get(f"/teach/courses/{course.id}").get_data(as_text=True)
    assert "chosen by the CME office" not in page
    assert "(the course's ladder)" in page
