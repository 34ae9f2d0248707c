"""Issue 11's bugs in Chromium, in Chinese, on a desktop and a phone (390x844): the
player keeps its speed and rung, the post-test asks before an unanswered question
burns an attempt, the course form shows its stored values and its errors first,
registration's hospital list filters, and a phone shows the credits table and one
search box."""

import re

from playwright.sync_api import expect

from lms.db import db
from tests.browser.test_player_in_browser import clip, published_lecture
from tests.builders import PASSWORD, build_scene

__all__ = ["clip"]  # the module's recording fixture, shared

PHONE = {"width": 390, "height": 844}


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def segments_from(page, since):
    """The rung folders of the media segments fetched after entry ``since``."""
    return page.evaluate(
        """(since) => performance.getEntriesByType("resource").slice(since)
             .map((e) => e.name).filter((n) => /\\.m4s(\\?|$)/.test(n))
             .map((n) => n.split("/").slice(-2)[0])""",
        since,
    )


# --- 4. the player --------------------------------------------------------------


def test_the_player_keeps_speed_and_rung_across_modes_and_visits(
    app, new_page, screenshot, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)
    page = new_page(locale="zh-CN")
    sign_in(page, login)
    page.goto(f"/courses/lectures/{lecture_id}")
    player = "window.telecmePlayer"
    page.wait_for_function(f"() => {player}")
    page.evaluate(f"() => {{ const v = {player}.video; v.muted = true; v.play(); }}")
    page.wait_for_function(f"() => {player}.hls() && {player}.hls().levels.length")

    # 2x, then audio only: still 2x (a new source reset it to 1x).
    page.select_option("select[name=speed]", "2")
    page.select_option("select[name=quality]", "audio")
    page.wait_for_function(f"() => {player}.video.currentSrc && {player}.hls()")
    page.wait_for_function(f"() => {player}.video.readyState >= 1")
    page.evaluate(f"() => {player}.video.play()")
    assert page.evaluate(f"{player}.video.playbackRate") == 2
    expect(page.locator("select[name=speed]")).to_have_value("2")

    # Audio only, then data saver: only the lowest rung's segments are fetched.
    since = page.evaluate('performance.getEntriesByType("resource").length')
    page.select_option("select[name=quality]", "saver")
    page.wait_for_function(
        f"() => {player}.hls().levels.length === 3 && {player}.video.currentTime > 0"
    )
    page.wait_for_function(
        """(since) => performance.getEntriesByType("resource").slice(since)
             .some((e) => /\\.m4s(\\?|$)/.test(e.name))""",
        arg=since,
    )
    page.evaluate(f"() => {player}.video.play()")
    page.wait_for_timeout(0)
    fetched = set(segments_from(page, since)) - {"audio"}  # the audio rendition
    assert fetched == {"240p"}, fetched
    assert page.evaluate(f"{player}.video.playbackRate") == 2
    screenshot(page, "player-saver-2x-zh-CN")

    # The next visit on this device starts as this person left it.
    page.reload()
    page.wait_for_function(f"() => {player}")
    expect(page.locator("select[name=quality]")).to_have_value("saver")
    expect(page.locator("select[name=speed]")).to_have_value("2")
    assert page.evaluate(f"{player}.video.defaultPlaybackRate") == 2
    keys = page.evaluate("Object.keys(localStorage)")
    assert any(re.fullmatch(r"telecme-player-\d+", k) for k in keys), keys


# --- 3. the post-test -----------------------------------------------------------


def test_the_post_test_asks_before_an_unanswered_question_burns_an_attempt(
    new_page, screenshot, committed
):
    from courses.models import Enrolment, LectureProgress, TestAttempt
    from lms.db import utcnow

    def build():
        scene = build_scene(durations=(600.0,), questions=2, enrol=True)
        learner = scene.learners[0]
        for lecture in scene.course.lectures:
            db.session.add(
                LectureProgress(
                    user_id=learner.id,
                    lecture_id=lecture.id,
                    coverage=[[0.0, lecture.duration_seconds]],
                    covered_seconds=lecture.duration_seconds,
                    completed_dt=utcnow(),
                    updated_dt=utcnow(),
                )
            )
        return scene.course.id, learner.login, learner.id

    course_id, login, learner_id = committed(build)
    for viewport, name in ((None, "desktop"), (PHONE, "phone")):
        page = new_page(locale="zh-CN", **(viewport or {}))
        sign_in(page, login)
        page.goto(f"/courses/{course_id}/post-test")
        if page.locator("form.post-test").count() == 0:
            page.get_by_role("button", name="开始课后测试").click()
        page.locator("fieldset.question").first.get_by_label("对").check()

        dialogs = []

        def dismiss(dialog, seen=dialogs):
            seen.append(dialog.message)
            dialog.dismiss()

        page.once("dialog", dismiss)
        page.get_by_role("button", name="提交答案").click()
        assert dialogs and "2" in dialogs[0] and "1" in dialogs[0], dialogs
        expect(page.locator("fieldset.question.unanswered")).to_have_count(1)
        expect(page).to_have_url(re.compile(r"/post-test$"))
        screenshot(page, f"post-test-unanswered-{name}-zh-CN")

    def attempts():
        return (
            db.session.query(TestAttempt)
            .filter(TestAttempt.submitted_dt.isnot(None))
            .join(Enrolment, Enrolment.id == TestAttempt.enrolment_id)
            .filter(Enrolment.user_id == learner_id)
            .count()
        )

    assert committed(attempts) == 0  # dismissed: nothing submitted, nothing burnt
    page.once("dialog", lambda d: d.accept())
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("main")).to_contain_text("50%")
    assert committed(attempts) == 1


# --- 1. the course form -------------------------------------------------------------


def test_the_course_form_shows_its_values_and_puts_errors_first(
    new_page, screenshot, committed
):
    from courses import operations as ops

    def build():
        scene = build_scene(durations=(600.0,))
        draft = ops.create_course(
            scene.lecturer,
            title_zh="基层静脉治疗",
            specialty="nursing",
            completion_threshold=0.95,
            pass_mark=0.6,
        )
        return draft.id, scene.lecturer.login

    course_id, login = committed(build)
    page = new_page(locale="zh-CN")
    sign_in(page, login)
    page.goto(f"/teach/courses/{course_id}")
    expect(page.locator("#completion_threshold")).to_have_value("95")
    expect(page.locator("#pass_mark")).to_have_value("60")
    page.fill("#pass_mark", "5")
    page.locator("#pass_mark").press("Enter")
    summary = page.locator(".error-summary")
    expect(summary).to_be_visible()
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link")).to_have_count(1)
    expect(page.locator("#pass_mark-error")).to_be_visible()
    screenshot(page, "course-form-errors-zh-CN")
    summary.get_by_role("link").click()
    expect(page).to_have_url(re.compile(r"#pass_mark$"))
    page.fill("#pass_mark", "60")
    page.locator("#pass_mark").press("Enter")
    expect(page.locator(".flash-success")).to_be_visible()


# --- 8. registration --------------------------------------------------------------


def test_registration_filters_hospitals_and_preselects_none(
    new_page, screenshot, committed
):
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital
    from tests.conftest import unique

    def build():
        create_hospital(
            code=unique("R"),
            name_zh="鄂托克旗人民医院",
            tier=Tier.COUNTY,
            province_code="15",
            city="鄂托克旗",
        )
        create_hospital(
            code=unique("R"),
            name_zh="盐边县人民医院",
            tier=Tier.COUNTY,
            province_code="51",
            city="盐边县",
        )

    committed(build)
    page = new_page(locale="zh-CN", **PHONE)
    page.goto("/register")
    expect(page.locator("#hospital_id")).to_have_value("")
    page.fill("#hospital_id-filter", "盐边")
    visible = page.locator("#hospital_id option:not([hidden])")
    expect(visible.filter(has_text="盐边县人民医院")).to_have_count(1)
    expect(visible.filter(has_text="鄂托克旗人民医院")).to_have_count(0)
    expect(page.locator("#hospital_id option:checked")).to_have_text(re.compile("盐边"))
    page.fill("#hospital_id-filter", "内蒙古")  # by province
    expect(visible.filter(has_text="鄂托克旗人民医院")).to_have_count(1)
    screenshot(page, "register-hospital-filter-phone-zh-CN")


# --- 11. phone --------------------------------------------------------------------


def test_a_phone_shows_the_credits_table_readably_and_one_search_box(
    new_page, screenshot, committed
):
    from tests.builders import complete_course

    def build():
        scene = build_scene(durations=(3 * 3600.0,))
        complete_course(scene.course, scene.learners[0])
        return scene.learners[0].login

    login = committed(build)
    page = new_page(locale="zh-CN", **PHONE)
    sign_in(page, login)
    page.goto("/credits")
    widths = page.evaluate(
        """() => [...document.querySelectorAll("table.ledger thead th")]
             .map((th) => th.getBoundingClientRect().width)"""
    )
    assert min(widths) >= 48, widths  # a column is more than a character wide
    wrap = page.locator("table.ledger").locator("xpath=..")
    assert wrap.evaluate("w => w.scrollWidth > w.clientWidth")  # it scrolls sideways
    # Only the table's frame scrolls sideways, never the page.
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    screenshot(page, "transcript-phone-zh-CN")

    page.goto("/courses/?q=卒中")
    expect(page.locator("input[type=search]:visible")).to_have_count(1)
    screenshot(page, "catalog-search-phone-zh-CN")


# --- 5, 6. uploads: the badge follows the job, the reason in Chinese ----------------


def test_an_upload_updates_the_badge_and_says_why_it_failed_in_chinese(
    new_page, screenshot, committed, tmp_path
):
    from courses import operations as ops
    from tests.media.clips import make_clip

    def build():
        scene = build_scene(durations=(600.0,))
        draft = ops.create_course(
            scene.lecturer, title_zh="上传测试课程", specialty="nursing"
        )
        for title in ("好的录像", "坏的文件"):
            ops.add_lecture(draft, scene.lecturer, title_zh=title, duration_seconds=60)
        return draft.id, scene.lecturer.login

    course_id, login = committed(build)
    good = make_clip(tmp_path / "好的录像.mp4", seconds=3, size="320x180")
    junk = tmp_path / "坏的文件.mp4"
    junk.write_bytes(bytes(range(256)) * 64)
    page = new_page(locale="zh-CN")
    sign_in(page, login)
    page.goto(f"/teach/courses/{course_id}")
    first, second = (
        page.locator("form.upload").nth(0),
        page.locator("form.upload").nth(1),
    )
    expect(first.locator(".badge")).to_have_text("尚未上传录像")

    first.locator("input[type=file]").set_input_files(str(good))
    first.get_by_role("button", name="上传").click()
    expect(first).to_have_attribute("data-state", "ready", timeout=60_000)
    expect(first.locator(".badge")).to_have_text("可播放")  # no reload

    second.locator("input[type=file]").set_input_files(str(junk))
    second.get_by_role("button", name="上传").click()
    expect(second).to_have_attribute("data-state", "failed", timeout=60_000)
    expect(second.locator(".upload-status")).to_contain_text("该文件不是可读取的录像。")
    expect(second.locator(".badge")).to_have_text("失败")
    screenshot(page, "upload-badges-zh-CN")
    # After a reload the teaching page still says why, in Chinese.
    page.reload()
    expect(
        page.locator("form.upload").nth(1).locator(".upload-status")
    ).to_contain_text("该文件不是可读取的录像。")
