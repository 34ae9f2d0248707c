"""Reading the playlists ffmpeg wrote and stating the bandwidth actually used.

ffmpeg declares each rung's cap as its BANDWIDTH; a player that believes the cap
keeps slow links on low rungs. The master playlist is rewritten with the peak and
average rates measured from the segments written.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import math
import re
from dataclasses import dataclass

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


def measure_bandwidth(segments, init_bytes=0):
    """Peak and average bits per second from ``[(duration, bytes), ...]``.

    The peak is the largest segment's rate, counting the initialisation section
    with the first segment (as a player that starts there must load both).
    """
    if not segments:
        return Bandwidth(0, 0)
    rates, total_bits, total_seconds = [], 0, 0.0
    for index, (duration, size) in enumerate(segments):
        bits = 8 * (size + (init_bytes if index == 0 else 0))
        seconds = max(duration, 0.001)
        rates.append(bits / seconds)
        total_bits += bits
        total_seconds += seconds
    return Bandwidth(math.ceil(max(rates)), math.ceil(total_bits / total_seconds))


def parse_attributes(line):
    return dict(_ATTRIBUTE.findall(line.split(":", 1)[1]))


def rewrite_master(text, measured, audio=None):
    """The master playlist with BANDWIDTH and AVERAGE-BANDWIDTH from ``measured``.

    ``measured`` maps each variant's URI to its :class:`Bandwidth`; ``audio`` is the
    audio rendition's, added to every variant that plays with it.
    """
    lines, pending = text.splitlines(), None
    out = []
    for line in lines:
        if line.startswith("#EXT-X-STREAM-INF:"):
            pending = len(out)
        elif pending is not None and line and not line.startswith("#"):
            attributes = parse_attributes(out[pending])
            bandwidth = measured[line.strip()]
            if audio is not None and "AUDIO" in attributes:
                bandwidth = bandwidth + audio
            attributes["BANDWIDTH"] = str(bandwidth.peak)
            attributes["AVERAGE-BANDWIDTH"] = str(bandwidth.average)
            order = ["BANDWIDTH", "AVERAGE-BANDWIDTH"] + [
                k for k in attributes if k not in ("BANDWIDTH", "AVERAGE-BANDWIDTH")
            ]
            out[pending] = "#EXT-X-STREAM-INF:" + ",".join(
                f"{k}={attributes[k]}" for k in order
            )
            pending = None
        out.append(line)
    return "\n".join(out).rstrip() + "\n"
