"""Booking and managing scheduled sessions in Chromium, in Chinese, under the
real Content-Security-Policy: the office creates a two-day session and approves
it, a learner books a seat and cancels it, a coordinator books a room of 12
seats and asks for a visit (issue 13, lane E)."""

import re
from datetime import timedelta

from playwright.sync_api import expect

from courses.sessions import booking
from courses.sessions.models import Reservation, ScheduledSession
from courses.sessions.states import ReservationKind, ReservationState, SessionState
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.builders import PASSWORD
from tests.conftest import unique

PHONE = {"width": 390, "height": 844}


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def person(role, hospital=None, name="测试用户"):
    return create_user(
        login=f"{unique('p')}@example.cn",
        name=name,
        password=PASSWORD,
        role=role,
        hospital=hospital,
    )


def hospital(tier=Tier.COUNTY, name="协调县人民医院"):
    return create_hospital(
        code=unique("H"),
        name_zh=f"{name}{unique('')}",
        name_en="",
        tier=tier,
        province_code="51",
        city="成都",
    )


def open_session(owner, venue, *, capacity=30, title="基层卒中识别直播课"):
    """A session through the real operations, approved (open for booking)."""
    now = utcnow().replace(second=0, microsecond=0)
    start = now + timedelta(days=3)
    session = booking.create_session(
        owner,
        now,
        kind="broadcast",
        title_zh=f"{title}{unique('')}",
        title_en="Stroke recognition, live",
        description_zh="面向县乡医生的卒中早期识别。",
        days=[(start, start + timedelta(hours=2))],
        venue_hospital_id=venue.id,
        venue_room="演播室 1",
        capacity=capacity,
        rule_set_code="CN-2024",
        project_level="provincial",
        credit_category="CME",
        project_number="2026-51-01-001",
    )
    office = person(Role.ADMINISTRATOR, name="继教办")
    booking.approve_session(session, office, now)
    return session


def test_the_office_creates_a_two_day_session_and_approves_it(
    new_page, screenshot, committed
):
    def build():
        hub = hospital(Tier.HUB, "中心医院")
        return person(Role.ADMINISTRATOR, name="继教办").login, hub.id

    office, hub_id = committed(build)
    page = new_page()
    sign_in(page, office)
    page.locator("nav a[href='/office/sessions']").click()
    expect(page).to_have_url(re.compile(r"/office/sessions$"))
    page.locator("main a[href='/sessions/new']").click()
    first = (utcnow() + timedelta(days=8)).strftime("%Y-%m-%d")
    second = (utcnow() + timedelta(days=9)).strftime("%Y-%m-%d")
    page.select_option("#kind", "onsite")
    page.fill("#title_zh", "基层急救技能两日培训")
    page.fill("#days", f"{first} 09:00-12:00\n{second} 14:00-17:30")
    page.select_option("#venue_hospital_id", str(hub_id))
    page.fill("#venue_room", "示教室 2")
    page.fill("#capacity", "40")
    page.fill("#project_number", "2026-51-01-009")
    page.select_option("#project_level", "provincial")
    page.select_option("#rule_set_code", "CN-2024")
    page.select_option("#credit_category", "CME")
    screenshot(page, "session-new-desktop-zh")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".session-days li")).to_have_count(2)
    expect(page.locator(".session-days")).to_contain_text(f"{first}")
    expect(page.locator(".session-days")).to_contain_text("17:30")
    screenshot(page, "session-planned-desktop-zh")
    page.locator("form[action$='/approve'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge-session-open")).to_be_visible()
    session_id = int(re.search(r"/sessions/(\d+)", page.url).group(1))

    def state():
        return db.session.get(ScheduledSession, session_id).state

    assert committed(state) == SessionState.OPEN
    page.goto("/office/sessions")
    expect(
        page.locator(
            "section[aria-labelledby=group-open]", has_text="基层急救技能两日培训"
        )
    ).to_be_visible()
    screenshot(page, "sessions-manage-desktop-zh")


def test_a_learner_books_a_seat_then_cancels_it_on_a_phone(
    new_page, screenshot, committed
):
    def build():
        hub = hospital(Tier.HUB, "中心医院")
        county = hospital()
        lecturer = person(Role.LECTURER, hub, "王讲师")
        session = open_session(lecturer, hub)
        return person(Role.LEARNER, county, "李学员").login, session.id

    learner, session_id = committed(build)
    page = new_page(**PHONE)
    sign_in(page, learner)
    page.goto(f"/sessions/{session_id}")
    page.locator("form[action$='/seat'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("form[action*='/reservations/']")).to_be_visible()
    screenshot(page, "session-learner-booked-phone-zh")

    def seats():
        return [
            r.state
            for r in db.session.query(Reservation).filter_by(session_id=session_id)
        ]

    assert committed(seats) == [ReservationState.BOOKED]
    page.locator("form[action*='/reservations/'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator("form[action$='/seat'] button")).to_be_visible()
    assert committed(seats) == [ReservationState.CANCELLED]
    english = new_page(locale="en-US")
    sign_in(english, learner)
    english.goto(f"/sessions/{session_id}")
    expect(english.locator("form[action$='/seat'] button")).to_have_text("Book a seat")
    screenshot(english, "session-learner-desktop-en")


def test_a_coordinator_books_a_room_of_twelve_seats_and_asks_for_a_visit(
    new_page, screenshot, committed
):
    def build():
        hub = hospital(Tier.HUB, "中心医院")
        county = hospital()
        lecturer = person(Role.LECTURER, hub, "王讲师")
        session = open_session(lecturer, hub, capacity=50)
        coordinator = person(Role.SITE_COORDINATOR, county, "赵协调")
        return coordinator.login, session.id, county.id

    coordinator, session_id, county_id = committed(build)
    page = new_page()
    sign_in(page, coordinator)
    page.locator("nav a[href='/hospital/bookings']").click()
    expect(page).to_have_url(re.compile(r"/hospital/bookings$"))
    page.locator(f"main a[href='/sessions/{session_id}']").first.click()
    page.fill("#seats", "12")
    page.fill("#room", "三楼会议室")
    page.check("#is_equipment_tested")
    page.locator("form[action$='/room'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".my-status")).to_contain_text("12")
    screenshot(page, "session-coordinator-room-desktop-zh")

    def room():
        r = (
            db.session.query(Reservation)
            .filter_by(session_id=session_id, kind=ReservationKind.ROOM)
            .one()
        )
        return r.hospital_id, r.seats, r.room, r.is_equipment_tested

    assert committed(room) == (county_id, 12, "三楼会议室", True)
    page.goto("/hospital/bookings")
    expect(page.locator(".booking-list")).to_contain_text("三楼会议室")
    page.select_option("#kind", "onsite")
    page.fill("#topic", "胸痛中心建设指导")
    page.fill("#expected_attendees", "25")
    page.locator("form[action$='/hospital/visits'] button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".visit-requests")).to_contain_text("胸痛中心建设指导")
    screenshot(page, "hospital-bookings-desktop-zh")


def build_session_pages(*, venue, lecturer, coordinator, learner):
    """For the axe-core check: an open session with a learner's seat and a
    coordinator's room, a planned one, and a visit request; their ids."""
    session = open_session(lecturer, venue)
    booking.reserve_seat(session, learner, utcnow())
    booking.book_room(
        session,
        coordinator,
        utcnow(),
        hospital_id=coordinator.hospital_id,
        seats=12,
        room="三楼会议室",
    )
    now = utcnow().replace(second=0, microsecond=0)
    start = now + timedelta(days=6)
    planned = booking.create_session(
        lecturer,
        now,
        kind="case_conference",
        title_zh=f"疑难病例讨论{unique('')}",
        days=[(start, start + timedelta(hours=1))],
        venue_hospital_id=venue.id,
        capacity=20,
        rule_set_code="CN-2024",
        project_level="hospital",
        credit_category="CME",
    )
    visit = booking.request_visit(
        coordinator,
        now,
        hospital_id=coordinator.hospital_id,
        kind="onsite",
        topic="胸痛中心建设指导",
        details="十二月中旬均可",
        expected_attendees=25,
    )
    return {"open": session.id, "planned": planned.id, "visit": visit.id}


def test_the_office_schedules_one_visit_request_and_declines_another(
    new_page, screenshot, committed
):
    def build():
        county = hospital()
        coordinator = person(Role.SITE_COORDINATOR, county, "赵协调")
        visits = [
            booking.request_visit(
                coordinator,
                utcnow(),
                hospital_id=county.id,
                kind=kind,
                topic=topic,
                details="十二月中旬均可",
                expected_attendees=18,
            )
            for kind, topic in (
                ("onsite", f"胸痛中心建设指导{unique('')}"),
                ("skills", f"心肺复苏技能培训{unique('')}"),
            )
        ]
        office = person(Role.ADMINISTRATOR, name="继教办")
        return office.login, [(v.id, v.topic) for v in visits]

    office, [(scheduled_id, topic), (declined_id, _)] = committed(build)
    page = new_page()
    sign_in(page, office)
    page.goto("/office/visits")
    page.locator(f"a[href='/office/visits/{scheduled_id}/schedule']").click()
    expect(page.locator("#title_zh")).to_have_value(topic)
    expect(page.locator("#capacity")).to_have_value("18")
    day = (utcnow() + timedelta(days=12)).strftime("%Y-%m-%d")
    page.fill("#days", f"{day} 09:00-16:00")
    page.select_option("#project_level", "hospital")
    screenshot(page, "visit-schedule-desktop-zh")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".badge-session-open")).to_be_visible()
    page.goto("/office/visits")
    row = page.locator(
        "tr", has=page.locator(f"form[action$='/{declined_id}/decline']")
    )
    row.locator("summary").click()
    row.locator("input[name=reason]").fill("本月专家已排满")
    row.locator("form button").click()
    expect(page.locator(".flash-success")).to_be_visible()
    expect(page.locator(".visit-list")).to_contain_text("本月专家已排满")
    screenshot(page, "visits-desktop-zh")
