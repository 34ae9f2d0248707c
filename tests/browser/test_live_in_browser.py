"""Issue 14's done-when, for real: ffmpeg pushes a generated stream into the
nginx of the tests (with the RTMP module), a learner of the audience watches it
live in Chromium (the picture advances, LIVE is shown, their beats become
presence), a wrong key is refused, and stopping the push ends the broadcast
and its replay lecture reaches "ready"."""

import re

import pytest
from playwright.sync_api import expect

from tests.builders import PASSWORD
from tests.conftest import unique
from tests.integration import test_live_ingest as ingest_tests
from tests.integration.test_live_ingest import broadcasts, wait_for
from tests.integration.test_live_ladder import broadcast_row

#: The ingest tests' fixtures: a broadcast session with a key, committing.
broadcast_session = ingest_tests.broadcast_session
committed_app = ingest_tests.committed
pushes = ingest_tests.pushes


@pytest.fixture
def quick_live(app):
    """Beats every 2 s (15 by default) and a reconnect window of 3 s (60)."""
    before = app.config["LIVE_BEAT_SECONDS"], app.config["LIVE_RECONNECT_SECONDS"]
    app.config["LIVE_BEAT_SECONDS"], app.config["LIVE_RECONNECT_SECONDS"] = 2, 3
    yield
    app.config["LIVE_BEAT_SECONDS"], app.config["LIVE_RECONNECT_SECONDS"] = before


def _learner():
    from lms.accounts.operations import create_user
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    hospital = create_hospital(
        code=unique("H"), name_zh="蒲江县人民医院", tier=Tier.COUNTY, province_code="51"
    )
    return create_user(
        login=f"{unique('learner')}@example.org",
        name="远程学员",
        password=PASSWORD,
        hospital=hospital,
    ).login


def _presence_seconds(app, session_id):
    import sqlalchemy as sa

    from courses.sessions.models import Presence
    from lms.db import db

    with app.app_context():
        seconds = db.session.scalar(
            sa.select(sa.func.sum(Presence.live_seconds)).filter_by(
                session_id=session_id
            )
        )
        db.session.remove()
        return seconds or 0


def _media_status(app, lecture_id):
    from courses.models import Lecture
    from lms.db import db

    with app.app_context():
        status = db.session.get(Lecture, lecture_id).media_status.value
        db.session.remove()
        return status


def test_a_learner_watches_a_push_live_and_its_replay_becomes_ready(
    app,
    rtmp_ingest,
    pushes,
    broadcast_session,
    committed_app,
    quick_live,
    new_page,
    screenshot,
):
    session_id, key, _host_id = broadcast_session()

    wrong = pushes("not-the-key-" + key[:6], seconds=5)
    assert wrong.wait(20) != 0  # nginx refused it: on_publish said 403
    assert broadcasts(app, session_id) == []

    login = committed_app(_learner)
    page = new_page(locale="zh-CN")
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    page.goto(f"/sessions/{session_id}/watch")
    expect(page.locator("#player")).to_have_attribute("data-state", "idle")

    push = pushes(key, seconds=90)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    # The page learns of the push from its beats and starts the live edge.
    expect(page.locator("#player")).to_have_attribute(
        "data-state", "live", timeout=20_000
    )
    expect(page.locator(".live-badge")).to_be_visible()
    page.wait_for_function(
        "() => window.telecmePlayer.hls() && window.telecmePlayer.hls().levels.length"
        " > 0",
        timeout=40_000,
    )
    page.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    page.wait_for_function(
        "() => window.telecmePlayer.video.currentTime > 0", timeout=30_000
    )
    first = page.evaluate("window.telecmePlayer.video.currentTime")
    page.wait_for_function(
        f"() => window.telecmePlayer.video.currentTime > {first + 3}", timeout=30_000
    )
    expect(page.locator(".live-delay")).to_have_text(re.compile(r"\d+"))
    # Beats while playing became presence, by the server's clock.
    wait_for(lambda: _presence_seconds(app, session_id) >= 2, 20, "presence")
    expect(page.locator(".live-presence")).not_to_be_empty()
    screenshot(page, "live-watching-zh")

    # Audio only, as for recordings: the ladder's audio playlist, still live.
    page.select_option("select[name=quality]", "audio")
    page.wait_for_function(
        "() => window.telecmePlayer.hls()"
        " && window.telecmePlayer.hls().url.endsWith('/audio/index.m3u8')"
    )
    page.evaluate("window.telecmePlayer.video.play()")
    at = page.evaluate("window.telecmePlayer.video.currentTime")
    page.wait_for_function(
        f"() => window.telecmePlayer.video.currentTime > {at + 2}", timeout=30_000
    )

    # A second device takes over the learner's one counting stream; the first
    # says so, and counts again on request.
    other = new_page(locale="zh-CN")
    other.goto("/login")
    other.fill("#login", login)
    other.fill("#password", PASSWORD)
    other.locator("main form button[type=submit]").click()
    expect(other).to_have_url(re.compile(r"/dashboard$"))
    other.goto(f"/sessions/{session_id}/watch")
    other.wait_for_function("() => window.telecmeLive.viewing()")
    # A paused player sends no beats: only a playing one learns it was taken over.
    other.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play(); }"
    )
    expect(page.locator(".live-takeover")).to_be_visible(timeout=20_000)
    page.locator(".live-takeover button").click()
    expect(page.locator(".live-takeover")).to_be_hidden()
    page.wait_for_function("() => window.telecmeLive.viewing()")
    # The page in the background runs no timers here: its next beat, now.
    other.bring_to_front()
    other.evaluate(
        "() => { const v = window.telecmePlayer.video; v.muted = true; v.play();"
        " window.telecmeLive.beat(); }"
    )
    expect(other.locator(".live-takeover")).to_be_visible(timeout=20_000)

    push.kill()
    push.wait(10)
    row = wait_for(
        lambda: (r := broadcast_row(app, broadcast_id))["state"] == "ended" and r,
        60,
        "the end of the broadcast",
    )
    assert row["end_reason"].value == "stopped"
    expect(page.locator(".live-badge")).to_be_hidden(timeout=20_000)
    lecture_id = wait_for(
        lambda: broadcast_row(app, broadcast_id)["replay_lecture_id"],
        60,
        "the replay lecture",
    )
    wait_for(
        lambda: _media_status(app, lecture_id) == "ready", 180, "the replay's ladder"
    )
