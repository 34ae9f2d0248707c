"""The one module that runs ffprobe and ffmpeg, and writes what they produce.

Every run reads ffmpeg's two pipes at once (stderr in a thread, only its last
lines kept), has a time limit, and runs in a process group of its own that is
killed when the limit passes or the worker dies.
"""

import collections
import contextlib
import ctypes
import errno
import json
import logging
import os
import shutil
import signal
import subprocess
import sys
import threading
from dataclasses import dataclass
from pathlib import Path

from media_pipeline import chunks, commands, content
from media_pipeline.ladder import (
    DEFAULT_LANGUAGE,
    LECTURE_POLICY,
    POLICIES,
    plan_ladder,
)
from media_pipeline.limits import TimeLimits, plan_time_limit
from media_pipeline.playlists import (
    measure_bandwidth,
    parse_media_playlist,
    parse_target_duration,
    rewrite_master,
    with_independent_segments,
)
from media_pipeline.probe import (
    DEMUXERS,
    ProbeLimits,
    ProbeRejected,
    is_truncated,
    parse_probe,
)

#: Lines of ffmpeg's error output kept for the lecturer and the job row.
ERROR_TAIL_LINES = 12
#: Longest piece of one output line read at a time (bounds memory per line).
LINE_BYTES = 4096
#: Most of ffprobe's JSON read (a file with thousands of streams says more).
MAX_STDOUT_BYTES = 16 * 1024 * 1024
#: What ffmpeg (strerror) says when a write fails for want of space.
DISK_FULL_TEXT = "No space left on device"

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


class TranscodeFailed(RuntimeError):
    """ffmpeg failed; the message is the end of what it said, ``code`` says why
    (``ffmpeg_failed``, ``timeout``, ``disk_full``, ``bad_output``, ``cancelled``)."""

    def __init__(self, message, code="ffmpeg_failed"):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class Finished:
    """How a run ended."""

    returncode: int
    stdout: bytes
    #: The last lines ffmpeg wrote to stderr.
    error_tail: str
    timed_out: bool
    time_limit: float

    @property
    def disk_full(self):
        return DISK_FULL_TEXT in self.error_tail


def _die_with_the_worker():
    """In the child, before exec: SIGKILL when the thread that started it dies
    (a worker killed with -9 leaves no ffmpeg running on)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGKILL)


def _keep_tail(stream, tail):
    for piece in iter(lambda: stream.readline(LINE_BYTES), b""):
        tail.append(piece)


#: How long a process stopped gently (an ``on_line`` exception whose
#: ``stop_gently`` is true) may take to finish its files before it is killed.
GENTLE_STOP_SECONDS = 5


def _stop_gently(process):
    """SIGINT (ffmpeg writes out what it holds and ends), then a while."""
    if process.poll() is None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(process.pid, signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(GENTLE_STOP_SECONDS)


def run(args, *, time_limit, on_line=None, keep_stdout=False):
    """Run ``args`` to the end or to ``time_limit`` seconds, whichever comes first.

    stdout is read here, line by line (``on_line(text)`` for each, in this
    thread, so it may use the database); stderr is drained by a thread at the
    same time, so neither pipe can fill and block the process. An exception
    from ``on_line`` kills the process group (after a SIGINT and a few seconds
    when it has a true ``stop_gently``) and propagates.
    """
    process = subprocess.Popen(
        [str(a) for a in args],
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        start_new_session=True,
        preexec_fn=_die_with_the_worker,
    )
    tail = collections.deque(maxlen=ERROR_TAIL_LINES)
    reader = threading.Thread(target=_keep_tail, args=(process.stderr, tail))
    reader.daemon = True
    reader.start()
    timed_out = threading.Event()

    def kill():
        if process.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)

    def on_time_limit():
        timed_out.set()
        kill()

    timer = threading.Timer(time_limit, on_time_limit)
    timer.daemon = True
    timer.start()
    out, kept = [], 0
    try:
        for line in iter(lambda: process.stdout.readline(LINE_BYTES), b""):
            if keep_stdout and kept < MAX_STDOUT_BYTES:
                out.append(line)
                kept += len(line)
            if on_line is not None:
                on_line(line.decode(errors="replace"))
        process.wait()
    except BaseException as error:
        if getattr(error, "stop_gently", False):
            _stop_gently(process)
        kill()
        process.wait()
        raise
    finally:
        timer.cancel()
        reader.join()
        process.stdout.close()
        process.stderr.close()
    error_tail = b"".join(tail).decode(errors="replace").strip()
    return Finished(
        returncode=process.returncode,
        stdout=b"".join(out) if kept < MAX_STDOUT_BYTES else b"",
        error_tail=error_tail,
        timed_out=timed_out.is_set(),
        time_limit=time_limit,
    )


def check(finished, what="ffmpeg"):
    """Raise :class:`TranscodeFailed` unless ``finished`` ended well."""
    if finished.timed_out:
        raise TranscodeFailed(
            f"{what} ran past its limit of {finished.time_limit:.0f} s and was stopped",
            code="timeout",
        )
    if finished.disk_full:
        raise TranscodeFailed(finished.error_tail, code="disk_full")
    if finished.returncode != 0:
        raise TranscodeFailed(
            finished.error_tail or f"{what} exited with {finished.returncode}"
        )


def probe(path, limits=None, time_limit=None):
    """The :class:`SourceInfo` of a local file, or :class:`ProbeRejected`."""
    finished = run(
        commands.probe_args(path),
        time_limit=time_limit or TimeLimits().floor_seconds,
        keep_stdout=True,
    )
    if finished.timed_out:
        raise ProbeRejected("probe_timeout", "Reading the file took too long.")
    if finished.returncode != 0 or not finished.stdout:
        with open(path, "rb") as source:
            head = source.read(12)
        if is_truncated(finished.error_tail, head):
            raise ProbeRejected("incomplete", "The file stops before its end.")
        raise ProbeRejected("not_media", "The file is not a readable recording.")
    try:
        data = json.loads(finished.stdout)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise ProbeRejected(
            "not_media", "The file is not a readable recording."
        ) from None
    return parse_probe(data, limits or ProbeLimits())


def transcode(
    source_path,
    source,
    ladder,
    out_dir,
    *,
    on_progress=None,
    time_limits=None,
):
    """Run the ladder's single ffmpeg process into ``out_dir``.

    ``on_progress(fraction)`` is called as ffmpeg reports (``-progress pipe:1``).
    """
    out_dir = Path(out_dir)
    names = [r.name for r in ladder.rungs] + (["audio"] if ladder.audio else [])
    for name in names:
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    args = commands.transcode_args(
        source_path, DEMUXERS[source.container], ladder, out_dir
    )

    def on_line(line):
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and on_progress and value.isdigit() and source.duration:
            on_progress(min(1.0, int(value) / 1e6 / source.duration))

    limit = plan_time_limit(source.duration, time_limits or TimeLimits())
    finished = run(args, time_limit=limit, on_line=on_line)
    check(finished)
    if is_truncated(finished.error_tail):
        # An MP4 whose index came first but whose data stops short: ffmpeg ends
        # well with "partial file" and a shorter rendition.
        raise TranscodeFailed(finished.error_tail, code="incomplete")
    write_measured_master(out_dir, ladder)


def write_measured_master(out_dir, ladder):
    """Make the playlists conform, with the rates of the segments written.

    Every media playlist states EXT-X-INDEPENDENT-SEGMENTS; the master gets the
    measured BANDWIDTH, each variant's FRAME-RATE, the audio rendition's NAME,
    LANGUAGE and CHANNELS, and an audio-only variant (``playlists.rewrite_master``).
    """
    out_dir = Path(out_dir)
    master = (out_dir / "master.m3u8").read_text()
    measured, audio = {}, None
    for playlist in sorted(out_dir.glob("*/index.m3u8")):
        text = playlist.read_text()
        playlist.write_text(with_independent_segments(text))
        segments = parse_media_playlist(text)
        sizes = [(d, (playlist.parent / uri).stat().st_size) for d, uri in segments]
        init = sum(p.stat().st_size for p in playlist.parent.glob("init*.mp4"))
        bandwidth = measure_bandwidth(sizes, init, parse_target_duration(text))
        uri = f"{playlist.parent.name}/index.m3u8"
        if playlist.parent.name == "audio":
            audio = bandwidth
        measured[uri] = bandwidth
    frame_rates = {f"{r.name}/index.m3u8": r.fps for r in ladder.rungs}
    (out_dir / "master.m3u8").write_text(
        rewrite_master(
            master, measured, audio, frame_rates=frame_rates, rendition=ladder.audio
        )
    )


def make_stills(source_path, source, out_dir, *, time_limits=None):
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
    limit = plan_time_limit(source.duration, time_limits or TimeLimits())
    for args in jobs:
        check(run(args, time_limit=limit))


logger = logging.getLogger(__name__)


def analyse(source_path, source, *, time_limits=None):
    """The :class:`content.Features` of a few short windows of the picture
    (one ffmpeg run; seconds even for hours of 1080p). Raises
    :class:`TranscodeFailed` when ffmpeg fails, ``ValueError`` when it read
    too little to measure."""
    fps = content.sample_fps(source.fps)
    windows = content.sample_windows(source.duration, fps)
    args = commands.analysis_args(
        source_path,
        DEMUXERS[source.container],
        windows,
        size=content.SAMPLE_SIZE,
        fps=fps,
    )
    limit = (time_limits or TimeLimits()).floor_seconds
    finished = run(args, time_limit=limit, keep_stdout=True)
    check(finished, "the analysis")
    return content.measure(
        finished.stdout, windows, fps, grain_size=(source.width, source.height)
    )


@dataclass(frozen=True)
class PolicyChoice:
    """The ladder policy a job uses, and what the analysis found, if it ran."""

    policy: object
    #: ``content.CLASSES``, or None when nothing was analysed.
    content_class: str | None = None
    features: object = None
    #: Why "auto" fell back to the lecture policy ("" when it did not).
    note: str = ""


def choose_policy(upload_path, source, requested, *, time_limits=None):
    """The :class:`PolicyChoice` for ``requested`` (a policy name or "auto").

    A named policy is used as it is (an unknown name: the lecture policy).
    "auto" analyses the picture and takes the class's policy; a recording without
    a picture, or one the analysis cannot read (ffmpeg fails, runs past its
    limit, or reads too little), gets the lecture policy, the safe choice for
    our recordings, with the reason logged and kept on the job.
    """
    if requested != content.AUTO:
        return PolicyChoice(POLICIES.get(requested, LECTURE_POLICY))
    if not source.has_video:
        return PolicyChoice(LECTURE_POLICY, note="no picture to analyse")
    try:
        features = analyse(upload_path, source, time_limits=time_limits)
    except (TranscodeFailed, ValueError) as error:
        note = f"the analysis failed, lecture policy used: {error}"[:500]
        logger.warning("%s: %s", upload_path, note)
        return PolicyChoice(LECTURE_POLICY, note=note)
    found = content.classify(features)
    return PolicyChoice(content.policy_for(found), found, features)


def build_ladder(
    source_path,
    work_dir,
    *,
    policy=None,
    on_progress=None,
    time_limits=None,
    language=DEFAULT_LANGUAGE,
    source=None,
):
    """Probe, plan and transcode ``source_path`` into a fresh ``work_dir``.

    ``language`` is the course's: the audio's, when its stream carries no tag.
    ``source``: its :class:`SourceInfo`, when the caller probed it already.

    A write that fails for want of space, ffmpeg's or ours, is a
    :class:`TranscodeFailed` with the code ``disk_full``.
    """
    time_limits = time_limits or TimeLimits()
    if source is None:
        source = probe(source_path, time_limit=time_limits.floor_seconds)
    ladder = plan_ladder(source, policy or LECTURE_POLICY, language)
    work_dir = Path(work_dir)
    try:
        if work_dir.exists():
            shutil.rmtree(work_dir)
        work_dir.mkdir(parents=True)
        transcode(
            source_path,
            source,
            ladder,
            work_dir,
            on_progress=on_progress,
            time_limits=time_limits,
        )
        make_stills(source_path, source, work_dir, time_limits=time_limits)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TranscodeFailed(DISK_FULL_TEXT, code="disk_full") from error
        raise
    verify_output(work_dir, ladder, source, time_limits=time_limits)
    return source, ladder


def verify_output(out_dir, ladder, source, *, time_limits=None):
    """Check what ffmpeg wrote with ffprobe before anything is published."""
    out_dir = Path(out_dir)
    expected = {r.name: (r.width, r.height) for r in ladder.rungs}
    if ladder.audio:
        expected["audio"] = None
    limit = (time_limits or TimeLimits()).floor_seconds
    for name, size in expected.items():
        playlist = out_dir / name / "index.m3u8"
        if not playlist.is_file():
            raise TranscodeFailed(f"the {name} playlist is missing", code="bad_output")
        finished = run(
            commands.probe_args(playlist), time_limit=limit, keep_stdout=True
        )
        if finished.timed_out or finished.returncode != 0:
            raise TranscodeFailed(
                f"the {name} rendition cannot be read back", code="bad_output"
            )
        data = json.loads(finished.stdout or b"{}")
        streams = data.get("streams") or []
        duration = float((data.get("format") or {}).get("duration") or 0)
        if abs(duration - source.duration) > max(1.0, 0.02 * source.duration):
            raise TranscodeFailed(
                f"the {name} rendition lasts {duration:.1f} s, "
                f"not {source.duration:.1f} s",
                code="bad_output",
            )
        if size is not None and not any(
            (s.get("width"), s.get("height")) == size for s in streams
        ):
            raise TranscodeFailed(
                f"the {name} rendition is not {size[0]}x{size[1]}", code="bad_output"
            )


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
    check(run(args, time_limit=plan_time_limit(seconds, TimeLimits())))
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


#: The slowest a join (a copy, no encoding) is taken to write, in bytes a second.
JOIN_BYTES_PER_SECOND = 20 * 1024 * 1024


def join_time_limit(paths):
    """Seconds a join may take: the floor, or longer for hours of recording."""
    size = sum(Path(p).stat().st_size for p in paths)
    return max(plan_time_limit(0, TimeLimits()), size / JOIN_BYTES_PER_SECOND)


def join_recordings(paths, out_path):
    """Join a broadcast's recordings (MPEG-TS, in order) into one file at
    ``out_path``, as they are (no re-encoding).

    ffmpeg's concat demuxer shifts each part's timestamps to follow the one
    before, so a dropped push leaves a gap in what was said, not a second
    recording or a jump that a later transcode would read as hours long.
    """
    out_path = Path(out_path)
    out_path.parent.mkdir(parents=True, exist_ok=True)
    listing = out_path.with_name(f".{out_path.name}.parts")
    listing.write_text(
        "ffconcat version 1.0\n"
        + "".join(
            "file '{}'\n".format(str(Path(p).resolve()).replace("'", "'\\''"))
            for p in paths
        )
    )
    args = [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-f",
        "concat",
        "-safe",
        "0",
        "-i",
        listing,
        "-map",
        "0",
        "-c",
        "copy",
        "-f",
        "mpegts",
        out_path,
    ]
    try:
        check(run(args, time_limit=join_time_limit(paths)), "the join")
    finally:
        listing.unlink(missing_ok=True)
    return out_path


def transcode_piece(
    source_path,
    source,
    ladder,
    out_dir,
    *,
    chunk=None,
    lead=0.0,
    on_progress=None,
    time_limits=None,
):
    """One piece of a long recording into a fresh ``out_dir``: a chunk's video
    rungs, or (``chunk`` None) the whole recording's audio rendition.

    ``on_progress(fraction)`` gets the fraction of the piece done.
    """
    out_dir = Path(out_dir)
    if out_dir.exists():
        shutil.rmtree(out_dir)  # an earlier attempt's, killed mid-way
    if chunk is None:
        names = ["audio"] if ladder.audio else []
        start, length = 0.0, source.duration
    else:
        names = [r.name for r in ladder.rungs]
        chunk = chunks.align_to_frames(chunk, source.fps)
        start = chunk.start_seconds
        length = chunk.duration_seconds or source.duration - start
    out_dir.mkdir(parents=True)
    for name in names:
        (out_dir / name).mkdir()
    if not names:
        return
    args = commands.piece_args(
        source_path, DEMUXERS[source.container], ladder, out_dir, chunk=chunk, lead=lead
    )

    def on_line(line):
        key, _, value = line.strip().partition("=")
        if key == "out_time_us" and on_progress and value.isdigit() and length > 0:
            done = int(value) / 1e6 - start - lead
            on_progress(max(0.0, min(1.0, done / length)))

    # The seek decodes from the keyframe before the start: that counts too.
    limit = plan_time_limit(start + length, time_limits or TimeLimits())
    finished = run(args, time_limit=limit, on_line=on_line)
    check(finished)
    if is_truncated(finished.error_tail):
        raise TranscodeFailed(finished.error_tail, code="incomplete")
    if chunk is not None:
        check_piece(out_dir, chunk, ladder)


def check_piece(out_dir, chunk, ladder):
    """:class:`TranscodeFailed` unless every rung of a chunk's piece holds the
    segments planned for it (it would not join into one ladder)."""
    for rung in ladder.rungs:
        playlist = Path(out_dir) / rung.name / "index.m3u8"
        try:
            text = playlist.read_text()
        except OSError as error:
            raise TranscodeFailed(
                f"chunk {chunk.index}: {playlist.name} of {rung.name} is unreadable",
                code="bad_output",
            ) from error
        problem = chunks.piece_problem(text, chunk, ladder.segment_seconds)
        if problem:
            raise TranscodeFailed(
                f"chunk {chunk.index} ({rung.name}): {problem}", code="bad_output"
            )


def remux_to_mp4(source_path, out_path, *, time_limit):
    """``source_path``'s video and audio copied (no encoding) into an MP4 at
    ``out_path``, written under a temporary name first; its :class:`SourceInfo`.

    An MPEG-TS (a live replay) seeks by guessing from bytes: a chunk cut from it
    starts off its plan. The same streams in MP4 seek exactly.
    """
    out_path = Path(out_path)
    partial = out_path.with_name(f".{out_path.name}.part")
    args = [
        "ffmpeg",
        "-hide_banner",
        "-nostdin",
        "-y",
        "-v",
        "error",
        "-i",
        source_path,
        "-map",
        "0:v:0?",
        "-map",
        "0:a?",
        "-c",
        "copy",
        "-f",
        "mp4",
        partial,
    ]
    try:
        check(run(args, time_limit=time_limit), "the remux to MP4")
        os.replace(partial, out_path)
    finally:
        partial.unlink(missing_ok=True)
    return probe(out_path, time_limit=time_limit)


def _link_tree(source, target):
    """``target`` made afresh holding hard links to ``source``'s files."""
    if target.exists():
        shutil.rmtree(target)
    shutil.copytree(source, target, copy_function=os.link)


def join_pieces(work_dir, chunk_dirs, audio_dir, ladder, source, *, time_limits=None):
    """The chunks' rungs and the audio rendition joined into one ladder in
    ``work_dir``, as a whole-file transcode lays it out, then verified.

    Segments are hard links (the pieces' folders may go afterwards); a rung's
    chunks share one initialisation section when their bytes are equal (they
    are: see ``chunks.piece_args``), else each chunk keeps its own ``EXT-X-MAP``.
    Run again after a crash, it starts over from the pieces.
    """
    work_dir = Path(work_dir)
    try:
        for rung in ladder.rungs:
            target = work_dir / rung.name
            if target.exists():
                shutil.rmtree(target)
            target.mkdir()
            texts, maps, shared = [], [], None
            for number, folder in enumerate(Path(d) / rung.name for d in chunk_dirs):
                text = (folder / "index.m3u8").read_text()
                init = folder / chunks.parse_map_uri(text)
                data = init.read_bytes()
                if shared is None or data != shared:
                    uri = "init.mp4" if shared is None else f"init_{number}.mp4"
                    shared = data if shared is None else shared
                    os.link(init, target / uri)
                else:
                    uri = "init.mp4"
                texts.append(text)
                maps.append(uri)
                for _, segment in parse_media_playlist(text):
                    os.link(folder / segment, target / segment)
            (target / "index.m3u8").write_text(chunks.join_media_playlists(texts, maps))
        audio_codec = None
        if ladder.audio:
            audio_dir = Path(audio_dir)
            _link_tree(audio_dir / "audio", work_dir / "audio")
            audio_master = (audio_dir / "master.m3u8").read_text()
            audio_codec = audio_master.split('CODECS="', 1)[1].split('"', 1)[0]
        video_master = (Path(chunk_dirs[0]) / "master.m3u8").read_text()
        language = ladder.audio.language if ladder.audio else DEFAULT_LANGUAGE
        (work_dir / "master.m3u8").write_text(
            chunks.compose_master(video_master, audio_codec, language)
        )
        write_measured_master(work_dir, ladder)
    except OSError as error:
        if error.errno in (errno.ENOSPC, errno.EDQUOT):
            raise TranscodeFailed(DISK_FULL_TEXT, code="disk_full") from error
        if isinstance(error, FileNotFoundError):
            raise TranscodeFailed(
                f"a chunk's output is missing: {error.filename}", code="bad_output"
            ) from error
        if isinstance(error, FileExistsError):
            raise TranscodeFailed(
                f"two chunks wrote the same segment: {error.filename}",
                code="bad_output",
            ) from error
        raise TranscodeFailed(
            f"joining the chunks failed: {error}", code="join_failed"
        ) from error
    verify_output(work_dir, ladder, source, time_limits=time_limits)
