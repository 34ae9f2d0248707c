"""Every ffmpeg run reads both pipes at once, keeps only the end of stderr, and
stops at its time limit (real ffmpeg on a generated clip, damaged on purpose)."""

import random
import re
import subprocess
import threading
import time
from pathlib import Path

import pytest

from media_pipeline.ladder import plan_ladder
from media_pipeline.limits import TimeLimits
from media_pipeline.runner import (
    ERROR_TAIL_LINES,
    LINE_BYTES,
    TranscodeFailed,
    probe,
    run,
    transcode,
)
from tests.media.clips import make_clip

#: What a pipe holds on Linux before its writer blocks.
PIPE_BYTES = 64 * 1024
ADDRESS = re.compile(r" @ 0x[0-9a-f]+")


@pytest.fixture(scope="module")
def damaged(tmp_path_factory):
    """A 20 s clip whose video data is overwritten with noise every 700 bytes:
    ffmpeg decodes it to the end, complaining on almost every frame."""
    folder = tmp_path_factory.mktemp("damaged")
    data = bytearray(make_clip(folder / "clip.mp4", seconds=20).read_bytes())
    noise = random.Random(1)
    for position in range(20_000, int(len(data) * 0.9), 700):
        data[position : position + 16] = bytes(noise.randrange(256) for _ in range(16))
    path = folder / "damaged.mp4"
    path.write_bytes(data)
    return path


def decode_args(path):
    """Decode the video alone on one thread: the same errors in the same order."""
    return [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-v",
        "error",
        "-threads",
        "1",
        "-i",
        path,
        "-an",
        "-f",
        "null",
        "-",
    ]


def full_stderr(args):
    return subprocess.run(args, capture_output=True, check=False).stderr


def ffmpeg_processes_writing_to(folder):
    """Running processes whose command line names ``folder``."""
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            text = cmdline.read_bytes().replace(b"\0", b" ").decode(errors="replace")
        except OSError:
            continue
        if str(folder) in text and text.startswith("ffmpeg"):
            found.append(text)
    return found


def test_a_damaged_upload_writing_pages_of_errors_transcodes_to_the_end(
    damaged, tmp_path
):
    """The old runner read stdout to its end before stderr: ffmpeg blocked on a
    full stderr pipe, the runner on stdout, and the worker stopped for good."""
    source = probe(damaged)
    ladder = plan_ladder(source)
    # What this transcode writes to stderr: far more than a pipe holds.
    assert len(full_stderr(decode_args(damaged))) > PIPE_BYTES
    progress, outcome = [], []

    def transcode_in_thread():
        try:
            transcode(
                damaged, source, ladder, tmp_path / "out", on_progress=progress.append
            )
            outcome.append("done")
        except TranscodeFailed as error:
            outcome.append(error)

    thread = threading.Thread(target=transcode_in_thread, daemon=True)
    thread.start()
    thread.join(120)
    assert not thread.is_alive(), "ffmpeg and the runner block each other"
    assert outcome == ["done"]
    assert progress and (tmp_path / "out" / "master.m3u8").is_file()


def test_only_the_last_lines_of_stderr_are_kept(damaged):
    args = decode_args(damaged)
    everything = full_stderr(args).decode(errors="replace").strip().splitlines()
    assert len("\n".join(everything)) > PIPE_BYTES
    finished = run(args, time_limit=60)
    assert finished.returncode == 0 and not finished.timed_out
    tail = finished.error_tail.splitlines()
    assert len(tail) == ERROR_TAIL_LINES
    assert all(len(line) <= LINE_BYTES for line in tail)
    # The same last lines ffmpeg wrote (its pointer addresses differ per run).
    assert [ADDRESS.sub("", line) for line in tail] == [
        ADDRESS.sub("", line) for line in everything[-ERROR_TAIL_LINES:]
    ]


def test_a_transcode_past_its_time_limit_is_killed_and_reported(tmp_path):
    clip = make_clip(tmp_path / "long.mp4", seconds=30, size="854x480")
    source = probe(clip)
    out = tmp_path / "out"
    limits = TimeLimits(floor_seconds=1.0, per_source_second=0.0)
    started = time.monotonic()
    with pytest.raises(TranscodeFailed) as failed:
        transcode(clip, source, plan_ladder(source), out, time_limits=limits)
    elapsed = time.monotonic() - started
    assert failed.value.code == "timeout"
    assert "limit of 1 s" in str(failed.value)
    assert 1.0 <= elapsed < 10
    assert ffmpeg_processes_writing_to(out) == []


def test_a_probe_past_its_time_limit_is_rejected(tmp_path):
    """ffprobe of a named pipe nobody writes to would wait forever."""
    import os

    from media_pipeline.probe import ProbeRejected

    fifo = tmp_path / "stuck.mp4"
    os.mkfifo(fifo)
    started = time.monotonic()
    with pytest.raises(ProbeRejected) as rejected:
        probe(fifo, time_limit=1.0)
    assert rejected.value.code == "probe_timeout"
    assert time.monotonic() - started < 10
