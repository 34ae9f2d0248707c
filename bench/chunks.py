"""Long recordings in chunks (issue 16, item 5): a whole-file transcode against the
same recording cut into chunks, run by 1 and by 2 worker processes, then joined.

The sources: the generated 720p lecture clip, and real camera footage (OpenCV's
``vtest.avi`` from Debian's opencv-doc, made camera-like 720p30 by
bench/transcode.py's recipe). They last ``--seconds`` (default 120) with the
chunk threshold lowered so that they are cut into ``--chunk`` second chunks
(default 30): the same work a 10-minute threshold and 2-minute chunks give a
long lecture, at a size that runs here in minutes.

The workers are processes of a pool running the media workers' own steps
(``runner.transcode_piece`` per chunk, the whole audio and stills first, then
``runner.join_pieces``): the queue and the database around them are left out
(tests/integration/test_chunked_worker.py runs those with real workers). Each
line says the time, the ratio against the whole-file transcode run in the same
process, and the equality checks per rendition: duration and packets (ffprobe),
the EXTINF list, and SSIM against the source for the whole file and the joined
ladder.

    flock /tmp/telecme-bench.lock .venv/bin/python bench/chunks.py \
        [--seconds 120] [--chunk 30] [--sources lecture,camera720]
"""

import argparse
import importlib.util
import os
import shutil
import sys
import tempfile
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from media_pipeline.chunks import plan_chunks, timestamp_lead  # noqa: E402
from media_pipeline.ladder import (  # noqa: E402
    HIGH_MOTION_POLICY,
    LECTURE_POLICY,
    plan_ladder,
)
from media_pipeline.runner import (  # noqa: E402
    build_ladder,
    join_pieces,
    make_stills,
    probe,
    transcode_piece,
)
from tests.media.ladders import compare, plays_through  # noqa: E402

OPENCV_DATA = Path("/usr/share/doc/opencv-doc/examples/data")


def transcode_bench():
    spec = importlib.util.spec_from_file_location(
        "bench_transcode", ROOT / "bench" / "transcode.py"
    )
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def make_source(name, seconds, work):
    """``(path, policy)`` of a source lasting ``seconds``."""
    bench = transcode_bench()
    if name == "lecture":
        path = work / "lecture.mp4"
        bench.make_lecture_clip(path, seconds)
        return path, LECTURE_POLICY
    footage = bench.FOOTAGE[name]
    folder = Path(
        os.environ.get("TELECME_BENCH_SOURCES")
        or Path.home() / ".cache" / "telecme" / "bench-sources"
    )
    if not (folder / footage.original).is_file():
        original = OPENCV_DATA / footage.original
        if not original.is_file():
            sys.exit(f"{footage.original} is missing: run scripts/bench_sources.sh")
        folder.mkdir(parents=True, exist_ok=True)
        shutil.copy(original, folder / footage.original)
    return bench.make_camera_clip(footage, seconds, folder), footage.policy


def run_piece(clip, out_dir, chunk, lead, policy_name, stills_dir):
    """One queue task's work, in a worker process."""
    policy = {p.name: p for p in (LECTURE_POLICY, HIGH_MOTION_POLICY)}[policy_name]
    source = probe(clip)
    ladder = plan_ladder(source, policy)
    started = time.monotonic()
    transcode_piece(clip, source, ladder, out_dir, chunk=chunk, lead=lead)
    if chunk is None:
        make_stills(clip, source, stills_dir)
    return time.monotonic() - started


def chunked(clip, policy, out, workers, threshold, chunk_seconds):
    source = probe(clip)
    ladder = plan_ladder(source, policy)
    plan = plan_chunks(
        source.duration,
        segment_seconds=ladder.segment_seconds,
        threshold_seconds=threshold,
        chunk_seconds=chunk_seconds,
    )
    lead = timestamp_lead(ladder)
    pieces = out / "chunks"
    out.mkdir(parents=True)
    jobs = [(None, pieces / "audio")] + [(c, pieces / str(c.index)) for c in plan]
    with ProcessPoolExecutor(max_workers=workers) as pool:
        futures = [
            pool.submit(run_piece, clip, folder, chunk, lead, policy.name, out)
            for chunk, folder in jobs
        ]
        piece_seconds = [f.result() for f in futures]
    join_pieces(
        out, [pieces / str(c.index) for c in plan], pieces / "audio", ladder, source
    )
    shutil.rmtree(pieces)
    return ladder, plan, piece_seconds


def timed(function, *args):
    started = time.monotonic()
    result = function(*args)
    return time.monotonic() - started, result


def bench_source(name, args, work):
    clip, policy = make_source(name, args.seconds, work)
    source = probe(clip)
    print(
        f"\n== {name}: {source.width}x{source.height} {source.fps:g} fps, "
        f"{source.duration:.0f} s, policy {policy.name}, "
        f"chunks of {args.chunk:g} s (threshold lowered to {args.threshold:g} s)"
    )
    whole = work / f"{name}-whole"
    whole_seconds, (_, ladder) = timed(lambda: build_ladder(clip, whole, policy=policy))
    print(
        f"whole file           {whole_seconds:7.1f} s  "
        f"({source.duration / whole_seconds:4.2f}x realtime)"
    )
    for workers in (1, 2):
        out = work / f"{name}-{workers}w"
        seconds, (_, plan, pieces) = timed(
            chunked, clip, policy, out, workers, args.threshold, args.chunk
        )
        print(
            f"chunked, {workers} worker{'s' if workers > 1 else ' '} "
            f" {seconds:7.1f} s  "
            f"({source.duration / seconds:4.2f}x realtime, "
            f"{seconds / whole_seconds:4.2f} of the whole file's time; "
            f"{len(plan)} chunks, audio+stills {pieces[0]:.1f} s, "
            f"chunks {min(pieces[1:]):.1f}-{max(pieces[1:]):.1f} s each)"
        )
        rows = compare(whole, out, clip, ladder)
        for rendition, row in rows.items():
            (da, db), (pa, pb) = row["duration"], row["packets"]
            same = "same" if row["same_segments"] else "DIFFER"
            line = (
                f"    {rendition:>6}: duration {da:.3f} / {db:.3f} s, "
                f"packets {pa} / {pb}, {row['segments']} segments {same}"
            )
            if "ssim" in row:
                a, b = row["ssim"]
                verdict = "ok" if abs(a - b) <= 0.005 else "OVER 0.005"
                line += f", SSIM {a:.4f} / {b:.4f} (diff {b - a:+.4f}, {verdict})"
            print(line)
        ok, errors = plays_through(out / "master.m3u8")
        print(f"    ffmpeg plays the joined master through: {'yes' if ok else errors}")


def main():
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=120)
    parser.add_argument("--chunk", type=float, default=30)
    parser.add_argument("--threshold", type=float, default=60)
    parser.add_argument("--sources", default="lecture,camera720")
    args = parser.parse_args()
    print(f"load before: {os.getloadavg()[0]:.2f} (1 min), {os.cpu_count()} CPUs")
    with tempfile.TemporaryDirectory(prefix="bench-chunks-") as folder:
        for name in args.sources.split(","):
            bench_source(name.strip(), args, Path(folder))
    print(f"load after: {os.getloadavg()[0]:.2f} (1 min)")


if __name__ == "__main__":
    main()
