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
