"""Comparing two ladders of one recording with ffprobe and ffmpeg (tests, bench):
a whole-file transcode and the same recording joined from chunks."""

import json
import re
import subprocess
from pathlib import Path

from media_pipeline.playlists import parse_media_playlist


def renditions(out):
    """The rendition folders of a ladder (``720p``, ``audio``...), sorted."""
    return sorted(p.parent.name for p in Path(out).glob("*/index.m3u8"))


def segment_durations(playlist):
    """The EXTINF list of a media playlist."""
    return [d for d, _ in parse_media_playlist(Path(playlist).read_text())]


def probe_playlist(playlist):
    """``(duration, packets)`` of a media playlist's first stream, as ffprobe
    reads it through the HLS demuxer."""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-count_packets",
            "-show_entries",
            "format=duration:stream=nb_read_packets",
            "-of",
            "json",
            str(playlist),
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    data = json.loads(result.stdout)
    return float(data["format"]["duration"]), int(data["streams"][0]["nb_read_packets"])


def ssim(source, rung, playlist):
    """SSIM of a rung against the source scaled to its size and frame rate."""
    graph = (
        f"[1:v]scale={rung.width}:{rung.height},setsar=1,fps={rung.fps}[ref];"
        "[0:v][ref]ssim"
    )
    result = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-i",
            str(playlist),
            "-i",
            str(source),
            "-lavfi",
            graph,
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(re.search(r"SSIM .*All:([0-9.]+)", result.stderr).group(1))


def plays_through(master):
    """ffmpeg reads every stream of the master to its end without an error."""
    result = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-v",
            "error",
            "-i",
            str(master),
            "-map",
            "0",
            "-f",
            "null",
            "-",
        ],
        capture_output=True,
        text=True,
    )
    return result.returncode == 0 and not result.stderr.strip(), result.stderr


def compare(whole, joined, source, ladder):
    """Per rendition: durations, packet counts, EXTINF lists and (video) SSIM of
    the whole-file ladder and of the joined one, side by side."""
    rows = {}
    rungs = {r.name: r for r in ladder.rungs}
    for name in renditions(whole):
        a, b = Path(whole) / name / "index.m3u8", Path(joined) / name / "index.m3u8"
        (da, pa), (db, pb) = probe_playlist(a), probe_playlist(b)
        row = {
            "duration": (da, db),
            "packets": (pa, pb),
            "same_segments": segment_durations(a) == segment_durations(b),
            "segments": len(segment_durations(a)),
        }
        if name in rungs:
            row["ssim"] = (ssim(source, rungs[name], a), ssim(source, rungs[name], b))
        rows[name] = row
    return rows
