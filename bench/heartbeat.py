"""Heartbeats per second through the real server (gunicorn, production settings).

Many simulated learners each watch one lecture and send their beats in order,
over keep-alive connections (one request in flight on each) from a few client
processes, each a selector loop over raw sockets with its requests encoded before
the clock starts: the client shares the machine's cores with the server, so it
must cost as little as an honest HTTP client can. The script prints beats per
second, p50/p95 latency, the CPU share of server and client, errors, and the
watched seconds lost (stored coverage against what was sent; it must be 0), then
the same load on a no-op endpoint of the same server (``/healthz``) and the
ratio. Medians of several rounds.

    .venv/bin/python bench/heartbeat.py [--learners 200] [--beats 10] [--rounds 3]
        [--connections 16] [--clients 2] [--db sqlite|postgresql]
"""

import argparse
import http.client
import json
import multiprocessing
import os
import secrets
import selectors
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BEAT_SECONDS = 15.0
CORES = os.cpu_count() or 1


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


def _encode(method, path, body, headers):
    """One HTTP/1.1 keep-alive request as bytes, built before the clock starts."""
    body = (body or "").encode()
    lines = [f"{method} {path} HTTP/1.1", "Host: 127.0.0.1"]
    lines += [f"{name}: {value}" for name, value in (headers or {}).items()]
    lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode() + body


class _Connection:
    """One keep-alive connection sending one learner's requests in order."""

    def __init__(self, port, jobs):
        self.port, self.jobs = port, jobs
        self.sock, self.job, self.sent_at = None, [], 0.0
        self.buffer = b""

    def connect(self):
        self.sock = socket.create_connection(("127.0.0.1", self.port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.sock.setblocking(False)

    def next_request(self):
        """Send the next request; False when there is nothing left to send."""
        while not self.job:
            if not self.jobs:
                return False
            self.job = list(self.jobs.pop())
        self.sent_at = time.perf_counter()
        self.sock.sendall(self.job.pop(0))
        return True

    def read_response(self):
        """The response's (status, body) once it has all arrived, else None."""
        chunk = self.sock.recv(65536)
        if not chunk:
            raise ConnectionError("the server closed the connection")
        self.buffer += chunk
        head, sep, rest = self.buffer.partition(b"\r\n\r\n")
        if not sep:
            return None
        length = 0
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            if name.strip().lower() == b"content-length":
                length = int(value)
        if len(rest) < length:
            return None
        self.buffer = rest[length:]
        return int(head.split(b" ", 2)[1]), rest[:length]


def _client_process(port, jobs, connections, start, out):
    """Send ``jobs`` over ``connections`` keep-alive connections from one process
    (no threads: a selector wakes the connection whose answer arrived)."""
    latencies, errors = [], []
    selector = selectors.DefaultSelector()
    pool = [_Connection(port, jobs) for _ in range(min(connections, len(jobs)))]
    for conn in pool:
        conn.connect()
    start.wait()
    cpu = time.process_time()
    for conn in pool:
        if conn.next_request():
            selector.register(conn.sock, selectors.EVENT_READ, conn)
    while selector.get_map():
        for key, _ in selector.select():
            conn = key.data
            try:
                answer = conn.read_response()
            except OSError as error:
                answer = (0, str(error).encode())
            if answer is None:
                continue
            latencies.append(time.perf_counter() - conn.sent_at)
            status, body = answer
            if status != 200:
                errors.append((status, body[:200]))
            if status == 0 or not conn.next_request():
                selector.unregister(conn.sock)
                conn.sock.close()
    out.put((latencies, errors, time.process_time() - cpu))


def _server_cpu(*pids):
    """CPU seconds used so far by processes ``pids`` and their children (the
    server's master and workers, PostgreSQL's postmaster and backends)."""
    total = 0.0
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        this = int(stat.parent.name)
        if this in pids or int(fields[1]) in pids:  # fields[1]: the parent's pid
            total += (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    return total


def run_load(port, jobs, connections, processes, server_pid, database_pid=None):
    """Run ``jobs`` (lists of requests, each list in order) from ``processes``
    client processes holding ``connections`` keep-alive connections in all."""
    context = multiprocessing.get_context("fork")
    start, out = context.Event(), context.Queue()
    encoded = [[_encode(*request) for request in job] for job in jobs]
    shares = [encoded[i::processes] for i in range(processes)]
    children = [
        context.Process(
            target=_client_process,
            args=(port, share, max(1, connections // processes), start, out),
        )
        for share in shares
        if share
    ]
    for child in children:
        child.start()
    time.sleep(0.2)  # every client has connected
    server_cpu = _server_cpu(server_pid)
    database_cpu = _server_cpu(database_pid) if database_pid else 0.0
    started = time.perf_counter()
    start.set()
    results = [out.get() for _ in children]
    wall = time.perf_counter() - started
    server_cpu = _server_cpu(server_pid) - server_cpu
    if database_pid:
        database_cpu = _server_cpu(database_pid) - database_cpu
    for child in children:
        child.join()
    latencies = sorted(t for r in results for t in r[0])
    client_cpu = sum(r[2] for r in results)
    return {
        "requests": len(latencies),
        "per_second": len(latencies) / wall,
        "p50_ms": 1000 * latencies[len(latencies) // 2],
        "p95_ms": 1000 * latencies[int(len(latencies) * 0.95)],
        "errors": [e for r in results for e in r[1]],
        # Shares of the machine's two cores over the run.
        "client_cpu": client_cpu / wall / CORES,
        "server_cpu": server_cpu / wall / CORES,
        "database_cpu": database_cpu / wall / CORES,
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
    parser.add_argument(
        "--connections", type=int, default=16, help="keep-alive connections in all"
    )
    parser.add_argument("--clients", type=int, default=2, help="client processes")
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
    database_pid = None
    if postgres:
        pid_file = postgres.base / "data" / "postmaster.pid"
        database_pid = int(pid_file.read_text().split()[0])
    beat_rounds, noop_rounds = [], []
    try:
        for r in range(args.rounds):
            beat_rounds.append(
                run_load(
                    port,
                    beat_jobs(lecture_id, people, args.beats, r),
                    args.connections,
                    args.clients,
                    server.pid,
                    database_pid,
                )
            )
            noop_rounds.append(
                run_load(
                    port,
                    noop_jobs(people, args.beats),
                    args.connections,
                    args.clients,
                    server.pid,
                    database_pid,
                )
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
        f"{args.server_threads} threads, {args.clients} client processes with "
        f"{args.connections} keep-alive connections, "
        f"{args.learners} learners x {args.beats} beats x {args.rounds} rounds"
    )
    for name, rounds, rate in (
        ("beats", beat_rounds, beats_per_second),
        ("no-op", noop_rounds, noop_per_second),
    ):
        p50, p95 = median(rounds, "p50_ms"), median(rounds, "p95_ms")
        print(
            f"  {name}:   {rate:8.1f} /s   p50 {p50:6.1f} ms   p95 {p95:6.1f} ms"
            f"   CPU: server {median(rounds, 'server_cpu'):4.0%}, "
            f"database {median(rounds, 'database_cpu'):4.0%}, "
            f"client {median(rounds, 'client_cpu'):4.0%} of {CORES} cores"
        )
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
