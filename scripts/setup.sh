#!/usr/bin/env bash
# Set up everything TeleCME needs on this machine; safe to run again.
#   scripts/setup.sh run    system packages, .venv, the project, translations
#   scripts/setup.sh test   the same, plus what the test suite needs
#   scripts/setup.sh scaled the same as run, plus PostgreSQL and Redis (make run-scaled)
set -euo pipefail
cd "$(dirname "$0")/.."

mode="${1:-run}"
venv="${VENV:-.venv}"
python="${PYTHON:-python3}"

run_packages=(ffmpeg fonts-wqy-zenhei nginx-light libnginx-mod-rtmp)
test_packages=(chromium postgresql redis-server poppler-utils libzbar0 qpdf opencv-doc)
scaled_packages=(postgresql redis-server)
# Commands that tell whether a package is already there on non-Debian systems.
declare -A provides=(
  [ffmpeg]=ffmpeg [chromium]=chromium [redis-server]=redis-server
  [poppler-utils]=pdftoppm [postgresql]=pg_ctlcluster [fonts-wqy-zenhei]=
  [python3-venv]= [libzbar0]= [qpdf]=qpdf [nginx-light]=nginx [libnginx-mod-rtmp]=
  [opencv-doc]=
)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

is_installed() {
  local package="$1"
  if command -v dpkg-query >/dev/null 2>&1; then
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"
  else
    local cmd="${provides[$package]:-}"
    [[ -n "$cmd" ]] && command -v "$cmd" >/dev/null 2>&1
  fi
}

install_system_packages() {
  local wanted=("$@") missing=()
  for package in "${wanted[@]}"; do
    is_installed "$package" || missing+=("$package")
  done
  [[ ${#missing[@]} -eq 0 ]] && return 0
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    if command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    elif command -v sudo >/dev/null 2>&1 && [[ -t 0 ]]; then
      sudo=(sudo)
    else
      sudo=(none)
    fi
  fi
  if ! command -v apt-get >/dev/null 2>&1 || [[ "${sudo[0]:-}" == none ]]; then
    echo "TeleCME needs these system packages: ${missing[*]}" >&2
    echo "Install them as root (on Debian: apt-get install ${missing[*]}) and run again." >&2
    exit 1
  fi
  say "Installing system packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -qq
  "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
}

packages=("${run_packages[@]}")
[[ "$mode" == test ]] && packages+=("${test_packages[@]}")
[[ "$mode" == scaled ]] && packages+=("${scaled_packages[@]}")
if ! "$python" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  packages+=(python3-venv)
fi
install_system_packages "${packages[@]}"

if [[ ! -x "$venv/bin/python" ]]; then
  say "Creating $venv"
  "$python" -m venv "$venv"
fi

# Reinstall only when the packaging files changed since the last install.
extras=""
[[ "$mode" == test ]] && extras="[test]"
stamp="$venv/.telecme-${mode/scaled/run}"
digest="$(cat setup.cfg pyproject.toml | sha256sum | cut -d' ' -f1)"
if [[ ! -f "$stamp" || "$(cat "$stamp")" != "$digest" ]]; then
  say "Installing TeleCME$extras into $venv"
  "$venv/bin/python" -m pip install -q --upgrade pip
  "$venv/bin/python" -m pip install -q -e ".$extras"
  echo "$digest" > "$stamp"
fi

"$venv/bin/pybabel" -q compile -d lms/translations
