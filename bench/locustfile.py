"""Locust users of bench/load.py: learners who sign in, browse, search, watch a
lecture (playlists, segments, heartbeats) and coordinators who read reports.

Run by bench/load.py (headless, loopback), which writes the plan this file reads
(``LOAD_PLAN``: accounts, the lecture, the beat interval) and reads back what it
writes at exit (``LOAD_OUT``: per-endpoint figures, errors, and the media ranges
each learner's acknowledged heartbeats carried).

Learners mirror the browser: the real sign-in form with its CSRF token, the
session cookie, the lecture page's ``X-CSRFToken`` header for the player's API
calls (lms/static/js/player.js). Time is compressed: a beat every
``beat_seconds`` of wall time (15 s in real life) carries the media played
since the last one at ``rate`` (just under the 2x the server allows, DESIGN
§2.3), so each beat stays inside the learner's budget of wall time x 2 + slack.
Segments are fetched at the real ratio of a viewer at 1x (6 s segments, a beat
every 15 s: 2.5 segments a beat).
"""

import html
import itertools
import json
import os
import random
import re
import time

import gevent
from locust import FastHttpUser, constant_pacing, events, task

with open(os.environ["LOAD_PLAN"], encoding="utf-8") as _file:
    PLAN = json.load(_file)
OUT = os.environ["LOAD_OUT"]

BEAT_SECONDS = float(PLAN["beat_seconds"])
RATE = float(PLAN["rate"])
SEGMENTS_PER_BEAT = float(PLAN["segments_per_beat"])
#: The browser drops ranges shorter than this (player.js), and so does the server.
MIN_RANGE = 0.25
BROWSE_SHARE = float(PLAN.get("browse_share", 0.05))

_learners = iter(PLAN["learners"])
_coordinators = itertools.cycle(PLAN["coordinators"] or [None])
#: login -> {"lecture_id": id, "ranges": [[from, to], ...]} of acknowledged beats.
SENT = {}
FAILURES = {"count": 0, "samples": []}
#: Steady-state mode (bench/load.py --find-max): once all ``LOAD_USERS`` users
#: have signed in and started watching, the stats start afresh and the run ends
#: ``LOAD_MEASURE_SECONDS`` later; sign-ins and first page loads are the ramp.
MEASURE_SECONDS = float(os.environ.get("LOAD_MEASURE_SECONDS") or 0)
USERS = int(os.environ.get("LOAD_USERS") or 0)
READY = {"users": 0, "measured_from": None, "measured_to": None}


def user_ready(environment):
    READY["users"] += 1
    if MEASURE_SECONDS and READY["users"] == USERS:
        environment.stats.reset_all()
        READY["measured_from"] = time.time()

        def stop():
            READY["measured_to"] = time.time()
            environment.runner.quit()

        gevent.spawn_later(MEASURE_SECONDS, stop)


CSRF_INPUT = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')
PLAYER_CONFIG = re.compile(r"id=\"player\" data-config='([^']+)'")


@events.request.add_listener
def _count_failure(request_type, name, exception=None, **kwargs):
    """Every failed request since the start (Locust's own stats may be reset
    when spawning ends; these never are)."""
    if exception is not None:
        FAILURES["count"] += 1
        if len(FAILURES["samples"]) < 20:
            FAILURES["samples"].append(f"{request_type} {name}: {exception}"[:300])


@events.quitting.add_listener
def _write_results(environment, **kwargs):
    stats = environment.stats
    endpoints = {}
    for (name, method), entry in sorted(stats.entries.items()):
        endpoints[name] = {
            "method": method,
            "count": entry.num_requests,
            "errors": entry.num_failures,
            "p50": entry.get_response_time_percentile(0.5),
            "p95": entry.get_response_time_percentile(0.95),
            "rps": entry.total_rps,
        }
    total = stats.total
    result = {
        "requests": total.num_requests,
        "rps": total.total_rps,
        "failures": FAILURES["count"],
        "failure_samples": FAILURES["samples"],
        "endpoints": endpoints,
        "sent": SENT,
        "ready_users": READY["users"],
        "measured_seconds": (
            READY["measured_to"] - READY["measured_from"]
            if READY["measured_to"]
            else None
        ),
    }
    with open(OUT, "w", encoding="utf-8") as file:
        json.dump(result, file)


def expect(response, *statuses):
    """Fail the request (it counts as an error) unless its status is one of these."""
    if response.status_code not in statuses:
        response.failure(f"status {response.status_code}: {response.text[:200]!r}")
        return False
    return True


class Person(FastHttpUser):
    abstract = True
    # Loopback: a slow answer is a figure to measure, not a reason to give up.
    network_timeout = 60.0
    connection_timeout = 60.0

    def sign_in(self, login):
        """The sign-in form as a browser sends it: GET for the CSRF token, POST."""
        with self.client.get("/login", name="login form", catch_response=True) as r:
            if not expect(r, 200):
                return False
            match = CSRF_INPUT.search(r.text)
        form = {
            "login": login,
            "password": PLAN["password"],
            "csrf_token": html.unescape(match.group(1)) if match else "",
        }
        with self.client.post(
            "/login",
            data=form,
            name="login",
            allow_redirects=False,
            catch_response=True,
        ) as r:
            if not expect(r, 302):
                return False
        with self.client.get("/dashboard", name="dashboard", catch_response=True) as r:
            return expect(r, 200)


class Learner(Person):
    """One learner account of the plan: signs in, browses, watches one lecture."""

    weight = 1
    wait_time = constant_pacing(BEAT_SECONDS)

    def on_start(self):
        self.account = next(_learners)
        self.login = self.account["login"]
        self.ready = False
        try:
            if self.sign_in(self.login):
                self.browse(search=True)
                self.ready = self.open_lecture()
        finally:
            user_ready(self.environment)

    def browse(self, search=False):
        with self.client.get("/courses/", name="catalog", catch_response=True) as r:
            expect(r, 200)
        if search or random.random() < 0.5:
            q = random.choice(PLAN["queries"])
            with self.client.get(
                "/courses/", params={"q": q}, name="search", catch_response=True
            ) as r:
                expect(r, 200)
        with self.client.get(
            f"/courses/{PLAN['course_id']}", name="course page", catch_response=True
        ) as r:
            expect(r, 200)

    def open_lecture(self):
        """The lecture page, a play session, the playlists and the first segments."""
        lecture_id = PLAN["lecture_id"]
        with self.client.get(
            f"/courses/lectures/{lecture_id}", name="lecture page", catch_response=True
        ) as r:
            if not expect(r, 200):
                return False
            config = PLAYER_CONFIG.search(r.text)
            csrf = CSRF_META.search(r.text)
            if not config or not csrf:
                r.failure("no player on the lecture page")
                return False
            self.config = json.loads(html.unescape(config.group(1)))
            self.csrf = html.unescape(csrf.group(1))
        # All the page loads of its video before play (player.js).
        with self.client.get(
            self.config["poster"], name="poster", catch_response=True
        ) as r:
            expect(r, 200)
        if not self.fetch_playlists():
            return False
        return self.start_session()

    def fetch_playlists(self):
        master_url = self.config["hlsUrl"]
        base = master_url.rsplit("/", 1)[0]
        with self.client.get(master_url, name="master.m3u8", catch_response=True) as r:
            if not expect(r, 200):
                return False
            variants, bandwidth = [], None
            for line in r.text.splitlines():
                if line.startswith("#EXT-X-STREAM-INF"):
                    found = re.search(r"BANDWIDTH=(\d+)", line)
                    bandwidth = int(found.group(1)) if found else 0
                elif line and not line.startswith("#") and bandwidth is not None:
                    variants.append((bandwidth, line))
                    bandwidth = None
        if not variants:
            return False
        # The lowest rung: the player's start on an unknown link.
        _, uri = min(variants)
        variant_url = f"{base}/{uri}"
        variant_base = variant_url.rsplit("/", 1)[0]
        with self.client.get(
            variant_url, name="variant.m3u8", catch_response=True
        ) as r:
            if not expect(r, 200):
                return False
            text = r.text
        init = re.search(r'#EXT-X-MAP:URI="([^"]+)"', text)
        self.segments = [
            f"{variant_base}/{line}"
            for line in text.splitlines()
            if line and not line.startswith("#")
        ]
        if init:
            self.get_segment(f"{variant_base}/{init.group(1)}", "init segment")
        self.next_segment = 0
        self.segment_credit = SEGMENTS_PER_BEAT
        self.fetch_segments()
        return bool(self.segments)

    def get_segment(self, url, name="segment"):
        with self.client.get(url, name=name, catch_response=True) as r:
            expect(r, 200)

    def fetch_segments(self):
        """Segments in playlist order (wrapping), 2.5 a beat on average."""
        while self.segment_credit >= 1:
            self.segment_credit -= 1
            url = self.segments[self.next_segment % len(self.segments)]
            self.next_segment += 1
            self.get_segment(url)

    def start_session(self):
        with self.client.post(
            self.config["sessionUrl"],
            headers={"X-CSRFToken": self.csrf},
            name="play session",
            catch_response=True,
        ) as r:
            if not expect(r, 201):
                return False
            data = r.json()
        # The learner's budget starts no earlier than the server's answer.
        self.last_beat = time.monotonic()
        self.session = data["play_session"]
        self.seq = 0
        self.duration = float(data["progress"]["duration"])
        self.position = float(data["progress"]["resume_position"])
        SENT.setdefault(self.login, {"lecture_id": PLAN["lecture_id"], "ranges": []})
        return True

    @task
    def watch(self):
        if not self.ready:
            return
        if random.random() < BROWSE_SHARE:
            self.browse()
        if self.position >= self.duration - MIN_RANGE:
            # The end of the lecture: watch it again with a new play session.
            self.ready = self.start_session()
            self.position = 0.0
            return
        self.segment_credit += SEGMENTS_PER_BEAT
        self.fetch_segments()
        now = time.monotonic()
        start = self.position
        end = min(self.duration, start + (now - self.last_beat) * RATE)
        start, end = round(start, 3), round(end, 3)
        if end - start < MIN_RANGE:
            return
        self.seq += 1
        beat = {
            "play_session": self.session,
            "seq": self.seq,
            "ranges": [[start, end]],
            "position": end,
        }
        with self.client.post(
            self.config["progressUrl"],
            json=beat,
            headers={"X-CSRFToken": self.csrf},
            name="heartbeat",
            catch_response=True,
        ) as r:
            if expect(r, 200):
                SENT[self.login]["ranges"].append([start, end])
                self.position = end
                self.last_beat = now


class Coordinator(Person):
    """A site coordinator who reads their hospital's report pages."""

    fixed_count = len(PLAN["coordinators"])
    wait_time = constant_pacing(max(BEAT_SECONDS, 10.0))

    def on_start(self):
        self.account = next(_coordinators)
        try:
            self.ready = self.account is not None and self.sign_in(
                self.account["login"]
            )
        finally:
            user_ready(self.environment)

    @task
    def reports(self):
        if not self.ready:
            return
        with self.client.get(
            "/reports/my-hospital", name="reports: my hospital", catch_response=True
        ) as r:
            expect(r, 200)
        with self.client.get(
            f"/reports/hospitals/{PLAN['hospital_id']}",
            params={"year": PLAN["year"]},
            name="reports: hospital year",
            catch_response=True,
        ) as r:
            expect(r, 200)
