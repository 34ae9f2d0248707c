"""Viewers' questions in Chromium (issue 14): a learner watching the broadcast
asks; the question reaches the host's moderation page and no other viewer;
shown, it appears on a colleague's panel; hidden, it leaves it again. Both
lists update by polling, without reloading."""

import re

import sqlalchemy as sa
from playwright.sync_api import expect

from lms.accounts.models import User
from lms.db import db
from tests.browser.test_room_in_browser import build_room, sign_in

QUESTION = "溶栓的时间窗是多少？"
#: A viewer's panel polls every 8 seconds, the moderator's every 4.
POLLED = 20_000


def test_a_question_reaches_other_viewers_only_once_the_host_shows_it(
    new_page, screenshot, committed
):
    scene = committed(build_room)
    session_id = scene["session"]
    lecturer = committed(
        lambda: db.session.scalar(sa.select(User.login).filter_by(id=scene["lecturer"]))
    )
    colleague = committed(
        lambda: db.session.scalar(
            sa.select(User.login).filter_by(id=scene["colleague"])
        )
    )
    watch = f"/sessions/{session_id}/watch"

    asker = new_page(locale="zh-CN", width=390, height=844)
    sign_in(asker, scene["learner"])
    asker.goto(watch)
    asker.fill("#live-q-input", QUESTION)
    asker.locator(".live-q-form button[type=submit]").click()
    mine = asker.locator("#live-questions li.live-q", has_text=QUESTION)
    expect(mine).to_have_attribute("data-state", "pending")
    expect(asker.locator("#live-q-input")).to_have_value("")

    other = new_page(locale="zh-CN")
    sign_in(other, colleague)
    other.goto(watch)
    panel = other.locator("#live-questions")
    expect(panel).to_be_visible()

    host = new_page(locale="zh-CN")
    sign_in(host, lecturer)
    host.goto(f"/sessions/{session_id}")
    expect(host.locator(".live-moderate")).to_contain_text("1")  # one waiting
    screenshot(host, "live-questions-session-host")
    host.locator(".live-moderate a").click()
    expect(host).to_have_url(re.compile(rf"/sessions/{session_id}/questions$"))
    row = host.locator("li.live-q", has_text=QUESTION)
    expect(row).to_contain_text("李娜", timeout=POLLED)
    expect(panel).not_to_contain_text(QUESTION)  # nothing unmoderated
    screenshot(host, "live-questions-moderator")
    row.locator("button").first.click()  # Show
    expect(row).to_have_attribute("data-state", "shown")

    shown = other.locator("#live-questions li.live-q", has_text=QUESTION)
    expect(shown).to_be_visible(timeout=POLLED)
    expect(panel).not_to_contain_text("李娜")  # viewers see no names
    expect(mine).to_have_attribute("data-state", "shown", timeout=POLLED)
    screenshot(asker, "live-questions-viewer-phone")

    row.get_by_role("button").last.click()  # Hide
    expect(row).to_have_attribute("data-state", "hidden")
    expect(shown).to_have_count(0, timeout=POLLED)
    expect(mine).to_have_attribute(
        "data-state", "hidden", timeout=POLLED
    )  # the asker still sees it
