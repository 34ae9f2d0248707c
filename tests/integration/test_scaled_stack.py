"""The scaled-out stack, run for real by the script ``make run-scaled`` runs
(scripts/run_scaled.sh) on free ports in a folder of its own: PostgreSQL, Redis,
two app instances behind nginx (the shipped deploy/nginx template), two workers
and the RTMP ingest; then a short load through nginx (bench/load.py) with no
error, and Ctrl-C stops every process.
"""

import contextlib
import gzip
import http.client
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import pytest
import requests

from media_pipeline.ingest import callback_secret
from tests.services import free_port

ROOT = Path(__file__).resolve().parents[2]
STARTED = "==> TeleCME on "
#: A loaded 2-core machine: PostgreSQL's first cluster, a migration run and
#: five processes that each load the app.
START_SECONDS = 240
PASSWORD = "scene-password"

pytestmark = pytest.mark.once


def test_shipped_nginx_example_is_the_template_rendered():
    """deploy/nginx/telecme.conf is what scripts/nginx_site.py --example writes,
    so the file operations staff read is the template the stack test runs."""
    rendered = subprocess.run(
        [
            sys.executable,
            "scripts/nginx_site.py",
            *_example_args(),
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    assert rendered == (ROOT / "deploy" / "nginx" / "telecme.conf").read_text()


def test_the_tls_site_passes_nginx_own_check(tmp_path):
    """The site as deployed (TLS on 443, HTTP redirecting to it) is a
    configuration nginx accepts, with a real certificate and key, in folders
    whose names have spaces (each path is quoted)."""
    tmp_path = tmp_path / "with spaces; {and} #such"
    tmp_path.mkdir()
    cert, key = tmp_path / "cert.pem", tmp_path / "key.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
         "ec_paramgen_curve:prime256v1", "-nodes", "-days", "1", "-subj",
         "/CN=cme.example.org", "-keyout", str(key), "-out", str(cert)],
        check=True,
        capture_output=True,
    )  # fmt: skip
    prefix = tmp_path / "nginx"
    subprocess.run(
        [
            sys.executable,
            "scripts/nginx_site.py",
            "--upstream=10.0.0.11:8000",
            "--upstream=10.0.0.12:8000",
            "--server-name=cme.example.org",
            f"--tls-cert={cert}",
            f"--tls-key={key}",
            f"--media-dir={tmp_path / 'media'}",
            "--ingest-allow=10.0.0.21",
            f"--prefix={prefix}",
        ],
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    site = (prefix / "telecme.conf").read_text()
    assert "listen 443 ssl http2;" in site
    assert "return 301 https://$host$request_uri;" in site
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    check = subprocess.run(
        [nginx, "-t", "-p", str(prefix), "-c", str(prefix / "nginx.conf"),
         "-e", str(prefix / "logs" / "error.log")],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert check.returncode == 0, check.stderr


def _example_args():
    sys.path.insert(0, str(ROOT / "scripts"))
    try:
        import nginx_site
    finally:
        sys.path.pop(0)
    return nginx_site.EXAMPLE_ARGS


class Stack:
    def __init__(self, base):
        self.base = base
        self.port = free_port()
        self.app_ports = [free_port(), free_port()]
        self.env = {
            **os.environ,
            "PORT": str(self.port),
            "APP_PORTS": " ".join(map(str, self.app_ports)),
            "PG_PORT": str(free_port()),
            "REDIS_PORT": str(free_port()),
            "RTMP_PORT": str(free_port()),
            "APP_WORKERS": "1",
            "SCALED_DIR": str(base),
            "SCALED_DEMO": "0",
            "VENV": str(ROOT / ".venv"),
        }
        self.env = {k: v for k, v in self.env.items() if not k.startswith("LMS_")}
        self.lines = []
        self.up = threading.Event()
        self.process = None

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def output(self):
        return "".join(self.lines[-60:])

    def start(self):
        self.process = subprocess.Popen(
            [str(ROOT / "scripts" / "run_scaled.sh")],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
            start_new_session=True,  # its own group, as a terminal's job is
        )
        threading.Thread(target=self._read, daemon=True).start()
        deadline = time.monotonic() + START_SECONDS
        while not self.up.wait(0.2):
            if self.process.poll() is not None or time.monotonic() > deadline:
                pytest.fail(f"the scaled stack did not come up:\n{self.output()}")

    def _read(self):
        for line in self.process.stdout:
            self.lines.append(line)
            if line.startswith(STARTED):
                self.up.set()

    def app_env(self):
        """The stack's LMS_* settings (scripts/run_scaled.sh writes them)."""
        env = {}
        for line in (self.base / "stack.env").read_text().splitlines():
            name, _, value = line.partition("=")
            env[name] = shlex.split(value)[0] if value else ""
        return env

    def stop(self):
        """Ctrl-C, as a terminal sends it to its job's group; then nothing of
        the group may be left."""
        if self.process is None:
            return []
        group = self.process.pid
        with contextlib.suppress(ProcessLookupError):
            os.killpg(group, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.process.wait(90)
        deadline = time.monotonic() + 30
        while _group_alive(group) and time.monotonic() < deadline:
            time.sleep(0.1)
        left = _group_members(group)
        if left:
            os.killpg(group, signal.SIGKILL)
        return left


def _group_alive(group):
    try:
        os.killpg(group, 0)
    except ProcessLookupError:
        return False
    return True


def _group_members(group):
    members = []
    for status in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = status.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if fields[0] != "Z" and int(fields[2]) == group:
            members.append(status.parent.name)
    return members


@pytest.fixture
def stack():
    # PostgreSQL runs as the postgres user when we are root: it must reach its
    # folder (tempfile's folders are the creator's only).
    base = Path(tempfile.mkdtemp(prefix="telecme-scaled-"))
    base.chmod(0o755)
    stack = Stack(base)
    try:
        stack.start()
        yield stack
    finally:
        left = stack.stop()
        output = stack.output()
        shutil.rmtree(base, ignore_errors=True)
        assert not left, f"processes left after Ctrl-C: {left}\n{output}"
        assert stack.process.returncode == 130, output


def _in_stack(stack, code):
    """Run ``code`` in a fresh interpreter with the stack's settings (an app of
    its own: this process's queue and app stay the test session's); its last
    printed line is JSON."""
    done = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**stack.env, **stack.app_env()},
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.splitlines()[-1])


#: A learner enrolled in a course whose lecture has a published version (a
#: playlist in the shared media folder), made with the app's operations.
PUBLISH_FAKE_VERSION = r"""
import json
from lms import create_app
from lms.db import db
from media_pipeline.storage import Storage
from tests.builders import build_scene

app = create_app()
with app.app_context():
    scene = build_scene(learners=1, enrol=True)
    db.session.commit()
    lecture = scene.course.lectures[0]
    lecture_dir = Storage(app.config["MEDIA_DIR"]).lecture_dir(lecture.id)
    (lecture_dir / "job-1-1").mkdir(parents=True)
    (lecture_dir / "job-1-1" / "master.m3u8").write_text(
        "#EXTM3U\n#EXT-X-VERSION:7\n# sent by nginx\n")
    (lecture_dir / "current").symlink_to("job-1-1")
    print(json.dumps({
        "login": scene.learners[0].login,
        "path": f"/media/lectures/{lecture.id}/job-1-1/master.m3u8",
    }))
"""

WORKER_LANES = """
import json
import sqlalchemy as sa
from lms import create_app
from lms.db import db
from lms.workers.models import WorkerHeartbeat

with create_app().app_context():
    print(json.dumps(sorted(set(db.session.scalars(sa.select(WorkerHeartbeat.lane))))))
"""


def _sign_in(base_url, login):
    session = requests.Session()
    page = session.get(f"{base_url}/login", timeout=30)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.text).group(1)
    answer = session.post(
        f"{base_url}/login",
        data={"csrf_token": token, "login": login, "password": PASSWORD},
        timeout=30,
        allow_redirects=False,
    )
    assert answer.status_code == 302, answer.text[:500]
    return session


def _upstreams_in_access_log(stack):
    log = (stack.base / "nginx" / "logs" / "access.log").read_text()
    return set(re.findall(r'"127\.0\.0\.1:(\d+)"', log))


def test_scaled_stack_serves_through_nginx_and_holds_a_load(stack):
    """Static files and media come from nginx, both app instances answer behind
    it, every worker lane beats, and a short load through nginx has no error."""
    # Both app instances answer, directly and behind nginx's one upstream.
    for port in stack.app_ports:
        assert requests.get(f"http://127.0.0.1:{port}/login", timeout=30).ok
    for _ in range(6):
        assert requests.get(f"{stack.url}/login", timeout=30).ok
    assert _upstreams_in_access_log(stack) == set(map(str, stack.app_ports))

    # The app's absolute URLs keep nginx's port (Host: $http_host, not $host):
    # /courses redirects to /courses/ on the same host and port.
    moved = requests.get(f"{stack.url}/courses", allow_redirects=False, timeout=30)
    assert moved.status_code == 308
    assert moved.headers["Location"] == f"{stack.url}/courses/"

    # Only PUT .../media streams a large body to the app: nginx itself refuses
    # a heartbeat's body over 20m (it reads every other body first, so a slow
    # client holds no gunicorn thread), before a byte of it arrives.
    heartbeat = http.client.HTTPConnection("127.0.0.1", stack.port, timeout=30)
    heartbeat.putrequest("POST", "/api/v1/lectures/1/progress")
    heartbeat.putheader("Content-Length", str(21 * 1024 * 1024))
    heartbeat.putheader("Content-Type", "application/json")
    heartbeat.endheaders()
    assert heartbeat.getresponse().status == 413
    heartbeat.close()

    # nginx compresses no page the app kept plain: a request from another
    # site with cookies (BREACH, lms/transport.py), though nginx.conf says
    # gzip on as Debian's does.
    cross_site = requests.get(
        f"{stack.url}/login",
        headers={
            "Accept-Encoding": "gzip",
            "Sec-Fetch-Site": "cross-site",
            "Cookie": "telecme_session=x",
        },
        stream=True,
        timeout=30,
    )
    assert cross_site.status_code == 200
    assert "Content-Encoding" not in cross_site.headers

    # Static files: nginx serves them (no app request id), gzipped, cached for a
    # year when versioned and revalidated when not.
    page = requests.get(f"{stack.url}/login", timeout=30).text
    css = re.search(r'href="(/static/css/app\.css\?v=[0-9a-f]+)"', page).group(1)
    answer = requests.get(
        f"{stack.url}{css}",
        headers={"Accept-Encoding": "gzip"},
        stream=True,
        timeout=30,
    )
    raw = answer.raw.read()
    assert answer.status_code == 200
    assert "X-Request-ID" not in answer.headers
    assert answer.headers["Cache-Control"] == "public, max-age=31536000, immutable"
    assert answer.headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(raw) == (ROOT / "lms/static/css/app.css").read_bytes()
    plain = requests.get(f"{stack.url}/static/css/app.css", timeout=30)
    assert plain.headers["Cache-Control"] == "no-cache"

    # Media: the app checks access and answers with X-Accel-Redirect; nginx sends
    # the file from the shared media folder; nobody reaches it around the app.
    scene = _in_stack(stack, PUBLISH_FAKE_VERSION)
    login, path = scene["login"], scene["path"]
    learner = _sign_in(stack.url, login)
    media = learner.get(f"{stack.url}{path}", timeout=30)
    assert media.status_code == 200, media.text[:300]
    assert media.content == b"#EXTM3U\n#EXT-X-VERSION:7\n# sent by nginx\n"
    assert media.headers["Content-Type"] == "application/vnd.apple.mpegurl"
    assert media.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert media.headers["X-Content-Type-Options"] == "nosniff"
    direct = learner.get(f"http://127.0.0.1:{stack.app_ports[0]}{path}", timeout=30)
    assert direct.content == b""
    assert direct.headers["X-Accel-Redirect"].startswith("/protected-media/lectures/")
    assert requests.get(f"{stack.url}{path}", timeout=30).status_code == 404
    inside = path.replace("/media/", "/protected-media/", 1)
    assert requests.get(f"{stack.url}{inside}", timeout=30).status_code == 404

    # nginx-rtmp's callbacks reach the app through nginx from the ingest's
    # address only (--ingest-allow): the app itself refuses an unknown key.
    hook = f"/live-ingest/{callback_secret(stack.app_env()['LMS_SECRET_KEY'])}"
    push = {"app": "live", "name": "no-such-key", "clientid": "7", "call": "publish"}
    refused = requests.post(f"{stack.url}{hook}/on_publish", data=push, timeout=30)
    assert refused.status_code == 403
    assert "X-Request-ID" in refused.headers  # the app's answer, not nginx's
    elsewhere = http.client.HTTPConnection(
        "127.0.0.1", stack.port, timeout=30, source_address=("127.0.0.2", 0)
    )
    elsewhere.request("POST", f"{hook}/on_publish", body="name=k")
    answer = elsewhere.getresponse()
    assert answer.status == 403
    assert answer.getheader("X-Request-ID") is None  # nginx's deny
    elsewhere.close()

    # A short load through nginx: no error, every watched second recorded.
    summary = stack.base / "load.json"
    load = subprocess.run(
        [
            sys.executable,
            "bench/load.py",
            "--host",
            stack.url,
            "--users",
            "4",
            "--spawn-rate",
            "4",
            "--seconds",
            "10",
            "--lecture-seconds",
            "60",
            "--database-url",
            stack.app_env()["LMS_DATABASE_URL"],
            "--json",
            str(summary),
        ],
        cwd=ROOT,
        env={**stack.env, **stack.app_env()},
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert load.returncode == 0, load.stdout[-3000:] + load.stderr[-3000:]
    figures = json.loads(summary.read_text())
    assert figures["errors"] == 0
    assert figures["requests"] > 0
    assert figures["watched_seconds_sent"] == figures["watched_seconds_recorded"]

    # The workers (media + live on one "machine", fast on the other) beat.
    assert {"media", "live", "fast"} <= set(_in_stack(stack, WORKER_LANES))
