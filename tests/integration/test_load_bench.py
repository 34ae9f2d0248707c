"""bench/load.py for a few seconds against a real gunicorn (production settings,
SQLite of its own): learners sign in, browse, search, watch and beat; a
coordinator reads reports; no request fails and every watched second the beats
carried is recorded."""

import json
import os
import secrets
import signal
import subprocess
import sys

import pytest

from bench.heartbeat import ROOT, start_gunicorn
from tests import services

#: A server and database of its own: the SQLite run only.
pytestmark = pytest.mark.once


@pytest.fixture
def gunicorn_server(tmp_path):
    """``make run``'s web server (2 workers x 4 threads) on a migrated SQLite."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = dict(
        os.environ,
        LMS_SECRET_KEY=secrets.token_hex(32),
        LMS_INSTANCE_PATH=str(instance),
        LMS_SESSION_COOKIE_SECURE="false",
        LMS_REMEMBER_COOKIE_SECURE="false",
        LMS_LOG_LEVEL="WARNING",
    )
    flask = [str(ROOT / ".venv/bin/flask"), "--app", "lms"]
    subprocess.run([*flask, "db", "upgrade"], cwd=ROOT, env=env, check=True)
    port = services.free_port()
    server = start_gunicorn(env, port, workers=2, threads=4)
    yield f"http://127.0.0.1:{port}", env
    os.killpg(server.pid, signal.SIGTERM)
    server.wait(30)


def test_short_load_has_no_errors_and_loses_no_watched_second(
    gunicorn_server, tmp_path
):
    host, env = gunicorn_server
    out = tmp_path / "load.json"
    run = subprocess.run(
        [
            sys.executable,
            str(ROOT / "bench/load.py"),
            "--host",
            host,
            "--users",
            "6",
            "--spawn-rate",
            "6",
            "--seconds",
            "10",
            "--beat-seconds",
            "1",
            "--lecture-seconds",
            "60",
            "--json",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    summary = json.loads(out.read_text())
    assert summary["errors"] == 0
    assert summary["watched_seconds_sent"] > 0
    assert summary["watched_seconds_sent"] == summary["watched_seconds_recorded"]
    endpoints = summary["endpoints"]
    for name in ("login", "search", "lecture page", "play session", "master.m3u8"):
        assert endpoints[name]["count"] > 0, name
    assert endpoints["segment"]["count"] > 0
    assert endpoints["heartbeat"]["count"] >= 5
    assert endpoints["reports: hospital year"]["count"] > 0
    assert {"p50", "p95", "count", "errors"} <= set(endpoints["heartbeat"])
    assert summary["requests"] > 0 and summary["rps"] > 0
