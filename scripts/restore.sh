#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database, the signing keys
# and (when the backup has it, unless --no-media) the media folder, to where
# this machine's settings point (docs/operations.md).
#
#   scripts/restore.sh [--no-media] BACKUP
#
# Stop the app and the workers first. PostgreSQL: the database named by
# LMS_DATABASE_URL must exist (empty, or an older copy: its objects are dropped
# and restored). Anything replaced is kept beside it as *.before-restore.
set -euo pipefail
cd "$(dirname "$0")/.."

venv="${VENV:-.venv}"
media=1
if [[ "${1:-}" == --no-media ]]; then
  media=0
  shift
fi
[[ $# -eq 1 ]] || { echo "usage: scripts/restore.sh [--no-media] BACKUP" >&2; exit 2; }
backup="$(cd "$1" && pwd)"
[[ -f "$backup/MANIFEST" ]] || { echo "restore: $backup is no backup (no MANIFEST)" >&2; exit 1; }

eval "$("$venv/bin/python" scripts/settings.py)"
export PGPASSWORD="$pg_password"
say() { printf '==> %s\n' "$*" >&2; }
umask 077

keep() {  # move $1 aside, once per restore
  [[ -e "$1" || -L "$1" ]] || return 0
  rm -rf "$1.before-restore"
  mv "$1" "$1.before-restore"
}

if [[ -f "$backup/database.dump" ]]; then
  [[ "$database_url" == postgresql* ]] || { echo "restore: a PostgreSQL dump, but the app is on SQLite" >&2; exit 1; }
  say "Restoring PostgreSQL (pg_restore --clean)"
  pg_restore --clean --if-exists --no-owner --single-transaction \
    --dbname="$database_url" "$backup/database.dump"
elif [[ -f "$backup/database.sqlite3" ]]; then
  [[ "$database_url" == sqlite ]] || { echo "restore: a SQLite copy, but the app is on PostgreSQL" >&2; exit 1; }
  say "Restoring SQLite to $sqlite_path"
  keep "$sqlite_path"
  rm -f "$sqlite_path-wal" "$sqlite_path-shm"
  cp "$backup/database.sqlite3" "$sqlite_path.restoring"
  mv "$sqlite_path.restoring" "$sqlite_path"
else
  echo "restore: no database in $backup" >&2
  exit 1
fi

say "Restoring the signing keys"
for key in "$signing_key" "$document_signer"; do
  saved="$backup/keys/$(basename "$key")"
  if [[ -f "$saved" ]]; then
    mkdir -p "$(dirname "$key")"
    if ! cmp -s "$saved" "$key"; then
      keep "$key"
      cp -p "$saved" "$key"
    fi
  fi
done
if [[ -f "$backup/lms.cfg" && ! -f "$instance_path/lms.cfg" ]]; then
  cp -p "$backup/lms.cfg" "$instance_path/lms.cfg"
fi

if [[ "$media" == 1 && -d "$backup/media" ]]; then
  say "Restoring the media folder to $media_dir"
  keep "$media_dir"
  umask 022
  cp -a "$backup/media" "$media_dir"
fi

say "Restored $backup; now: flask --app lms db upgrade (if this release is newer)," \
  "flask --app lms search reindex, then start the app and the workers"
