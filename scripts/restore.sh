#!/usr/bin/env bash
# Restore a backup made by scripts/backup.sh: the database, the signing keys
# and (when the backup has it, unless --no-media) the media folder, to where
# this machine's settings point (docs/operations.md).
#
#   scripts/restore.sh [--no-media] BACKUP
#
# Stop the app and the workers first. PostgreSQL: the database named by
# LMS_DATABASE_URL must exist; its schema public is dropped and restored.
# Anything replaced is kept beside it as *.before-restore (the media folder's
# contents in MEDIA.before-restore); the restore refuses to start while one is
# left from an earlier restore. VENV names the app's venv (as for backup.sh).
set -euo pipefail

. "$(dirname "$0")/find_venv.sh" restore
media=1
if [[ "${1:-}" == --no-media ]]; then
  media=0
  shift
fi
[[ $# -eq 1 ]] || { echo "usage: scripts/restore.sh [--no-media] BACKUP" >&2; exit 2; }
backup="$(cd "$1" && pwd)"
[[ -f "$backup/MANIFEST" ]] || { echo "restore: $backup is no backup (no MANIFEST)" >&2; exit 1; }
cd "$release"

# The settings as the app resolves them (paths made absolute, defaults filled in).
settings="$("$venv/bin/python" scripts/settings.py)" || {
  echo "restore: could not read the app's settings with $venv/bin/python (above)" >&2
  exit 1
}
eval "$settings"
export PGPASSWORD="$pg_password"
say() { printf '==> %s\n' "$*" >&2; }
umask 077

# What a restore replaces is moved aside to *.before-restore; one left by an
# earlier restore is never overwritten: the restore refuses before it starts.
kept_already() {
  [[ -e "$1.before-restore" || -L "$1.before-restore" ]] || return 0
  echo "restore: $1.before-restore exists (an earlier restore's); move it away first" >&2
  exit 1
}
keep() {  # move $1 aside
  [[ -e "$1" || -L "$1" ]] || return 0
  mv "$1" "$1.before-restore"
}
has_media=0
[[ "$media" == 1 && -d "$backup/media" ]] && has_media=1
[[ -f "$backup/database.sqlite3" && -e "$sqlite_path" ]] && kept_already "$sqlite_path"
for key in "$signing_key" "$document_signer"; do
  saved="$backup/keys/$(basename "$key")"
  if [[ -f "$saved" && -e "$key" ]] && ! cmp -s "$saved" "$key"; then
    kept_already "$key"
  fi
done
[[ "$has_media" == 1 && -n "$(ls -A "$media_dir" 2>/dev/null)" ]] && kept_already "$media_dir"

if [[ -f "$backup/database.dump" ]]; then
  [[ "$database_url" == postgresql* ]] || { echo "restore: a PostgreSQL dump, but the app is on SQLite" >&2; exit 1; }
  # The schema is dropped and made again first: pg_restore --clean drops only
  # the objects in the dump, so a newer release's tables would stay (and the
  # next `flask db upgrade` fail on them).
  say "Restoring PostgreSQL (schema public dropped, then pg_restore)"
  psql --quiet --no-psqlrc --set=ON_ERROR_STOP=1 --dbname="$database_url" \
    --command="DROP SCHEMA IF EXISTS public CASCADE; CREATE SCHEMA public;"
  pg_restore --no-owner --single-transaction \
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

if [[ "$has_media" == 1 ]]; then
  # The folder may be a mount point (the shared storage): its contents are
  # moved aside and restored, never the folder itself.
  say "Restoring the media folder's contents to $media_dir"
  umask 022
  mkdir -p "$media_dir"
  if [[ -n "$(ls -A "$media_dir")" ]]; then
    mkdir "$media_dir.before-restore"
    find "$media_dir" -mindepth 1 -maxdepth 1 -exec mv -t "$media_dir.before-restore" {} +
  fi
  cp -a "$backup/media/." "$media_dir/"
fi

say "Restored $backup; now: flask --app lms db upgrade (if this release is newer)," \
  "flask --app lms search reindex, then start the app and the workers"
