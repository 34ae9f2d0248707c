"""axe-core in Chromium over every page a person uses, in Chinese and English: no
serious or critical violation (issue 11 bug 12).

axe-core comes from npm (tests/browser/vendor/axe-core, test-only, never served). The
app's Content-Security-Policy (script-src 'self') refuses injected scripts, so these
contexts alone bypass it (Playwright's ``bypass_csp``); every other browser test
runs under the real policy.
"""

import random
import re
from pathlib import Path

import pytest
from playwright.sync_api import expect

from certificates import operations as cert_ops
from certificates.keys import current_issuer
from courses import operations as course_ops
from courses.models import LectureProgress
from courses.queries import get_enrolment
from courses.sessions import live_questions
from courses.sessions.models import ScheduledSession
from lms.accounts.models import User
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.reports import summaries
from tests.browser.test_room_in_browser import build_room
from tests.browser.test_session_credits_in_browser import build_credited_session
from tests.browser.test_session_pages_in_browser import build_session_pages
from tests.builders import PASSWORD, build_scene, complete_course
from tests.conftest import sample_questions, unique

AXE = Path(__file__).resolve().parent / "vendor" / "axe-core" / "axe.min.js"
SERIOUS = ("serious", "critical")
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => ({id: v.id, impact: v.impact, help: v.help,
                  nodes: v.nodes.slice(0, 4).map((n) => n.target.join(" "))}));
}"""


def axe_violations(page):
    """The page's serious and critical axe-core violations."""
    page.add_script_tag(path=str(AXE))
    return page.evaluate(RUN_AXE)


def build_everything():
    """One of each thing a page shows: a published course with a learner who
    finished it (certificate issued), one who may take the post-test, a submitted
    course waiting for the office, a coordinator."""
    scene = build_scene(durations=(3 * 3600.0,), learners=2, enrol=True)
    done, testing = scene.learners
    complete_course(scene.course, done)
    certificate = cert_ops.issue_certificate(
        get_enrolment(scene.course.id, done.id), current_issuer(), utcnow()
    )
    for lecture in scene.course.lectures:
        db.session.add(
            LectureProgress(
                user_id=testing.id,
                lecture_id=lecture.id,
                coverage=[[0.0, lecture.duration_seconds]],
                covered_seconds=lecture.duration_seconds,
                completed_dt=utcnow(),
                updated_dt=utcnow(),
            )
        )
    enrolment = get_enrolment(scene.course.id, testing.id)
    course_ops.open_attempt(enrolment, random.Random(2), utcnow())
    submitted = course_ops.create_course(
        scene.lecturer, title_zh=f"待审核课程{unique('')}", specialty="nursing"
    )
    lecture = course_ops.add_lecture(
        submitted, scene.lecturer, title_zh="第一讲", duration_seconds=600.0
    )
    lecture.media_status = "ready"
    course_ops.add_question(submitted, scene.lecturer, **sample_questions(1)[0])
    course_ops.change_course_status(submitted, scene.lecturer, "submit", utcnow())
    draft = course_ops.create_course(
        scene.lecturer, title_zh=f"草稿课程{unique('')}", specialty="nursing"
    )
    draft_lecture = course_ops.add_lecture(
        draft, scene.lecturer, title_zh="草稿第一讲", duration_seconds=600.0
    )
    draft_question = course_ops.add_question(
        draft, scene.lecturer, **sample_questions(1)[0]
    )
    coordinator = create_user(
        login=f"{unique('coord')}@example.cn",
        name="赵协调",
        password=PASSWORD,
        role=Role.SITE_COORDINATOR,
        hospital=scene.hospital,
    )
    db.session.flush()
    credited, hospital_id = build_credited_session(scene.hospital, scene.admin)
    room = build_room()  # a session under way with a booked room
    # A viewer's question waiting on the hosts' moderation page.
    live_questions.ask_question(
        db.session.get(ScheduledSession, room["session"]),
        db.session.get(User, room["learner_id"]),
        "溶栓的时间窗是多少？",
        utcnow(),
    )
    sessions = build_session_pages(
        venue=scene.hospital,
        lecturer=scene.lecturer,
        coordinator=coordinator,
        learner=done,
    )
    course, lecture_id = scene.course, scene.course.lectures[0].id
    return {
        None: [
            "/",
            "/courses/",
            "/courses/?q=卒中",
            f"/courses/{course.id}",
            "/login",
            "/register",
            "/password/forgot",
            "/verify",
            f"/verify/{certificate.serial}",
        ],
        done.login: [
            "/dashboard",
            "/credits",
            f"/courses/{course.id}",
            f"/courses/lectures/{lecture_id}",
            f"/courses/{course.id}/evaluation",
            f"/courses/{course.id}/post-test/review",
            "/notifications/",
            "/profile",
            "/profile/hospital",
            f"/sessions/{sessions['open']}",
            f"/sessions/{sessions['open']}/watch",
            "/calendar",
            "/calendar?view=week",
            "/calendar?view=list",
            "/calendar/feeds",
        ],
        testing.login: [f"/courses/{course.id}/post-test", "/dashboard"],
        scene.lecturer.login: [
            "/dashboard",
            "/teach/courses/new",
            "/sessions/new",
            f"/sessions/{sessions['open']}/edit",
            f"/sessions/{sessions['planned']}",
            f"/teach/courses/{course.id}",
            f"/teach/courses/{course.id}/feedback",
            f"/teach/courses/{submitted.id}",
            f"/teach/courses/{draft.id}",
            f"/teach/courses/{draft.id}/questions/import",
            f"/teach/lectures/{draft_lecture.id}/edit",
            f"/teach/questions/{draft_question.id}/edit",
            "/reports/my-teaching",
        ],
        coordinator.login: [
            "/dashboard",
            "/credits/staff",
            "/credits/attendance",
            "/credits/attendance/history",
            "/hospital/bookings",
            f"/sessions/{sessions['open']}",
            "/calendar?show=hospital",
            "/calendar/feeds",
            "/credits",
            f"/sessions/{credited}/attendance",
            f"/hospitals/{hospital_id}/attendance",
            "/reports/my-hospital",
        ],
        room["coordinator"]: [
            f"/sessions/{room['session']}/room",
            f"/sessions/{room['session']}/roster",
        ],
        room["learner"]: [f"/sessions/{room['session']}/here"],
        scene.admin.login: [
            "/dashboard",
            "/admin/courses/",
            f"/admin/courses/{submitted.id}",
            "/admin/credits/",
            f"/admin/credits/courses/{course.id}",
            f"/admin/credits/people/{done.id}",
            "/admin/credits/rule-sets",
            "/admin/credits/seals",
            "/admin/users/",
            f"/admin/users/{done.id}",
            "/admin/users/hospital-changes",
            "/admin/hospitals/",
            f"/admin/hospitals/{scene.hospital.id}",
            f"/admin/hospitals/{scene.hospital.id}/staff",
            "/admin/hospitals/import",
            "/admin/hospitals/new",
            "/admin/audit/",
            "/notifications/",
            "/office/sessions",
            "/office/visits",
            f"/office/visits/{sessions['visit']}/schedule",
            f"/sessions/{sessions['planned']}",
            f"/sessions/{credited}/attendance",
            f"/sessions/{room['session']}/questions",
            f"/reports/hospitals/{scene.hospital.id}",
            f"/reports/lecturers/{scene.lecturer.id}",
            "/reports/courses",
            "/reports/",
            "/reports/?province=51",
        ],
    }


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_no_page_has_serious_accessibility_violations(
    browser, live_server, committed, screenshot, locale
):
    pages = committed(build_everything)
    committed(summaries.refresh_pending)  # the report pages show figures, not zeros
    found = {}
    for login, urls in pages.items():
        context = browser.new_context(
            base_url=live_server, locale=locale, bypass_csp=True
        )
        context.set_default_timeout(15_000)
        page = context.new_page()
        if login:
            sign_in(page, login)
        for url in urls:
            response = page.goto(url)
            assert response.status < 400, (url, response.status)
            if violations := axe_violations(page):
                found[f"{login or 'visitor'} {url}"] = violations
        context.close()
    report = "\n".join(
        f"{where}: {v['impact']} {v['id']} ({v['help']}) at {v['nodes']}"
        for where, violations in found.items()
        for v in violations
    )
    assert not found, report
