"""The studio panel in Chromium: a lecturer issues a stream key on the session
page, reads it once, an encoder (ffmpeg) pushes to the server and key the page
gave through the real nginx, the panel shows the broadcast live, and revoking
the key cuts the push. axe-core checks the panel and the key page in both
languages."""

import re
import subprocess
import time

import pytest
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.db import db
from tests.browser.test_accessibility_in_browser import axe_violations
from tests.browser.test_room_in_browser import build_room, sign_in
from tests.integration.test_live_ingest import PUSH, _end_broadcasts


@pytest.fixture
def studio(app, committed):
    """A broadcast under way and its lecturer's login; its broadcasts are ended
    and their ladders waited for afterwards."""
    made = []

    def build():
        room = build_room()
        room["lecturer_login"] = db.session.get(User, room["lecturer"]).login
        made.append(room["session"])
        return room

    yield lambda: committed(build)
    _end_broadcasts(app, committed, made)


def issue_key(page, session_id):
    page.goto(f"/sessions/{session_id}")
    page.locator(f"form[action='/sessions/{session_id}/stream'] button").click()
    expect(page.locator("#live-key")).to_be_visible()
    return page.locator("#live-server").input_value(), page.locator(
        "#live-key"
    ).input_value()


def test_a_lecturer_issues_a_key_pushes_with_it_and_revokes_it(
    new_page, studio, rtmp_ingest, screenshot
):
    room = studio()
    page = new_page()
    sign_in(page, room["lecturer_login"])
    server, key = issue_key(page, room["session"])
    assert server == f"rtmp://127.0.0.1:{rtmp_ingest.port}/live"
    assert re.fullmatch(r"[A-Za-z0-9_-]{32}", key)
    screenshot(page, "studio-key")

    push = subprocess.Popen(
        [*PUSH, "-t", "120", f"{server}/{key}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page.goto(f"/sessions/{room['session']}")
        panel = page.locator(".live-studio")
        expect(panel).to_contain_text(f"…{key[-4:]}")
        assert key not in page.content()
        deadline = time.monotonic() + 20
        while not panel.locator(".badge-live").count():
            assert time.monotonic() < deadline, "the panel never showed LIVE"
            page.wait_for_timeout(500)
            page.reload()
        expect(panel.locator("tbody tr")).to_have_count(1)
        screenshot(page, "studio-live")

        page.on("dialog", lambda dialog: dialog.accept())
        page.locator(
            f"form[action='/sessions/{room['session']}/stream/revoke'] button"
        ).click()
        expect(page.locator(".flash-success")).to_contain_text(key[-4:])
        push.wait(30)  # nginx's next on_update (within 10 s) cuts it
        assert push.returncode != 0
    finally:
        if push.poll() is None:
            push.kill()
        push.wait(10)


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_studio_panel_and_the_key_page_are_accessible(
    browser, live_server, studio, locale
):
    room = studio()
    context = browser.new_context(base_url=live_server, locale=locale, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        sign_in(page, room["lecturer_login"])
        issue_key(page, room["session"])
        assert axe_violations(page) == []
        page.goto(f"/sessions/{room['session']}")
        expect(page.locator(".live-studio")).to_be_visible()
        assert axe_violations(page) == []
    finally:
        context.close()
