"""Transcode job states and what may follow what.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class JobState(enum.StrEnum):
    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


FINISHED = frozenset({JobState.SUCCEEDED, JobState.FAILED, JobState.CANCELLED})
MAX_ATTEMPTS = 3


def is_stale(state, heartbeat_at, now, stale_after):
    """A running job whose worker stopped beating (killed, out of memory)."""
    if state != JobState.RUNNING:
        return False
    return heartbeat_at is None or now - heartbeat_at > stale_after


#: Bidirectional overrides and marks: they make "gpj.exe" read as "exe.jpg".
_DIRECTION_MARKS = frozenset(
    "\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069\u200e\u200f"
)


def clean_filename(name, limit=200):
    """A file name for display: no folders, control or direction characters, capped."""
    name = str(name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if c.isprintable() and c not in _DIRECTION_MARKS)
    return name.strip().lstrip(".")[:limit] or "recording"


class MediaStatus(enum.StrEnum):
    """A lecture's media, as learners see it."""

    NONE = "none"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"
