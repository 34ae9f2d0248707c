"""The live ladder (issue 14's done-when), with B1's command
(``media_pipeline.live.ladder_args``) as the worker runs it:

1. Speed: the ladder over a 720p30 and a 1080p30 file (no ``-re``: as fast as
   it goes), as a multiple of realtime, beside two baselines in the same run:
   a copy into one HLS rung (no encoding: the floor) and one 720p encode (the
   top rung alone). Two pictures: a lecture (slides, a speaker in a corner) and
   a grainy camera (a test pattern with sensor-like grain that changes every
   frame: harder to encode than slides).
2. Delay: a 720p30 stream pushed at realtime (``ffmpeg -re ... -c copy -f flv``)
   into real nginx with the RTMP module, pulled by the ladder; the delay from a
   frame's push to its segment being listed in the top rung's playlist, median
   and p95. The pushed picture carries a grey box whose level changes every
   1.3 s (ten levels in turn); each change is found again in the segments, so
   its push time is known (the pusher paces frames from the moment nginx
   accepted the push).
3. Replay: how soon after a broadcast ends its replay is ready: the join of
   two runs' recordings and the VOD ladder (``build_ladder``) over the joined
   720p30 lecture, as minutes per hour broadcast (the issue asks for the
   replay within 30 minutes).

    .venv/bin/python bench/live.py [--seconds 20] [--runs 3] [--delay-seconds 60]

Medians of ``--runs`` runs. Run it when the machine is otherwise quiet.
"""

import argparse
import http.server
import os
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_pipeline import ingest  # noqa: E402
from media_pipeline import live as ladder  # noqa: E402
from media_pipeline.runner import (  # noqa: E402
    build_ladder,
    generate_demo_recording,
    join_recordings,
)

FFMPEG = ["ffmpeg", "-hide_banner", "-nostdin", "-y", "-v", "error"]
#: The delay test's box: its level changes every PERIOD seconds, LEVELS in turn.
#: 39 frames, no divisor of the 2 s segments: changes fall at every phase of one.
PERIOD = 1.3
LEVELS = 10
STEP = 20  # luma 16, 36, ... 196: far apart enough to survive the encoders
#: Changes pushed in the first seconds measure the ladder's start, not its pace.
WARM_UP_SECONDS = 10.0


# --- sources -------------------------------------------------------------------


def make_grainy(path, seconds, width, height):
    graph = f"testsrc2=size={width}x{height}:rate=30,noise=alls=12:allf=t"
    subprocess.run(
        [
            *FFMPEG,
            "-f",
            "lavfi",
            "-i",
            graph,
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=330:sample_rate=48000",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-b:v",
            f"{6000 if height > 720 else 4000}k",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            str(path),
        ],
        check=True,
    )


def make_marked(path, seconds):
    """720p30 for the delay test: a moving pattern, a tone, and the level box."""
    level = f"16+{STEP}*mod(floor(T/{PERIOD}),{LEVELS})"
    graph = (
        "testsrc2=size=1280x720:rate=30[bg];"
        f"color=c=black:size=64x36:rate=30,format=yuv420p,"
        f"geq=lum='{level}':cb=128:cr=128,scale=320:180:flags=neighbor[box];"
        "[bg][box]overlay=0:0:shortest=1"
    )
    subprocess.run(
        [
            *FFMPEG,
            "-f",
            "lavfi",
            "-i",
            graph,
            "-f",
            "lavfi",
            "-i",
            "sine=frequency=440:sample_rate=48000",
            "-t",
            str(seconds),
            "-c:v",
            "libx264",
            "-preset",
            "veryfast",
            "-b:v",
            "3000k",
            "-g",
            "60",
            "-pix_fmt",
            "yuv420p",
            "-c:a",
            "aac",
            "-f",
            "flv",
            str(path),
        ],
        check=True,
    )


# --- 1. speed --------------------------------------------------------------------


def timed(args):
    started = time.monotonic()
    done = subprocess.run(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if done.returncode:
        raise SystemExit(done.stderr.decode(errors="replace"))
    return time.monotonic() - started


def ladder_command(source, out, height):
    stream = ladder.PushedStream(has_video=True, has_audio=True, height=height)
    for name in ladder.rung_names(stream):
        (out / name).mkdir(parents=True, exist_ok=True)
    return ladder.ladder_args(
        str(source), out, out / "recording.ts", stream, protocols="file"
    )


def copy_command(source, out):
    """The floor: the pushed stream copied into one HLS rung, no encoding."""
    out.mkdir(parents=True)
    return [
        *FFMPEG,
        "-i",
        str(source),
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "hls",
        "-hls_time",
        str(ladder.SEGMENT_SECONDS),
        "-hls_segment_filename",
        f"{out}/seg_%05d.ts",
        str(out / "index.m3u8"),
    ]


def one_rung_command(source, out):
    """The top rung alone, encoded as the ladder encodes it."""
    out.mkdir(parents=True)
    rung = ladder.RUNGS[0]
    return [
        *FFMPEG,
        "-i",
        str(source),
        "-map",
        "0:v:0",
        "-map",
        "0:a:0",
        "-vf",
        f"scale=w=-2:h='min({rung.height},ih)',setsar=1",
        "-c:v",
        "libx264",
        "-preset",
        "veryfast",
        "-tune",
        "zerolatency",
        "-b:v",
        f"{rung.kbps}k",
        "-force_key_frames",
        f"expr:gte(t,n_forced*{ladder.SEGMENT_SECONDS})",
        "-c:a",
        "aac",
        "-b:a",
        f"{rung.audio_kbps}k",
        "-f",
        "hls",
        "-hls_time",
        str(ladder.SEGMENT_SECONDS),
        "-hls_segment_filename",
        f"{out}/seg_%05d.ts",
        str(out / "index.m3u8"),
    ]


def bench_speed(work, seconds, runs):
    print(f"1. Speed over {seconds} s files (medians of {runs} runs, x realtime)")
    print(
        f"   {'source':<20} {'ladder':>8} {'copy':>8} {'one rung':>9}"
        f" {'ladder/one rung':>16} {'ladder/copy':>12}"
    )
    results = {}
    for content in ("lecture", "grainy"):
        for width, height in ((1280, 720), (1920, 1080)):
            source = work / f"{content}-{height}p.mp4"
            if content == "lecture":
                generate_demo_recording(
                    source, seconds, width=width, height=height, rate=30
                )
            else:
                make_grainy(source, seconds, width, height)
            walls = {"ladder": [], "copy": [], "one": []}
            for run in range(runs):
                base = work / f"{content}-{height}-{run}"
                walls["ladder"].append(
                    timed(ladder_command(source, base / "ladder", height))
                )
                walls["copy"].append(timed(copy_command(source, base / "copy")))
                walls["one"].append(timed(one_rung_command(source, base / "one")))
                shutil.rmtree(base)
            wall = {k: statistics.median(v) for k, v in walls.items()}
            speed = {k: seconds / v for k, v in wall.items()}
            label = f"{content} {height}p30"
            results[label] = speed["ladder"]
            print(
                f"   {label:<20} {speed['ladder']:>7.2f}x {speed['copy']:>7.1f}x"
                f" {speed['one']:>8.2f}x {wall['ladder'] / wall['one']:>15.2f}x"
                f" {wall['ladder'] / wall['copy']:>11.1f}x"
            )
    return results


# --- 2. delay --------------------------------------------------------------------


class Callbacks(http.server.BaseHTTPRequestHandler):
    """nginx's on_publish/on_update/on_publish_done: every push is accepted
    (the app's key check is not what is measured); notes when it was."""

    published = threading.Event()
    published_at = [0.0]

    def do_POST(self):  # http.server names it
        if self.path.endswith("/on_publish") and not self.published.is_set():
            self.published_at[0] = time.time()
            self.published.set()
        self.rfile.read(int(self.headers.get("Content-Length") or 0))
        self.send_response(200)
        self.send_header("Content-Length", "0")
        self.end_headers()

    def log_message(self, *args):
        pass


def free_port():
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_for_port(port, seconds):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        with socket.socket() as probe:
            if probe.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.05)
    raise SystemExit(f"nginx did not listen on {port}")


def watch_playlist(playlist, keep, seen, stop):
    """Note when each segment is first listed and keep a copy (the window
    deletes old ones)."""
    while not stop.is_set():
        try:
            lines = playlist.read_text().splitlines()
        except FileNotFoundError:
            lines = []
        for line in lines:
            if line and not line.startswith("#") and line not in seen:
                seen[line] = time.time()
                shutil.copy(playlist.parent / line, keep / line)
        time.sleep(0.02)


def box_values(segment):
    """The box's mean luma (the Y plane as coded) in each frame of a segment."""
    return list(
        subprocess.run(
            [
                *FFMPEG,
                "-i",
                str(segment),
                "-map",
                "0:v:0",
                "-vf",
                "crop=w=iw/4-16:h=ih/4-16:x=8:y=8,extractplanes=y,scale=1:1:flags=area",
                "-f",
                "rawvideo",
                "-pix_fmt",
                "gray",
                "-",
            ],
            check=True,
            capture_output=True,
        ).stdout
    )


def level_centres(values):
    """The LEVELS plateaus of the box's luma, lowest first, found in the values
    themselves (each encoder on the way may map the range its own way; a
    level is held for 39 frames, a frame between two levels is no plateau)."""
    groups, group = [], []
    for value in sorted(values):
        if group and value - group[-1] > 6:
            groups.append(group)
            group = []
        group.append(value)
    groups.append(group)
    centres = [statistics.median(g) for g in groups if len(g) >= 10]
    if len(centres) != LEVELS:
        raise SystemExit(f"found {len(centres)} box levels, not {LEVELS}: {centres}")
    return centres


def changes_with_delays(seen, keep, pushed_at):
    """(push time, delay) of every level change found in the segments."""
    found, last = [], None
    frames = {name: box_values(keep / name) for name in seen}
    centres = level_centres([v for values in frames.values() for v in values])

    def level_of(value):
        return min(range(LEVELS), key=lambda i: abs(centres[i] - value))

    for name, listed_at in sorted(seen.items()):
        for level in map(level_of, frames[name]):
            if last is not None and level != last:
                # The change to ``level`` was pushed at PERIOD * k with
                # k = level (mod LEVELS): the latest such k before the listing.
                k = int((listed_at - pushed_at) / PERIOD)
                while k % LEVELS != level:
                    k -= 1
                found.append((k * PERIOD, listed_at - (pushed_at + k * PERIOD)))
            last = level
    return found


def bench_delay(work, seconds):
    print(f"2. Push-to-playlist delay, 720p30 pushed at realtime for {seconds} s")
    source = work / "marked.flv"
    make_marked(source, seconds)
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Callbacks)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    port = free_port()
    prefix = work / "nginx"
    ingest.write_config(
        ingest.IngestSettings(
            prefix=prefix,
            host="127.0.0.1",
            port=port,
            callback_base=f"http://127.0.0.1:{server.server_port}",
            secret="bench",
        )
    )
    processes = []
    try:
        nginx = subprocess.Popen(
            ingest.nginx_command(prefix),
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        processes.append(nginx)
        wait_for_port(port, 20)
        push = subprocess.Popen(
            [
                *FFMPEG,
                "-re",
                "-i",
                str(source),
                "-c",
                "copy",
                "-f",
                "flv",
                f"rtmp://127.0.0.1:{port}/live/benchkey",
            ]
        )
        processes.append(push)
        if not Callbacks.published.wait(20):
            raise SystemExit("nginx never asked about the push")
        out = work / "live"
        url = ladder.pull_url("127.0.0.1", port, "benchkey")
        args = ladder_command(url, out, 720)
        args[args.index("-protocol_whitelist") + 1] = "rtmp,tcp"
        started = time.time()
        pull = subprocess.Popen(
            args, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        processes.append(pull)
        keep, seen, stop = work / "kept", {}, threading.Event()
        keep.mkdir()
        top = ladder.rung_names(
            ladder.PushedStream(has_video=True, has_audio=True, height=720)
        )[0]
        watcher = threading.Thread(
            target=watch_playlist, args=(out / top / "index.m3u8", keep, seen, stop)
        )
        watcher.start()
        push.wait(timeout=seconds + 60)
        time.sleep(2 * ladder.SEGMENT_SECONDS + 1)
        stop.set()
        watcher.join()
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                process.terminate()
                try:
                    process.wait(10)
                except subprocess.TimeoutExpired:
                    process.kill()
        server.shutdown()
    pushed_at = Callbacks.published_at[0]
    found = changes_with_delays(seen, keep, pushed_at)
    steady = [d for t, d in found if t >= WARM_UP_SECONDS]
    first = min(seen.values()) - pushed_at if seen else float("nan")
    print(
        f"   ladder started {started - pushed_at:.2f} s after nginx accepted the"
        f" push; first segment listed {first:.2f} s after it"
    )
    if len(steady) < 2:
        raise SystemExit(f"too few level changes found ({len(found)})")
    p95 = statistics.quantiles(steady, n=20, method="inclusive")[-1]
    print(
        f"   {len(steady)} changes after the first {WARM_UP_SECONDS:.0f} s:"
        f" median {statistics.median(steady):.2f} s, p95 {p95:.2f} s,"
        f" max {max(steady):.2f} s (target: on screen within 10 s)"
    )
    return steady


# --- 3. replay ------------------------------------------------------------------


def bench_replay(work, seconds, runs):
    print(f"3. Replay of a {2 * seconds} s 720p30 lecture in two runs ({runs} runs)")
    parts = []
    for number in (1, 2):
        part = work / f"run{number}.ts"
        generate_demo_recording(part, seconds, width=1280, height=720, rate=30)
        parts.append(part)
    joins, ladders = [], []
    for run in range(runs):
        joined = work / f"joined-{run}.ts"
        started = time.monotonic()
        join_recordings(parts, joined)
        joins.append(time.monotonic() - started)
        started = time.monotonic()
        source, _ = build_ladder(joined, work / f"replay-{run}")
        ladders.append(time.monotonic() - started)
        shutil.rmtree(work / f"replay-{run}")
    join, vod = statistics.median(joins), statistics.median(ladders)
    speed = source.duration / vod
    print(
        f"   joined {source.duration:.1f} s in {join:.2f} s"
        f" ({join * 3600 / source.duration:.0f} s per broadcast hour);"
        f" VOD ladder {speed:.2f}x"
        f" realtime: an hour broadcast is ready {60 / speed:.0f} min after the"
        " reconnect window (target: 30 min)"
    )
    return speed


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=20)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--delay-seconds", type=int, default=60)
    parser.add_argument("--skip-speed", action="store_true")
    parser.add_argument("--skip-delay", action="store_true")
    parser.add_argument("--skip-replay", action="store_true")
    options = parser.parse_args()
    print(f"{os.cpu_count()} cores, load {os.getloadavg()[0]:.2f}")
    with tempfile.TemporaryDirectory(prefix="telecme-bench-live-") as folder:
        work = Path(folder)
        if not options.skip_speed:
            bench_speed(work, options.seconds, options.runs)
        if not options.skip_delay:
            bench_delay(work, options.delay_seconds)
        if not options.skip_replay:
            bench_replay(work, options.seconds, options.runs)


if __name__ == "__main__":
    main()
