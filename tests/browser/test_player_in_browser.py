"""The lecture plays through hls.js in Chromium, changes quality, and its
heartbeats reach the server."""

import io
import re

import pytest
from playwright.sync_api import expect

from courses import operations as course_ops
from courses.workflow import CourseStatus
from lms.accounts.models import User
from lms.db import db, utcnow
from media_pipeline import operations as media_ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import ReviewState
from media_pipeline.storage import Storage
from media_pipeline.tasks import transcode_job
from tests.builders import PASSWORD, build_scene
from tests.media.clips import make_clip


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("player") / "lecture.mp4"
    return make_clip(path, seconds=12, size="854x480").read_bytes()


def published_lecture(app, committed, clip):
    def build():
        # Half an hour declared, so the office can approve the course; the
        # recording's own 12 s replace it when its media is approved.
        scene = build_scene(durations=(1800.0,))
        lecture = scene.course.lectures[0]
        learner = scene.learners[0]
        course_ops.enrol(scene.course, learner, utcnow())
        upload = media_ops.start_upload(
            lecture,
            scene.lecturer,
            filename="lecture.mp4",
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
        return lecture.id, learner.login, job.id, scene.admin.id

    lecture_id, login, job_id, admin_id = committed(build)
    committed(transcode_job, job_id)  # the queue runs in-process in tests

    def approve():
        """The course is published: its new recording waits for the office."""
        job = db.session.get(TranscodeJob, job_id)
        if job.review_state == ReviewState.PENDING:
            media_ops.approve_version(
                job,
                db.session.get(User, admin_id),
                utcnow(),
                Storage(app.config["MEDIA_DIR"]),
            )

    committed(approve)
    return lecture_id, login


def test_a_learner_plays_a_lecture_changes_quality_and_progress_is_saved(
    app, new_page, screenshot, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)
    page = new_page(locale="zh-CN")
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))

    page.goto(f"/courses/lectures/{lecture_id}")
    page.wait_for_function("() => window.telecmePlayer")
    page.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    page.wait_for_function(
        "() => window.telecmePlayer.hls()"
        " && window.telecmePlayer.hls().levels.length === 3"
    )
    # The master lists an audio-only variant last, for other clients; hls.js
    # leaves it out, so it never picks it over video and the menu has no "0p".
    master = page.request.get(page.evaluate("window.telecmePlayer.hls().url")).text()
    assert master.rstrip().endswith('CODECS="mp4a.40.2"\naudio/index.m3u8')
    assert page.evaluate(
        "window.telecmePlayer.hls().levels.every(l => l.height > 0 && l.videoCodec)"
    )
    options = page.locator("select[name=quality] option").all_inner_texts()
    assert [o for o in options if o.endswith("p")] == ["240p", "360p", "480p"]
    page.wait_for_function("() => window.telecmePlayer.video.currentTime > 1.5")
    screenshot(page, "player-zh-CN")

    # The lowest rung by hand (hls.js orders levels by bitrate): it switches to it.
    page.select_option("select[name=quality]", label="240p")
    page.wait_for_function(
        "() => { const h = window.telecmePlayer.hls();"
        " return h.currentLevel >= 0 && h.levels[h.currentLevel].height === 240; }"
    )
    before = page.evaluate("window.telecmePlayer.video.currentTime")
    page.wait_for_function(
        f"() => window.telecmePlayer.video.currentTime > {before + 1}"
    )

    # A heartbeat reaches the server and the page shows the covered share.
    page.evaluate("window.telecmePlayer.beat()")
    expect(page.locator(".player-progress")).not_to_have_text(
        re.compile(r"^已观看 0%$"), timeout=10_000
    )
    covered = float(page.locator("#player").get_attribute("data-covered") or 0)
    assert covered > 1.0

    # The link drops: the beat waits in localStorage and goes out when it returns.
    key = f"telecme-beats-{lecture_id}"
    page.context.set_offline(True)
    page.wait_for_function("() => window.telecmePlayer.video.currentTime > 0")
    played = page.evaluate("window.telecmePlayer.video.currentTime")
    page.wait_for_function(
        f"() => window.telecmePlayer.video.currentTime > {played + 1}"
    )
    page.evaluate("window.telecmePlayer.beat()")
    page.wait_for_function(
        f"() => JSON.parse(localStorage.getItem('{key}') || '[]').length > 0"
    )
    page.context.set_offline(False)
    page.evaluate("window.dispatchEvent(new Event('online'))")
    page.wait_for_function(
        f"() => JSON.parse(localStorage.getItem('{key}') || '[]').length === 0"
    )
    page.wait_for_function(
        f"() => Number(document.querySelector('#player').dataset.covered) > {covered}"
    )

    page.select_option("select[name=quality]", "audio")
    page.wait_for_function(
        "() => window.telecmePlayer.hls().url.endsWith('audio/index.m3u8')"
    )
    page.evaluate("window.telecmePlayer.video.play()")
    at = page.evaluate("window.telecmePlayer.video.currentTime")
    page.wait_for_function(f"() => window.telecmePlayer.video.currentTime > {at + 0.5}")
    screenshot(page, "player-audio-only-zh-CN")


def test_a_lecturer_uploads_a_recording_and_watches_it_become_ready(
    new_page, screenshot, committed, clip, tmp_path
):
    def build():
        scene = build_scene(durations=(12.0,))
        # A draft: its recording goes live without the office's review
        # (tests/browser/test_media_review_in_browser.py has the published case).
        scene.course.status = CourseStatus.DRAFT
        return scene.course.id, scene.course.lectures[0].id, scene.lecturer.login

    course_id, lecture_id, login = committed(build)
    recording = tmp_path / "讲座 录像.mp4"
    recording.write_bytes(clip)
    page = new_page(locale="zh-CN")
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    page.goto(f"/teach/courses/{course_id}")
    form = page.locator("form.upload").first
    form.locator("input[type=file]").set_input_files(str(recording))
    form.get_by_role("button", name="上传").click()
    expect(form).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(form.locator(".upload-status")).to_have_text("转码完成，可以播放。")
    screenshot(page, "lecturer-upload-zh-CN")
    page.reload()
    page.get_by_role("link", name=re.compile("^▶ 第1讲")).click()
    expect(page).to_have_url(re.compile(rf"/courses/lectures/{lecture_id}$"))
    page.wait_for_function("() => window.telecmePlayer")
    page.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    page.wait_for_function(
        "() => window.telecmePlayer.hls()"
        " && window.telecmePlayer.hls().levels.length === 3"
    )


def test_a_second_device_takes_over_and_the_first_says_it_no_longer_counts(
    app, new_page, screenshot, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)
    first, second = new_page(locale="en"), new_page(locale="en")  # two devices
    for page in (first, second):
        page.goto("/login")
        page.fill("#login", login)
        page.fill("#password", PASSWORD)
        page.locator("main form button[type=submit]").click()
        expect(page).to_have_url(re.compile(r"/dashboard$"))
        page.goto(f"/courses/lectures/{lecture_id}")
        page.wait_for_function(
            "() => window.telecmePlayer && window.telecmePlayer.session()"
        )

    def watch_a_second(page):
        """Play on (from the start when the 12 s clip is over) for a second."""
        page.evaluate(
            "() => { const v = window.telecmePlayer.video; v.muted = true;"
            " if (v.ended || v.currentTime > 9) v.currentTime = 0; v.play(); }"
        )
        at = page.evaluate("window.telecmePlayer.video.currentTime")
        page.wait_for_function(
            f"() => window.telecmePlayer.video.currentTime > {at + 1}"
        )

    takeover = first.locator(".player-takeover")
    # The second device opened the lecture last; the first starts over, so it
    # counts (a new play session for each opening of the page).
    first.reload()
    first.wait_for_function("() => window.telecmePlayer.session()")
    watch_a_second(first)
    first.evaluate("window.telecmePlayer.beat()")
    first.wait_for_function(
        "() => Number(document.querySelector('#player').dataset.covered) > 1"
    )
    expect(takeover).to_be_hidden()

    # The second device takes over: it counts now, and the first stops counting.
    second.reload()
    second.wait_for_function("() => window.telecmePlayer.session()")
    watch_a_second(first)
    first.evaluate("window.telecmePlayer.beat()")
    expect(takeover).to_be_visible()
    expect(takeover).to_contain_text(
        "Playing on another tab or device; this one no longer counts."
    )
    assert first.evaluate("window.telecmePlayer.video.paused")
    assert first.evaluate("window.telecmePlayer.session()") is None
    screenshot(first, "player-taken-over-en")

    # "Count my watching here" starts a new play session: the first counts again,
    # and now the second is told.
    takeover.get_by_role("button", name="Count my watching here").click()
    expect(takeover).to_be_hidden()
    first.wait_for_function("() => window.telecmePlayer.session() !== null")
    watch_a_second(first)
    with first.expect_response(lambda r: r.url.endswith("/progress")) as counted:
        first.evaluate("window.telecmePlayer.beat()")
    assert counted.value.status == 200 and counted.value.json()["accepted"]
    watch_a_second(second)
    second.evaluate("window.telecmePlayer.beat()")
    expect(second.locator(".player-takeover")).to_be_visible()
