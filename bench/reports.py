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
    args = parser.parse_args()

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


def run_reports(app, args):
    print("reports: not written yet")
    return 0


if __name__ == "__main__":
    sys.exit(main())
