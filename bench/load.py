"""Load test of a running TeleCME server with Locust (headless, loopback only).

Simulated learners sign in through the real form, browse the catalog, search
(Chinese and English), open a lecture, start a play session, fetch the
playlists and segments, and send heartbeats; site coordinators load their
hospital's report pages (bench/locustfile.py). Before the run the script makes
its own accounts on the target database through the app factory (fresh ones
each run, under a unique prefix), and once a course whose lecture has real
media transcoded by the pipeline. After the run it reads each learner's
progress back through the API (``GET /api/v1/lectures/<id>/progress``, the
learner-visible state) and compares the watched seconds the acknowledged beats
carried with those recorded.

Time is compressed: a viewer beats every ``--beat-seconds`` (15 s in real
life) carrying the media played since the last beat at 1.9x (the server allows
wall time x 2 + slack, DESIGN §2.3). One simulated viewer is therefore
15 / beat-seconds real viewers as far as heartbeats go; the summary gives both.

    .venv/bin/python bench/load.py --host http://127.0.0.1:5000 --users 20 \\
        --spawn-rate 10 --seconds 30 [--database-url URL] [--json OUT] [--setup-only]
    .venv/bin/python bench/load.py --find-max [--max-users 2000] [--step-seconds 30]

The setup process must see the server's configuration (the same
``LMS_INSTANCE_PATH`` / ``LMS_*`` environment, or ``--instance-path``): its
media folder for the lecture's recording, its database unless
``--database-url`` is given.

Exit status: 0 when no request failed and every watched second sent was
recorded; 1 otherwise.

``--find-max`` finds the largest number of simultaneous viewers the server
holds: steps of fresh users (doubling from ``--start-users``, then bisecting),
each spawned over ``--ramp-seconds`` (sign-in, catalog, search, lecture page,
play session, playlists); once every user is watching, ``--step-seconds`` of
steady state are measured. A step holds when its heartbeats' p95 is under
500 ms, no request failed (ramp included) and no watched second was lost.
Viewers are reported at the real beat rate: users x 15 / ``--beat-seconds``.
Run it under the bench lock: ``flock /tmp/telecme-bench.lock …``.
"""

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

LOCUSTFILE = Path(__file__).resolve().parent / "locustfile.py"
#: The course bench/load.py makes once per database (found again by this title).
COURSE_TITLE_EN = "Load test course (bench/load.py)"
HOSPITAL_CODE = "LOAD-BENCH"
#: The lecture's lavfi recording: longer than a run plays at 1.9x, shorter than
#: MEDIA_CHUNK_THRESHOLD_SECONDS (one whole-file transcode in this process).
LECTURE_SECONDS = 540
PASSWORD = "load-bench-password-7Qx"
QUERIES = ["糖尿病", "高血压 护理", "脑卒中", "心电图", "diabetes", "stroke", "nursing"]
#: Real life: a beat every 15 s, 6 s segments at 1x.
REAL_BEAT_SECONDS = 15.0
SEGMENT_SECONDS = 6.0
#: The media a beat carries per second of wall time: under the server's 2.0.
PLAY_RATE = 1.9
HEARTBEAT_P95_LIMIT_MS = 500.0
HEARTBEAT = "heartbeat"


def make_app(database_url=None, instance_path=None):
    from lms import create_app

    config = {}
    if database_url:
        config["SQLALCHEMY_DATABASE_URI"] = database_url
    if instance_path:
        config["INSTANCE_PATH"] = str(Path(instance_path).resolve())
    try:
        return create_app(config)
    except Exception as error:
        if "SECRET_KEY" not in str(error):
            raise
        # This process signs nothing the server reads (tokens are stored hashed).
        config["SECRET_KEY"] = secrets.token_hex(32)
        return create_app(config)


# --- setup through the app's own operations ------------------------------------


def ensure_course(app, lecture_seconds=LECTURE_SECONDS):
    """The load course (one hospital, one lecture with real transcoded media),
    made once per database and media folder; returns ids and the duration."""
    import sqlalchemy as sa

    from courses import operations as ops
    from courses.models import Course
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Role
    from lms.db import db, utcnow
    from lms.hospitals.models import Hospital
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital
    from media_pipeline.states import MediaStatus
    from media_pipeline.storage import Storage

    storage = Storage(app.config["MEDIA_DIR"])
    hospital = db.session.scalar(sa.select(Hospital).filter_by(code=HOSPITAL_CODE))
    if hospital is None:
        hospital = create_hospital(
            code=HOSPITAL_CODE,
            name_zh="负载测试县医院",
            name_en="Load Test County Hospital",
            tier=Tier.COUNTY,
            province_code="51",
        )
        db.session.flush()
    course = db.session.scalar(
        sa.select(Course).filter_by(title_en=COURSE_TITLE_EN).order_by(Course.id)
    )
    if course is None:
        tag = secrets.token_hex(3)
        lecturer = create_user(
            login=f"load-lecturer-{tag}@load.example.cn",
            name="负载讲者",
            password=PASSWORD,
            role=Role.LECTURER,
            hospital=hospital,
        )
        admin = create_user(
            login=f"load-office-{tag}@load.example.cn",
            name="负载管理员",
            password=PASSWORD,
            role=Role.ADMINISTRATOR,
        )
        course = ops.create_course(
            lecturer,
            title_zh="负载测试：糖尿病护理要点",
            title_en=COURSE_TITLE_EN,
            specialty="nursing",
        )
        lecture = ops.add_lecture(
            course, lecturer, title_zh="第1讲", duration_seconds=lecture_seconds
        )
        # A stand-in until its recording is transcoded below (as the demo does).
        lecture.media_status = MediaStatus.READY
        ops.add_question(
            course,
            lecturer,
            text_zh="糖尿病足的首要预防措施？",
            text_en="The first measure against diabetic foot?",
            options=[
                {
                    "text_zh": "每日检查双足",
                    "text_en": "Daily foot checks",
                    "is_correct": True,
                },
                {"text_zh": "热水泡脚", "text_en": "Hot foot baths"},
            ],
        )
        ops.change_course_status(course, lecturer, "submit", utcnow())
        ops.change_course_status(course, admin, "approve", utcnow())
        db.session.commit()
    lecture = course.lectures[0]
    if not storage.published(lecture.id).is_symlink():
        transcode_recording(app, course, lecture, lecture_seconds)
        db.session.refresh(lecture)
    return {
        "course_id": course.id,
        "lecture_id": lecture.id,
        "duration": float(lecture.duration_seconds),
        "hospital_id": hospital.id,
    }


def transcode_recording(app, course, lecture, seconds):
    """A lavfi recording through the real pipeline: upload, transcode, approval."""
    import sqlalchemy as sa

    from lms.accounts.models import User
    from lms.accounts.roles import Role
    from lms.db import begin_write_transaction, db, utcnow
    from media_pipeline import operations as media_ops
    from media_pipeline.runner import generate_demo_recording
    from media_pipeline.states import ReviewState
    from media_pipeline.storage import Storage
    from media_pipeline.tasks import transcode_job

    storage = Storage(app.config["MEDIA_DIR"])
    # No transaction open while ffmpeg runs (SQLite: a reader that then writes
    # while another process holds the write lock fails at once).
    db.session.commit()
    print(f"Transcoding a {seconds:g} s recording for the load course…")
    with tempfile.TemporaryDirectory() as folder:
        clip = generate_demo_recording(
            Path(folder) / "load.mp4", seconds, width=426, height=240, rate=10
        )
        size = clip.stat().st_size
        begin_write_transaction()
        lecturer = course.owner
        upload = media_ops.start_upload(
            lecture, lecturer, filename=clip.name, size=size, max_bytes=size
        )
        with clip.open("rb") as stream:
            job = media_ops.receive_chunk(
                upload, 0, stream, storage, utcnow(), chunk_limit=size
            )
        job_id = job.id
        db.session.commit()
    transcode_job.call_local(job_id)
    begin_write_transaction()
    admin = db.session.scalar(
        sa.select(User).filter_by(role=Role.ADMINISTRATOR).order_by(User.id)
    )
    job = media_ops.get_version_for_review(job_id)
    if job.review_state == ReviewState.PENDING:
        media_ops.approve_version(job, admin, utcnow(), storage)
    db.session.commit()
    if not storage.published(lecture.id).is_symlink():
        raise SystemExit(f"The load lecture's transcode failed (job {job_id}).")


def setup(app, learners, coordinators, prefix, lecture_seconds=LECTURE_SECONDS):
    """Fresh learners (enrolled, each with an API token for the read-back) and
    site coordinators under ``prefix``; the course made once. Returns the plan."""
    from courses import operations as ops
    from courses.models import Course
    from lms.accounts import operations as account_ops
    from lms.accounts.roles import Role
    from lms.db import begin_write_transaction, db, utcnow
    from lms.hospitals.models import Hospital

    with app.app_context():
        # One password for every account of the run: hash it once (scrypt costs
        # ~50 ms); the server still checks it on each sign-in.
        password_hash = account_ops._hash(PASSWORD)
        # Writers from the start (SQLite: a transaction that read first could
        # not take the write lock once the server had written since).
        begin_write_transaction()
        ids = ensure_course(app, lecture_seconds)
        db.session.commit()
        begin_write_transaction()
        course = db.session.get(Course, ids["course_id"])
        hospital = db.session.get(Hospital, ids["hospital_id"])
        real_hash, account_ops._hash = account_ops._hash, lambda _: password_hash
        try:
            people = []
            for i in range(learners):
                user = account_ops.create_user(
                    login=f"{prefix}-l{i:05d}@load.example.cn",
                    name=f"负载学员{i}",
                    password=PASSWORD,
                    hospital=hospital,
                )
                ops.enrol(course, user, utcnow())
                people.append(user)
            bosses = [
                account_ops.create_user(
                    login=f"{prefix}-c{i:03d}@load.example.cn",
                    name=f"负载协调员{i}",
                    password=PASSWORD,
                    role=Role.SITE_COORDINATOR,
                    hospital=hospital,
                )
                for i in range(coordinators)
            ]
        finally:
            account_ops._hash = real_hash
        db.session.flush()
        tokens = [
            account_ops.issue_api_token(
                user, lifetime=timedelta(hours=6), label="bench/load.py"
            ).token
            for user in people
        ]
        plan = {
            "prefix": prefix,
            "password": PASSWORD,
            "learners": [
                {"login": user.login, "token": token}
                for user, token in zip(people, tokens, strict=True)
            ],
            "coordinators": [{"login": user.login} for user in bosses],
            "year": utcnow().year,
            "queries": QUERIES,
            **ids,
        }
        db.session.commit()
        return plan


# --- the run -------------------------------------------------------------------


def run_locust(plan, host, users, spawn_rate, seconds, *, measure_seconds=None):
    """Locust headless in a subprocess; returns what the locustfile wrote.

    With ``measure_seconds`` the figures are those of the steady state: from
    the moment every user has signed in and started watching, for that long
    (``seconds`` then only bounds the whole run)."""
    with tempfile.TemporaryDirectory(prefix="load-") as folder:
        plan_path = Path(folder) / "plan.json"
        out_path = Path(folder) / "out.json"
        plan_path.write_text(json.dumps(plan), encoding="utf-8")
        command = [
            str(Path(sys.executable).parent / "locust"),
            "-f",
            str(LOCUSTFILE),
            "--headless",
            "--host",
            host,
            "--users",
            str(users),
            "--spawn-rate",
            str(spawn_rate),
            "--run-time",
            f"{int(seconds)}s",
            # Users finish their step (a beat in flight is answered and counted).
            "--stop-timeout",
            "30",
            "--loglevel",
            "WARNING",
            "--only-summary",
        ]
        env = {
            **os.environ,
            "LOAD_PLAN": str(plan_path),
            "LOAD_OUT": str(out_path),
            "LOAD_USERS": str(users),
            "LOAD_MEASURE_SECONDS": str(measure_seconds or ""),
        }
        completed = subprocess.run(
            command, env=env, capture_output=True, text=True, cwd=ROOT
        )
        if not out_path.exists():
            sys.stderr.write(completed.stdout[-4000:] + completed.stderr[-4000:])
            raise SystemExit(f"Locust wrote no results (exit {completed.returncode}).")
        return json.loads(out_path.read_text(encoding="utf-8"))


def recorded_progress(host, plan, logins):
    """Each learner's coverage as the API shows it to them: login -> seconds."""
    tokens = {p["login"]: p["token"] for p in plan["learners"]}
    url = f"{host.rstrip('/')}/api/v1/lectures/{plan['lecture_id']}/progress"

    def read(login):
        request = urllib.request.Request(
            url, headers={"Authorization": f"Bearer {tokens[login]}"}
        )
        with urllib.request.urlopen(request, timeout=60) as response:
            return login, json.loads(response.read())["covered_seconds"]

    with ThreadPoolExecutor(8) as pool:
        return dict(pool.map(read, logins))


def summarize(result, recorded, users, beat_seconds, seconds):
    from courses.progress import covered_seconds, merge_ranges

    sent = {
        login: round(
            covered_seconds(merge_ranges((), [tuple(r) for r in item["ranges"]])), 3
        )
        for login, item in result["sent"].items()
    }
    lost = {
        login: round(sent[login] - recorded.get(login, 0.0), 3)
        for login in sent
        if abs(sent[login] - recorded.get(login, 0.0)) > 0.002
    }
    endpoints = {
        name: {k: e[k] for k in ("p50", "p95", "count", "errors", "rps")}
        for name, e in result["endpoints"].items()
    }
    beats = endpoints.get(HEARTBEAT, {})
    return {
        "users": users,
        "seconds": seconds,
        "requests": result["requests"],
        "rps": round(result["rps"], 1),
        "errors": result["failures"],
        "error_samples": result["failure_samples"],
        "endpoints": endpoints,
        "watched_seconds_sent": round(sum(sent.values()), 3),
        "watched_seconds_recorded": round(
            sum(recorded.get(login, 0.0) for login in sent), 3
        ),
        "learners_with_lost_seconds": lost,
        "beat_seconds": beat_seconds,
        "heartbeats_per_second": round(beats.get("rps", 0.0), 1),
        # A real viewer beats every 15 s: the beats/s as viewers of real life.
        "real_viewers_equivalent": round(beats.get("rps", 0.0) * REAL_BEAT_SECONDS),
    }


def passed(summary, p95_limit=None):
    ok = (
        summary["errors"] == 0
        and not summary["learners_with_lost_seconds"]
        and summary["watched_seconds_sent"] == summary["watched_seconds_recorded"]
    )
    if p95_limit is not None:
        p95 = summary["endpoints"].get(HEARTBEAT, {}).get("p95")
        ok = ok and p95 is not None and p95 < p95_limit
    return ok


def coordinators_for(users):
    """One site coordinator (reading reports every 10 s) per 20 users."""
    return max(1, users // 20) if users >= 2 else 0


def one_run(args, app, users, seconds, spawn_rate, *, measure_seconds=None):
    coordinators = coordinators_for(users)
    prefix = f"{args.prefix}-{secrets.token_hex(3)}"
    plan = setup(app, users - coordinators, coordinators, prefix, args.lecture_seconds)
    plan |= {
        "beat_seconds": args.beat_seconds,
        "rate": PLAY_RATE,
        "segments_per_beat": REAL_BEAT_SECONDS / SEGMENT_SECONDS,
    }
    load_before = os.getloadavg()[0]
    result = run_locust(
        plan, args.host, users, spawn_rate, seconds, measure_seconds=measure_seconds
    )
    load_after = os.getloadavg()[0]
    recorded = recorded_progress(args.host, plan, list(result["sent"]))
    summary = summarize(result, recorded, users, args.beat_seconds, seconds)
    # The machine's 1-minute load average around the run (others may run too).
    summary["loadavg"] = [round(load_before, 2), round(load_after, 2)]
    summary["ready_users"] = result["ready_users"]
    summary["measured_seconds"] = result["measured_seconds"]
    return summary


def median_summary(runs):
    """Medians of the runs' rates and latencies; errors and seconds summed."""
    med = statistics.median
    names = sorted({name for run in runs for name in run["endpoints"]})
    endpoints = {}
    for name in names:
        entries = [run["endpoints"][name] for run in runs if name in run["endpoints"]]
        endpoints[name] = {
            "p50": med(e["p50"] or 0 for e in entries),
            "p95": med(e["p95"] or 0 for e in entries),
            "count": sum(e["count"] for e in entries),
            "errors": sum(e["errors"] for e in entries),
            "rps": med(e["rps"] for e in entries),
        }
    lost = {}
    for run in runs:
        lost |= run["learners_with_lost_seconds"]
    return {
        "users": runs[0]["users"],
        "seconds": runs[0]["seconds"],
        "requests": med(run["requests"] for run in runs),
        "rps": med(run["rps"] for run in runs),
        "errors": sum(run["errors"] for run in runs),
        "error_samples": [s for run in runs for s in run["error_samples"]][:20],
        "endpoints": endpoints,
        "watched_seconds_sent": round(sum(r["watched_seconds_sent"] for r in runs), 3),
        "watched_seconds_recorded": round(
            sum(r["watched_seconds_recorded"] for r in runs), 3
        ),
        "learners_with_lost_seconds": lost,
        "beat_seconds": runs[0]["beat_seconds"],
        "heartbeats_per_second": med(r["heartbeats_per_second"] for r in runs),
        "real_viewers_equivalent": med(r["real_viewers_equivalent"] for r in runs),
        "loadavg": [r["loadavg"] for r in runs],
        "runs": runs,
    }


def print_summary(summary):
    print(
        f"{summary['users']} users, {summary['seconds']} s: "
        f"{summary['requests']} requests, {summary['rps']} req/s, "
        f"{summary['errors']} errors; heartbeats {summary['heartbeats_per_second']}/s "
        f"(= {summary['real_viewers_equivalent']} real viewers at one beat per 15 s)"
    )
    print(f"  {'endpoint':28} {'count':>7} {'errors':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for name, e in summary["endpoints"].items():
        print(
            f"  {name:28} {e['count']:>7} {e['errors']:>6} "
            f"{e['p50'] or 0:>8.0f} {e['p95'] or 0:>8.0f}"
        )
    print(
        f"  watched seconds sent {summary['watched_seconds_sent']}, "
        f"recorded {summary['watched_seconds_recorded']}"
    )
    for sample in summary["error_samples"][:5]:
        print(f"  error: {sample}")


def find_max(args, app):
    """Double the users until a run fails (p95 heartbeat >= 500 ms, an error or
    a lost second), then bisect; each step a bounded run of fresh learners."""
    steps, good, bad = [], 0, None
    users = args.start_users
    while True:
        spawn = max(1.0, users / args.ramp_seconds)
        summary = one_run(
            args,
            app,
            users,
            # A bound: the measure starts once every user is watching.
            3 * args.ramp_seconds + args.step_seconds + 60,
            spawn,
            measure_seconds=args.step_seconds,
        )
        # Users still signing in when the bound came: this load is not held.
        ok = summary["measured_seconds"] is not None and passed(
            summary, HEARTBEAT_P95_LIMIT_MS
        )
        steps.append(summary | {"passed": ok})
        p95 = summary["endpoints"].get(HEARTBEAT, {}).get("p95")
        print(
            f"step {users} users: {'pass' if ok else 'FAIL'} (heartbeat p95 {p95} ms, "
            f"{summary['errors']} errors, {summary['heartbeats_per_second']} beats/s, "
            f"measured {summary['measured_seconds'] or 0:.0f} s once "
            f"{summary['ready_users']} users watched)",
            flush=True,
        )
        if ok:
            good = max(good, users)
        else:
            bad = users if bad is None else min(bad, users)
        if bad is None:
            if users >= args.max_users:
                break
            users = min(users * 2, args.max_users)
        else:
            if bad - good <= max(args.resolution, good * 0.1):
                break
            users = (good + bad) // 2
    best = next((s for s in steps if s["users"] == good and s["passed"]), None)
    return {
        "max_users": good,
        "first_failing_users": bad,
        "beat_seconds": args.beat_seconds,
        # Users beat every beat_seconds: as viewers beating every 15 s.
        "max_real_viewers": round(good * REAL_BEAT_SECONDS / args.beat_seconds),
        "max_real_viewers_measured": best["real_viewers_equivalent"] if best else 0,
        "steps": steps,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", default="http://127.0.0.1:5000")
    parser.add_argument("--users", type=int, default=20)
    parser.add_argument("--spawn-rate", type=float, default=10.0)
    parser.add_argument("--seconds", type=int, default=30)
    parser.add_argument("--database-url", default=os.environ.get("LMS_DATABASE_URL"))
    parser.add_argument("--instance-path", default=os.environ.get("LMS_INSTANCE_PATH"))
    parser.add_argument("--json", help="write the summary here")
    parser.add_argument("--setup-only", action="store_true")
    parser.add_argument(
        "--beat-seconds",
        type=float,
        default=2.0,
        help="wall seconds between a viewer's beats (15 in real life)",
    )
    parser.add_argument("--prefix", default="load")
    parser.add_argument(
        "--runs", type=int, default=1, help="repeat (medians; --find-max: searches)"
    )
    parser.add_argument(
        "--lecture-seconds",
        type=float,
        default=LECTURE_SECONDS,
        help="length of the load course's recording when it is first made",
    )
    parser.add_argument("--find-max", action="store_true")
    parser.add_argument("--start-users", type=int, default=25)
    parser.add_argument("--max-users", type=int, default=2000)
    parser.add_argument("--step-seconds", type=int, default=30)
    parser.add_argument("--ramp-seconds", type=int, default=10)
    parser.add_argument("--resolution", type=int, default=10)
    args = parser.parse_args()
    host = args.host.split("//", 1)[-1].split("/", 1)[0].rsplit(":", 1)[0]
    if host not in ("127.0.0.1", "localhost", "[::1]"):
        parser.error("loopback only: --host must be 127.0.0.1 or localhost")

    app = make_app(args.database_url, args.instance_path)
    if args.setup_only:
        coordinators = coordinators_for(args.users)
        plan = setup(
            app,
            args.users - coordinators,
            coordinators,
            f"{args.prefix}-{secrets.token_hex(3)}",
            args.lecture_seconds,
        )
        print(
            f"Set up {len(plan['learners'])} learners, {coordinators} coordinators "
            f"under {plan['prefix']!r}; course {plan['course_id']}, lecture "
            f"{plan['lecture_id']} ({plan['duration']:.0f} s)."
        )
        if args.json:
            Path(args.json).write_text(json.dumps(plan, indent=1), encoding="utf-8")
        return 0
    if args.find_max:
        searches = []
        for _ in range(args.runs):
            report = find_max(args, app)
            print(
                f"Largest load held: {report['max_users']} simultaneous users "
                f"beating every {args.beat_seconds:g} s = "
                f"{report['max_real_viewers']} viewers at one beat per 15 s "
                f"(first failing: {report['first_failing_users']}).",
                flush=True,
            )
            searches.append(report)
        best = sorted(r["max_users"] for r in searches)
        report = {
            "max_users_median": statistics.median(best),
            "max_real_viewers_median": round(
                statistics.median(best) * REAL_BEAT_SECONDS / args.beat_seconds
            ),
            "beat_seconds": args.beat_seconds,
            "searches": searches,
        }
        if args.runs > 1:
            print(
                f"Median of {args.runs} searches: {report['max_users_median']} users "
                f"= {report['max_real_viewers_median']} viewers (each: {best})."
            )
        if args.json:
            Path(args.json).write_text(json.dumps(report, indent=1), encoding="utf-8")
        return 0
    started = time.monotonic()
    runs = []
    for _ in range(args.runs):
        runs.append(one_run(args, app, args.users, args.seconds, args.spawn_rate))
        print_summary(runs[-1])
    summary = median_summary(runs) if len(runs) > 1 else runs[0]
    summary["wall_seconds"] = round(time.monotonic() - started, 1)
    if len(runs) > 1:
        print(f"Median of {len(runs)} runs (errors and watched seconds: totals):")
        print_summary(summary)
    if args.json:
        Path(args.json).write_text(json.dumps(summary, indent=1), encoding="utf-8")
    return 0 if passed(summary) else 1


if __name__ == "__main__":
    sys.exit(main())
