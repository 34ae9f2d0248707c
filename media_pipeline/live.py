"""The live ladder: one ffmpeg process turns a pushed stream into live HLS
(the source capped at 720p, 360p15, 240p15, audio only; 2 s segments) and a
recording for the replay (DESIGN §2.8).

No I/O, no Flask, no SQLAlchemy: the argument lists and the facts they are
built from, nothing run or read. ``media_pipeline.live_tasks`` runs them.
"""

import re
from dataclasses import dataclass
from datetime import timedelta

#: Seconds of one live segment (each starts on a forced keyframe).
SEGMENT_SECONDS = 2
#: Segments a live playlist lists (a sliding window: older ones are deleted).
WINDOW_SEGMENTS = 10
#: Seconds without a byte from nginx before the pull gives up (a push that
#: stops cleanly ends the pull at once; this is the backstop).
READ_TIMEOUT_SECONDS = 20
#: How long the ladder may run past the push's deadline (nginx's own cut comes
#: with the next on_update, at most ten seconds later).
DEADLINE_MARGIN = timedelta(minutes=2)
#: The longest a ladder runs when no deadline is known.
LONGEST_RUN = timedelta(hours=14)
#: The master playlist's name in a run's folder.
MASTER = "master.m3u8"


@dataclass(frozen=True)
class LiveRung:
    """One video variant: at most ``height`` lines (never upscaled), at
    ``fps`` frames a second (None: the source's), within ``kbps``."""

    name: str
    height: int
    fps: int | None
    kbps: int
    audio_kbps: int


#: The top rung is the source's own size (at most 720p): named "source", as it
#: may be 180p or 1080p-capped-to-720p.
RUNGS = (
    LiveRung("source", 720, None, 2500, 96),
    LiveRung("360p", 360, 15, 600, 64),
    LiveRung("240p", 240, 15, 300, 48),
)
AUDIO_ONLY = ("audio", 48)


@dataclass(frozen=True)
class PushedStream:
    """What a push carries, as ffprobe tells of the pulled stream."""

    has_video: bool
    has_audio: bool
    height: int = 0


def parse_stream_probe(data):
    """The :class:`PushedStream` of ffprobe's JSON (``-show_streams``)."""
    streams = data.get("streams") or []
    video = [s for s in streams if s.get("codec_type") == "video"]
    audio = [s for s in streams if s.get("codec_type") == "audio"]
    height = video[0].get("height") if video else 0
    return PushedStream(
        has_video=bool(video),
        has_audio=bool(audio),
        height=height if isinstance(height, int) and height > 0 else 0,
    )


def rungs_for(stream):
    """The video rungs of a push: the top one always (capped at 720p, never
    upscaled), each lower one only when it is smaller than the source."""
    if not stream.has_video:
        return ()
    if not stream.height:
        return RUNGS
    return RUNGS[:1] + tuple(r for r in RUNGS[1:] if r.height < stream.height)


def pull_url(host, port, name):
    """Where the ladder pulls a broadcast from nginx (``name``: its stream name)."""
    return f"rtmp://{host}:{port}/live/{name}"


def probe_args(url, binary="ffprobe"):
    """ffprobe of a pushed stream: RTMP only, JSON out, gives up when nothing comes."""
    return [
        binary,
        "-v",
        "error",
        "-protocol_whitelist",
        "rtmp,tcp",
        "-rw_timeout",
        str(READ_TIMEOUT_SECONDS * 1_000_000),
        "-print_format",
        "json",
        "-show_streams",
        url,
    ]


def _rate(kbps):
    """The encoder's target, its peak and its buffer for a rung's cap."""
    return f"{kbps}k", f"{kbps * 11 // 10}k", f"{kbps * 2}k"


def ladder_args(
    url,
    out_dir,
    recording_path,
    stream,
    *,
    preset="veryfast",
    binary="ffmpeg",
    protocols="rtmp,tcp",
):
    """One ffmpeg: ``url`` → live HLS in ``out_dir`` (``master.m3u8``,
    ``<rung>/index.m3u8``, ``<rung>/seg_NNNNN.ts``) and a copy of what was
    pushed in ``recording_path`` (MPEG-TS, for the replay). Progress as
    ``key=value`` lines on stdout.

    A push without audio has only video variants; one without video only the
    audio variant. ``protocols``: what the input may be read through (a bench
    reads a file: "file").
    """
    if not (stream.has_video or stream.has_audio):
        raise ValueError("a push with neither video nor audio has no ladder")
    rungs = rungs_for(stream)
    args = [binary, "-hide_banner", "-nostdin", "-loglevel", "warning", "-nostats"]
    args += ["-progress", "pipe:1", "-stats_period", "1"]
    args += ["-protocol_whitelist", protocols]
    args += ["-rw_timeout", str(READ_TIMEOUT_SECONDS * 1_000_000)]
    # No "-fflags nobuffer": it left the video rungs' segments without durations.
    args += ["-i", url]
    variants = []
    if rungs:
        labels = [f"[v{i}]" for i in range(len(rungs))]
        chains = []
        for i, rung in enumerate(rungs):
            fps = f"fps={rung.fps}," if rung.fps else ""
            chains.append(
                f"[s{i}]{fps}scale=w=-2:h='min({rung.height},ih)',setsar=1{labels[i]}"
            )
        split = "".join(f"[s{i}]" for i in range(len(rungs)))
        graph = f"[0:v]split={len(rungs)}{split};" + ";".join(chains)
        args += ["-filter_complex", graph]
        for label in labels:
            args += ["-map", label]
    audio_maps = (len(rungs) + 1) if stream.has_audio else 0
    for _ in range(audio_maps):
        args += ["-map", "0:a:0"]
    if rungs:
        args += ["-c:v", "libx264", "-preset", preset, "-tune", "zerolatency"]
        args += ["-profile:v", "main", "-pix_fmt", "yuv420p", "-sc_threshold", "0"]
        args += ["-force_key_frames", f"expr:gte(t,n_forced*{SEGMENT_SECONDS})"]
        for i, rung in enumerate(rungs):
            rate, peak, buffer = _rate(rung.kbps)
            args += [
                f"-b:v:{i}",
                rate,
                f"-maxrate:v:{i}",
                peak,
                f"-bufsize:v:{i}",
                buffer,
            ]
    if stream.has_audio:
        args += ["-c:a", "aac", "-ac", "2", "-ar", "48000"]
        for i, rung in enumerate(rungs):
            args += [f"-b:a:{i}", f"{rung.audio_kbps}k"]
        args += [f"-b:a:{len(rungs)}", f"{AUDIO_ONLY[1]}k"]
    for i, rung in enumerate(rungs):
        audio = f",a:{i}" if stream.has_audio else ""
        variants.append(f"v:{i}{audio},name:{rung.name}")
    if stream.has_audio:
        variants.append(f"a:{len(rungs)},name:{AUDIO_ONLY[0]}")
    args += ["-f", "hls", "-hls_time", str(SEGMENT_SECONDS)]
    args += ["-hls_list_size", str(WINDOW_SEGMENTS)]
    args += [
        "-hls_flags",
        "delete_segments+independent_segments+program_date_time+temp_file",
    ]
    # Sequence numbers (and segment names) from the clock: a pull started
    # again in the same run folder goes on counting up, never reusing a name a
    # player has cached for good.
    args += ["-hls_start_number_source", "epoch"]
    args += ["-hls_segment_type", "mpegts", "-master_pl_name", MASTER]
    args += ["-var_stream_map", " ".join(variants)]
    args += ["-hls_segment_filename", f"{out_dir}/%v/seg_%05d.ts"]
    args += [f"{out_dir}/%v/index.m3u8"]
    # The replay's copy: what was pushed, untouched.
    if stream.has_video:
        args += ["-map", "0:v:0"]
    if stream.has_audio:
        args += ["-map", "0:a:0"]
    args += ["-c", "copy", "-f", "mpegts", str(recording_path)]
    return args


def rung_names(stream):
    """The folders a run's ladder writes (one per variant)."""
    names = [rung.name for rung in rungs_for(stream)]
    return names + ([AUDIO_ONLY[0]] if stream.has_audio else [])


def ladder_seconds(deadline, now):
    """How long a run's ladder may run: to the push's deadline plus a margin
    (the longest run when the push has no deadline)."""
    if deadline is None:
        return LONGEST_RUN.total_seconds()
    return max((deadline + DEADLINE_MARGIN - now).total_seconds(), 1.0)


def parse_progress(line):
    """``(key, value)`` of one ``-progress`` line, or None."""
    key, sep, value = line.strip().partition("=")
    return (key, value) if sep and key else None


def out_time_seconds(value):
    """Seconds of ffmpeg's ``out_time_us`` (microseconds), or None."""
    try:
        micros = int(value)
    except ValueError:
        return None
    return micros / 1_000_000 if micros >= 0 else None


def beat_due(last_beat, now, beat_seconds):
    """Whether the worker should write its beat now (a third of the beat period
    since the last, so a reader allowing the period never sees it stale)."""
    return last_beat is None or (now - last_beat).total_seconds() >= beat_seconds / 3


def beat_is_stale(beat_dt, changed_dt, now, beat_seconds):
    """Whether a live broadcast's ladder is taken for dead: no beat for three
    beat periods (counted from the push's start when it never beat)."""
    seen = beat_dt or changed_dt
    return seen is None or (now - seen).total_seconds() > 3 * beat_seconds


#: Tries at a broadcast's replay (the first, then the periodic task's) before
#: it is given up for the office to look at (its recordings are kept).
REPLAY_ATTEMPTS = 5
_REPLAY_FAILED = re.compile(r"^replay attempt (\d+) failed.*$", re.MULTILINE)


def replay_attempts(error):
    """How many tries at the replay failed, from the broadcast's ``error``."""
    return max((int(n) for n in _REPLAY_FAILED.findall(error or "")), default=0)


def replay_failed(error, message):
    """The broadcast's ``error`` after one more failed try at its replay: what
    was there before (the ladder's own failure) and the try's line."""
    attempt = replay_attempts(error) + 1
    kept = _REPLAY_FAILED.sub("", error or "")
    kept = "\n".join(line for line in kept.splitlines() if line.strip())[:1000]
    line = f"replay attempt {attempt} failed: {' '.join(message.split())[:900]}"
    return f"{kept}\n{line}" if kept else line
