# Sourced by scripts/backup.sh and restore.sh: sets `release` (this checkout or
# release folder) and `venv`: VENV, else the release's .venv (a checkout), else
# the deployed one beside the release (/srv/telecme/venv next to /srv/telecme/app).
# $1 names the calling script in the error.
release="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
venv="${VENV:-}"
if [[ -z "$venv" ]]; then
  for candidate in "$release/.venv" "$(dirname "$release")/venv" /srv/telecme/venv; do
    if [[ -x "$candidate/bin/python" ]]; then venv="$candidate"; break; fi
  done
fi
[[ -n "$venv" && -x "$venv/bin/python" ]] || {
  echo "$1: no venv with the app (looked for $release/.venv and /srv/telecme/venv); set VENV=/path/to/venv" >&2
  exit 1
}
