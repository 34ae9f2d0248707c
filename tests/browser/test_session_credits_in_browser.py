"""A session's attendance page in Chromium (issue 13): its host ends the
session with one button and sees who earned credits and why the others did not;
the hospital's page lists its people's outcomes."""

import re
import secrets
from datetime import timedelta
from decimal import Decimal

from playwright.sync_api import expect

from courses.sessions import crediting
from courses.sessions.models import Presence, ScheduledSession, SessionDay
from courses.sessions.states import PresenceSource, SessionKind, SessionState
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.builders import PASSWORD
from tests.conftest import unique


def build_session_under_way(hospital=None, *, lecturer=None):
    """A broadcast whose two-hour day ended ten minutes ago, nobody ended yet:
    one learner present throughout, one who left after 52 minutes."""
    now = utcnow().replace(microsecond=0)
    hospital = hospital or create_hospital(
        code=unique("H"), name_zh="蒲江县人民医院", tier=Tier.COUNTY, province_code="51"
    )

    def person(role, name):
        return create_user(
            login=f"{unique('credit')}@example.cn",
            name=name,
            password=PASSWORD,
            role=role,
            hospital=hospital,
        )

    lecturer = lecturer or person(Role.LECTURER, "陈教授")
    stayed, left = person(Role.LEARNER, "李娜"), person(Role.LEARNER, "王芳")
    start = now - timedelta(minutes=130)
    session = ScheduledSession(
        kind=SessionKind.BROADCAST,
        state=SessionState.OPEN,
        title_zh=f"基层卒中识别直播课{unique('')}",
        title_en="Stroke recognition, live",
        owner_id=lecturer.id,
        venue_hospital_id=hospital.id,
        capacity=50,
        code_secret=secrets.token_hex(32),
        rule_set_code="CN-2024",
        credit_category="CME",
        project_level=ProjectLevel.PROVINCIAL,
        project_number="2026-51-01-021",
        min_presence=Decimal("0.80"),
        approved_dt=now,
    )
    session.lecturers = [lecturer]
    session.days = [SessionDay(starts_dt=start, ends_dt=start + timedelta(hours=2))]
    db.session.add(session)
    db.session.flush()
    day = session.days[0]
    for learner, minutes in ((stayed, 120), (left, 52)):
        db.session.add(
            Presence(
                session_id=session.id,
                day_id=day.id,
                user_id=learner.id,
                hospital_id=hospital.id,
                source=PresenceSource.CODE,
                signed_in_dt=day.starts_dt,
                signed_out_dt=day.starts_dt + timedelta(minutes=minutes),
                minutes=minutes,
                flags=["not_booked"] if minutes == 52 else [],
            )
        )
    db.session.flush()
    return session, lecturer, stayed, left


def build_credited_session(hospital, admin):
    """An ended, credited session at ``hospital`` (for the accessibility test):
    ``(session id, hospital id)``."""
    session, *_ = build_session_under_way(hospital)
    crediting.end_session(session, admin, utcnow())
    crediting.credit_session(session.id, utcnow())
    return session.id, hospital.id


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def test_the_host_ends_the_session_and_sees_the_outcomes(
    new_page, committed, screenshot
):
    def build():
        session, lecturer, stayed, left = build_session_under_way()
        coordinator = create_user(
            login=f"{unique('coord')}@example.cn",
            name="赵协调",
            password=PASSWORD,
            role=Role.SITE_COORDINATOR,
            hospital=stayed.hospital,
        )
        return session.id, lecturer.login, stayed.id, left.id, coordinator.login

    session_id, lecturer, stayed, left, coordinator = committed(build)
    page = new_page(locale="en-US")
    sign_in(page, lecturer)
    page.goto(f"/sessions/{session_id}/attendance")
    expect(page.locator(".session-presences tbody tr")).to_have_count(2)
    expect(page.locator(".session-outcomes .empty")).to_be_visible()
    page.get_by_role("button", name="End the session and award credits").click()

    expect(page.locator(".flash-success")).to_be_visible()
    learner_row = page.locator(f'.session-outcomes tr[data-person="{stayed}"]')
    expect(learner_row).to_contain_text("0.5")
    short_row = page.locator(f'.session-outcomes tr[data-person="{left}"]')
    expect(short_row).to_contain_text("Present 52 of 120 minutes; 96 needed.")
    expect(page.locator('.session-outcomes tr[data-role="lecturer"]')).to_contain_text(
        "2"
    )  # CN-2024 provincial: 1 credit an hour taught
    expect(
        page.get_by_role("button", name="End the session and award credits")
    ).to_have_count(0)
    screenshot(page, "session-credits-attendance")

    page = new_page(locale="zh-CN")
    sign_in(page, coordinator)
    page.locator("nav.nav").get_by_role(
        "link", name=re.compile("^(Session attendance|培训出勤)$")
    ).click()
    expect(
        page.locator(f'.hospital-outcomes tr[data-person="{stayed}"]')
    ).to_contain_text("0.5")
    screenshot(page, "session-credits-hospital")
