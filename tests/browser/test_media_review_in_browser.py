"""In Chromium: a lecturer's new recording for a published course waits for the
office, who previews and approves it; a course whose lectures have no ready
recording says so on the lecturer's page."""

import re

import pytest
from playwright.sync_api import expect

from lms.db import db
from media_pipeline.models import TranscodeJob
from media_pipeline.states import MediaStatus, ReviewState
from tests.builders import PASSWORD, build_scene
from tests.media.clips import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("review") / "lecture.mp4"
    return make_clip(path, seconds=6, size="640x360").read_bytes()


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_a_new_recording_waits_for_the_office_who_previews_and_approves_it(
    app, new_page, screenshot, committed, clip, tmp_path
):
    def build():
        scene = build_scene(durations=(12.0,))
        return (
            scene.course.id,
            scene.course.lectures[0].id,
            scene.lecturer.login,
            scene.admin.login,
        )

    course_id, lecture_id, lecturer, admin = committed(build)
    recording = tmp_path / "第1讲 新录像.mp4"
    recording.write_bytes(clip)
    page = new_page(locale="en")
    checksums = []
    page.on(
        "request",
        lambda r: (
            r.method == "PATCH"
            and checksums.append(
                (
                    r.url,
                    r.headers.get("tus-resumable"),
                    r.headers.get("upload-checksum"),
                )
            )
        ),
    )
    sign_in(page, lecturer)
    page.goto(f"/teach/courses/{course_id}")
    expect(page.locator("#media-review-note")).to_be_visible()
    form = page.locator("form.upload").first
    form.locator("input[type=file]").set_input_files(str(recording))
    form.get_by_role("button", name="Upload").click()
    expect(form).to_have_attribute("data-state", "review", timeout=60_000)
    expect(form.locator(".upload-status")).to_contain_text("review")
    # tus 1.0 through tus-js-client, each chunk with its SHA-256.
    assert checksums and all(
        "/api/v1/tus-uploads/" in url and tus == "1.0.0" and c.startswith("sha256 ")
        for url, tus, c in checksums
    ), checksums
    screenshot(page, "lecturer-upload-waits-for-review-en")

    office = new_page(locale="en")
    sign_in(office, admin)
    office.goto("/admin/courses/")
    office.locator("#media-reviews + p + .table-wrap a").first.click()
    expect(office).to_have_url(re.compile(r"/admin/courses/media/\d+$"))
    office.wait_for_function(
        "() => document.querySelector('video.preview').readyState >= 1"
    )
    screenshot(office, "office-reviews-a-new-recording-en")
    office.get_by_role("button", name=re.compile("^Approve")).click()
    expect(office).to_have_url(re.compile(r"/admin/courses/$"))
    expect(office.locator(".flash-success")).to_be_visible()

    def state():
        job = db.session.scalar(
            db.select(TranscodeJob).filter_by(lecture_id=lecture_id)
        )
        return job.review_state, job.upload.sha256 is not None

    assert committed(state) == (ReviewState.APPROVED, True)


def test_a_lecturer_sees_which_lectures_keep_the_course_from_being_submitted(
    new_page, screenshot, committed
):
    def build():
        scene = build_scene(durations=(600.0, 900.0))
        course = scene.course
        course.status = "draft"
        course.lectures[1].media_status = MediaStatus.PROCESSING
        return course.id, scene.lecturer.login

    course_id, lecturer = committed(build)
    page = new_page(locale="en")
    sign_in(page, lecturer)
    page.goto(f"/teach/courses/{course_id}")
    notice = page.locator("#lectures-not-ready")
    expect(notice).to_contain_text("第2讲")
    page.get_by_role("button", name="Submit for approval").click()
    expect(page.locator(".flash-error").first).to_be_visible()
    expect(
        page.get_by_text("Every lecture needs a ready recording first")
    ).to_be_visible()
    screenshot(page, "lecturer-course-not-ready-en")
