"""Reading the playlists ffmpeg wrote and stating the bandwidth actually used.

ffmpeg declares each rung's cap as its BANDWIDTH; a player that believes the cap
keeps slow links on low rungs. The master playlist is rewritten with the peak and
average rates measured from the segments written.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import math
import re
from dataclasses import dataclass

INDEPENDENT = "#EXT-X-INDEPENDENT-SEGMENTS"
_ATTRIBUTE = re.compile(r'([A-Z0-9-]+)=("[^"]*"|[^,]*)')


@dataclass(frozen=True)
class Bandwidth:
    peak: int
    average: int

    def __add__(self, other):
        return Bandwidth(self.peak + other.peak, self.average + other.average)


def parse_media_playlist(text):
    """``[(duration, uri), ...]`` of a media playlist, the init segment excluded."""
    segments, duration = [], None
    for line in text.splitlines():
        line = line.strip()
        if line.startswith("#EXTINF:"):
            duration = float(line[8:].split(",", 1)[0])
        elif line and not line.startswith("#") and duration is not None:
            segments.append((duration, line))
            duration = None
    return segments


def parse_target_duration(text):
    """The ``EXT-X-TARGETDURATION`` of a media playlist, None without one."""
    for line in text.splitlines():
        if line.startswith("#EXT-X-TARGETDURATION:"):
            return float(line.split(":", 1)[1])
    return None


def measure_bandwidth(segments, init_bytes=0, target_seconds=None):
    """Peak and average bits per second from ``[(duration, bytes), ...]``.

    The peak is HLS's (RFC 8216 §4.3.4.2): the highest rate of any run of
    segments lasting from half to one and a half times the target duration (the
    longest segment without one); a stream shorter than half of it is one run.
    The initialisation section counts with the first segment, as a player that
    starts there must load both.
    """
    if not segments:
        return Bandwidth(0, 0)
    target = target_seconds or max(d for d, _ in segments)
    bits = [8 * size for _, size in segments]
    bits[0] += 8 * init_bytes
    seconds = [max(d, 0.001) for d, _ in segments]
    rates = []
    for first in range(len(segments)):
        run_bits = run_seconds = 0
        for index in range(first, len(segments)):
            run_bits += bits[index]
            run_seconds += seconds[index]
            if run_seconds > 1.5 * target + 1e-6:
                break
            if run_seconds >= 0.5 * target - 1e-6:
                rates.append(run_bits / run_seconds)
    average = sum(bits) / sum(seconds)
    return Bandwidth(math.ceil(max(rates, default=average)), math.ceil(average))


def with_independent_segments(text):
    """A playlist stating ``EXT-X-INDEPENDENT-SEGMENTS`` (every segment opens on
    a keyframe here, and AAC frames are all independent)."""
    lines = text.splitlines()
    if INDEPENDENT in lines:
        return text
    after = next(
        (i + 1 for i, line in enumerate(lines) if line.startswith("#EXT-X-VERSION")),
        1,
    )
    return "\n".join([*lines[:after], INDEPENDENT, *lines[after:]]).rstrip() + "\n"


def parse_attributes(line):
    return dict(_ATTRIBUTE.findall(line.split(":", 1)[1]))


def _line(tag, attributes, first=()):
    order = [k for k in first if k in attributes]
    order += [k for k in attributes if k not in order]
    return f"{tag}:" + ",".join(f"{k}={attributes[k]}" for k in order)


def rewrite_master(text, measured, audio=None, *, frame_rates=None, rendition=None):
    """The master playlist made to conform, with the rates measured.

    ``measured`` maps each variant's URI to its :class:`Bandwidth`; ``audio`` is
    the audio rendition's, added to every variant that plays with it.
    ``frame_rates`` maps a variant's URI to its FRAME-RATE. ``rendition`` (a
    ``ladder.AudioRendition``) names the audio rendition: NAME, LANGUAGE,
    CHANNELS, DEFAULT and AUTOSELECT. With video and audio, the audio playlist is
    also listed last as an audio-only variant (CODECS only, no RESOLUTION), for
    clients on the weakest links; hls.js leaves such a variant out when the
    master has video, so its player offers audio-only itself.
    """
    frame_rates = frame_rates or {}
    out, pending, audio_uri, audio_codec, has_video = [], None, None, None, False
    for line in text.splitlines():
        if line.startswith("#EXT-X-MEDIA:") and "TYPE=AUDIO" in line:
            attributes = parse_attributes(line)
            audio_uri = attributes.get("URI", "").strip('"') or None
            if rendition is not None:
                attributes.update(
                    {
                        "NAME": f'"{rendition.name}"',
                        "LANGUAGE": f'"{rendition.language}"',
                        "DEFAULT": "YES",
                        "AUTOSELECT": "YES",
                        "CHANNELS": f'"{rendition.channels}"',
                    }
                )
            line = _line("#EXT-X-MEDIA", attributes, ("TYPE", "GROUP-ID", "NAME"))
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = len(out)
        elif pending is not None and line and not line.startswith("#"):
            uri = line.strip()
            attributes = parse_attributes(out[pending])
            bandwidth = measured[uri]
            if audio is not None and "AUDIO" in attributes:
                bandwidth = bandwidth + audio
            attributes["BANDWIDTH"] = str(bandwidth.peak)
            attributes["AVERAGE-BANDWIDTH"] = str(bandwidth.average)
            if uri in frame_rates:
                attributes["FRAME-RATE"] = f"{frame_rates[uri]:.3f}"
            if "RESOLUTION" in attributes:
                has_video = True
                codecs = attributes.get("CODECS", '""').strip('"').split(",")
                audio_codec = next((c for c in codecs if c.startswith("mp4a")), None)
            out[pending] = _line(
                "#EXT-X-STREAM-INF", attributes, ("BANDWIDTH", "AVERAGE-BANDWIDTH")
            )
            pending = None
        out.append(line)
    if INDEPENDENT not in out:
        out.insert(
            next((i + 1 for i, x in enumerate(out) if "VERSION" in x), 1), INDEPENDENT
        )
    if has_video and audio is not None and audio_uri and audio_codec:
        out += [
            f"#EXT-X-STREAM-INF:BANDWIDTH={audio.peak},"
            f'AVERAGE-BANDWIDTH={audio.average},CODECS="{audio_codec}"',
            audio_uri,
        ]
    return "\n".join(out).rstrip() + "\n"
