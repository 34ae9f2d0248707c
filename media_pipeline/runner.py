"""The one module that runs ffprobe and ffmpeg, and writes what they produce."""

import json
import os
import shutil
import subprocess
from pathlib import Path

from media_pipeline import commands
from media_pipeline.ladder import plan_ladder
from media_pipeline.playlists import (
    measure_bandwidth,
    parse_media_playlist,
    rewrite_master,
)
from media_pipeline.probe import DEMUXERS, ProbeLimits, ProbeRejected, parse_probe

#: Lines of ffmpeg's error output kept for the lecturer and the job row.
ERROR_TAIL_LINES = 12


class TranscodeFailed(RuntimeError):
    """ffmpeg failed; the message is the end of what it said."""


def probe(path, limits=None, timeout=60):
    """The :class:`SourceInfo` of a local file, or :class:`ProbeRejected`."""
    try:
        result = subprocess.run(
            commands.probe_args(path), capture_output=True, timeout=timeout, check=False
        )
    except subprocess.TimeoutExpired:
        raise ProbeRejected(
            "probe_timeout", "Reading the file took too long."
        ) from None
    if result.returncode != 0:
        raise ProbeRejected("not_media", "The file is not a readable recording.")
    try:
        data = json.loads(result.stdout or b"{}")
    except json.JSONDecodeError:
        raise ProbeRejected(
            "not_media", "The file is not a readable recording."
        ) from None
    return parse_probe(data, limits or ProbeLimits())


def transcode(source_path, source, ladder, out_dir, *, on_progress=None, language="zh"):
    """Run the ladder's single ffmpeg process into ``out_dir``.

    ``on_progress(fraction)`` is called as ffmpeg reports (``-progress pipe:1``).
    """
    out_dir = Path(out_dir)
    names = [r.name for r in ladder.rungs] + (["audio"] if ladder.audio else [])
    for name in names:
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    args = commands.transcode_args(
        source_path, DEMUXERS[source.container], ladder, out_dir, language=language
    )
    process = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    for line in process.stdout:
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and on_progress and value.isdigit() and source.duration:
            on_progress(min(1.0, int(value) / 1e6 / source.duration))
    errors = process.stderr.read()
    if process.wait() != 0:
        tail = "\n".join(errors.strip().splitlines()[-ERROR_TAIL_LINES:])
        raise TranscodeFailed(tail or f"ffmpeg exited with {process.returncode}")
    write_measured_master(out_dir)


def write_measured_master(out_dir):
    """Replace ffmpeg's declared BANDWIDTH with the rates of the segments written."""
    out_dir = Path(out_dir)
    master = (out_dir / "master.m3u8").read_text()
    measured, audio = {}, None
    for playlist in sorted(out_dir.glob("*/index.m3u8")):
        segments = parse_media_playlist(playlist.read_text())
        sizes = [(d, (playlist.parent / uri).stat().st_size) for d, uri in segments]
        init = sum(p.stat().st_size for p in playlist.parent.glob("init*.mp4"))
        bandwidth = measure_bandwidth(sizes, init)
        uri = f"{playlist.parent.name}/index.m3u8"
        if playlist.parent.name == "audio":
            audio = bandwidth
        measured[uri] = bandwidth
    (out_dir / "master.m3u8").write_text(rewrite_master(master, measured, audio))


def make_stills(source_path, source, out_dir):
    """A poster frame (10 % in) and seek thumbnails; a waveform for audio only."""
    demuxer = DEMUXERS[source.container]
    out_dir = Path(out_dir)
    if not source.has_video:
        jobs = [
            commands.waveform_poster_args(source_path, demuxer, out_dir / "poster.jpg")
        ]
    else:
        jobs = [
            commands.poster_args(
                source_path,
                demuxer,
                out_dir / "poster.jpg",
                at_seconds=source.duration * 0.1,
            ),
            commands.thumbnails_args(source_path, demuxer, out_dir / "thumb_%04d.jpg"),
        ]
    for args in jobs:
        result = subprocess.run(args, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            raise TranscodeFailed(result.stderr.strip()[-2000:])


def build_ladder(source_path, work_dir, *, policy=None, on_progress=None):
    """Probe, plan and transcode ``source_path`` into a fresh ``work_dir``."""
    source = probe(source_path)
    ladder = plan_ladder(source, policy) if policy else plan_ladder(source)
    work_dir = Path(work_dir)
    if work_dir.exists():
        shutil.rmtree(work_dir)
    work_dir.mkdir(parents=True)
    transcode(source_path, source, ladder, work_dir, on_progress=on_progress)
    make_stills(source_path, source, work_dir)
    verify_output(work_dir, ladder, source)
    return source, ladder


def verify_output(out_dir, ladder, source):
    """Check what ffmpeg wrote with ffprobe before anything is published."""
    out_dir = Path(out_dir)
    expected = {r.name: (r.width, r.height) for r in ladder.rungs}
    if ladder.audio:
        expected["audio"] = None
    for name, size in expected.items():
        playlist = out_dir / name / "index.m3u8"
        if not playlist.is_file():
            raise TranscodeFailed(f"the {name} playlist is missing")
        result = subprocess.run(
            commands.probe_args(playlist),
            capture_output=True,
            text=True,
            check=False,
            timeout=120,
        )
        if result.returncode != 0:
            raise TranscodeFailed(f"the {name} rendition cannot be read back")
        data = json.loads(result.stdout or "{}")
        streams = data.get("streams") or []
        duration = float((data.get("format") or {}).get("duration") or 0)
        if abs(duration - source.duration) > max(1.0, 0.02 * source.duration):
            raise TranscodeFailed(
                f"the {name} rendition lasts {duration:.1f} s, "
                f"not {source.duration:.1f} s"
            )
        if size is not None and not any(
            (s.get("width"), s.get("height")) == size for s in streams
        ):
            raise TranscodeFailed(f"the {name} rendition is not {size[0]}x{size[1]}")


def generate_demo_recording(path, seconds=20, *, width=854, height=480, rate=25):
    """A lecture-like recording for demo data and benchmarks: a slide that changes
    every 5 s, a speaker picture in a corner, and a tone (lavfi, no files needed)."""
    slides = f"smptehdbars=size={width}x{height}:rate={rate},hue=h=floor(t/5)*60"
    speaker = f"testsrc2=size={width // 4 // 2 * 2}x{height // 4 // 2 * 2}:rate={rate}"
    graph = f"{slides}[bg];{speaker}[pip];[bg][pip]overlay=W-w-16:H-h-16"
    args = [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-f",
        "lavfi",
        "-i",
        graph,
        "-f",
        "lavfi",
        "-i",
        "sine=frequency=220:sample_rate=48000",
        "-t",
        str(seconds),
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-crf",
        "16",
        "-pix_fmt",
        "yuv420p",
        "-c:a",
        "aac",
        "-b:a",
        "128k",
        str(path),
    ]
    result = subprocess.run(args, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise TranscodeFailed(result.stderr.strip()[-2000:])
    return Path(path)


def publish(work_dir, link):
    """Make ``link`` (a symlink) point at ``work_dir``, atomically.

    Players see the old output or the new one, never a mix: the new folder is
    complete before the link moves (``os.replace`` of a symlink is atomic), and
    the folder the link left is removed afterwards.
    """
    link, work_dir = Path(link), Path(work_dir).resolve()
    previous = link.resolve() if link.is_symlink() else None
    staging = link.with_name(f".{link.name}.{os.getpid()}.tmp")
    if staging.is_symlink() or staging.exists():
        staging.unlink()
    staging.symlink_to(work_dir, target_is_directory=True)
    os.replace(staging, link)
    if previous is not None and previous != work_dir and previous.exists():
        shutil.rmtree(previous)
