"""Cutting a long recording into chunks transcoded apart, and joining them again.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

A chunk starts and ends on a multiple of the ladder's segment duration, so its
segments are the whole-file transcode's segments: keyframes are forced every
``keyframe_seconds`` from the chunk's start (a multiple of them), and the HLS
muxer cuts where a whole-file run would. Each chunk's timestamps continue the
recording's (``-output_ts_offset``), so the joined media playlist lists every
chunk's segments in order, one initialisation section for all (their bytes are
equal) and no discontinuity.
"""

import math
import re
from dataclasses import dataclass

from media_pipeline.playlists import INDEPENDENT, parse_media_playlist

#: A recording longer than this is transcoded in chunks (config
#: ``MEDIA_CHUNK_THRESHOLD_SECONDS``).
THRESHOLD_SECONDS = 600.0
#: The length of a chunk (config ``MEDIA_CHUNK_SECONDS``), rounded down to whole
#: segments.
CHUNK_SECONDS = 120.0
#: Frames of the slowest rung every chunk's timestamps start after: room for
#: the encoder's B-frame delay (two frames with libx264's presets), so no
#: chunk's first decoding timestamp is negative. A muxer shifts a stream whose
#: timestamps start below zero, and it would shift that chunk alone: its last
#: frames would overlap the next chunk's first ones.
LEAD_FRAMES = 4


@dataclass(frozen=True)
class Chunk:
    index: int
    start_seconds: float
    #: None for the last chunk: it runs to the recording's end.
    end_seconds: float | None
    #: The number of its first segment in the joined playlists (``seg_%05d``).
    first_segment: int

    @property
    def duration_seconds(self):
        return (
            None if self.end_seconds is None else self.end_seconds - self.start_seconds
        )


def plan_chunks(
    duration,
    *,
    segment_seconds,
    threshold_seconds=THRESHOLD_SECONDS,
    chunk_seconds=CHUNK_SECONDS,
):
    """The chunks of a recording lasting ``duration`` seconds; ``()`` when it is
    transcoded whole (no longer than the threshold, or a single chunk).

    Chunks last ``chunk_seconds`` rounded down to whole segments (one at
    least); a last piece shorter than half a chunk joins the chunk before it.
    """
    if not duration or duration <= threshold_seconds or segment_seconds <= 0:
        return ()
    segments_per_chunk = max(1, math.floor(chunk_seconds / segment_seconds + 1e-9))
    length = segments_per_chunk * segment_seconds
    count = max(1, math.floor(duration / length + 1e-9))
    if duration - count * length >= length / 2 - 1e-9:
        count += 1
    if count < 2:
        return ()
    return tuple(
        Chunk(
            index=index,
            start_seconds=index * length,
            end_seconds=None if index == count - 1 else (index + 1) * length,
            first_segment=index * segments_per_chunk,
        )
        for index in range(count)
    )


def align_to_frames(chunk, fps):
    """``chunk`` with its start and end moved to the first frame at or after
    them, for a source at a constant ``fps``.

    At 30000/1001 fps a boundary at 12 s falls between two frames; the chunk then
    starts on the frame at 12.012 s, so its own timestamps start at zero on a
    frame and the ``fps`` filter and the forced keyframes pick the frames a
    whole-file run picks.
    """
    if not fps or fps <= 0:
        return chunk

    def snap(seconds):
        return round(math.ceil(seconds * fps - 1e-6) / fps, 6)

    end = None if chunk.end_seconds is None else snap(chunk.end_seconds)
    return Chunk(chunk.index, snap(chunk.start_seconds), end, chunk.first_segment)


def timestamp_lead(ladder):
    """Seconds every chunk's (and the audio's) timestamps are offset by."""
    slowest = min((r.fps for r in ladder.rungs), default=30)
    return round(LEAD_FRAMES / slowest, 6)


#: Containers whose accurate input seek (``-ss`` before ``-i``) lands where it
#: is asked: ffprobe's ``format_name`` of MP4 and QuickTime. Any other source
#: (MPEG-TS above all, every live replay) is remuxed to MP4 before chunking.
EXACT_SEEKING = frozenset({"mov,mp4,m4a,3gp,3g2,mj2"})

_SEGMENT_NUMBER = re.compile(r"(\d+)\.m4s$")


def piece_problem(text, chunk, segment_seconds):
    """What is wrong with one rung's media playlist of ``chunk`` (None when it
    holds the planned segments): numbered from the chunk's first, one after
    another, and, unless it is the last chunk, exactly the chunk's segments
    lasting its length. A chunk whose seek landed elsewhere would write
    segments another chunk writes too."""
    segments = parse_media_playlist(text)
    if not segments:
        return "it holds no segment"
    numbers = []
    for _, uri in segments:
        found = _SEGMENT_NUMBER.search(uri)
        if not found:
            return f"unexpected segment name {uri!r}"
        numbers.append(int(found.group(1)))
    expected = list(range(chunk.first_segment, chunk.first_segment + len(numbers)))
    if numbers != expected:
        return (
            f"segments numbered {numbers[0]}..{numbers[-1]}, "
            f"planned from {chunk.first_segment}"
        )
    if chunk.end_seconds is None:
        return None
    planned = round(chunk.duration_seconds / segment_seconds)
    if len(numbers) != planned:
        return f"{len(numbers)} segments, planned {planned}"
    lasting = sum(duration for duration, _ in segments)
    if abs(lasting - chunk.duration_seconds) > 0.5:
        return f"lasts {lasting:.3f} s, planned {chunk.duration_seconds:.3f} s"
    return None


def join_media_playlists(texts, maps):
    """One VOD media playlist from the chunks' playlists, in order.

    ``maps`` gives each chunk's initialisation section URI: an ``EXT-X-MAP`` is
    written where it changes (once when all are the same). The target duration
    is the longest of the chunks'.
    """
    if not texts or len(texts) != len(maps):
        raise ValueError("one initialisation section per playlist")
    target, version = 1, 7
    for text in texts:
        for line in text.splitlines():
            if line.startswith("#EXT-X-TARGETDURATION:"):
                target = max(target, int(line.split(":", 1)[1]))
            elif line.startswith("#EXT-X-VERSION:"):
                version = max(version, int(line.split(":", 1)[1]))
    lines = [
        "#EXTM3U",
        f"#EXT-X-VERSION:{version}",
        INDEPENDENT,
        f"#EXT-X-TARGETDURATION:{target}",
        "#EXT-X-MEDIA-SEQUENCE:0",
        "#EXT-X-PLAYLIST-TYPE:VOD",
    ]
    current = None
    for text, init in zip(texts, maps, strict=True):
        if init != current:
            lines.append(f'#EXT-X-MAP:URI="{init}"')
            current = init
        for duration, uri in parse_media_playlist(text):
            lines += [f"#EXTINF:{duration:.6f},", uri]
    lines.append("#EXT-X-ENDLIST")
    return "\n".join(lines) + "\n"


def parse_map_uri(text):
    """The ``EXT-X-MAP`` URI of a media playlist (None without one)."""
    for line in text.splitlines():
        if line.startswith("#EXT-X-MAP:"):
            return line.split('URI="', 1)[1].split('"', 1)[0]
    return None


def compose_master(video_master, audio_codec, language):
    """The master playlist of the joined ladder, as ffmpeg writes a whole file's:
    the video chunks' variants (from the first chunk's master) playing with the
    audio rendition (``audio/index.m3u8``). ``runner.write_measured_master``
    then measures and names everything as for a whole file.
    """
    lines = ["#EXTM3U"]
    version = "#EXT-X-VERSION:7"
    stream_lines = []
    for line in video_master.splitlines():
        if line.startswith("#EXT-X-VERSION:"):
            version = line
        elif line.startswith("#EXT-X-STREAM-INF:") and audio_codec:
            head, _, rest = line.partition('CODECS="')
            codecs, _, rest = rest.partition('"')
            line = f'{head}CODECS="{codecs},{audio_codec}"{rest},AUDIO="group_aud"'
            stream_lines.append(line)
        elif line and line != "#EXTM3U":
            stream_lines.append(line)
    lines.append(version)
    if audio_codec:
        lines.append(
            '#EXT-X-MEDIA:TYPE=AUDIO,GROUP-ID="group_aud",NAME="audio",DEFAULT=YES,'
            f'LANGUAGE="{language}",URI="audio/index.m3u8"'
        )
    lines += stream_lines
    return "\n".join(lines) + "\n"
