"""Room sign-ins per second through the real server (gunicorn, production settings).

Learners sign in to a scheduled session with the room's rotating code
(``POST /api/v1/sessions/{id}/sign-in`` with a bearer token), in two shapes:

* a large hall: one session at the hub, every learner with a seat of their own,
  one code on one screen (fetched by the lecturer);
* many rooms at once: one broadcast booked by ``--rooms`` hospitals, a room of
  ``learners / rooms`` seats each, every room's code on its own screen (fetched
  by that hospital's coordinator).

A screen thread fetches each room's code (``GET /api/v1/sessions/{id}/code``)
every few seconds, as the room screens do, while the client threads send the
learners' sign-ins in a shuffled order; then every learner signs out the same
way (the same learners sit every session, and a presence at another session in
the same hours is refused, so each signs out before the next). The script
prints sign-ins and sign-outs per second, p50/p95/max latency, errors (must be
0), the presences the database holds afterwards against the sign-ins accepted
(nothing lost or doubled), and the same load on a no-op endpoint of the same
server (``/healthz``) with the ratio. Medians of several rounds; each round
signs in to sessions of its own.

    .venv/bin/python bench/signin.py [--learners 2000] [--rooms 40] [--rounds 3]
                                     [--threads 16] [--db sqlite|postgresql]
                                     [--shape both|hall|rooms] [--profile N]
"""

import argparse
import json
import os
import random
import secrets
import signal
import statistics
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.heartbeat import Client, start_gunicorn  # noqa: E402

#: How often a room screen fetches its code (a code stands for 20 s and the one
#: before it is still accepted, so a code fetched this long ago still signs in).
SCREEN_REFRESH_SECONDS = 4.0
#: The issue's target: 2,000 learners signed in within two minutes.
TARGET_SECONDS = 120
#: What the data is built with: the server never checks a password here.
CHEAP_HASH = "pbkdf2:sha256:1000"


@dataclass
class Room:
    """One screen: who fetches its code, and the learners in front of it."""

    host_token: str
    learner_tokens: list
    code: str = ""


@dataclass
class Shape:
    """One session of a round: its rooms, and what was sent and measured."""

    name: str
    session_id: int
    rooms: list
    results: dict = field(default_factory=dict)


def bearer(token):
    return {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}


def build_people(app, learners, rooms):
    """The hub with its lecturer, ``rooms`` county and township hospitals with a
    coordinator and ``learners / rooms`` learners each, all with API tokens."""
    from lms.accounts.operations import create_user, issue_api_token
    from lms.accounts.roles import Profession, Role
    from lms.db import db
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    def token(user):
        return issue_api_token(user, lifetime=timedelta(hours=3)).token

    password = secrets.token_urlsafe(16)
    with app.app_context():
        hub = create_hospital(
            code="HUB", name_zh="华川医院", tier=Tier.HUB, province_code="51"
        )
        lecturer = create_user(
            login="lecturer@bench.cn",
            name="李建国",
            password=password,
            role=Role.LECTURER,
            hospital=hub,
        )
        admin = create_user(
            login="admin@bench.cn",
            name="王敏",
            password=password,
            role=Role.ADMINISTRATOR,
            hospital=hub,
        )
        hospitals = []
        per_room = learners // rooms
        for r in range(rooms):
            hospital = create_hospital(
                code=f"H{r:03d}",
                name_zh=f"第{r + 1}县人民医院",
                tier=Tier.COUNTY if r % 3 else Tier.TOWNSHIP,
                province_code="51",
            )
            coordinator = create_user(
                login=f"coordinator{r}@bench.cn",
                name=f"协调员{r}",
                password=password,
                role=Role.SITE_COORDINATOR,
                hospital=hospital,
            )
            staff = [
                create_user(
                    login=f"learner{r}-{i}@bench.cn",
                    name=f"学员{r}-{i}",
                    password=password,
                    hospital=hospital,
                    profession=Profession.DOCTOR if i % 2 else Profession.NURSE,
                )
                for i in range(per_room)
            ]
            hospitals.append((hospital, coordinator, staff))
        db.session.commit()
        people = {
            "hub": hub.id,
            "lecturer": (lecturer.id, token(lecturer)),
            "admin": admin.id,
            "hospitals": [
                (
                    hospital.id,
                    (coordinator.id, token(coordinator)),
                    [(learner.id, token(learner)) for learner in staff],
                )
                for hospital, coordinator, staff in hospitals
            ],
        }
        db.session.commit()
        return people


def build_session(app, people, shape, index):
    """A session whose first day started five minutes ago (sign-in and sign-out
    are both open), booked as ``shape`` says with the app's operations."""
    from courses.sessions import booking
    from courses.sessions.states import SessionKind
    from lms.accounts.models import User
    from lms.accounts.operations import create_user, issue_api_token
    from lms.accounts.roles import Role
    from lms.db import db, utcnow
    from lms.enums import ProjectLevel

    with app.app_context():
        now = utcnow().replace(microsecond=0)
        # Planned, approved and booked an hour ago, before its day began.
        then = now - timedelta(hours=1)
        # A lecturer of its own: one lecturer teaches one session at a time, and
        # every session of the run is at the same hours.
        lecturer = create_user(
            login=f"lecturer-{shape}-{index}-{secrets.token_hex(4)}@bench.cn",
            name="李建国",
            password=secrets.token_urlsafe(16),
            role=Role.LECTURER,
            hospital=db.session.get(User, people["lecturer"][0]).hospital,
        )
        lecturer_token = issue_api_token(lecturer, lifetime=timedelta(hours=3)).token
        admin = db.session.get(User, people["admin"])
        learners = sum(len(staff) for _, _, staff in people["hospitals"])
        hall = shape == "hall"
        session = booking.create_session(
            lecturer,
            then,
            kind=SessionKind.BROADCAST,
            title_zh=f"基层卒中识别（{'大厅' if hall else '分会场'}{index + 1}）",
            title_en=f"Stroke recognition ({shape} {index + 1})",
            days=[(now - timedelta(minutes=5), now + timedelta(hours=2))],
            venue_hospital_id=people["hub"],
            venue_room=f"{'Hall' if hall else 'Studio'} {index + 1}",
            capacity=learners,
            room_capacity=None
            if hall
            else max(1, learners // len(people["hospitals"])),
            is_booking_required=True,
            rule_set_code="CN-2024",
            project_level=ProjectLevel.PROVINCIAL,
            credit_category="CME",
            project_number="2026-51-01-001",
        )
        booking.approve_session(session, admin, then)
        rooms = []
        if hall:
            tokens = []
            for _, _, staff in people["hospitals"]:
                for user_id, token in staff:
                    booking.reserve_seat(session, db.session.get(User, user_id), then)
                    tokens.append(token)
            rooms.append(Room(lecturer_token, tokens))
        else:
            for hospital_id, (coordinator_id, token), staff in people["hospitals"]:
                booking.book_room(
                    session,
                    db.session.get(User, coordinator_id),
                    then,
                    hospital_id=hospital_id,
                    seats=len(staff),
                    room="示教室",
                    is_equipment_tested=True,
                )
                rooms.append(Room(token, [t for _, t in staff]))
        db.session.commit()
        return Shape(shape, session.id, rooms)


def presences(app, session_id):
    """(presences signed in, distinct people among them, signed out with minutes)."""
    import sqlalchemy as sa

    from courses.sessions.models import Presence
    from lms.db import db

    with app.app_context():
        db.session.expire_all()
        rows = db.session.execute(
            sa.select(
                Presence.user_id,
                Presence.signed_in_dt,
                Presence.signed_out_dt,
                Presence.minutes,
            ).filter_by(session_id=session_id)
        ).all()
        signed_in = [r for r in rows if r.signed_in_dt is not None]
        signed_out = [
            r for r in rows if r.signed_out_dt is not None and r.minutes is not None
        ]
        return len(signed_in), len({r.user_id for r in signed_in}), len(signed_out)


class Screens(threading.Thread):
    """Every room's screen: fetches its room's code every few seconds."""

    def __init__(self, port, session_id, rooms):
        super().__init__(daemon=True)
        self.client = Client(port)
        self.path = f"/api/v1/sessions/{session_id}/code"
        self.rooms = rooms
        self.stopping = threading.Event()
        self.fetches = 0
        self.errors = []

    def refresh(self):
        for room in self.rooms:
            status, data = self.client.request(
                "GET", self.path, None, bearer(room.host_token)
            )
            self.fetches += 1
            if status == 200:
                room.code = json.loads(data)["code"]
            else:
                self.errors.append((status, data[:200]))

    def run(self):
        while not self.stopping.wait(SCREEN_REFRESH_SECONDS):
            self.refresh()


def run_load(port, jobs, threads, ok=(200, 201)):
    """Send ``jobs`` (method, path, body-or-callable, headers) on ``threads``
    threads over keep-alive connections; a callable body is made at send time
    (the room's current code)."""
    latencies, errors, lock = [], [], threading.Lock()
    queue = list(reversed(jobs))
    client = Client(port)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                method, path, body, headers = queue.pop()
            if callable(body):
                body = body()
            start = time.perf_counter()
            try:
                status, data = client.request(method, path, body, headers)
            except Exception as error:
                status, data = 0, str(error).encode()
            elapsed = time.perf_counter() - start
            with lock:
                latencies.append(elapsed)
                if status not in ok:
                    errors.append((status, data[:200]))

    started = time.perf_counter()
    pool = [threading.Thread(target=worker) for _ in range(threads)]
    for t in pool:
        t.start()
    for t in pool:
        t.join()
    wall = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "wall_s": wall,
        "per_second": len(latencies) / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "max_ms": 1000 * latencies[-1],
        "errors": errors,
    }


def attendance_jobs(shape, action, seed):
    """Every learner of ``shape`` once (``action``: sign-in or sign-out), rooms
    interleaved in a shuffled order, each with their room's current code."""
    jobs = []
    path = f"/api/v1/sessions/{shape.session_id}/{action}"
    for room in shape.rooms:
        for token in room.learner_tokens:
            jobs.append(
                (
                    "POST",
                    path,
                    lambda room=room: json.dumps({"code": room.code}),
                    bearer(token),
                )
            )
    random.Random(seed).shuffle(jobs)
    return jobs


def noop_jobs(count):
    return [("GET", "/healthz", None, {})] * count


def run_shape(port, shape, threads, seed):
    screens = Screens(port, shape.session_id, shape.rooms)
    screens.refresh()
    screens.start()
    try:
        for action in ("sign-in", "sign-out"):
            jobs = attendance_jobs(shape, action, seed)
            shape.results[action] = run_load(port, jobs, threads)
        shape.results["no-op"] = run_load(port, noop_jobs(len(jobs)), threads)
    finally:
        screens.stopping.set()
        screens.join()
    shape.results["screens"] = {"fetches": screens.fetches, "errors": screens.errors}


def profile_shape(app, shape, top):
    """Sign every learner of ``shape`` in through the app in this process (one
    at a time, no server) under cProfile: the mean time of a sign-in in each
    tenth of the room filling up, and the ``top`` functions of ours by
    cumulative time."""
    import cProfile
    import pstats

    client = app.test_client()
    path = f"/api/v1/sessions/{shape.session_id}"
    jobs = [(room, token) for room in shape.rooms for token in room.learner_tokens]
    random.Random(0).shuffle(jobs)
    fetched, times = 0.0, []
    profiler = cProfile.Profile()

    def send(action, room, token):
        nonlocal fetched
        if time.monotonic() - fetched > SCREEN_REFRESH_SECONDS:
            for r in shape.rooms:
                r.code = client.get(f"{path}/code", headers=bearer(r.host_token)).json[
                    "code"
                ]
            fetched = time.monotonic()
        body = json.dumps({"code": room.code})
        start = time.perf_counter()
        if action == "sign-in":
            profiler.enable()
        response = client.post(f"{path}/{action}", data=body, headers=bearer(token))
        profiler.disable()
        if response.status_code != 200:
            raise SystemExit(f"{action} refused: {response.get_data(as_text=True)}")
        return time.perf_counter() - start

    times = [send("sign-in", room, token) for room, token in jobs]
    # Out again (not measured): the next shape's session is at the same hours.
    for room, token in jobs:
        send("sign-out", room, token)
    tenth = max(1, len(times) // 10)
    means = [
        f"{1000 * statistics.mean(times[i : i + tenth]):.1f}"
        for i in range(0, len(times), tenth)
    ]
    print(f"  {shape.name}: ms per sign-in by tenth of the room filling up: {means}")
    stats = pstats.Stats(profiler, stream=sys.stdout)
    stats.sort_stats("cumulative").print_stats(r"/(courses|lms)/", top)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=2000)
    parser.add_argument("--rooms", type=int, default=40, help="hospitals' rooms")
    parser.add_argument("--shape", choices=("both", "hall", "rooms"), default="both")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument(
        "--profile",
        type=int,
        default=0,
        metavar="N",
        help="instead: sign a session of each shape in one at a time in this "
        "process under cProfile and print our N costliest functions",
    )
    args = parser.parse_args()
    if not 1 <= args.rooms <= args.learners:
        parser.error("--rooms must be between 1 and --learners")

    from flask_migrate import upgrade

    from lms import create_app
    from tests import services

    instance = Path(tempfile.mkdtemp(prefix="telecme-bench-"))
    postgres = None
    if args.db == "postgresql":
        postgres = services.start_postgres()
        url = postgres.create_database("bench")
    else:
        url = f"sqlite:///{instance / 'lms.sqlite3'}"
    secret = secrets.token_hex(32)
    config = {
        "SECRET_KEY": secret,
        "SQLALCHEMY_DATABASE_URI": url,
        "INSTANCE_PATH": str(instance),
        "PASSWORD_HASH_METHOD": CHEAP_HASH,
        "LOG_LEVEL": "WARNING",
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    started = time.perf_counter()
    people = build_people(app, args.learners, args.rooms)
    names = ("hall", "rooms") if args.shape == "both" else (args.shape,)
    if args.profile:
        for name in names:
            profile_shape(app, build_session(app, people, name, 0), args.profile)
        return 0
    rounds = [
        [build_session(app, people, name, r) for name in names]
        for r in range(args.rounds)
    ]
    built_s = time.perf_counter() - started

    env = dict(
        os.environ,
        LMS_SECRET_KEY=secret,
        LMS_DATABASE_URL=url,
        LMS_INSTANCE_PATH=str(instance),
        # One log line per request would measure the log pipe, not the sign-ins.
        LMS_LOG_LEVEL="WARNING",
    )
    port = services.free_port()
    server = start_gunicorn(env, port, args.workers, args.server_threads)
    try:
        for r, shapes in enumerate(rounds):
            for shape in shapes:
                run_shape(port, shape, args.threads, seed=r)
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    learners = (args.learners // args.rooms) * args.rooms
    print(
        f"sign-in benchmark: {args.db}, gunicorn {args.workers} workers x "
        f"{args.server_threads} threads, {args.threads} client threads, "
        f"{learners} learners, {args.rounds} rounds (data built in {built_s:.0f} s)"
    )
    failed = False
    for name in names:
        shapes = [shapes[names.index(name)] for shapes in rounds]
        rooms = len(shapes[0].rooms)
        print(
            f"  {name}: one session, {rooms} room{'s' if rooms > 1 else ''} of "
            f"{learners // rooms} (median of {len(shapes)} rounds)"
        )

        def median(action, key, shapes=shapes):
            return statistics.median(s.results[action][key] for s in shapes)

        for action in ("sign-in", "sign-out", "no-op"):
            print(
                f"    {action:9} {median(action, 'per_second'):8.1f} /s   "
                f"p50 {median(action, 'p50_ms'):6.1f} ms   "
                f"p95 {median(action, 'p95_ms'):6.1f} ms   "
                f"max {median(action, 'max_ms'):7.1f} ms   "
                f"all {learners} in {median(action, 'wall_s'):5.1f} s"
            )
        ratio = median("sign-in", "per_second") / median("no-op", "per_second")
        print(f"    ratio sign-ins / no-op: {ratio:.2f}")
        within = median("sign-in", "wall_s") <= TARGET_SECONDS
        print(
            f"    all signed in within {TARGET_SECONDS} s (the issue's target): "
            f"{'yes' if within else 'no'}"
        )
        errors = [
            e
            for s in shapes
            for action in ("sign-in", "sign-out")
            for e in s.results[action]["errors"]
        ]
        screen_errors = [e for s in shapes for e in s.results["screens"]["errors"]]
        print(
            f"    errors: {len(errors)} (code fetches "
            f"{sum(s.results['screens']['fetches'] for s in shapes)}, "
            f"errors {len(screen_errors)})"
        )
        for status, body in (errors + screen_errors)[:5]:
            print(f"    error {status}: {body!r}")
        for s in shapes:
            accepted_in = s.results["sign-in"]["requests"] - len(
                s.results["sign-in"]["errors"]
            )
            accepted_out = s.results["sign-out"]["requests"] - len(
                s.results["sign-out"]["errors"]
            )
            stored, people_in, stored_out = presences(app, s.session_id)
            lost = accepted_in - people_in
            doubled = stored - people_in
            print(
                f"    session {s.session_id}: sign-ins accepted {accepted_in}, "
                f"presences {stored} ({people_in} people; lost {lost}, doubled "
                f"{doubled}); sign-outs accepted {accepted_out}, signed out with "
                f"minutes {stored_out}"
            )
            failed |= bool(lost or doubled or stored_out != accepted_out)
        failed |= bool(errors or screen_errors)
    if postgres:
        with app.app_context():
            from lms.db import db

            db.engine.dispose()
        postgres.stop()
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
