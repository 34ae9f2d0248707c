"""In Chromium, in Chinese: the office approves a course on its page; its
lecturer sees the notice counted in the header, opens it and the count drops;
the office reads the approval in the audit log with before and after. Desktop
and phone screenshots."""

import re

from playwright.sync_api import expect

from courses.workflow import CourseStatus
from lms.audit.models import AuditEntry
from lms.db import db
from lms.notifications.models import Notification
from tests.browser.test_accessibility_in_browser import axe_violations
from tests.builders import PASSWORD, build_scene

PHONE = {"width": 390, "height": 844}


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def axe_checked(browser, live_server, login, path):
    """The page's serious and critical axe-core violations, in a context of its
    own that lets axe's script in (the app's CSP refuses injected scripts)."""
    context = browser.new_context(base_url=live_server, locale="zh-CN", bypass_csp=True)
    try:
        page = context.new_page()
        sign_in(page, login)
        page.goto(path)
        return axe_violations(page)
    finally:
        context.close()


def test_a_lecturer_reads_the_approval_and_the_office_reads_the_log(
    new_page, screenshot, committed, browser, live_server
):
    def build():
        scene = build_scene(durations=(600.0,))
        course = scene.course
        # Back to waiting for the office: the office approves it on its page.
        course.status = CourseStatus.SUBMITTED
        course.approved_dt = course.approved_by_id = None
        db.session.execute(db.delete(Notification).filter_by(user_id=scene.lecturer.id))
        db.session.execute(
            db.delete(AuditEntry).filter_by(target_type="courses", target_id=course.id)
        )
        return course.id, course.title_zh, scene.lecturer.login, scene.admin.login

    course_id, title, lecturer, admin = committed(build)

    office = new_page(locale="zh-CN")
    sign_in(office, admin)
    office.goto(f"/admin/courses/{course_id}")
    office.fill("#approve-project_number", "2026-04-02-011")
    office.select_option("#approve-project_level", "national")
    office.fill("#approve-class_hours_override", "2")
    office.fill("#approve-class_hours_override_reason", "含线下实践")
    office.locator("form[action$='/approve'] button[type=submit]").click()
    expect(office.locator(".flash-success")).to_be_visible()

    page = new_page(locale="zh-CN")
    sign_in(page, lecturer)
    bell = page.locator("header a.notices")
    expect(bell.locator(".count")).to_have_text("1")
    screenshot(page, "notifications-count-in-header-zh")
    bell.click()
    expect(page).to_have_url(re.compile(r"/notifications/$"))
    notice = page.locator("li.notification.is-unread")
    expect(notice).to_contain_text("您的课程已通过审核")
    expect(notice).to_contain_text(title)
    screenshot(page, "notifications-page-zh")
    page.set_viewport_size(PHONE)
    screenshot(page, "notifications-page-phone-zh")
    page.set_viewport_size({"width": 1280, "height": 800})
    notice.locator("button.notification-open").click()
    expect(page).to_have_url(re.compile(rf"/teach/courses/{course_id}$"))
    expect(page.locator("header a.notices .count")).to_have_count(0)
    page.goto("/notifications/")
    expect(page.locator("li.notification.is-read")).to_have_count(1)

    office.goto("/admin/audit/?action=course_approved")
    row = office.locator("table.audit tbody tr").filter(has_text=title)
    expect(row).to_contain_text("课程审核通过")
    expect(row).to_contain_text('"submitted"')
    expect(row).to_contain_text('"approved"')
    expect(row).to_contain_text("2026-04-02-011")
    office.goto("/admin/audit/")
    hours = office.locator("table.audit tbody tr").filter(has_text="学时调整").first
    expect(hours).to_contain_text("含线下实践")
    screenshot(office, "audit-log-zh")
    office.set_viewport_size(PHONE)
    screenshot(office, "audit-log-phone-zh")
    assert axe_checked(browser, live_server, lecturer, "/notifications/") == []
    assert axe_checked(browser, live_server, admin, "/admin/audit/") == []
