#!/usr/bin/env bash
# Back up TeleCME: the database, the two signing keys and (unless --no-media)
# the media folder, into a new folder DEST (docs/operations.md).
#
#   scripts/backup.sh [--no-media] DEST
#
# DEST is relative to the current folder. VENV names the app's venv (default:
# the release's .venv, else /srv/telecme/venv as docs/operations.md installs it).
#
# It reads the app's own settings (instance/lms.cfg, LMS_* variables: on a
# deployed machine `set -a; . /etc/telecme/telecme.env; set +a` first), so it
# finds what the app uses: PostgreSQL through pg_dump (custom format, a
# consistent snapshot while the app runs), SQLite through its online backup
# (the `.backup` of sqlite3), the key files wherever CERTIFICATE_KEY_FILE and
# CERTIFICATE_DOCUMENT_SIGNER_FILE point. DEST holds secrets: keep it private.
set -euo pipefail

. "$(dirname "$0")/find_venv.sh" backup
media=1
if [[ "${1:-}" == --no-media ]]; then
  media=0
  shift
fi
[[ $# -eq 1 ]] || { echo "usage: scripts/backup.sh [--no-media] DEST" >&2; exit 2; }
dest="$1"
[[ "$dest" == /* ]] || dest="$PWD/$dest"  # the caller's folder, not the release
[[ -e "$dest" ]] && { echo "backup: $dest exists; name a new folder" >&2; exit 1; }
cd "$release"

# The settings as the app resolves them (paths made absolute, defaults filled in).
settings="$("$venv/bin/python" scripts/settings.py)" || {
  echo "backup: could not read the app's settings with $venv/bin/python (above)" >&2
  exit 1
}
eval "$settings"
export PGPASSWORD="$pg_password"

umask 077
mkdir -p "$dest/keys"
say() { printf '==> %s\n' "$*" >&2; }

case "$database_url" in
  postgresql*)
    say "Dumping PostgreSQL (pg_dump, custom format)"
    pg_dump --format=custom --no-owner --file="$dest/database.dump" "$database_url"
    kind=postgresql
    ;;
  sqlite*)
    say "Copying SQLite (online backup) from $sqlite_path"
    "$venv/bin/python" - "$sqlite_path" "$dest/database.sqlite3" <<'PY'
import sqlite3
import sys

source = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
target = sqlite3.connect(sys.argv[2])
with target:
    source.backup(target)  # what sqlite3's .backup does, page by page
target.close()
source.close()
PY
    kind=sqlite
    ;;
  *)
    echo "backup: unknown database URL" >&2
    exit 1
    ;;
esac

say "Copying the signing keys"
for key in "$signing_key" "$document_signer"; do
  if [[ -f "$key" ]]; then
    cp -p "$key" "$dest/keys/"
  else
    say "no $key yet (made when the first certificate is signed)"
  fi
done
[[ -f "$instance_path/lms.cfg" ]] && cp -p "$instance_path/lms.cfg" "$dest/lms.cfg"

if [[ "$media" == 1 && -d "$media_dir" ]]; then
  say "Copying the media folder $media_dir"
  cp -a "$media_dir" "$dest/media"
fi

cat > "$dest/MANIFEST" <<EOF
made=$(date -u +%Y-%m-%dT%H:%M:%SZ)
host=$(hostname)
database=$kind
revision=$revision
signing_key=$(basename "$signing_key")
document_signer=$(basename "$document_signer")
media=$media
EOF
say "Backup in $dest (database $kind at revision $revision)"
