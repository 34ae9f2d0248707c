"""Heartbeats per second through the real server (gunicorn, production settings).

Many simulated learners each watch one lecture and send their beats in order,
over keep-alive connections from a pool of threads. The script prints beats per
second, p50/p95 latency, errors, and the watched seconds lost (stored coverage
against what was sent; it must be 0), then the same load on a no-op endpoint of
the same server (``/healthz``) and the ratio. Medians of several rounds.

    .venv/bin/python bench/heartbeat.py [--learners 200] [--beats 10] [--rounds 3]
                                        [--threads 16] [--db sqlite|postgresql]
"""

import argparse
import http.client
import json
import os
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BEAT_SECONDS = 15.0


def build_data(app, learners):
    """One approved course with a long lecture; ``learners`` enrolled with tokens."""
    import sqlalchemy as sa

    from courses import operations as ops
    from courses.models import PlaySession, WatchBudget
    from lms.accounts.operations import issue_api_token
    from lms.db import db, utcnow
    from tests.builders import build_scene

    with app.app_context():
        scene = build_scene(durations=(7200.0,), learners=learners, enrol=True)
        lecture = scene.course.lectures[0]
        people = []
        for learner in scene.learners:
            session, _ = ops.start_play_session(learner, lecture, utcnow())
            token = issue_api_token(learner, lifetime=timedelta(hours=2)).token
            people.append((learner.id, token, session.token))
        # The sessions began an hour ago: wall time allows the beats that follow.
        an_hour_ago = utcnow() - timedelta(hours=1)
        db.session.execute(sa.update(PlaySession).values(started_dt=an_hour_ago))
        db.session.execute(sa.update(WatchBudget).values(credited_until_dt=an_hour_ago))
        db.session.commit()
        return lecture.id, people


def stored_coverage(app, lecture_id):
    import sqlalchemy as sa

    from courses.models import LectureProgress
    from lms.db import db

    with app.app_context():
        db.session.expire_all()
        rows = db.session.execute(
            sa.select(
                LectureProgress.user_id, LectureProgress.covered_seconds
            ).filter_by(lecture_id=lecture_id)
        )
        return dict(rows.all())


class Client(threading.local):
    def __init__(self, port):
        self.port = port
        self.conn = None

    def request(self, method, path, body=None, headers=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(
                    "127.0.0.1", self.port, timeout=30
                )
            try:
                self.conn.request(method, path, body=body, headers=headers or {})
                response = self.conn.getresponse()
                data = response.read()
                return response.status, data
            except (http.client.HTTPException, ConnectionError, OSError):
                self.conn.close()
                self.conn = None
                if attempt:
                    raise
        raise RuntimeError("unreachable")


def run_load(port, jobs, threads):
    """Run ``jobs`` (lists of requests, each list in order) on ``threads`` threads."""
    latencies, errors, lock = [], [], threading.Lock()
    queue = list(jobs)
    client = Client(port)

    def worker():
        while True:
            with lock:
                if not queue:
                    return
                job = queue.pop()
            for method, path, body, headers in job:
                start = time.perf_counter()
                try:
                    status, data = client.request(method, path, body, headers)
                except Exception as error:
                    status, data = 0, str(error).encode()
                elapsed = time.perf_counter() - start
                with lock:
                    latencies.append(elapsed)
                    if status != 200:
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
        "per_second": len(latencies) / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "errors": errors,
    }


def beat_jobs(lecture_id, people, beats, round_index):
    jobs = []
    for _, token, session in people:
        job = []
        for b in range(beats):
            seq = round_index * beats + b + 1
            start = (seq - 1) * BEAT_SECONDS
            body = json.dumps(
                {
                    "play_session": session,
                    "seq": seq,
                    "ranges": [[start, start + BEAT_SECONDS]],
                    "position": start + BEAT_SECONDS,
                }
            )
            job.append(
                (
                    "POST",
                    f"/api/v1/lectures/{lecture_id}/progress",
                    body,
                    {
                        "Authorization": f"Bearer {token}",
                        "Content-Type": "application/json",
                    },
                )
            )
        jobs.append(job)
    return jobs


def noop_jobs(people, beats):
    return [[("GET", "/healthz", None, {})] * beats for _ in people]


def start_gunicorn(env, port, workers, threads):
    command = [
        str(ROOT / ".venv/bin/gunicorn"),
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--threads",
        str(threads),
        "--log-level",
        "warning",
        "lms:create_app()",
    ]
    process = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status == 200:
                return process
        except OSError:
            time.sleep(0.1)
    process.kill()
    raise SystemExit("gunicorn did not start")


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=200)
    parser.add_argument("--beats", type=int, default=10, help="per learner per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--threads", type=int, default=16, help="client threads")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--server-threads", type=int, default=4)
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    args = parser.parse_args()

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
    }
    app = create_app(config)
    with app.app_context():
        upgrade()
    lecture_id, people = build_data(app, args.learners)

    env = dict(
        os.environ,
        LMS_SECRET_KEY=secret,
        LMS_DATABASE_URL=url,
        LMS_INSTANCE_PATH=str(instance),
        # One log line per request would measure the log pipe, not the beats.
        LMS_LOG_LEVEL="WARNING",
    )
    port = services.free_port()
    server = start_gunicorn(env, port, args.workers, args.server_threads)
    beat_rounds, noop_rounds = [], []
    try:
        for r in range(args.rounds):
            beat_rounds.append(
                run_load(
                    port, beat_jobs(lecture_id, people, args.beats, r), args.threads
                )
            )
            noop_rounds.append(
                run_load(port, noop_jobs(people, args.beats), args.threads)
            )
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(30)

    expected = args.rounds * args.beats * BEAT_SECONDS
    stored = stored_coverage(app, lecture_id)
    lost = sum(max(0.0, expected - stored.get(uid, 0.0)) for uid, _, _ in people)
    errors = [e for r in beat_rounds for e in r["errors"]]

    def median(rounds, key):
        return statistics.median(r[key] for r in rounds)

    beats_per_second = median(beat_rounds, "per_second")
    noop_per_second = median(noop_rounds, "per_second")
    print(
        f"heartbeat benchmark: {args.db}, gunicorn {args.workers} workers x "
        f"{args.server_threads} threads, {args.threads} client threads, "
        f"{args.learners} learners x {args.beats} beats x {args.rounds} rounds"
    )
    for name, rounds, rate in (
        ("beats", beat_rounds, beats_per_second),
        ("no-op", noop_rounds, noop_per_second),
    ):
        p50, p95 = median(rounds, "p50_ms"), median(rounds, "p95_ms")
        print(f"  {name}:   {rate:8.1f} /s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms")
    print(f"  beat errors: {len(errors)}")
    print(f"  ratio beats / no-op: {beats_per_second / noop_per_second:.2f}")
    print(f"  watched seconds sent: {expected * len(people):.0f}, lost: {lost:.0f}")
    for status, body in errors[:5]:
        print(f"  error {status}: {body!r}")
    if postgres:
        with app.app_context():
            from lms.db import db

            db.engine.dispose()
        postgres.stop()
    return 1 if lost or errors else 0


if __name__ == "__main__":
    sys.exit(main())
