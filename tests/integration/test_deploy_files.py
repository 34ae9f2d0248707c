"""The shipped deployment files (deploy/): what nginx streams unbuffered, what
Host the app sees, what the systemd units start at boot and bind."""

import re
import shutil
import subprocess
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SITE = (ROOT / "deploy" / "nginx" / "telecme.conf").read_text()
PROXY = (ROOT / "deploy" / "nginx" / "telecme-proxy.conf").read_text()
SYSTEMD = ROOT / "deploy" / "systemd"


def _locations(conf):
    """Each `location [~] PATTERN { BODY }` of a site, as (modifier, pattern, body)."""
    return re.findall(r"location (?:(~) )?(\S+) \{(.*?)\n    \}", conf, re.S)


def _location_for(conf, uri):
    """The location nginx picks: the first matching regex, else the longest prefix."""
    regexes = [(p, b) for m, p, b in _locations(conf) if m and re.search(p, uri)]
    if regexes:
        return regexes[0]
    prefixes = [(p, b) for m, p, b in _locations(conf) if not m and uri.startswith(p)]
    return max(prefixes, key=lambda pattern_body: len(pattern_body[0]))


@pytest.mark.parametrize("conf", ["deploy/nginx/telecme.conf", "docs/nginx.conf"])
@pytest.mark.parametrize(
    ("uri", "streamed"),
    [
        ("/api/v1/lectures/12/media", True),
        ("/api/v1/lectures/12/progress", False),
        ("/api/v1/lectures/12/media/extra", False),
        ("/api/v1/lectures/12", False),
        ("/api/v1/courses/3", False),
        ("/login", False),
    ],
)
def test_only_the_media_upload_streams_its_body_to_the_app(conf, uri, streamed):
    """An unbuffered body holds a gunicorn thread while a slow client trickles it
    in: 24 slow heartbeats would hold every thread. Only PUT .../media (a whole
    recording) streams; every other body is read by nginx first, 20m at most."""
    _pattern, body = _location_for((ROOT / conf).read_text(), uri)
    assert ("proxy_request_buffering off" in body) is streamed
    assert ("client_max_body_size 4g" in body) is streamed


@pytest.mark.parametrize("conf", [PROXY, (ROOT / "docs" / "nginx.conf").read_text()])
def test_the_app_sees_the_host_with_its_port(conf):
    """$host drops the port: on :8080 the app's absolute redirects and _external
    URLs (room QR codes) would point at port 80 (test_scaled_stack checks one)."""
    hosts = re.findall(r"proxy_set_header Host (\S+);", conf)
    assert hosts and set(hosts) == {"$http_host"}


def test_the_units_the_guide_enables_start_at_boot(tmp_path):
    """The units are WantedBy=telecme.target: enabling one must enable the
    target too (Also=), or after a reboot no TeleCME service starts."""
    units = tmp_path / "etc" / "systemd" / "system"
    units.mkdir(parents=True)
    for unit in SYSTEMD.iterdir():
        shutil.copy(unit, units)
    for unit in ("telecme-web@8000", "telecme-worker@media", "telecme-ingest"):
        subprocess.run(
            ["systemctl", f"--root={tmp_path}", "enable", unit],
            check=True,
            capture_output=True,
        )
    assert (units / "multi-user.target.wants" / "telecme.target").is_symlink()
    assert sorted(path.name for path in (units / "telecme.target.wants").iterdir()) == [
        "telecme-ingest.service",
        "telecme-web@8000.service",
        "telecme-worker@media.service",
    ]


def test_an_app_machine_without_its_address_listens_on_loopback_only():
    """gunicorn --bind ${TELECME_BIND}:%i with TELECME_BIND unset binds ':8000',
    every interface, while the app trusts X-Forwarded-For. The address defaults
    to loopback and machine.env (which names it) is required."""
    service = (SYSTEMD / "telecme-web@.service").read_text()
    lines = [line for line in service.splitlines() if not line.startswith("#")]
    assert "Environment=TELECME_BIND=127.0.0.1" in lines
    assert "EnvironmentFile=/etc/telecme/machine.env" in lines
    assert "EnvironmentFile=-/etc/telecme/machine.env" not in lines
    # EnvironmentFile= overrides Environment=, whatever their order.
    assert "--bind ${TELECME_BIND}:%i" in service


def test_the_guide_compiles_the_translations_on_install_and_upgrade():
    """No .mo file is in git: a release installed as docs/operations.md says
    must compile them, or every page is English."""
    guide = (ROOT / "docs" / "operations.md").read_text()
    install, upgrade = guide.split("## Upgrading")
    upgrade = upgrade.split("\n## ")[0]
    for steps in (install, upgrade):
        assert "pybabel compile -d lms/translations" in " ".join(steps.split())
