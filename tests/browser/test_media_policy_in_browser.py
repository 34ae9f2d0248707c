"""The office sees what the analysis found in a lecture's recording on the course
page and gives the lecture another ladder there (Chromium, desktop)."""

import io
import re

from playwright.sync_api import expect

from lms.db import utcnow
from media_pipeline import operations as media_ops
from media_pipeline.storage import Storage
from media_pipeline.tasks import transcode_job
from tests.builders import PASSWORD, build_scene
from tests.media.content_clips import make_grainy_camera


def test_the_office_sees_the_detected_picture_and_overrides_the_ladder(
    app, new_page, screenshot, committed, tmp_path
):
    clip = make_grainy_camera(tmp_path / "surgery.mp4").read_bytes()

    def build():
        scene = build_scene(durations=(1800.0,), questions=1)
        course, lecture = scene.course, scene.course.lectures[0]
        course.status = "draft"  # a draft's recording needs no review
        upload = media_ops.start_upload(
            lecture,
            scene.lecturer,
            filename="surgery.mp4",
            size=len(clip),
            max_bytes=len(clip),
        )
        job = media_ops.receive_chunk(
            upload,
            0,
            io.BytesIO(clip),
            Storage(app.config["MEDIA_DIR"]),
            utcnow(),
            chunk_limit=len(clip),
        )
        return course.id, lecture.id, job.id, scene.admin.login

    course_id, lecture_id, job_id, admin = committed(build)
    committed(transcode_job, job_id)

    page = new_page(locale="en-US")
    page.goto("/login")
    page.fill("#login", admin)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto(f"/teach/courses/{course_id}")
    box = page.locator(f"#media-policy-{lecture_id}")
    expect(box.locator(".content-class")).to_have_text("Camera")
    expect(box).to_contain_text("chosen automatically")
    screenshot(page, "media-policy-detected-desktop")

    box.locator("select").select_option("lecture")
    box.locator("button[type=submit]").click()
    expect(page.locator(".flash, .flashes, [role=alert]").first).to_contain_text(
        "transcoded again"
    )
    box = page.locator(f"#media-policy-{lecture_id}")
    expect(box).to_contain_text("chosen by the CME office")
    expect(box.locator(".content-class")).to_have_count(0)
    expect(box.locator("select")).to_have_value("lecture")
    screenshot(page, "media-policy-overridden-desktop")
