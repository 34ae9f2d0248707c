#!/usr/bin/env bash
# Serve TeleCME on http://127.0.0.1:$PORT with the embedded defaults:
# SQLite and files in instance/, demo data on an empty database.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VENV:-.venv}"
port="${PORT:-5000}"
instance="${LMS_INSTANCE_PATH:-instance}"
mkdir -p "$instance"

if [[ ! -f "$instance/lms.cfg" ]]; then
  echo "==> Writing $instance/lms.cfg with a new random SECRET_KEY" >&2
  secret="$("$venv/bin/python" -c 'import secrets; print(secrets.token_hex(32))')"
  umask 077
  printf '# Local settings of this TeleCME instance (not in git).\nSECRET_KEY = "%s"\n' \
    "$secret" > "$instance/lms.cfg"
fi

# Plain HTTP on loopback: cookies cannot be marked Secure here.
export LMS_SESSION_COOKIE_SECURE="${LMS_SESSION_COOKIE_SECURE:-false}"
export LMS_REMEMBER_COOKIE_SECURE="${LMS_REMEMBER_COOKIE_SECURE:-false}"
export LMS_PUBLIC_BASE_URL="${LMS_PUBLIC_BASE_URL:-http://127.0.0.1:$port}"
export LMS_INSTANCE_PATH="$(cd "$instance" && pwd)"

flask=("$venv/bin/flask" --app lms)
"${flask[@]}" db upgrade
if "${flask[@]}" seed-demo --if-empty | tee /dev/stderr | grep -q "^Demo data"; then
  "${flask[@]}" search reindex
fi
# A new install, or an index kept by another backend (issue 17: FTS5 by default).
"${flask[@]}" search reindex --if-empty

# The background worker: a supervisor that runs one process per lane (media:
# transcodes; fast: search index, sweeps, bulk issues) and restarts a lane that
# dies, with backoff. The office's dashboard shows each lane's heartbeat.
"${flask[@]}" worker &
worker=$!
# The RTMP ingest of live broadcasts: nginx with its RTMP module, configured
# under instance/nginx, asking this app about every push (README: Live).
ingest=""
if [[ -x /usr/sbin/nginx && -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]]; then
  "${flask[@]}" live ingest &
  ingest=$!
else
  echo "==> No nginx with the RTMP module: live broadcasts cannot be pushed" \
    "(scripts/setup.sh installs nginx-light and libnginx-mod-rtmp)" >&2
fi
trap 'kill $worker $ingest 2>/dev/null; wait $worker $ingest 2>/dev/null' EXIT INT TERM

echo "==> TeleCME on http://127.0.0.1:$port (demo logins in README.md; Ctrl-C stops)" >&2
LMS_SEARCH_WARM_AT_START=true "$venv/bin/gunicorn" --bind "127.0.0.1:$port" --workers 2 --threads 4 \
  --access-logfile - "lms:create_app()"
