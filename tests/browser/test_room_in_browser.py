"""Room attendance in Chromium (issue 13): the room screen's QR code changes at
the next 20-second step; decoded from a screenshot it opens the phone page of a
signed-in learner, who is signed in; signing out later gives presence; ending
the session puts the credit line on the transcript; the coordinator's roster
queues a vouch while offline and sends it once, when back online."""

import io
import re
import secrets
from datetime import timedelta
from decimal import Decimal

import sqlalchemy as sa
from PIL import Image
from playwright.sync_api import expect
from pyzbar import pyzbar

from courses.sessions import crediting
from courses.sessions.models import Presence, Reservation, ScheduledSession, SessionDay
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
)
from lms.accounts.models import User
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.builders import PASSWORD
from tests.conftest import unique

TITLE = "基层胸痛中心建设直播课"
PHONE = {"width": 390, "height": 844}


def build_room():
    """An approved broadcast under way: its one day started 100 minutes ago and
    ends in 20; the county hospital booked a room; its coordinator and two
    learners."""
    now = utcnow().replace(microsecond=0)
    hub = create_hospital(
        code=unique("H"), name_zh="省医院", tier=Tier.HUB, province_code="51"
    )
    county = create_hospital(
        code=unique("H"), name_zh="蒲江县人民医院", tier=Tier.COUNTY, province_code="51"
    )

    def person(role, hospital, name):
        return create_user(
            login=f"{unique('room')}@example.cn",
            name=name,
            password=PASSWORD,
            role=role,
            hospital=hospital,
        )

    lecturer = person(Role.LECTURER, hub, "陈教授")
    coordinator = person(Role.SITE_COORDINATOR, county, "赵协调")
    learner = person(Role.LEARNER, county, "李娜")
    colleague = person(Role.LEARNER, county, "王芳")
    session = ScheduledSession(
        kind=SessionKind.BROADCAST,
        state=SessionState.OPEN,
        title_zh=f"{TITLE}{unique('')}",
        title_en="Chest pain centres, live",
        owner_id=lecturer.id,
        venue_hospital_id=hub.id,
        capacity=50,
        code_secret=secrets.token_hex(32),
        rule_set_code="CN-2024",
        credit_category="CME",
        project_level=ProjectLevel.PROVINCIAL,
        project_number="2026-51-01-009",
        min_presence=Decimal("0.80"),
        approved_dt=now,
    )
    session.lecturers = [lecturer]
    session.days = [
        SessionDay(
            starts_dt=now - timedelta(minutes=100), ends_dt=now + timedelta(minutes=20)
        )
    ]
    db.session.add(session)
    db.session.flush()
    db.session.add(
        Reservation(
            session_id=session.id,
            kind=ReservationKind.ROOM,
            state=ReservationState.BOOKED,
            user_id=coordinator.id,
            hospital_id=county.id,
            seats=10,
            room="三楼示教室",
        )
    )
    db.session.flush()
    return {
        "session": session.id,
        "title": session.title_zh,
        "coordinator": coordinator.login,
        "learner": learner.login,
        "learner_id": learner.id,
        "colleague": colleague.id,
        "lecturer": lecturer.id,
    }


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def decode(png):
    with Image.open(io.BytesIO(png)) as image:
        found = pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
    return [code.data.decode("utf-8") for code in found]


def presences_of(session_id, user_id):
    return db.session.scalars(
        sa.select(Presence).filter_by(session_id=session_id, user_id=user_id)
    ).all()


def test_a_learner_signs_in_by_the_rooms_qr_code_and_earns_credit(
    new_page, screenshot, committed
):
    scene = committed(build_room)
    session_id = scene["session"]
    screen = new_page(locale="zh-CN", width=1280, height=800)
    sign_in(screen, scene["coordinator"])
    phone = new_page(locale="zh-CN", **PHONE)
    sign_in(phone, scene["learner"])

    screen.goto(f"/sessions/{session_id}/room")
    code = screen.locator("#room-code")
    first = code.get_attribute("data-code")
    first_url = screen.locator("#room-qr").get_attribute("data-url")
    assert first_url.endswith(f"/sessions/{session_id}/here?code={first}")
    # The next 20-second step brings a new code and a new QR code.
    expect(code).not_to_have_attribute("data-code", first, timeout=25_000)
    second = code.get_attribute("data-code")
    assert re.fullmatch(r"[A-HJ-NP-Z2-9]{6}", second)
    expect(screen.locator("#room-qr")).not_to_have_attribute("data-url", first_url)
    qr = screen.locator("#room-qr").screenshot()
    screenshot(screen, "room-screen-zh-CN")
    (url,) = decode(screen.screenshot())
    assert url == screen.locator("#room-qr").get_attribute("data-url") or url.endswith(
        f"?code={second}"
    )
    assert decode(qr) == [url]

    # The phone opens the scanned address: signed in at once.
    phone.goto(url)
    expect(phone.locator("#here-signed-in")).to_be_visible()
    expect(phone.locator("#here-button")).to_have_attribute("data-action", "sign_out")
    screenshot(phone, "room-phone-signed-in-zh-CN")
    expect(screen.locator("#room-count")).to_have_text("1", timeout=25_000)

    def move_sign_in_back():
        (presence,) = presences_of(session_id, scene["learner_id"])
        presence.signed_in_dt = db.session.get(ScheduledSession, session_id).starts_dt

    committed(move_sign_in_back)
    # Later, near the end: the current code (typed this time) signs out.
    phone.goto(f"/sessions/{session_id}/here")
    phone.fill("#here-code", screen.locator("#room-code").get_attribute("data-code"))
    phone.locator("#here-button").click()
    # 100 minutes from the day's start (a slow run may add a minute or two).
    expect(phone.locator("#here-presence")).to_have_text(re.compile(r"\b10[0-2]\b"))
    screenshot(phone, "room-phone-signed-out-zh-CN")

    def end_and_credit():
        session = db.session.get(ScheduledSession, session_id)
        lecturer = db.session.get(User, scene["lecturer"])
        crediting.end_session(session, lecturer, utcnow())
        crediting.credit_session(session_id, utcnow())

    committed(end_and_credit)
    phone.goto("/credits")
    expect(phone.locator("table.ledger")).to_contain_text(scene["title"])
    screenshot(phone, "room-transcript-zh-CN")


def test_the_roster_queues_a_vouch_offline_and_sends_it_once(
    new_page, screenshot, committed, browser
):
    scene = committed(build_room)
    session_id, colleague = scene["session"], scene["colleague"]
    page = new_page(locale="zh-CN")
    sign_in(page, scene["coordinator"])
    page.goto(f"/sessions/{session_id}/roster")
    roster = page.locator("#roster")
    row = page.locator(f"tr[data-person='{colleague}']")
    expect(row.locator(".roster-minutes")).to_have_text("—")

    page.context.set_offline(True)
    row.locator("input[name=reason]").fill("手机没电，本人全程在场")
    row.locator("button[type=submit]").click()
    expect(roster).to_have_attribute("data-pending", "1")
    expect(page.locator("#roster-sync")).to_have_text(re.compile(r"\S"))
    screenshot(page, "room-roster-offline-zh-CN")
    assert committed(presences_of, session_id, colleague) == []

    page.context.set_offline(False)
    expect(row).to_have_attribute("data-synced", "true")
    expect(roster).to_have_attribute("data-pending", "0")
    assert len(committed(presences_of, session_id, colleague)) == 1
    # Reopened: nothing left in the queue, nothing sent twice.
    page.reload()
    expect(row.locator(".roster-minutes")).not_to_have_text("—")
    expect(roster).to_have_attribute("data-pending", "0")
    reasons = committed(
        lambda: [p.vouch_reason for p in presences_of(session_id, colleague)]
    )
    assert reasons == ["手机没电，本人全程在场"]
    screenshot(page, "room-roster-zh-CN")


def test_a_vouch_queued_while_signed_out_waits_for_the_next_sign_in(
    new_page, committed
):
    """The outage outlasted the sign-in: the queued vouch is answered 401, kept,
    and sent once the coordinator signs in again on that device."""
    scene = committed(build_room)
    session_id, colleague = scene["session"], scene["colleague"]
    page = new_page(locale="zh-CN")
    sign_in(page, scene["coordinator"])
    page.goto(f"/sessions/{session_id}/roster")
    roster = page.locator("#roster")
    row = page.locator(f"tr[data-person='{colleague}']")
    page.context.set_offline(True)
    row.locator("input[name=reason]").fill("断网期间登录过期")
    row.locator("button[type=submit]").click()
    expect(roster).to_have_attribute("data-pending", "1")
    page.context.clear_cookies()
    page.context.set_offline(False)
    sign_in_again = roster.get_attribute("data-msg-sign-in")
    expect(page.locator("#roster-sync")).to_contain_text(sign_in_again)
    expect(roster).to_have_attribute("data-pending", "1")
    assert committed(presences_of, session_id, colleague) == []

    sign_in(page, scene["coordinator"])
    page.goto(f"/sessions/{session_id}/roster")
    expect(page.locator("#roster")).to_have_attribute("data-pending", "0")
    reasons = committed(
        lambda: [p.vouch_reason for p in presences_of(session_id, colleague)]
    )
    assert reasons == ["断网期间登录过期"]
