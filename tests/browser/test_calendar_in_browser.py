"""In Chromium: a learner moves through the months of their calendar and opens a
booked session; makes a feed address on the feeds page and a calendar app (a
browser context with no cookies) fetches it. Desktop and phone screenshots;
axe-core over the calendar's pages with sessions on them."""

import re
import secrets
from datetime import datetime, time, timedelta

import icalendar
from playwright.sync_api import expect

from courses.sessions.grid import local_day, month_of
from courses.sessions.models import Reservation, ScheduledSession, SessionDay
from courses.sessions.schedule import LOCAL_TZ
from courses.sessions.states import ReservationKind, ReservationState, SessionState
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.browser.test_accessibility_in_browser import axe_violations
from tests.builders import PASSWORD
from tests.conftest import unique

PHONE = {"width": 390, "height": 844}


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def local_time(day, hour, minute=0):
    return datetime.combine(day, time(hour, minute), LOCAL_TZ)


def add_session(owner, venue, title_zh, title_en, start, hours=2, **fields):
    session = ScheduledSession(
        kind=fields.pop("kind", "broadcast"),
        state=fields.pop("state", SessionState.OPEN),
        title_zh=title_zh,
        title_en=title_en,
        owner_id=owner.id,
        venue_hospital_id=venue.id,
        venue_room="第一示教室",
        capacity=40,
        code_secret=secrets.token_hex(32),
        rule_set_code="CN-2024",
        project_level=ProjectLevel.PROVINCIAL,
        credit_category="CME",
        approved_dt=utcnow(),
        **fields,
    )
    session.lecturers = [owner]
    session.days = [SessionDay(starts_dt=start, ends_dt=start + timedelta(hours=hours))]
    db.session.add(session)
    db.session.flush()
    return session


def build():
    """A learner at a county hospital with a seat at next month's broadcast, an
    open session this month and a cancelled one last month; their coordinator."""
    hub = create_hospital(
        code=unique("HUB"),
        name_zh="华西远程医学中心",
        tier=Tier.HUB,
        province_code="51",
    )
    county = create_hospital(
        code=unique("H"), name_zh="测试县人民医院", tier=Tier.COUNTY, province_code="51"
    )
    lecturer = create_user(
        login=f"{unique('lect')}@example.cn",
        name="王教授",
        password=PASSWORD,
        role=Role.LECTURER,
        hospital=hub,
    )
    learner = create_user(
        login=f"{unique('learner')}@example.cn",
        name="李护士",
        password=PASSWORD,
        role=Role.LEARNER,
        hospital=county,
    )
    coordinator = create_user(
        login=f"{unique('coord')}@example.cn",
        name="赵协调",
        password=PASSWORD,
        role=Role.SITE_COORDINATOR,
        hospital=county,
    )
    # Titles of their own: other tests' sessions share the database (the
    # learner's calendar also lists every open session of their audience).
    tag = unique("")
    today = local_day(utcnow())
    this_month = month_of(today)
    next_month = month_of(this_month.last + timedelta(days=1))
    last_month = month_of(this_month.first - timedelta(days=1))
    booked = add_session(
        lecturer,
        hub,
        f"急性胸痛的早期识别{tag}",
        "Early recognition of acute chest pain",
        local_time(next_month.first + timedelta(days=14), 0, 30),
    )
    db.session.add(
        Reservation(
            session_id=booked.id,
            kind=ReservationKind.SEAT,
            state=ReservationState.BOOKED,
            user_id=learner.id,
            hospital_id=county.id,
        )
    )
    add_session(
        lecturer,
        hub,
        f"基层卒中识别直播课{tag}",
        "Stroke recognition, live",
        local_time(today, 14),
    )
    room = add_session(
        lecturer,
        county,
        f"糖尿病足护理技能培训{tag}",
        "Diabetic foot care skills",
        local_time(last_month.first + timedelta(days=9), 9),
        kind="skills",
        state=SessionState.CANCELLED,
        cancelled_dt=utcnow(),
        cancel_reason="讲者临时出诊",
    )
    db.session.add(
        Reservation(
            session_id=room.id,
            kind=ReservationKind.SEAT,
            state=ReservationState.BOOKED,
            user_id=learner.id,
            hospital_id=county.id,
        )
    )
    db.session.flush()
    return {
        "learner": learner.login,
        "coordinator": coordinator.login,
        "booked": booked.id,
        "booked_day": booked.days[0].id,
        "tag": tag,
        "next_month": next_month.first,
        "last_month": last_month.first,
    }


def test_a_learner_moves_through_months_opens_a_session_and_subscribes(
    new_page, committed, screenshot, browser, live_server
):
    scene = committed(build)
    tag = scene["tag"]
    page = new_page(locale="zh-CN")
    sign_in(page, scene["learner"])

    page.locator("header nav a[href='/calendar']").click()
    expect(page).to_have_url(re.compile(r"/calendar$"))
    expect(page.locator("td[aria-current=date]")).to_have_count(1)
    expect(
        page.get_by_role("link", name=re.compile(f"基层卒中识别直播课{tag}"))
    ).to_be_visible()
    screenshot(page, "calendar-month-zh")

    page.locator("a[rel=next]").click()
    next_month = scene["next_month"]
    expect(page.locator("#cal-heading")).to_have_text(
        f"{next_month.year}年{next_month.month}月"
    )
    booked = page.get_by_role("link", name=re.compile(f"急性胸痛的早期识别{tag}"))
    expect(booked).to_contain_text("00:30")
    cell = page.locator("td", has=booked)
    expect(cell.locator(".cal-full")).to_contain_text(f"{next_month.month}月15日")

    page.locator("a[rel=prev]").click()
    page.locator("a[rel=prev]").click()
    cancelled = page.locator(".cal-entry.is-cancelled", has_text=tag)
    expect(cancelled).to_contain_text(f"糖尿病足护理技能培训{tag}")
    expect(cancelled.locator(".badge")).to_be_visible()
    page.locator(".cal-nav a:not([rel])").click()  # today
    expect(page.locator("td[aria-current=date]")).to_have_count(1)
    page.locator("a[rel=next]").click()
    page.get_by_role("link", name=re.compile(f"急性胸痛的早期识别{tag}")).click()
    expect(page).to_have_url(re.compile(rf"/sessions/{scene['booked']}$"))

    page.goto("/calendar/feeds")
    page.locator("#feed-person").get_by_role("button").first.click()
    address = page.locator("#feed-url-person").input_value()
    screenshot(page, "calendar-feeds-zh")
    path = "/calendar/" + address.rsplit("/calendar/", 1)[1]
    assert path.endswith(".ics")

    app = browser.new_context(base_url=live_server)  # no cookies: a calendar app
    try:
        response = app.request.get(path)
        assert response.status == 200
        assert response.headers["content-type"] == "text/calendar; charset=utf-8"
        events = icalendar.Calendar.from_ical(response.body()).walk("VEVENT")
    finally:
        app.close()
    uids = {str(event["UID"]): event for event in events}
    mine = uids[f"session-{scene['booked']}-day-{scene['booked_day']}@127.0.0.1"]
    assert str(mine["STATUS"]) == "CONFIRMED"
    assert [str(e["STATUS"]) for e in events].count("CANCELLED") == 1
    assert len(events) == 2  # the open session is not in the feed

    phone = new_page(locale="zh-CN", **PHONE)
    sign_in(phone, scene["learner"])
    phone.goto(f"/calendar?date={next_month.isoformat()}")
    expect(
        phone.get_by_role("link", name=re.compile(f"急性胸痛的早期识别{tag}"))
    ).to_be_visible()
    screenshot(phone, "calendar-month-phone-zh")
    phone.goto(
        f"/calendar?view=week&date={(next_month + timedelta(days=14)).isoformat()}"
    )
    screenshot(phone, "calendar-week-phone-zh")


def test_the_calendar_pages_have_no_serious_accessibility_violations(
    browser, live_server, committed, screenshot
):
    scene = committed(build)
    month = scene["next_month"].isoformat()
    week = (scene["next_month"] + timedelta(days=14)).isoformat()
    found = {}
    for login, paths in (
        (
            scene["learner"],
            [
                f"/calendar?date={month}",
                f"/calendar?view=week&date={week}",
                f"/calendar?view=list&date={month}",
                f"/calendar?date={scene['last_month'].isoformat()}",
                "/calendar/feeds",
            ],
        ),
        (scene["coordinator"], ["/calendar?show=hospital", "/calendar/feeds"]),
    ):
        for locale in ("zh-CN", "en-US"):
            context = browser.new_context(
                base_url=live_server, locale=locale, bypass_csp=True
            )
            page = context.new_page()
            sign_in(page, login)
            for path in paths:
                assert page.goto(path).status == 200, path
                if violations := axe_violations(page):
                    found[f"{locale} {path}"] = violations
            if locale == "en-US" and login == scene["learner"]:
                page.goto(f"/calendar?view=week&date={month}")
                screenshot(page, "calendar-week-en")
                page.goto(f"/calendar?view=list&date={month}")
                screenshot(page, "calendar-list-en")
            context.close()
    assert not found, found
