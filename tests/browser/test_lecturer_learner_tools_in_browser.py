"""The lecturers' and learners' tools in Chromium, in Chinese, on a desktop and a
phone (390x844): a draft's lectures and questions edited and a question bank
imported; continue, the link at a lecture's end, the answers after a pass; a
forgotten password by email; a hospital change request."""

import re
from datetime import timedelta
from pathlib import Path

import pytest
from openpyxl import Workbook
from playwright.sync_api import expect

from courses import operations as ops
from courses.question_sheet import EXAMPLE, HEADERS
from lms.accounts.roles import Role
from lms.db import db, utcnow
from tests.browser.test_player_in_browser import published_lecture
from tests.builders import PASSWORD, build_scene
from tests.media.clips import make_clip
from tests.smtp import SMTPSink

PHONE = {"width": 390, "height": 844}


def sign_in(page, login, password=PASSWORD):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", password)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def draft_course(committed):
    def build():
        from lms.accounts.operations import create_user
        from media_pipeline.states import MediaStatus
        from tests.conftest import sample_questions, unique

        lecturer = create_user(
            login=f"{unique('lec')}@example.cn",
            name="李建国",
            password=PASSWORD,
            role=Role.LECTURER,
            hospital=build_scene().hospital,
        )
        course = ops.create_course(
            lecturer, title_zh="糖尿病足的基层处理", specialty="endocrinology"
        )
        for title in ("筛查与分级", "清创与换药", "转诊指征"):
            lecture = ops.add_lecture(
                course, lecturer, title_zh=title, duration_seconds=600
            )
            lecture.media_status = MediaStatus.READY
        for question in sample_questions(2):
            ops.add_question(course, lecturer, **question)
        return course.id, lecturer.login

    return committed(build)


def question_sheet(path):
    book = Workbook()
    book.active.append(HEADERS)
    book.active.append(EXAMPLE)
    book.active.append(
        (
            "多选",
            "糖尿病足溃疡的危险因素有？",
            "Risk factors of diabetic foot ulcers?",
            "AB",
            "",
            "",
            "周围神经病变",
            "neuropathy",
            "外周动脉病变",
            "arterial disease",
            "近视",
            "myopia",
        )
    )
    book.save(path)
    return path


@pytest.mark.parametrize("viewport", [None, PHONE], ids=["desktop", "phone"])
def test_a_lecturer_edits_a_draft_and_imports_a_question_bank(
    new_page, screenshot, committed, tmp_path, viewport
):
    course_id, login = draft_course(committed)
    page = new_page(locale="zh-CN", **(viewport or {}))
    sign_in(page, login)
    page.goto(f"/teach/courses/{course_id}")
    suffix = "phone" if viewport else "desktop"

    # The third lecture up one place.
    lectures = page.locator("#lectures .lecture-stats")
    lectures.nth(2).locator(".row-tools form:has(input[value=up]) button").click()
    expect(page.locator("#lectures .lecture-row strong").nth(1)).to_contain_text(
        "转诊指征"
    )
    # Rename the first lecture, in both languages.
    page.locator("#lectures .lecture-stats").first.locator(".row-tools a").click()
    page.fill("#title_zh", "糖尿病足的筛查与分级")
    page.fill("#title_en", "Screening and grading")
    screenshot(page, f"teach-lecture-edit-zh-CN-{suffix}")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("#lectures .lecture-row strong").first).to_contain_text(
        "糖尿病足的筛查与分级"
    )
    # Delete the second question (the page asks first).
    page.once("dialog", lambda dialog: dialog.accept())
    page.locator(".question-list > li").nth(1).locator(
        "form.confirm-delete button"
    ).click()
    expect(page.locator(".question-list > li")).to_have_count(1)
    screenshot(page, f"teach-course-tools-zh-CN-{suffix}")

    # A question bank from an Excel sheet: the template downloads, two rows import.
    page.locator(f"a[href='/teach/courses/{course_id}/questions/import']").click()
    with page.expect_download() as download:
        page.locator("a[href$='/questions/template.xlsx']").click()
    assert download.value.suggested_filename == "telecme-questions.xlsx"
    page.set_input_files("#sheet", str(question_sheet(tmp_path / "题库.xlsx")))
    screenshot(page, f"teach-import-zh-CN-{suffix}")
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator(".question-list > li")).to_have_count(3)
    expect(page.locator(".question-list")).to_contain_text("糖尿病足溃疡的危险因素有？")

    # A sheet with a wrong row: nothing imported, the row named.
    bad = Workbook()
    bad.active.append(HEADERS)
    bad.active.append(("单选", "", "", "A", "", "", "甲", "", "乙", ""))
    bad.save(tmp_path / "错.xlsx")
    page.goto(f"/teach/courses/{course_id}/questions/import")
    page.set_input_files("#sheet", str(tmp_path / "错.xlsx"))
    page.locator("main form[enctype] button[type=submit]").click()
    expect(page.locator("#sheet-problems li")).to_have_count(1)
    expect(page.locator("#sheet-problems li")).to_contain_text("2")
    screenshot(page, f"teach-import-errors-zh-CN-{suffix}")

    page.goto(f"/teach/courses/{course_id}/feedback")
    expect(page.locator("#question-stats tbody tr")).to_have_count(3)
    screenshot(page, f"teach-feedback-zh-CN-{suffix}")


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = tmp_path_factory.mktemp("tools") / "lecture.mp4"
    return make_clip(path, seconds=4, size="320x180").read_bytes()


def test_a_learner_continues_reaches_the_post_test_and_sees_the_answers(
    app, new_page, screenshot, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)

    def course_of():
        from courses.models import Lecture

        return db.session.get(Lecture, lecture_id).course_id

    course_id = committed(course_of)
    page = new_page(locale="zh-CN")
    sign_in(page, login)
    page.goto(f"/courses/{course_id}")
    screenshot(page, "course-continue-zh-CN")
    page.locator("#continue").click()
    expect(page).to_have_url(re.compile(rf"/courses/lectures/{lecture_id}$"))

    # Played to its end: the link to the post-test shows.
    page.wait_for_function("() => window.telecmePlayer")
    expect(page.locator(".lecture-next")).to_be_hidden()
    # Nothing loads before play: play, then skip to the last moments.
    page.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    page.wait_for_function("() => window.telecmePlayer.video.duration > 0")
    page.evaluate(
        "() => { const v = window.telecmePlayer.video;"
        " v.currentTime = Math.max(0, v.duration - 0.6); v.play(); }"
    )
    expect(page.locator(".lecture-next")).to_be_visible(timeout=15_000)
    screenshot(page, "lecture-ended-zh-CN")

    def watched():
        from courses.models import Lecture
        from lms.accounts.models import User
        from lms.accounts.queries import get_user_by_login

        lecture = db.session.get(Lecture, lecture_id)
        learner = get_user_by_login(login)
        start = utcnow() - timedelta(hours=2)
        session, _ = ops.start_play_session(learner, lecture, start)
        ops.record_heartbeat(
            learner,
            lecture,
            session.token,
            1,
            [[0, lecture.duration_seconds]],
            utcnow(),
        )
        assert isinstance(learner, User)

    committed(watched)
    page.locator(".lecture-next a").click()
    expect(page).to_have_url(re.compile(rf"/courses/{course_id}/post-test$"))
    page.locator("form[action$='/post-test/start'] button").click()
    page.locator("fieldset.question").first.locator(
        "label.choice", has_text=re.compile(r"^\s*对\s*$")
    ).click()
    page.locator("form.post-test button[type=submit]").click()
    expect(page.locator("#answer-review .right-answer")).to_have_count(1)
    screenshot(page, "post-test-answers-zh-CN")
    phone = new_page(locale="zh-CN", **PHONE)
    sign_in(phone, login)
    phone.goto(f"/courses/{course_id}/post-test/review")
    expect(phone.locator("#answer-review")).to_be_visible()
    screenshot(phone, "post-test-answers-zh-CN-phone")


def test_a_forgotten_password_by_email_and_a_hospital_change(
    app, new_page, screenshot, committed
):
    def people():
        scene = build_scene()
        from lms.hospitals.network import Tier
        from lms.hospitals.operations import create_hospital
        from tests.conftest import unique

        create_hospital(
            code=unique("H"),
            name_zh="乌审旗人民医院",
            tier=Tier.COUNTY,
            province_code="15",
            city="乌审旗",
        )
        return scene.learners[0].login

    login = committed(people)
    with SMTPSink() as smtp:
        saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp.port)
        try:
            page = new_page(locale="zh-CN", **PHONE)
            page.goto("/login")
            page.locator("a[href='/password/forgot']").click()
            page.fill("#login", login)
            screenshot(page, "forgot-password-zh-CN-phone")
            page.locator("main form button[type=submit]").click()
            expect(page.locator("#link-sent")).to_be_visible()
            ((_, _, message),) = smtp.messages
        finally:
            app.config.update(saved)
    body = message.get_body(("plain",)).get_content()
    path = re.search(r"/password/reset/\S+", body).group(0)
    page.goto(path)
    page.fill("#new", "a-new-county-passphrase")
    page.fill("#confirm", "a-new-county-passphrase")
    screenshot(page, "reset-password-zh-CN-phone")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/login$"))
    sign_in(page, login, "a-new-county-passphrase")

    # The learner moved: they ask, the office will confirm.
    desktop = new_page(locale="zh-CN")
    sign_in(desktop, login, "a-new-county-passphrase")
    desktop.goto("/profile")
    desktop.locator("a[href='/profile/hospital']").click()
    desktop.fill("#hospital_id-filter", "乌审")
    desktop.select_option("#hospital_id", label="乌审旗人民医院")
    desktop.fill("#reason", "工作调动")
    screenshot(desktop, "hospital-change-zh-CN")
    desktop.locator("main form button[type=submit]").click()
    expect(desktop.locator("#pending-change")).to_contain_text("乌审旗人民医院")
    screenshot(desktop, "hospital-change-pending-zh-CN")


AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, nodes: v.nodes.slice(0, 3).map((n) => n.target)}));
}"""


def test_the_tools_pages_have_no_serious_axe_violations(
    browser, live_server, committed
):
    """axe-core (npm, test-only) over each new page; only these contexts bypass
    the Content-Security-Policy, to inject it."""
    course_id, lecturer = draft_course(committed)

    def ids():
        from courses.models import Course

        course = db.session.get(Course, course_id)
        scene = build_scene(durations=(120.0,), enrol=True)
        return (
            course.lectures[0].id,
            course.questions[0].id,
            scene.course.id,
            scene.learners[0].login,
        )

    lecture_id, question_id, published_id, learner = committed(ids)
    pages = {
        lecturer: [
            f"/teach/courses/{course_id}",
            f"/teach/lectures/{lecture_id}/edit",
            f"/teach/questions/{question_id}/edit",
            f"/teach/courses/{course_id}/questions/import",
            f"/teach/courses/{course_id}/feedback",
        ],
        learner: [f"/courses/{published_id}", "/profile/hospital"],
        None: ["/password/forgot"],
    }
    found = {}
    for login, paths in pages.items():
        context = browser.new_context(
            base_url=live_server, locale="zh-CN", bypass_csp=True
        )
        page = context.new_page()
        if login:
            sign_in(page, login)
        for path in paths:
            page.goto(path)
            page.add_script_tag(path=str(AXE))
            if violations := page.evaluate(RUN_AXE):
                found[path] = violations
        context.close()
    assert found == {}
