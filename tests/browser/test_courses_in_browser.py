"""Enrolment, post-test and evaluation in Chromium, in Chinese."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from courses import operations as ops
from lms.db import utcnow
from tests.builders import PASSWORD, build_scene
from tests.media.clips import make_clip


def make_course(committed):
    def build():
        scene = build_scene(durations=(120.0, 120.0), questions=3)
        return (
            scene.course.id,
            scene.learners[0].id,
            scene.learners[0].login,
            scene.lecturer.login,
            scene.admin.login,
        )

    return committed(build)


def watch_all(committed, course_id, learner_id):
    def watch():
        from courses.models import Course
        from lms.accounts.models import User
        from lms.db import db

        course = db.session.get(Course, course_id)
        learner = db.session.get(User, learner_id)
        start = utcnow() - timedelta(hours=1)
        for lecture in course.lectures:
            session, _ = ops.start_play_session(learner, lecture, start)
            end = start + timedelta(seconds=lecture.duration_seconds)
            ops.record_heartbeat(
                learner, lecture, session.token, 1, [[0, lecture.duration_seconds]], end
            )
            start = end

    committed(watch)


def enrol(course_id, learner_id):
    from courses.models import Course
    from lms.accounts.models import User
    from lms.db import db

    ops.enrol(
        db.session.get(Course, course_id), db.session.get(User, learner_id), utcnow()
    )


def sign_in(page, login, password):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_a_learner_enrols_passes_the_post_test_and_evaluates(
    new_page, screenshot, committed
):
    course_id, learner_id, login, _, _ = make_course(committed)
    page = new_page(locale="zh-CN")
    sign_in(page, login, PASSWORD)

    page.get_by_role("link", name="课程", exact=True).click()
    page.locator(f"a[href='/courses/{course_id}']").click()
    screenshot(page, "course-before-enrol-zh-CN")
    page.get_by_role("button", name="报名").click()
    expect(page.locator(".flash-success")).to_contain_text("报名成功")
    expect(page.locator(".steps li.current")).to_have_text("观看课程")

    watch_all(committed, course_id, learner_id)
    page.reload()
    expect(page.locator(".lectures small").first).to_contain_text("100%")
    screenshot(page, "course-watched-zh-CN")
    page.get_by_role("link", name="参加课后测试").click()
    page.locator("form[action$='/post-test/start'] button").click()  # a POST

    # First attempt: every answer wrong.
    questions = page.locator("fieldset.question")
    expect(questions).to_have_count(3)
    screenshot(page, "post-test-zh-CN")
    for i in range(3):
        questions.nth(i).locator("label.choice", has_not_text="对").first.click()
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("h1")).to_have_text("本次未通过")
    expect(page.get_by_text("剩余测试次数：2")).to_be_visible()
    page.get_by_role("link", name="再试一次").click()
    page.locator("form[action$='/post-test/start'] button").click()

    # Second attempt: every answer right (options are shuffled; find them by text).
    for i in range(3):
        page.locator("fieldset.question").nth(i).locator(
            "label.choice", has_text=re.compile(r"^\s*对\s*$")
        ).click()
    page.get_by_role("button", name="提交答案").click()
    expect(page.locator("h1")).to_have_text("恭喜通过！")
    screenshot(page, "post-test-passed-zh-CN")

    page.get_by_role("link", name="填写课程评价").click()
    for legend in ("课程质量", "授课专家", "与日常工作的相关性"):
        page.locator("fieldset.rating", has_text=legend).locator(
            "label", has_text="5"
        ).click()
    page.fill("#comments", "内容实用，适合基层。")
    screenshot(page, "evaluation-zh-CN")
    page.get_by_role("button", name="提交评价").click()
    expect(page.locator(".flash-success").first).to_contain_text("您已完成该课程")
    expect(page.locator(".steps li.done")).to_have_count(3)
    screenshot(page, "course-complete-zh-CN")

    page.get_by_role("link", name="工作台").click()
    expect(page.locator(".my-course .badge").first).to_have_text("已完成")
    screenshot(page, "dashboard-learner-courses-zh-CN")


def test_lecturer_and_office_pages(new_page, screenshot, committed, tmp_path):
    course_id, learner_id, _, lecturer_login, admin_login = make_course(committed)
    committed(enrol, course_id, learner_id)
    watch_all(committed, course_id, learner_id)

    page = new_page(locale="zh-CN")
    sign_in(page, lecturer_login, PASSWORD)
    page.locator(f"a[href='/teach/courses/{course_id}']").click()
    expect(page.locator(".retention").first.locator("span")).to_have_count(20)
    screenshot(page, "teach-course-zh-CN")

    page.goto("/teach/courses/new")
    page.fill("#title_zh", "社区获得性肺炎")
    page.select_option("#specialty", "respiratory")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_contain_text("课程已创建")
    page.fill("#lecture-title_zh", "抗菌药物选择")
    page.fill("#lecture-duration_minutes", "30")
    page.get_by_role("button", name="添加讲次").click()
    page.fill("#question-text_zh", "首选经验治疗药物？")
    page.fill("#question-option_1", "阿莫西林")
    page.check("#question-correct_1")
    page.fill("#question-option_2", "万古霉素")
    page.get_by_role("button", name="添加测试题").click()
    # Only a lecture with a ready recording counts: upload it, wait for the ladder.
    recording = make_clip(tmp_path / "抗菌药物选择.mp4", seconds=3, size="320x180")
    upload = page.locator("form.upload").first
    upload.locator("input[type=file]").set_input_files(str(recording))
    upload.get_by_role("button", name="上传").click()
    expect(upload).to_have_attribute("data-state", "ready", timeout=60_000)
    page.get_by_role("button", name="提交审核").click()
    expect(page.locator(".heading-row .badge")).to_have_text("待审核")

    office = new_page(locale="zh-CN")
    sign_in(office, admin_login, PASSWORD)
    office.get_by_role("link", name="课程审核").click()
    office.get_by_role("link", name="社区获得性肺炎").first.click()
    screenshot(office, "review-course-zh-CN")
    office.fill("#approve-project_number", "2026-05-01-001")
    office.get_by_role("button", name="通过并发布").click()
    expect(office.locator(".flash-success")).to_contain_text("审核通过")
