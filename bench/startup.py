"""How fast a lecture starts on a weak link: Debian's Chromium, throttled through
the DevTools protocol, against the real server (gunicorn) with the demo data.

The demo's recordings are 480p (``flask seed-demo``), so the bench gives the
demo's nursing course's first lecture a 720p30 recording of its own (the demo's
lecture-like clip, 60 s, ``generate_demo_recording``; or ``--recording PATH``,
e.g. real camera footage from ``make bench-sources``) through the real pipeline:
upload, transcode job, the office's approval. A nurse of the demo learner's
hospital enrolled in that course (a new one for each run, so each starts the
lecture at 0) opens the lecture page in a fresh browser context with a cleared
cache, the link throttled with ``Network.emulateNetworkConditions`` (400 kbit/s
down, 300 ms latency, 256 kbit/s up: a county clinic on a shared line), waits
until the page is quiet (at most ``--read-seconds``, a viewer reading the page),
presses play and lets it play ``--play-seconds``. For each run it measures:

* bytes transferred before play (encoded bytes on the wire, headers included);
* time from play to the first frame (``requestVideoFrameCallback``; else the
  first ``timeupdate`` past 0);
* the first rung whose video segment was requested after play;
* stalls: ``waiting`` events after the first frame, and the seconds they lasted.

Both players run in the same process, interleaved: the player as it is, and the
baseline (``?start=eager``: hls.js created as the page opens, loading from its
own first choice at once, as the player did before it waited for play). Medians
of ``--runs`` runs each, and the baseline/player ratios.

    flock /tmp/telecme-bench.lock .venv/bin/python bench/startup.py \\
        [--runs 5] [--play-seconds 25] [--read-seconds 15] [--down-kbps 400] \\
        [--latency-ms 300] [--up-kbps 256] [--clip-seconds 60] [--recording PATH]
"""

import argparse
import os
import re
import secrets
import signal
import statistics
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.heartbeat import start_gunicorn  # noqa: E402

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
#: As tests/browser/conftest.py launches it, and play() needs no gesture here.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
    "--autoplay-policy=no-user-gesture-required",
]
LEARNER = "learner@example.com"
#: The issue's targets.
TARGET_FIRST_FRAME_SECONDS = 5.0
TARGET_BYTES_BEFORE_PLAY = 250 * 1000
#: Requests that are video or audio: playlists, init sections, segments.
MEDIA_REQUEST = re.compile(r"/media/lectures/.*\.(m3u8|mp4|m4s)(\?|$)")
#: How long the network must be idle before the viewer presses play.
QUIET_SECONDS = 1.5


# --- the data: the demo, and a 720p lecture through the real pipeline -----------


def build_data(app, clip_seconds, viewers, recording=None):
    """Seed the demo and give the nursing course's first lecture a 720p30
    recording; returns the lecture's id and the logins of ``viewers`` nurses of
    the demo learner's hospital enrolled in that course (each run's own viewer
    starts the lecture at 0, as the demo learner did on her first visit)."""
    import sqlalchemy as sa

    from courses import operations as course_ops
    from courses.models import Course
    from lms.accounts.models import User
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Profession
    from lms.db import db, utcnow
    from lms.demo import DEMO_PASSWORD, seed_demo
    from lms.demo_courses import COURSES
    from media_pipeline import operations as media_ops
    from media_pipeline.runner import generate_demo_recording
    from media_pipeline.states import ReviewState
    from media_pipeline.storage import Storage
    from media_pipeline.tasks import transcode_job

    with app.app_context():
        seed_demo()
        db.session.commit()
        course = db.session.scalar(
            sa.select(Course).filter_by(specialty="nursing", title_zh=COURSES[3][0])
        )
        learner = db.session.scalar(sa.select(User).filter_by(login=LEARNER))
        logins = []
        for n in range(viewers):
            viewer = create_user(
                login=f"viewer{n}@example.com",
                name=f"{learner.name}{n}",
                password=DEMO_PASSWORD,
                hospital=learner.hospital,
                profession=Profession.NURSE,
            )
            course_ops.enrol(course, viewer, utcnow())
            logins.append(viewer.login)
        lecture = course.lectures[0]
        lecturer = db.session.scalar(
            sa.select(User).filter_by(login="lecturer@example.com")
        )
        storage = Storage(app.config["MEDIA_DIR"])
        with tempfile.TemporaryDirectory() as folder:
            clip = recording or generate_demo_recording(
                Path(folder) / "lecture-720p.mp4",
                clip_seconds,
                width=1280,
                height=720,
                rate=30,
            )
            size = clip.stat().st_size
            upload = media_ops.start_upload(
                lecture, lecturer, filename=clip.name, size=size, max_bytes=size
            )
            with clip.open("rb") as stream:
                job = media_ops.receive_chunk(
                    upload, 0, stream, storage, utcnow(), chunk_limit=size
                )
            db.session.commit()
            job_id, lecture_id = job.id, lecture.id
        transcode_job.call_local(job_id)
        job = media_ops.get_version_for_review(job_id)
        if job.review_state == ReviewState.PENDING:
            admin = db.session.scalar(
                sa.select(User).filter_by(login="admin@example.com")
            )
            media_ops.approve_version(job, admin, utcnow(), storage)
        db.session.commit()
    return lecture_id, logins


def rungs_of(master_text, master_url):
    """``{folder URL: "720p"}`` from a master playlist's variants."""
    base = master_url.rsplit("/", 1)[0]
    rungs, resolution = {}, None
    for line in master_text.splitlines():
        if line.startswith("#EXT-X-STREAM-INF"):
            found = re.search(r"RESOLUTION=\d+x(\d+)", line)
            resolution = f"{found.group(1)}p" if found else "audio"
        elif line and not line.startswith("#") and resolution:
            rungs[f"{base}/{line.rsplit('/', 1)[0]}/"] = resolution
            resolution = None
    return rungs


# --- one run: open the page cold and throttled, press play, watch --------------


class Wire:
    """Requests and the bytes they brought, from the DevTools protocol."""

    def __init__(self, cdp):
        self.requests = {}  # id -> {"url", "bytes", "done", "phase"}
        self.phase = "before"
        cdp.on("Network.requestWillBeSent", self._sent)
        cdp.on("Network.dataReceived", self._data)
        cdp.on("Network.loadingFinished", self._finished)
        cdp.on("Network.loadingFailed", self._failed)

    def _sent(self, event):
        url = event["request"]["url"]
        if url.startswith("data:"):
            return
        self.requests[event["requestId"]] = {
            "url": url,
            "bytes": 0,
            "done": False,
            "phase": self.phase,
            "at": time.monotonic(),
        }

    def _data(self, event):
        request = self.requests.get(event["requestId"])
        if request and not request["done"]:
            request["bytes"] += event.get("encodedDataLength", 0)

    def _finished(self, event):
        request = self.requests.get(event["requestId"])
        if request:
            request["bytes"] = max(request["bytes"], event["encodedDataLength"])
            request["done"] = True

    def _failed(self, event):
        request = self.requests.get(event["requestId"])
        if request:
            request["done"] = True

    def total(self):
        return sum(r["bytes"] for r in self.requests.values())

    def pending(self):
        return sum(1 for r in self.requests.values() if not r["done"])


#: Installed before play: when play was asked, the first frame, waits, progress.
WATCH_SCRIPT = """() => {
  const video = document.querySelector('#player video');
  const w = window.__startup = {play: null, frame: null, playing: null,
                                update: null, waits: [], resumes: []};
  const rung = () => {
    const h = window.telecmePlayer.hls();
    const level = h && h.levels[h.currentLevel];
    w.rung = level ? level.height + 'p' : null;
  };
  if (video.requestVideoFrameCallback) {
    video.requestVideoFrameCallback((now) => { w.frame = now; rung(); });
  }
  video.addEventListener('playing', () => {
    if (w.playing === null) w.playing = performance.now();
    else w.resumes.push(performance.now());
  });
  video.addEventListener('timeupdate', () => {
    if (w.update === null && video.currentTime > 0) {
      w.update = performance.now();
      if (w.frame === null) rung();
    }
  });
  video.addEventListener('waiting', () => {
    const first = w.frame || w.update;
    if (first !== null) w.waits.push(performance.now());
  });
  video.muted = true;
  w.play = performance.now();
  const started = video.play();
  if (started && started.catch) started.catch((e) => { w.error = String(e); });
}"""


def wait_quiet(page, wire, most_seconds):
    """Until no request has been open for QUIET_SECONDS, or most_seconds."""
    start = quiet_since = time.monotonic()
    while time.monotonic() - start < most_seconds:
        page.wait_for_timeout(100)
        if wire.pending():
            quiet_since = time.monotonic()
        elif time.monotonic() - quiet_since >= QUIET_SECONDS:
            break
    return time.monotonic() - start


def one_run(browser, base_url, lecture_id, login, variant, args):
    from lms.demo import DEMO_PASSWORD

    context = browser.new_context(
        base_url=base_url, locale="zh-CN", viewport={"width": 1280, "height": 800}
    )
    try:
        page = context.new_page()
        page.goto("/login")
        page.fill("#login", login)
        page.fill("#password", DEMO_PASSWORD)
        page.locator("main form button[type=submit]").click()
        page.wait_for_url(re.compile(r"/dashboard$"))

        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.clearBrowserCache")  # the sign-in fetched CSS and JS
        cdp.send(
            "Network.emulateNetworkConditions",
            {
                "offline": False,
                "latency": args.latency_ms,
                "downloadThroughput": args.down_kbps * 1000 / 8,
                "uploadThroughput": args.up_kbps * 1000 / 8,
            },
        )
        wire = Wire(cdp)
        url = f"/courses/lectures/{lecture_id}"
        if variant == "baseline":
            url += "?start=eager"
        opened = time.monotonic()
        page.goto(url, wait_until="load", timeout=120_000)
        loaded = time.monotonic() - opened
        wait_quiet(page, wire, max(0.0, args.read_seconds - loaded))
        waited = time.monotonic() - opened
        before = wire.total()
        before_media = [
            r["url"] for r in wire.requests.values() if MEDIA_REQUEST.search(r["url"])
        ]
        before_list = sorted(
            ((r["bytes"], r["url"]) for r in wire.requests.values()), reverse=True
        )
        wire.phase = "after"
        page.evaluate(WATCH_SCRIPT)
        page.wait_for_function(
            "() => window.__startup.frame !== null || window.__startup.update !== null"
            " || window.__startup.error",
            timeout=120_000,
            polling=50,
        )
        page.wait_for_timeout(args.play_seconds * 1000)
        watched = page.evaluate(
            "() => Object.assign({}, window.__startup,"
            " {position: document.querySelector('#player video').currentTime,"
            "  now: performance.now()})"
        )
        master_url = page.evaluate(
            "() => { const h = window.telecmePlayer.hls(); return h && h.url; }"
        )
        rungs = rungs_of(page.request.get(master_url).text(), master_url)
        in_order = sorted(wire.requests.values(), key=lambda r: r["at"])
        first_rung = next(
            (
                rung
                for r in in_order
                if r["url"].split("?")[0].endswith(".m4s")
                for folder, rung in rungs.items()
                if r["url"].startswith(folder) and rung != "audio"
            ),
            None,
        )
    finally:
        context.close()
    if watched.get("error"):
        raise SystemExit(f"{variant}: play() failed: {watched['error']}")
    first = watched["frame"] or watched["update"]
    stalled = 0.0
    for start in watched["waits"]:
        resumed = [t for t in watched["resumes"] if t >= start]
        stalled += (min(resumed) if resumed else watched["now"]) - start
    return {
        "variant": variant,
        "bytes_before": before,
        "media_before": before_media,
        "before_list": before_list,
        "page_load": loaded,
        "pressed_play_at": waited,
        "first_frame": (first - watched["play"]) / 1000,
        "first_rung": first_rung,
        "rung_at_first_frame": watched.get("rung"),
        "rungs": sorted(set(rungs.values())),
        "stalls": len(watched["waits"]),
        "stalled_seconds": stalled / 1000,
        "played": watched["position"],
    }


# --- the report -----------------------------------------------------------------


def summarize(name, runs):
    frames = [r["first_frame"] for r in runs]
    before = [r["bytes_before"] for r in runs]
    rungs = Counter(r["first_rung"] for r in runs)
    media = sum(len(r["media_before"]) for r in runs)
    print(
        f"  {name:9} bytes before play {statistics.median(before) / 1000:8.1f} KB"
        f" (media requests before play: {media})"
        f"   first frame {statistics.median(frames):5.2f} s"
        f" (runs {', '.join(f'{f:.2f}' for f in frames)})"
    )
    print(
        f"  {'':9} first video segment's rung {dict(rungs)}, playing at the first"
        f" frame {dict(Counter(r['rung_at_first_frame'] for r in runs))}\n"
        f"  {'':9} stalls after the start"
        f" {sum(r['stalls'] for r in runs)}"
        f" ({sum(r['stalled_seconds'] for r in runs):.1f} s in all)"
        f"   played {statistics.median(r['played'] for r in runs):.1f} s"
        f"   page loaded in {statistics.median(r['page_load'] for r in runs):.1f} s"
    )


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--play-seconds", type=float, default=25)
    parser.add_argument("--read-seconds", type=float, default=15)
    parser.add_argument("--down-kbps", type=int, default=400)
    parser.add_argument("--up-kbps", type=int, default=256)
    parser.add_argument("--latency-ms", type=int, default=300)
    parser.add_argument("--clip-seconds", type=int, default=60)
    parser.add_argument(
        "--recording", type=Path, help="this recording instead of the generated clip"
    )
    parser.add_argument(
        "--only", choices=("player", "baseline"), help="run one of the two only"
    )
    args = parser.parse_args()

    from flask_migrate import upgrade
    from playwright.sync_api import sync_playwright

    from lms import create_app
    from tests import services

    instance = Path(tempfile.mkdtemp(prefix="telecme-startup-"))
    url = f"sqlite:///{instance / 'lms.sqlite3'}"
    secret = secrets.token_hex(32)
    app = create_app(
        {
            "SECRET_KEY": secret,
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
        }
    )
    with app.app_context():
        upgrade()
    began = time.monotonic()
    lecture_id, logins = build_data(
        app, args.clip_seconds, 2 * args.runs, args.recording
    )
    prepared = time.monotonic() - began

    env = dict(
        os.environ,
        LMS_SECRET_KEY=secret,
        LMS_DATABASE_URL=url,
        LMS_INSTANCE_PATH=str(instance),
        LMS_SESSION_COOKIE_SECURE="false",
        LMS_REMEMBER_COOKIE_SECURE="false",
        LMS_LOG_LEVEL="WARNING",
    )
    port = services.free_port()
    server = start_gunicorn(env, port, workers=2, threads=4)
    variants = [args.only] if args.only else ["player", "baseline"]
    results = {name: [] for name in variants}
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
            )
            for n in range(args.runs):
                # Interleaved, the order alternating: a busy moment hits both.
                order = variants if n % 2 == 0 else variants[::-1]
                for variant in order:
                    run = one_run(
                        browser,
                        f"http://127.0.0.1:{port}",
                        lecture_id,
                        logins.pop(),
                        variant,
                        args,
                    )
                    results[variant].append(run)
                    print(
                        f"  run {n + 1} {variant:8}: "
                        f"{run['bytes_before'] / 1000:7.1f} KB before play,"
                        f" first frame {run['first_frame']:5.2f} s,"
                        f" first rung {run['first_rung']}, stalls {run['stalls']}",
                        file=sys.stderr,
                    )
            browser.close()
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    print(
        "startup benchmark: the demo's nursing lecture with "
        + (
            f"the recording {args.recording.name}"
            if args.recording
            else f"a 720p30 recording of {args.clip_seconds} s"
        )
        + f" (transcoded here in {prepared:.0f} s), Chromium "
        f"{args.down_kbps} kbit/s down / {args.up_kbps} kbit/s up, "
        f"{args.latency_ms} ms latency, cold cache, medians of {args.runs} runs, "
        f"play pressed when the page is quiet or {args.read_seconds:.0f} s after "
        f"opening it, {args.play_seconds:.0f} s of play; "
        f"load {os.getloadavg()[0]:.1f}"
    )
    first = next(iter(results.values()))[0]
    print(f"  rungs: {', '.join(first['rungs'])}")
    for name in variants:
        summarize(name, results[name])
    print(f"  what {variants[0]} fetched before play (run 1):")
    for size, url in first["before_list"]:
        print(
            f"    {size / 1000:8.1f} KB  {url.replace(f'http://127.0.0.1:{port}', '')}"
        )
    if len(variants) == 2:
        player, baseline = results["player"], results["baseline"]

        def ratio(key):
            b = statistics.median(r[key] for r in baseline)
            p = statistics.median(r[key] for r in player)
            return b / p if p else float("inf")

        print(
            f"  baseline / player: first frame {ratio('first_frame'):.2f}x,"
            f" bytes before play {ratio('bytes_before'):.2f}x"
        )
    if "player" in results:
        player = results["player"]
        frame = statistics.median(r["first_frame"] for r in player)
        before = statistics.median(r["bytes_before"] for r in player)
        stalls = sum(r["stalls"] for r in player)
        media = sum(len(r["media_before"]) for r in player)
        met = (
            frame <= TARGET_FIRST_FRAME_SECONDS
            and before <= TARGET_BYTES_BEFORE_PLAY
            and not stalls
            and not media
        )
        print(
            f"  target (first frame <= {TARGET_FIRST_FRAME_SECONDS:.0f} s, "
            f"<= {TARGET_BYTES_BEFORE_PLAY // 1000} KB and no video before play, "
            f"no stall): {'met' if met else 'MISSED'}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
