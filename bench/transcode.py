"""Transcoding: our one-process ladder against one ffmpeg process per rung and
against a hand-written single command with fixed bitrates, on a generated 60 s
720p lecture-like clip (static slides that change every 5 s, a small speaker
picture in a corner, a tone). Prints the realtime factor, wall-time ratios, bytes
and SSIM/PSNR of each rung against the source; medians of several runs.

    .venv/bin/python bench/transcode.py [--seconds 60] [--runs 3]
"""

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_pipeline.ladder import LECTURE_POLICY, plan_ladder  # noqa: E402
from media_pipeline.probe import DEMUXERS  # noqa: E402
from media_pipeline.runner import (  # noqa: E402
    build_ladder,
    generate_demo_recording,
    probe,
)

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error"]
#: A typical hand-written ladder: fixed bitrates, every rung at the source rate.
FIXED_KBPS = {"720p": 2500, "480p": 1200, "360p": 700, "240p": 400}


def make_lecture_clip(path, seconds):
    generate_demo_recording(path, seconds, width=1280, height=720, rate=30)


def hls_args(extra, out):
    return [
        *extra,
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_segment_filename",
        f"{out}/seg_%05d.m4s",
        str(out / "index.m3u8"),
    ]


def per_rung_commands(clip, ladder, out):
    """One process per rung and one for audio, each decoding the source itself."""
    commands = []
    for rung in ladder.rungs:
        target = out / rung.name
        target.mkdir(parents=True)
        commands.append(
            hls_args(
                [
                    *FFMPEG,
                    "-f",
                    "mov",
                    "-i",
                    str(clip),
                    "-map",
                    "0:v:0",
                    "-vf",
                    f"scale={rung.width}:{rung.height},fps={rung.fps},format=yuv420p",
                    "-c:v",
                    "libx264",
                    "-preset",
                    "veryfast",
                    "-tune",
                    ladder.tune,
                    "-crf",
                    str(rung.crf),
                    "-maxrate",
                    f"{rung.maxrate_kbps}k",
                    "-bufsize",
                    f"{rung.bufsize_kbps}k",
                    "-force_key_frames",
                    "expr:gte(t,n_forced*2)",
                    "-sc_threshold",
                    "0",
                ],
                target,
            )
        )
    audio = out / "audio"
    audio.mkdir(parents=True)
    commands.append(
        hls_args(
            [
                *FFMPEG,
                "-f",
                "mov",
                "-i",
                str(clip),
                "-map",
                "0:a:0",
                "-c:a",
                "aac",
                "-b:a",
                "64k",
                "-ac",
                "2",
            ],
            audio,
        )
    )
    return commands


def fixed_bitrate_command(clip, ladder, out):
    """A hand-written single process: split, fixed bitrates, full frame rate."""
    n = len(ladder.rungs)
    chains = [f"[0:v]split={n}" + "".join(f"[s{i}]" for i in range(n))]
    args = []
    for i, rung in enumerate(ladder.rungs):
        chains.append(f"[s{i}]scale={rung.width}:{rung.height}[o{i}]")
        kbps = FIXED_KBPS[rung.name]
        args += [
            "-map",
            f"[o{i}]",
            f"-b:v:{i}",
            f"{kbps}k",
            f"-maxrate:v:{i}",
            f"{kbps}k",
            f"-bufsize:v:{i}",
            f"{2 * kbps}k",
        ]
        (out / rung.name).mkdir(parents=True)
    (out / "audio").mkdir(parents=True)
    stream_map = (
        " ".join(f"v:{i},agroup:a,name:{r.name}" for i, r in enumerate(ladder.rungs))
        + " a:0,agroup:a,name:audio"
    )
    return [
        *FFMPEG,
        "-f",
        "mov",
        "-i",
        str(clip),
        "-filter_complex",
        ";".join(chains),
        *args,
        "-map",
        "0:a:0",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-g",
        "60",
        "-sc_threshold",
        "0",
        "-c:a",
        "aac",
        "-b:a",
        "64k",
        "-f",
        "hls",
        "-hls_time",
        "6",
        "-hls_playlist_type",
        "vod",
        "-hls_segment_type",
        "fmp4",
        "-hls_segment_filename",
        f"{out}/%v/seg_%05d.m4s",
        "-master_pl_name",
        "master.m3u8",
        "-var_stream_map",
        stream_map,
        f"{out}/%v/index.m3u8",
    ]


def folder_bytes(path):
    return sum(
        p.stat().st_size
        for p in Path(path).rglob("*")
        if p.is_file() and p.suffix in (".m4s", ".mp4")
    )


def quality(clip, rung, playlist, fps=None):
    """SSIM and PSNR of a rung against the source scaled to the rung's size and to
    the frame rate it was encoded at (``fps``; the plan's by default)."""
    graph = (
        f"[1:v]scale={rung.width}:{rung.height},fps={fps or rung.fps}[ref];"
        "[0:v]split[a][b];[ref]split[r1][r2];[a][r1]ssim;[b][r2]psnr"
    )
    result = subprocess.run(
        [
            "ffmpeg",
            "-hide_banner",
            "-nostdin",
            "-protocol_whitelist",
            "file",
            "-i",
            str(playlist),
            "-i",
            str(clip),
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
    ssim = float(re.search(r"SSIM .*All:([0-9.]+)", result.stderr).group(1))
    psnr = re.search(r"PSNR .*average:([0-9.inf]+)", result.stderr).group(1)
    return ssim, float(psnr)


def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    work = Path(tempfile.mkdtemp(prefix="telecme-transcode-bench-"))
    clip = work / "lecture.mp4"
    make_lecture_clip(clip, args.seconds)
    source = probe(clip)
    ladder = plan_ladder(source, LECTURE_POLICY)
    assert DEMUXERS[source.container] == "mov"

    ours, per_rung, fixed = [], [], []
    for run in range(args.runs):
        out = work / f"ours{run}"
        ours.append(timed(lambda out=out: build_ladder(clip, out)))
        out_rungs = work / f"rungs{run}"
        commands = per_rung_commands(clip, ladder, out_rungs)
        per_rung.append(
            timed(lambda c=commands: [subprocess.run(x, check=True) for x in c])
        )
        out_fixed = work / f"fixed{run}"
        command = fixed_bitrate_command(clip, ladder, out_fixed)
        fixed.append(timed(lambda c=command: subprocess.run(c, check=True)))

    m_ours, m_rungs, m_fixed = (statistics.median(x) for x in (ours, per_rung, fixed))
    print(
        f"transcode benchmark: {args.seconds} s 1280x720 30 fps lecture-like clip, "
        f"{len(ladder.rungs)} rungs + audio, medians of {args.runs} runs"
    )
    print(
        f"  ours (one process, capped CRF, 15 fps low rungs): {m_ours:6.1f} s  "
        f"{args.seconds / m_ours:4.1f}x realtime  {folder_bytes(work / 'ours0'):>10,} B"
    )
    print(
        f"  one process per rung:                             {m_rungs:6.1f} s  "
        f"ratio {m_rungs / m_ours:4.2f}  {folder_bytes(work / 'rungs0'):>10,} B"
    )
    print(
        f"  hand-written single command, fixed bitrates:      {m_fixed:6.1f} s  "
        f"ratio {m_fixed / m_ours:4.2f}  {folder_bytes(work / 'fixed0'):>10,} B"
    )
    for rung in ladder.rungs:
        ssim, psnr = quality(clip, rung, work / "ours0" / rung.name / "index.m3u8")
        fixed_ssim, fixed_psnr = quality(
            clip, rung, work / "fixed0" / rung.name / "index.m3u8", fps=source.fps
        )
        ours_bytes = folder_bytes(work / "ours0" / rung.name)
        fixed_bytes = folder_bytes(work / "fixed0" / rung.name)
        print(
            f"  {rung.name:>5} {rung.width}x{rung.height}@{rung.fps:g}: ours SSIM "
            f"{ssim:.4f} PSNR {psnr:5.2f} dB, {ours_bytes:>9,} B"
            f" | fixed SSIM {fixed_ssim:.4f} PSNR {fixed_psnr:5.2f} dB, "
            f"{fixed_bytes:>9,} B"
        )
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
