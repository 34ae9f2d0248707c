"""How long ffmpeg may run, when an upload is abandoned, when the disk is short.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class TimeLimits:
    """The run time allowed to one ffmpeg or ffprobe process."""

    #: Seconds any run may take, however short the source (probing, stills).
    floor_seconds: float = 300.0
    #: Seconds of run time per second of source (a slow ladder runs ~1x on 2 cores).
    per_source_second: float = 6.0


def plan_time_limit(duration, limits):
    """Seconds a run over a source of ``duration`` seconds may take (never below
    the floor; an unknown or nonsense duration gets the floor)."""
    if not isinstance(duration, int | float) or not duration > 0:
        duration = 0.0
    return max(limits.floor_seconds, limits.per_source_second * duration)


def is_upload_abandoned(last_activity, now, expire_after):
    """An unfinished upload whose last chunk (or start) is older than
    ``expire_after``."""
    return now - last_activity > expire_after


def is_space_low(free_bytes, threshold_bytes):
    """The media folder has less free space than the office asked to be warned at."""
    return free_bytes < threshold_bytes
