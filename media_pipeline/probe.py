"""What an upload is, from ffprobe's JSON, and whether we accept it.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import math
import re
from dataclasses import dataclass

#: ffprobe ``format_name`` of the containers lecture recorders produce -> the demuxer
#: the transcode forces (so a file cannot turn into a playlist on the second read).
DEMUXERS = {
    "mov,mp4,m4a,3gp,3g2,mj2": "mov",
    "matroska,webm": "matroska",
    "mpegts": "mpegts",
    "flv": "flv",
    "avi": "avi",
}
ALLOWED_CONTAINERS = frozenset(DEMUXERS)


@dataclass(frozen=True)
class ProbeLimits:
    max_width: int = 7680
    max_height: int = 4320
    max_duration_seconds: float = 12 * 3600
    max_streams: int = 16
    max_fps: float = 120.0


@dataclass(frozen=True)
class SourceInfo:
    """The facts of an upload the pipeline plans with (display orientation)."""

    container: str
    duration: float
    width: int
    height: int
    fps: float
    has_video: bool
    has_audio: bool
    audio_channels: int
    is_variable_frame_rate: bool
    #: The audio's language as BCP 47 (``zh``, ``en``), "" when untagged.
    audio_language: str = ""

    @property
    def is_portrait(self):
        return self.has_video and self.height > self.width


#: ISO 639-2 codes (what MP4 and Matroska store; both bibliographic and
#: terminology forms) -> the BCP 47 tag HLS wants (RFC 5646: the shortest form).
ISO_639_2 = {
    "zho": "zh",
    "chi": "zh",
    "cmn": "zh",
    "yue": "yue",
    "eng": "en",
    "jpn": "ja",
    "kor": "ko",
    "fra": "fr",
    "fre": "fr",
    "deu": "de",
    "ger": "de",
    "spa": "es",
    "rus": "ru",
}
#: "Undetermined", "no linguistic content", "multiple": no language at all.
NO_LANGUAGE = frozenset({"und", "zxx", "mul", "mis"})
_LANGUAGE_TAG = re.compile(r"^[a-z]{2,3}(-[a-z0-9]{1,8})*$")


def language_tag(value):
    """The BCP 47 tag of a stream's ``language`` tag; "" for none or nonsense."""
    if not isinstance(value, str):
        return ""
    tag = value.strip().lower().replace("_", "-")
    if not _LANGUAGE_TAG.match(tag) or tag.split("-")[0] in NO_LANGUAGE:
        return ""
    primary, _, rest = tag.partition("-")
    primary = ISO_639_2.get(primary, primary)
    return f"{primary}-{rest}" if rest else primary


class ProbeRejected(ValueError):
    """An upload we will not transcode; ``code`` for the API, message for people."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


#: What ffmpeg and ffprobe write about a file that stops short of its end (an upload
#: cut off, a recorder that lost power): an MP4 whose index never came, a sample
#: table pointing past the end.
TRUNCATION_SIGNS = ("moov atom not found", "partial file", "truncated")


def is_truncated(error_text, head=b""):
    """Whether ffmpeg's ``error_text`` says the file is incomplete.

    "moov atom not found" is also what any non-MP4 bytes named ``.mp4`` give, so
    it counts only when ``head`` (the file's first bytes) opens like an MP4
    (an ``ftyp`` box).
    """
    text = (error_text or "").lower()
    if "moov atom not found" in text:
        return head[4:8] == b"ftyp"
    return any(sign in text for sign in TRUNCATION_SIGNS)


def parse_rate(text):
    """``"30000/1001"`` → 29.97; None for missing or nonsense."""
    if not text or not isinstance(text, str):
        return None
    numerator, _, denominator = text.partition("/")
    try:
        value = float(numerator) / float(denominator or 1)
    except (ValueError, ZeroDivisionError):
        return None
    return value if math.isfinite(value) and value > 0 else None


def _rotation(stream):
    for item in stream.get("side_data_list") or ():
        if "rotation" in item:
            return int(float(item["rotation"])) % 360
    rotate = (stream.get("tags") or {}).get("rotate")
    try:
        return int(float(rotate)) % 360 if rotate is not None else 0
    except ValueError:
        return 0


def parse_probe(data, limits=ProbeLimits()):
    """Check ffprobe's ``-show_format -show_streams`` JSON and describe the source."""
    fmt = data.get("format") if isinstance(data, dict) else None
    if not isinstance(fmt, dict):
        raise ProbeRejected("not_media", "The file is not a video or audio recording.")
    container = fmt.get("format_name", "")
    if container not in ALLOWED_CONTAINERS:
        raise ProbeRejected(
            "unsupported_container",
            f"Recordings in the {container or 'unknown'} format are not accepted; "
            "upload MP4, MOV, MKV, WebM, MPEG-TS, FLV or AVI.",
        )
    streams = data.get("streams") or []
    if len(streams) > limits.max_streams:
        raise ProbeRejected("too_many_streams", f"The file has {len(streams)} streams.")
    video = next(
        (
            s
            for s in streams
            if s.get("codec_type") == "video"
            and not (s.get("disposition") or {}).get("attached_pic")
        ),
        None,
    )
    audio = next((s for s in streams if s.get("codec_type") == "audio"), None)
    if video is None and audio is None:
        raise ProbeRejected("no_streams", "The file has neither video nor audio.")
    duration = _duration(fmt, video or audio)
    if duration is None or duration <= 0:
        raise ProbeRejected("no_duration", "The recording's length cannot be read.")
    if duration > limits.max_duration_seconds:
        raise ProbeRejected(
            "too_long", f"The recording is {duration / 3600:.1f} hours long."
        )
    width = height = 0
    fps = 0.0
    vfr = False
    if video is not None:
        width, height = int(video.get("width") or 0), int(video.get("height") or 0)
        if width <= 0 or height <= 0:
            raise ProbeRejected("bad_dimensions", "The video has no picture size.")
        if width > limits.max_width or height > limits.max_height:
            raise ProbeRejected("too_large", f"The video is {width}x{height} pixels.")
        if _rotation(video) in (90, 270):
            width, height = height, width
        average = parse_rate(video.get("avg_frame_rate"))
        nominal = parse_rate(video.get("r_frame_rate"))
        fps = average or nominal or 0.0
        if not 1 <= fps <= limits.max_fps:
            raise ProbeRejected(
                "bad_frame_rate", f"The frame rate {fps:g} is not usable."
            )
        vfr = bool(average and nominal and abs(average - nominal) > 0.01 * nominal)
    return SourceInfo(
        container=container,
        duration=duration,
        width=width,
        height=height,
        fps=fps,
        has_video=video is not None,
        has_audio=audio is not None,
        audio_channels=int(audio.get("channels") or 2) if audio else 0,
        is_variable_frame_rate=vfr,
        audio_language=language_tag((audio.get("tags") or {}).get("language"))
        if audio
        else "",
    )


def _duration(fmt, stream):
    for value in (fmt.get("duration"), stream.get("duration")):
        try:
            seconds = float(value)
        except (TypeError, ValueError):
            continue
        if math.isfinite(seconds):
            return seconds
    return None
