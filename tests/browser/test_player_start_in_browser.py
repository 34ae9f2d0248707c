"""A lecture fetches nothing but its poster before play, plays when asked, and a
next visit starts from what this device knows: the link's throughput it
measured, the quality chosen (issue 16, start fast)."""

import re
import time

from playwright.sync_api import expect

from tests.browser.test_player_in_browser import clip, published_lecture
from tests.builders import PASSWORD

__all__ = ["clip"]  # the module's recording fixture, shared

PLAYER = "window.telecmePlayer"
#: Playlists, init sections and segments of a lecture (the poster is a .jpg).
MEDIA = re.compile(r"/media/lectures/.*\.(m3u8|mp4|m4s)(\?|$)")


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def open_lecture(page, lecture_id, requests, link=None):
    """Open the lecture (the link's throughput kept as ``link``: bps, age in
    seconds) and wait until the page is quiet; what it fetched."""
    if link:
        # Left first: a lecture page keeps its estimate as it goes.
        page.goto("/dashboard")
        page.evaluate(
            "([bps, age]) => localStorage.setItem('telecme-link',"
            " JSON.stringify({bps: bps, at: Date.now() - age * 1000}))",
            list(link),
        )
    requests.clear()
    page.goto(f"/courses/lectures/{lecture_id}")
    page.wait_for_function(f"() => {PLAYER} && {PLAYER}.session()")
    page.wait_for_load_state("networkidle")
    return list(requests)


def play(page, requests):
    """Press play; the rung folder of the first video segment fetched."""
    requests.clear()
    page.evaluate(f"() => {{ const v = {PLAYER}.video; v.muted = true; v.play(); }}")
    page.wait_for_function(f"() => {PLAYER}.video.currentTime > 0.5")
    segments = [
        url.split("?")[0].split("/")[-2]
        for url in requests
        if url.split("?")[0].endswith(".m4s")
    ]
    return next(folder for folder in segments if folder != "audio")


def test_nothing_but_the_poster_before_play_then_it_plays_from_the_lowest_rung(
    app, new_page, screenshot, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)
    page = new_page(locale="zh-CN")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, login)

    before = open_lecture(page, lecture_id, requests)
    assert [url for url in before if MEDIA.search(url)] == []
    media = [url.split("?")[0] for url in before if "/media/" in url]
    assert [url.rsplit("/", 1)[1] for url in media] == ["poster.jpg"]
    assert page.evaluate(f"{PLAYER}.hls()") is None
    expect(page.locator("#player video")).to_have_attribute("preload", "none")
    screenshot(page, "player-before-play-zh-CN")

    # A device that never measured its link starts on the lowest rung.
    assert play(page, requests) == "240p"
    screenshot(page, "player-after-play-zh-CN")
    # The throughput hls.js measured is kept for the next start.
    link = page.evaluate("JSON.parse(localStorage.getItem('telecme-link'))")
    assert link["bps"] > 0 and abs(link["at"] / 1000 - time.time()) < 60


def test_the_next_visit_starts_from_the_measured_link_and_the_chosen_quality(
    app, new_page, committed, clip
):
    lecture_id, login = published_lecture(app, committed, clip)
    page = new_page(locale="zh-CN")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, login)

    # A fast link measured an hour ago: the first segment is already 480p
    # (the lecture's top rung), and no bitrate-test segment of a lower one.
    fetched = open_lecture(page, lecture_id, requests, link=(50_000_000, 3600))
    assert [url for url in fetched if MEDIA.search(url)] == []
    assert play(page, requests) == "480p"
    # Measured four days ago, or nonsense: unknown, the lowest rung again.
    for link in ((50_000_000, 4 * 24 * 3600), ("fast", 0), (-1, 0)):
        open_lecture(page, lecture_id, requests, link=link)
        assert play(page, requests) == "240p", link

    # A rung chosen by hand comes back on the next visit, before any estimate.
    page.select_option("select[name=quality]", label="360p")
    open_lecture(page, lecture_id, requests, link=(50_000_000, 0))
    assert play(page, requests) == "360p"
    expect(page.locator("select[name=quality] option:checked")).to_have_text("360p")

    # Play pressed while the player's scripts are still on their way (deferred:
    # they run once they arrive, after the page is parsed): hls.js is held back
    # until the video has played without them.
    page.add_init_script(
        """document.addEventListener("readystatechange", () => {
             if (document.readyState !== "interactive") return;
             const video = document.querySelector("#player video");
             video.addEventListener("play", () => {
               window.__playedEarly = !window.telecmePlayer;
             });
             video.muted = true;
             video.play();
           })"""
    )
    held = []
    page.route(re.compile(r"/hls\.min\.js"), lambda route: held.append(route))
    page.goto(f"/courses/lectures/{lecture_id}", wait_until="commit")
    page.wait_for_function("() => window.__playedEarly !== undefined")
    assert page.evaluate("window.__playedEarly") and len(held) == 1
    held[0].continue_()
    page.wait_for_function(f"() => {PLAYER} && {PLAYER}.video.currentTime > 0.5")


def test_a_lecture_watched_again_from_the_cache_leaves_the_link_as_measured(
    app, new_page, committed, clip
):
    """Segments are cached for good: played again they arrive at once, and a slow
    link must not be remembered as a fast one (the next start would pull a top
    rung's segment through it)."""
    lecture_id, login = published_lecture(app, committed, clip)
    page = new_page(locale="en")
    requests = []
    page.on("request", lambda request: requests.append(request.url))
    sign_in(page, login)
    open_lecture(page, lecture_id, requests)
    play(page, requests)  # over the network: measured
    page.wait_for_function(f"() => {PLAYER}.video.currentTime > 3")

    # The same device later on a county clinic's link, which it measured so.
    cdp = page.context.new_cdp_session(page)
    cdp.send("Network.enable")
    cdp.send(
        "Network.emulateNetworkConditions",
        {
            "offline": False,
            "latency": 300,
            "downloadThroughput": 400_000 / 8,
            "uploadThroughput": 256_000 / 8,
        },
    )
    open_lecture(page, lecture_id, requests, link=(300_000, 60))
    play(page, requests)  # the segments played first come from the cache
    page.wait_for_function(f"() => {PLAYER}.video.currentTime > 3")
    page.evaluate(f"{PLAYER}.beat()")
    link = page.evaluate("JSON.parse(localStorage.getItem('telecme-link'))")
    assert link["bps"] < 1_000_000, link
