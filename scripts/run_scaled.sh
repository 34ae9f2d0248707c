#!/usr/bin/env bash
# The scaled-out stack on this one machine, by configuration only:
#   PostgreSQL and Redis (loopback, folders of their own under $SCALED_DIR),
#   two app instances (gunicorn) behind nginx (deploy/nginx/telecme.conf.in,
#   rendered by scripts/nginx_site.py: static files and media served by nginx),
#   two workers (the media machine: lanes media + live; the fast machine: lane
#   fast) sharing one media folder and the Redis queue, and the RTMP ingest as a
#   process of its own (as on its own machine: deploy/systemd/telecme-ingest.service).
# Ctrl-C stops everything; running it again is safe (data stays in $SCALED_DIR).
#
# Settings (environment): PORT (nginx, 8080), APP_PORTS ("8001 8002"),
# PG_PORT (54329), REDIS_PORT (63799), RTMP_PORT (19350), APP_WORKERS (gunicorn
# processes per instance, 2), SCALED_DIR (instance/scaled), SCALED_DEMO (1: demo
# data on an empty database and the search index; 0: neither), SCALED_INGEST (1).
set -euo pipefail
cd "$(dirname "$0")/.."
root="$(pwd)"

venv="${VENV:-.venv}"
port="${PORT:-8080}"
read -r -a app_ports <<< "${APP_PORTS:-8001 8002}"
pg_port="${PG_PORT:-54329}"
redis_port="${REDIS_PORT:-63799}"
rtmp_port="${RTMP_PORT:-19350}"
app_workers="${APP_WORKERS:-2}"
demo="${SCALED_DEMO:-1}"
with_ingest="${SCALED_INGEST:-1}"
dir="${SCALED_DIR:-instance/scaled}"
mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
venv="$(cd "$venv" && pwd)"
flask=("$venv/bin/flask" --app lms)

say() { printf '==> %s\n' "$*" >&2; }
die() { printf 'run-scaled: %s\n' "$*" >&2; exit 1; }

port_is_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

for p in "$port" "${app_ports[@]}" "$pg_port" "$redis_port" "$rtmp_port"; do
  port_is_open "$p" && die "port $p is taken (another run-scaled, or set PORT, APP_PORTS, PG_PORT, REDIS_PORT, RTMP_PORT)"
done

pg_bin="$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -1)"
[[ -x "$pg_bin/postgres" ]] || die "PostgreSQL is missing: make run-scaled installs it (scripts/setup.sh scaled)"
command -v redis-server >/dev/null || die "redis-server is missing: scripts/setup.sh scaled installs it"
command -v nginx >/dev/null || [[ -x /usr/sbin/nginx ]] || die "nginx is missing: scripts/setup.sh installs nginx-light"
nginx_bin="$(command -v nginx || echo /usr/sbin/nginx)"

# PostgreSQL refuses to run as root: as root, its cluster belongs to the
# postgres user (Debian's package makes it), as tests/services.py does.
as_pg=()
pg_user=""
if [[ $(id -u) -eq 0 ]]; then
  pg_user=postgres
  as_pg=(setpriv --reuid=postgres --regid=postgres --init-groups --)
  "${as_pg[@]}" test -x "$dir" ||
    die "the postgres user cannot reach $dir (a parent folder is private): set SCALED_DIR to a folder it can reach"
fi

mkdir -p "$dir/logs" "$dir/app" "$dir/media" "$dir/redis"
logs="$dir/logs"

# Passwords of this stack's PostgreSQL and Redis, made once, kept beside them.
umask 077
if [[ ! -f "$dir/secrets.env" ]]; then
  say "Writing $dir/secrets.env (new random passwords and SECRET_KEY)"
  "$venv/bin/python" - > "$dir/secrets.env" <<'PY'
import secrets
print(f"PG_PASSWORD={secrets.token_hex(16)}")
print(f"REDIS_PASSWORD={secrets.token_hex(16)}")
print(f"LMS_SECRET_KEY={secrets.token_hex(32)}")
PY
fi
# shellcheck disable=SC1091
source "$dir/secrets.env"
umask 022

pids=()
names=()
started() { pids+=("$1"); names+=("$2"); }

stop_all() {
  trap - INT TERM EXIT
  say "Stopping the scaled stack"
  local i
  # The front first (nginx, app instances, workers, ingest), then the stores.
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    case "${names[$i]}" in postgresql | redis) continue ;; esac
    kill -TERM "${pids[$i]}" 2>/dev/null || true
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    case "${names[$i]}" in postgresql | redis) continue ;; esac
    wait_gone "${pids[$i]}" "${names[$i]}"
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    case "${names[$i]}" in
      postgresql) kill -INT "${pids[$i]}" 2>/dev/null || true ;;  # fast shutdown
      redis) kill -TERM "${pids[$i]}" 2>/dev/null || true ;;
    esac
  done
  for ((i = ${#pids[@]} - 1; i >= 0; i--)); do
    wait_gone "${pids[$i]}" "${names[$i]}"
  done
  say "Stopped"
}

wait_gone() {  # pid name: up to 30 s, then SIGKILL
  local tries=0
  while kill -0 "$1" 2>/dev/null; do
    if ((tries++ >= 300)); then
      say "$2 (pid $1) did not stop in 30 s: killing it"
      kill -KILL "$1" 2>/dev/null || true
    fi
    wait "$1" 2>/dev/null || sleep 0.1
  done
}

trap 'stop_all; exit 130' INT
trap 'stop_all; exit 143' TERM
trap 'status=$?; stop_all; exit $status' EXIT

wait_for_port() {  # port name pid log
  local tries=0
  until port_is_open "$1"; do
    kill -0 "$3" 2>/dev/null || { tail -n 30 "$4" >&2; die "$2 exited while starting (log: $4)"; }
    ((tries++ < 1200)) || { tail -n 30 "$4" >&2; die "$2 did not open port $1 in 120 s (log: $4)"; }
    sleep 0.1
  done
}

# --- PostgreSQL --------------------------------------------------------------
pg_dir="$dir/postgresql"
if [[ ! -f "$pg_dir/data/PG_VERSION" ]]; then
  say "Creating a PostgreSQL cluster in $pg_dir"
  rm -rf "$pg_dir"
  mkdir -p "$pg_dir/run"
  [[ -n "$pg_user" ]] && chown -R "$pg_user:" "$pg_dir"
  chmod 700 "$pg_dir"
  pwfile="$pg_dir/run/pw"
  printf '%s\n' "$PG_PASSWORD" > "$pwfile"
  [[ -n "$pg_user" ]] && chown "$pg_user:" "$pwfile"
  # Over TCP a password (scram); the socket lives in a folder only its owner enters.
  "${as_pg[@]}" "$pg_bin/initdb" -D "$pg_dir/data" -U postgres -E UTF8 --no-locale \
    --auth-host=scram-sha-256 --auth-local=trust --pwfile="$pwfile" > "$logs/initdb.log"
  rm -f "$pwfile"
fi
"${as_pg[@]}" "$pg_bin/postgres" -D "$pg_dir/data" -p "$pg_port" -k "$pg_dir/run" \
  -c listen_addresses=127.0.0.1 -c unix_socket_permissions=0700 \
  -c max_connections=200 > "$logs/postgresql.log" 2>&1 &
started $! postgresql
wait_for_port "$pg_port" PostgreSQL "$!" "$logs/postgresql.log"
psql() { "${as_pg[@]}" "$pg_bin/psql" -h "$pg_dir/run" -p "$pg_port" -U postgres -d postgres -v ON_ERROR_STOP=1 -qtA "$@"; }
until psql -c 'select 1' > /dev/null 2>&1; do
  kill -0 "${pids[0]}" 2>/dev/null || die "PostgreSQL exited (log: $logs/postgresql.log)"
  sleep 0.1
done
if [[ -z "$(psql -c "select 1 from pg_roles where rolname = 'telecme'")" ]]; then
  psql -c "create role telecme login password '$PG_PASSWORD'"
fi
if [[ -z "$(psql -c "select 1 from pg_database where datname = 'telecme'")" ]]; then
  psql -c "create database telecme owner telecme encoding 'UTF8' template template0"
fi

# --- Redis: the queue (and the sign-in counters) ------------------------------
umask 077
cat > "$dir/redis/redis.conf" <<EOF
# Written by scripts/run_scaled.sh
bind 127.0.0.1
port $redis_port
protected-mode yes
requirepass $REDIS_PASSWORD
dir $dir/redis
appendonly yes
logfile $logs/redis.log
EOF
umask 022
redis-server "$dir/redis/redis.conf" > /dev/null 2>&1 &
started $! redis
wait_for_port "$redis_port" Redis "$!" "$logs/redis.log"

# --- The app's configuration: the same for every process --------------------
export LMS_INSTANCE_PATH="$dir/app"
export LMS_SECRET_KEY
export LMS_DATABASE_URL="postgresql://telecme:$PG_PASSWORD@127.0.0.1:$pg_port/telecme"
export LMS_QUEUE_URL="redis://:$REDIS_PASSWORD@127.0.0.1:$redis_port/0"
export LMS_MEDIA_DIR="$dir/media"
export LMS_MEDIA_ACCEL=nginx
export LMS_PROXY_FIX_X_FOR=1
export LMS_PROXY_FIX_X_PROTO=1
export LMS_PUBLIC_BASE_URL="http://127.0.0.1:$port"
export LMS_LIVE_CALLBACK_BASE_URL="http://127.0.0.1:$port"
export LMS_RTMP_PORT="$rtmp_port"
# Plain HTTP on loopback: cookies cannot be marked Secure here.
export LMS_SESSION_COOKIE_SECURE=false
export LMS_REMEMBER_COOKIE_SECURE=false

# The same settings for flask commands against this stack (and its test):
#   set -a; . instance/scaled/stack.env; set +a; .venv/bin/flask --app lms ...
(umask 077 && for name in "${!LMS_@}"; do printf '%s=%q\n' "$name" "${!name}"; done > "$dir/stack.env")

say "Upgrading the database"
"${flask[@]}" db upgrade > "$logs/upgrade.log" 2>&1 || { tail -n 30 "$logs/upgrade.log" >&2; die "flask db upgrade failed"; }
if [[ "$demo" == 1 ]]; then
  reindex=0
  seeded="$("${flask[@]}" seed-demo --if-empty 2> "$logs/seed-demo.log")" ||
    { tail -n 30 "$logs/seed-demo.log" >&2; die "flask seed-demo failed"; }
  if grep -q "^Demo data" <<< "$seeded"; then
    say "$seeded"
    reindex=1
  fi
  [[ -f "$dir/app/.search-index-built" ]] || reindex=1
  if [[ "$reindex" == 1 ]]; then
    say "Building the search index"
    "${flask[@]}" search reindex > "$logs/search-reindex.log" 2>&1
    touch "$dir/app/.search-index-built"
  fi
fi

# --- Two app instances, two workers, the ingest ------------------------------
for p in "${app_ports[@]}"; do
  LMS_SEARCH_WARM_AT_START=true "$venv/bin/gunicorn" --bind "127.0.0.1:$p" --workers "$app_workers" --threads 4 \
    --access-logfile "$logs/app-$p.access.log" "lms:create_app()" \
    > "$logs/app-$p.log" 2>&1 &
  started $! "app :$p"
done
# The media machine (transcodes, live ladders) and the fast machine (search
# index, sweeps, bulk issues, periodic tasks): both read the shared media folder.
"${flask[@]}" worker --lane media --lane live > "$logs/worker-media.log" 2>&1 &
started $! "worker media+live"
"${flask[@]}" worker --lane fast > "$logs/worker-fast.log" 2>&1 &
started $! "worker fast"
if [[ "$with_ingest" == 1 ]]; then
  if [[ -f /usr/lib/nginx/modules/ngx_rtmp_module.so ]]; then
    "${flask[@]}" live ingest > "$logs/ingest.log" 2>&1 &
    started $! "rtmp ingest"
  else
    say "No RTMP module (libnginx-mod-rtmp): live broadcasts cannot be pushed"
  fi
fi

# --- nginx in front, from the shipped template -------------------------------
nginx_dir="$dir/nginx"
upstreams=()
for p in "${app_ports[@]}"; do upstreams+=(--upstream "127.0.0.1:$p"); done
user=()
[[ $(id -u) -eq 0 ]] && user=(--user www-data)
"$venv/bin/python" scripts/nginx_site.py "${upstreams[@]}" --listen "127.0.0.1:$port" \
  --server-name 127.0.0.1 --static-dir "$root/lms/static" --media-dir "$LMS_MEDIA_DIR" \
  --ingest-allow 127.0.0.1 --prefix "$nginx_dir" "${user[@]}" > /dev/null
[[ $(id -u) -eq 0 ]] && chown -R www-data: "$nginx_dir/tmp"
"$nginx_bin" -p "$nginx_dir" -e "$nginx_dir/logs/error.log" -c "$nginx_dir/nginx.conf" &
started $! nginx

# Ready when each instance and nginx answer a page (gunicorn opens its port
# before its workers have loaded the app).
wait_for_page() {  # url name pid log
  local tries=0
  until "$venv/bin/python" -c 'import sys, urllib.request as u; u.urlopen(sys.argv[1], timeout=5)' "$1" 2>/dev/null; do
    kill -0 "$3" 2>/dev/null || { tail -n 30 "$4" >&2; die "$2 exited while starting (log: $4)"; }
    ((tries++ < 600)) || { tail -n 30 "$4" >&2; die "$2 did not answer $1 in 120 s (log: $4)"; }
    sleep 0.2
  done
}
for i in "${!app_ports[@]}"; do
  wait_for_page "http://127.0.0.1:${app_ports[$i]}/login" "app instance :${app_ports[$i]}" \
    "${pids[$((i + 2))]}" "$logs/app-${app_ports[$i]}.log"
done
wait_for_page "http://127.0.0.1:$port/login" nginx "${pids[-1]}" "$nginx_dir/logs/error.log"

cat >&2 <<EOF
==> Scaled stack up: nginx :$port -> app :${app_ports[*]} ($app_workers processes each),
    workers media+live and fast on Redis :$redis_port, PostgreSQL :$pg_port,
    RTMP ingest rtmp://127.0.0.1:$rtmp_port/live; media in $LMS_MEDIA_DIR
    Logs in $logs; data in $dir (delete it to start afresh)
EOF
if [[ "$demo" == 1 ]]; then
  echo "    Demo logins (README.md): admin@example.com, lecturer@example.com," \
    "learner@example.com, coordinator@example.com; password demo-password" >&2
fi
echo "    flask commands against it: set -a; . $dir/stack.env; set +a;" \
  "$venv/bin/flask --app lms ..." >&2
echo "==> TeleCME on http://127.0.0.1:$port (Ctrl-C stops everything)" >&2

# Until Ctrl-C, or until any part dies (then everything stops).
set +e
wait -n "${pids[@]}"
status=$?
for i in "${!pids[@]}"; do
  if ! kill -0 "${pids[$i]}" 2>/dev/null; then
    say "${names[$i]} exited (status $status): stopping the stack (logs in $logs)"
  fi
done
exit 1
