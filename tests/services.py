"""Real PostgreSQL and Redis servers for the tests, on loopback, in a temporary folder.

Each test session (each xdist worker) starts its own, so runs never share state.
"""

import glob
import os
import pwd
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


class ServiceUnavailable(RuntimeError):
    pass


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait_for_port(port, timeout, what, log=None):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    detail = (
        Path(log).read_text(errors="replace")[-2000:]
        if log and Path(log).exists()
        else ""
    )
    raise ServiceUnavailable(f"{what} did not open port {port} in {timeout}s\n{detail}")


@dataclass
class Postgres:
    base: Path
    port: int
    bindir: Path
    as_user: str | None

    @property
    def url(self):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/postgres"

    def url_for(self, database):
        return f"postgresql+psycopg://postgres@127.0.0.1:{self.port}/{database}"

    def _run(self, *args, **kwargs):
        command = [str(self.bindir / args[0]), *args[1:]]
        if self.as_user:
            command = ["runuser", "-u", self.as_user, "--", *command]
        return subprocess.run(
            command, check=True, capture_output=True, text=True, **kwargs
        )

    def create_database(self, name):
        import psycopg

        with psycopg.connect(
            f"host=127.0.0.1 port={self.port} user=postgres dbname=postgres",
            autocommit=True,
        ) as conn:
            conn.execute(f'CREATE DATABASE "{name}"')
        return self.url_for(name)

    def stop(self):
        try:
            self._run(
                "pg_ctl", "-D", str(self.base / "data"), "-m", "immediate", "stop"
            )
        finally:
            shutil.rmtree(self.base, ignore_errors=True)


def _postgres_bindir():
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    if not found:
        raise ServiceUnavailable(
            "PostgreSQL server binaries are missing: `make test` installs the "
            "`postgresql` package (or run: apt-get install postgresql)."
        )
    return Path(found[-1]).parent


def start_postgres():
    bindir = _postgres_bindir()
    base = Path(tempfile.mkdtemp(prefix="telecme-pg-"))
    as_user = None
    if os.geteuid() == 0:
        # initdb refuses to run as root; Debian's package creates this user.
        as_user = "postgres"
        entry = pwd.getpwnam(as_user)
        os.chown(base, entry.pw_uid, entry.pw_gid)
    server = Postgres(base=base, port=free_port(), bindir=bindir, as_user=as_user)
    server._run(
        "initdb",
        "-D",
        str(base / "data"),
        "-U",
        "postgres",
        "-A",
        "trust",
        "-E",
        "UTF8",
        "--no-locale",
    )
    options = (
        f"-p {server.port} -k {base} -c listen_addresses=127.0.0.1 "
        "-c fsync=off -c synchronous_commit=off -c full_page_writes=off "
        "-c max_connections=200"
    )
    server._run(
        "pg_ctl",
        "-D",
        str(base / "data"),
        "-o",
        options,
        "-l",
        str(base / "log"),
        "-w",
        "-t",
        "60",
        "start",
    )
    _wait_for_port(server.port, 30, "PostgreSQL", base / "log")
    return server


@dataclass
class Redis:
    process: subprocess.Popen
    port: int
    base: Path

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.base, ignore_errors=True)


def start_redis():
    binary = shutil.which("redis-server") or "/usr/bin/redis-server"
    if not Path(binary).exists():
        raise ServiceUnavailable(
            "redis-server is missing: `make test` installs the `redis-server` package."
        )
    base = Path(tempfile.mkdtemp(prefix="telecme-redis-"))
    port = free_port()
    log = base / "log"
    process = subprocess.Popen(
        [
            binary,
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(base),
            "--logfile",
            str(log),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port, 30, "Redis", log)
    return Redis(process=process, port=port, base=base)


@dataclass
class RtmpIngest:
    """nginx with the RTMP module, as ``make run`` starts it."""

    process: subprocess.Popen
    port: int
    prefix: Path

    def push_url(self, key):
        return f"rtmp://127.0.0.1:{self.port}/live/{key}"

    def log(self):
        path = self.prefix / "logs" / "error.log"
        return path.read_text(errors="replace") if path.exists() else ""

    def stop(self):
        self.process.terminate()
        try:
            self.process.wait(10)
        except subprocess.TimeoutExpired:
            self.process.kill()
        shutil.rmtree(self.prefix, ignore_errors=True)


def start_rtmp_ingest(secret_key, callback_base, update_seconds=None):
    """nginx with the RTMP module on a free loopback port, whose callbacks reach
    the app at ``callback_base`` (``on_update`` every ``update_seconds``)."""
    from media_pipeline import ingest

    if not ingest.RTMP_MODULE.exists() or not Path(ingest.nginx_binary()).exists():
        raise ServiceUnavailable(
            "nginx or its RTMP module is missing: `make test` installs the "
            "`nginx-light` and `libnginx-mod-rtmp` packages."
        )
    prefix = Path(tempfile.mkdtemp(prefix="telecme-rtmp-"))
    port = free_port()
    ingest.write_config(
        ingest.IngestSettings(
            prefix=prefix,
            host="127.0.0.1",
            port=port,
            callback_base=callback_base,
            secret=ingest.callback_secret(secret_key),
            update_seconds=update_seconds or ingest.UPDATE_SECONDS,
        )
    )
    process = subprocess.Popen(
        ingest.nginx_command(prefix),
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    _wait_for_port(port, 30, "nginx (RTMP)", prefix / "logs" / "error.log")
    return RtmpIngest(process=process, port=port, prefix=prefix)
