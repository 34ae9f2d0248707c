"""Network reports at the network's real size (issue 15).

Generates the seed network (``bench.network_data``: 572 hospitals, 1,000
lecturers, 60,000 learners, 2.1 million person-times over 2022-2026) into a
migrated database, rebuilds the summary tables (timed), then times every report
the reports package offers, for the latest full year and for the five years, by
tier, province, hospital and month, and the office's dashboard page (through
the Flask test client, signed in as an administrator): p50/p95 over
``--repeat`` calls, medians of ``--rounds`` rounds, each against a ``SELECT 1``
round trip on the same engine. Target: every report and the page under 1 s p95.

A SQLite database is kept in /tmp keyed by scale, seed and schema head, so a
second run skips the generation (``--fresh`` generates anew).

    .venv/bin/python bench/reports.py [--db sqlite|postgresql] [--scale 1.0]
                                      [--seed 1] [--rounds 3] [--repeat 10]
                                      [--fresh] [--generate-only]
"""

import argparse
import secrets
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

#: The issue's target for every report and the dashboard page, p95.
TARGET_SECONDS = 1.0
CHEAP_HASH = "pbkdf2:sha256:1000"
ADMIN_PASSWORD = "bench-office-password"
LATEST_FULL_YEAR = 2025
FIVE_YEARS = (2022, 2026)
BY = ("tier", "province", "hospital", "month")
#: The generator's first lecturer (the administrator is user 1).
LECTURER_ID = 2


def make_app(url, instance):
    from lms import create_app

    return create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": url,
            "INSTANCE_PATH": str(instance),
            "PASSWORD_HASH_METHOD": CHEAP_HASH,
            "LOG_LEVEL": "WARNING",
        }
    )


def schema_head():
    """The newest migration's revision (the cache key follows the schema)."""
    from alembic.config import Config
    from alembic.script import ScriptDirectory

    config = Config()
    config.set_main_option("script_location", str(ROOT / "migrations"))
    return "-".join(sorted(ScriptDirectory.from_config(config).get_heads()))


def migrated(url, instance):
    """An app on ``url`` with every migration applied, and its engine."""
    from flask_migrate import upgrade

    from lms.db import db

    app = make_app(url, instance)
    with app.app_context():
        upgrade(directory=str(ROOT / "migrations"))
        engine = db.engine
    return app, engine


def migrated_sqlite(path):
    """The engine of a new migrated SQLite database at ``path``."""
    return migrated(f"sqlite:///{path}", Path(path).parent)[1]


def prepare(args, instance):
    """The app on a database holding the network, and how long it took."""
    from bench.network_data import generate

    if args.url:
        print(f"network: the database at {args.url} (migrated to the head)")
        return migrated(args.url, instance)[0], None, None, 0.0
    if args.db == "postgresql":
        from tests import services

        server = services.start_postgres()
        url = server.create_database("bench")
        app, engine = migrated(url, instance)
        started = time.perf_counter()
        network = generate(engine, scale=args.scale, seed=args.seed)
        return app, network, server, time.perf_counter() - started
    cached = Path(tempfile.gettempdir()) / (
        f"telecme-reports-{args.scale:g}-{args.seed}-{schema_head()}.sqlite3"
    )
    path = instance / "lms.sqlite3"
    if cached.exists() and not args.fresh:
        shutil.copyfile(cached, path)
        print(f"network: reused {cached}")
        return make_app(f"sqlite:///{path}", instance), None, None, 0.0
    app, engine = migrated(f"sqlite:///{path}", instance)
    started = time.perf_counter()
    network = generate(engine, scale=args.scale, seed=args.seed)
    elapsed = time.perf_counter() - started
    engine.dispose()
    with app.app_context():
        from lms.db import db

        db.engine.dispose()
    partial = cached.with_suffix(".partial")
    shutil.copyfile(path, partial)
    partial.rename(cached)
    return app, network, None, elapsed


def percentiles(samples):
    samples = sorted(samples)
    return samples[len(samples) // 2], samples[
        min(len(samples) - 1, int(len(samples) * 0.95))
    ]


def timed(call, repeat):
    samples = []
    for _ in range(repeat):
        started = time.perf_counter()
        call()
        samples.append(time.perf_counter() - started)
    return percentiles(samples)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--scale", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--repeat", type=int, default=10, help="calls per round")
    parser.add_argument("--fresh", action="store_true", help="do not reuse a cache")
    parser.add_argument("--generate-only", action="store_true")
    parser.add_argument(
        "--url",
        help="time the reports on this database, which holds a network already "
        "(its summary tables are rebuilt only with --rebuild)",
    )
    parser.add_argument("--rebuild", action="store_true")
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)

    instance = Path(tempfile.mkdtemp(prefix="telecme-bench-reports-"))
    app, network, server, generated_s = prepare(args, instance)
    try:
        if network is not None:
            print(f"network generated in {generated_s:.1f} s ({args.db})")
        if args.generate_only:
            return 0
        return run_reports(app, args)
    finally:
        if server is not None:
            server.stop()
        shutil.rmtree(instance, ignore_errors=True)


def report_calls(now):
    """(name, call) of every report the reports package offers, for the latest
    full year and the five years; a report the package lacks is left out."""
    from lms.reports import queries
    from lms.reports.rules import GROUPINGS, Period

    periods = {
        str(LATEST_FULL_YEAR): Period(
            LATEST_FULL_YEAR * 100 + 1, LATEST_FULL_YEAR * 100 + 12
        ),
        f"{FIVE_YEARS[0]}-{FIVE_YEARS[1]}": Period(
            FIVE_YEARS[0] * 100 + 1, FIVE_YEARS[1] * 100 + 12
        ),
    }
    calls = []
    for label, period in periods.items():
        for by in GROUPINGS:
            calls.append(
                (
                    f"network_report {label} by {by}",
                    lambda p=period, b=by: queries.network_report(p, b),
                )
            )
        for name, extra in (
            ("reach", ()),
            ("topic_breakdown", ("specialty",)),
            ("topic_breakdown", ("profession",)),
            ("evaluations_by_course", ()),
            ("lecturer_workload", ()),
        ):
            function = getattr(queries, name, None)
            if function is not None:
                suffix = f" {extra[0]}" if extra else ""
                calls.append(
                    (
                        f"{name} {label}{suffix}",
                        lambda f=function, p=period, e=extra: f(p, *e),
                    )
                )
    if hasattr(queries, "network_reports"):  # the dashboard's tables together
        for label, period in periods.items():
            calls.append(
                (
                    f"network_reports {label} tier+province+month",
                    lambda p=period: queries.network_reports(
                        p, ("tier", "province", "month")
                    ),
                )
            )
    if hasattr(queries, "inactive_sites"):
        calls.append(("inactive_sites 90 days", lambda: queries.inactive_sites(now)))
    if hasattr(queries, "home_figures"):
        calls.append(("home_figures", queries.home_figures))
    return calls


def page_paths(app):
    """The report pages for the office: the dashboard for the latest full year,
    a province's drill-down and the five years, the other pages, a download,
    and the network API by each grouping (those the app has)."""
    year = f"year={LATEST_FULL_YEAR}"
    five = f"start={FIVE_YEARS[0]}-01&end={FIVE_YEARS[1]}-12"
    wanted = [
        f"/reports/?{year}",
        f"/reports/?{year}&province=51",
        f"/reports/?{five}",
        f"/reports/hospitals/2?{year}",
        f"/reports/lecturers/{LECTURER_ID}?{year}",
        f"/reports/courses?{year}",
        f"/reports/export.xlsx?{year}&by=hospital",
    ]
    wanted += [f"/api/v1/reports/network?{year}&by={by}" for by in BY]
    adapter = app.url_map.bind("localhost")
    paths = []
    for path in wanted:
        try:
            adapter.match(path.split("?")[0], method="GET")
        except Exception:  # a page the app does not have (yet)
            print(f"  (no such page: {path})")
            continue
        paths.append(path)
    return paths


def signed_in_client(app):
    """A test client signed in as the network's administrator (by the login form)."""
    import re

    import sqlalchemy as sa
    from werkzeug.security import generate_password_hash

    from bench.network_data import Network
    from lms.db import db

    login = Network(0, 0).admin_login
    with app.app_context():
        db.session.execute(
            sa.text("UPDATE users SET password_hash = :h WHERE login = :l"),
            {
                "h": generate_password_hash(ADMIN_PASSWORD, method=CHEAP_HASH),
                "l": login,
            },
        )
        db.session.commit()
    client = app.test_client()
    html = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', html).group(1)
    response = client.post(
        "/login", data={"login": login, "password": ADMIN_PASSWORD, "csrf_token": token}
    )
    if response.status_code != 302:
        raise RuntimeError(
            f"the administrator's sign-in failed: {response.status_code}"
        )
    return client


def run_reports(app, args):
    import sqlalchemy as sa

    from lms.db import db, utcnow
    from lms.reports import summaries

    with app.app_context():
        started = time.perf_counter()

        def progress(month):
            if month % 100 == 12:
                print(f"  rebuilt to {month}: {time.perf_counter() - started:.0f} s")

        rebuilt_s = None
        if args.rebuild or not args.url:
            result = summaries.rebuild(progress=progress)
            rebuilt_s = time.perf_counter() - started
            print(
                f"summary tables rebuilt from the raw rows in {rebuilt_s:.1f} s"
                f" ({len(result.months)} months)"
            )
        db.session.remove()
        now = utcnow()
        calls = report_calls(now)

        def select_one():
            db.session.execute(sa.text("SELECT 1")).scalar()
            db.session.remove()

        def wrap(call):
            def run():
                call()
                db.session.remove()

            return run

        for name, call in calls:  # once, to warm caches and check they run
            first = time.perf_counter()
            wrap(call)()
            print(f"  first call {name}: {(time.perf_counter() - first) * 1e3:.0f} ms")
        measured = {name: [] for name, _ in calls}
        baseline = []
        for _ in range(args.rounds):
            baseline.append(timed(select_one, max(args.repeat, 50)))
            for name, call in calls:
                measured[name].append(timed(wrap(call), args.repeat))
    paths = page_paths(app)
    pages = {path: [] for path in paths}
    if paths:
        client = signed_in_client(app)
        for path in paths:
            status = client.get(path).status_code
            if status != 200:
                print(f"  {path}: {status}")
                pages.pop(path)
        for _ in range(args.rounds):
            for path in pages:
                pages[path].append(timed(lambda p=path: client.get(p), args.repeat))
    return print_results(args, rebuilt_s, baseline, measured, pages)


def print_results(args, rebuilt_s, baseline, measured, pages):
    def median(pairs, i):
        return statistics.median(pair[i] for pair in pairs)

    base_p50 = median(baseline, 0)
    print(
        f"reports benchmark: {args.db}, scale {args.scale:g},"
        f" p50/p95 of {args.repeat} calls, medians of {args.rounds} rounds;"
        f" SELECT 1 round trip p50 {base_p50 * 1e3:.3f} ms"
        f" p95 {median(baseline, 1) * 1e3:.3f} ms"
    )
    missed = []
    width = max(len(n) for n in list(measured) + list(pages) + ["x"])
    for title, results in (
        ("reports (lms.reports.queries)", measured),
        ("pages (test client, administrator)", pages),
    ):
        if not results:
            print(f"  {title}: none")
            continue
        print(f"  {title}:")
        for name, pairs in results.items():
            p50, p95 = median(pairs, 0), median(pairs, 1)
            flag = "" if p95 < TARGET_SECONDS else "  MISSES the 1 s target"
            if flag:
                missed.append(name)
            print(
                f"    {name:{width}}  p50 {p50 * 1e3:8.1f} ms  p95 {p95 * 1e3:8.1f} ms"
                f"  x{p50 / base_p50:9.0f} SELECT 1{flag}"
            )
    if rebuilt_s is not None:
        print(f"  summary tables rebuilt in {rebuilt_s:.1f} s")
    print(
        f"  every report and page under {TARGET_SECONDS:g} s p95:"
        f" {'no: ' + ', '.join(missed) if missed else 'yes'}"
    )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
