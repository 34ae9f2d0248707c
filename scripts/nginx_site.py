#!/usr/bin/env python3
"""Render TeleCME's nginx site (deploy/nginx/telecme.conf.in) for one deployment.

Operations staff render it once per web machine:

    python3 scripts/nginx_site.py --upstream 10.0.0.11:8000 --upstream 10.0.0.12:8000 \\
        --server-name cme.example.org --tls-cert /etc/ssl/cme.pem \\
        --tls-key /etc/ssl/private/cme.key --static-dir /srv/telecme/app/lms/static \\
        --media-dir /srv/telecme/media --ingest-allow 10.0.0.21 \\
        --out /etc/nginx/sites-available/telecme.conf

`make run-scaled` and the scaled stack's test render the same file with loopback
addresses, plus (``--prefix``) an nginx.conf that runs it unprivileged from a
folder of its own. ``--example`` writes deploy/nginx/telecme.conf, the rendered
example shipped beside the template (a test checks they agree).

Standard library only: it runs with the system's python3, without the venv.
"""

import argparse
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TEMPLATE = ROOT / "deploy" / "nginx" / "telecme.conf.in"
PROXY_PARAMS = ROOT / "deploy" / "nginx" / "telecme-proxy.conf"
EXAMPLE = ROOT / "deploy" / "nginx" / "telecme.conf"

#: The values of the shipped example (two app machines, one ingest machine).
EXAMPLE_ARGS = [
    "--upstream=10.0.0.11:8000",
    "--upstream=10.0.0.12:8000",
    "--server-name=cme.example.org",
    "--tls-cert=/etc/ssl/certs/cme.example.org.fullchain.pem",
    "--tls-key=/etc/ssl/private/cme.example.org.key",
    "--static-dir=/srv/telecme/app/lms/static",
    "--media-dir=/srv/telecme/media",
    "--ingest-allow=10.0.0.21",
    "--access-log=/var/log/nginx/telecme.access.log",
    "--proxy-params=/etc/nginx/snippets/telecme-proxy.conf",
]


def _arg(value):
    """``value`` as one nginx argument: quoted when it has a space, a quote or
    one of ``;{}#`` (a folder such as ``/srv/my files``)."""
    value = str(value)
    if not re.search(r"""[\s;{}#"'\\]""", value):
        return value
    return '"' + re.sub(r"""(["\\])""", r"\\\1", value) + '"'


def _indent(lines, spaces):
    return "\n".join(" " * spaces + line for line in lines)


def render_site(
    *,
    upstreams,
    server_name,
    static_dir,
    media_dir,
    live_dir,
    ingest_allow,
    access_log,
    proxy_params,
    listen=None,
    tls_cert=None,
    tls_key=None,
):
    """The site's text: ``listen`` (host:port) for plain HTTP, or TLS on 443
    with an HTTP server that redirects to it."""
    if not upstreams:
        raise ValueError("at least one --upstream app machine is needed")
    if bool(tls_cert) != bool(tls_key):
        raise ValueError("--tls-cert and --tls-key go together")
    if tls_cert:
        listen_lines = [
            "listen 443 ssl http2;",
            "listen [::]:443 ssl http2;",
            f"ssl_certificate {_arg(tls_cert)};",
            f"ssl_certificate_key {_arg(tls_key)};",
            "ssl_protocols TLSv1.2 TLSv1.3;",
            "ssl_prefer_server_ciphers off;",
            "ssl_session_cache shared:telecme_tls:10m;",
            "ssl_session_timeout 1d;",
        ]
        extra = (
            "\n# Plain HTTP only says where the site is.\n"
            "server {\n"
            "    listen 80;\n"
            "    listen [::]:80;\n"
            f"    server_name {server_name};\n"
            "    return 301 https://$host$request_uri;\n"
            "}\n"
        )
    else:
        listen_lines = [f"listen {listen or '127.0.0.1:8080'};"]
        extra = ""
    values = {
        "@UPSTREAM_SERVERS@": _indent(
            [f"server {host} max_fails=3 fail_timeout=10s;" for host in upstreams], 4
        ),
        "@EXTRA_SERVERS@": extra,
        "@LISTEN@": _indent(listen_lines, 4),
        "@SERVER_NAME@": server_name,
        "@ACCESS_LOG@": _arg(access_log),
        "@STATIC_DIR@": _arg(str(static_dir).rstrip("/") + "/"),
        "@MEDIA_DIR@": _arg(str(media_dir).rstrip("/") + "/"),
        "@LIVE_DIR@": _arg(str(live_dir).rstrip("/") + "/"),
        "@INGEST_ALLOW@": _indent(
            [f"allow {address};" for address in ingest_allow or ["127.0.0.1"]], 8
        ),
        "@PROXY_PARAMS@": _arg(proxy_params),
    }
    text = TEMPLATE.read_text()
    for token, value in values.items():
        text = text.replace(token, value)
    if "@" in "".join(line.split("#")[0] for line in text.splitlines()):
        raise ValueError("a placeholder of the template was left unfilled")
    return text


def render_main(prefix, site, user=None):
    """An nginx.conf that runs ``site`` in the foreground from ``prefix`` (pid,
    logs and temporary files inside it; no root needed)."""
    prefix = Path(prefix)
    temp = "\n".join(
        f"    {kind}_temp_path {_arg(prefix / 'tmp' / kind)};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""# Written by scripts/nginx_site.py --prefix.
daemon off;
master_process on;
{f"user {user};" if user else ""}
worker_processes 2;
pid {_arg(prefix / "nginx.pid")};
error_log {_arg(prefix / "logs" / "error.log")} warn;
events {{ worker_connections 1024; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    sendfile on;
    tcp_nopush on;
    server_tokens off;
    # As Debian's /etc/nginx/nginx.conf: the site must turn it off itself.
    gzip on;
{temp}
    include {_arg(site)};
}}
"""


def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--upstream", action="append", default=[], metavar="HOST:PORT")
    parser.add_argument("--server-name", default="_")
    parser.add_argument("--listen", help="host:port for plain HTTP (no TLS)")
    parser.add_argument("--tls-cert")
    parser.add_argument("--tls-key")
    parser.add_argument("--static-dir", default=str(ROOT / "lms" / "static"))
    parser.add_argument("--media-dir", required=False)
    parser.add_argument("--live-dir", help="default: MEDIA_DIR/live")
    parser.add_argument("--ingest-allow", action="append", default=[])
    parser.add_argument("--access-log", help="default: PREFIX/logs/access.log")
    parser.add_argument("--proxy-params", default=str(PROXY_PARAMS))
    parser.add_argument("--out", help="the site file (default: standard output)")
    parser.add_argument(
        "--prefix", help="also write PREFIX/nginx.conf to run the site from PREFIX"
    )
    parser.add_argument("--user", help="with --prefix as root: the workers' user")
    parser.add_argument(
        "--example", action="store_true", help=f"write {EXAMPLE.relative_to(ROOT)}"
    )
    return parser.parse_args(argv)


def main(argv=None):
    argv = sys.argv[1:] if argv is None else argv
    args = parse_args(EXAMPLE_ARGS if "--example" in argv else argv)
    if "--example" in argv:
        args.out = str(EXAMPLE)
    if not args.media_dir:
        sys.exit("--media-dir is required")
    prefix = Path(args.prefix).resolve() if args.prefix else None
    access_log = args.access_log or (
        f"{prefix}/logs/access.log" if prefix else "/var/log/nginx/telecme.access.log"
    )
    try:
        site = render_site(
            upstreams=args.upstream,
            server_name=args.server_name,
            static_dir=args.static_dir,
            media_dir=args.media_dir,
            live_dir=args.live_dir or f"{args.media_dir.rstrip('/')}/live",
            ingest_allow=args.ingest_allow,
            access_log=access_log,
            proxy_params=args.proxy_params,
            listen=args.listen,
            tls_cert=args.tls_cert,
            tls_key=args.tls_key,
        )
    except ValueError as error:
        sys.exit(str(error))
    if prefix:
        for folder in ("logs", "tmp"):
            (prefix / folder).mkdir(parents=True, exist_ok=True)
        out = Path(args.out) if args.out else prefix / "telecme.conf"
        out.write_text(site)
        main_conf = render_main(prefix, out.resolve(), args.user)
        (prefix / "nginx.conf").write_text(main_conf)
        print(prefix / "nginx.conf")
    elif args.out:
        Path(args.out).write_text(site)
    else:
        sys.stdout.write(site)
    return 0


if __name__ == "__main__":
    os.umask(0o022)
    sys.exit(main())
