"""Transcode job states and what may follow what.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import base64
import binascii
import enum

# Foundations, named here too: background jobs' states, lectures' media.
from lms.enums import JobState, MediaStatus  # noqa: F401

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


#: The digest algorithms a client may name in ``Upload-Checksum`` (tus's header).
CHECKSUM_ALGORITHMS = ("sha256",)
_BASE64 = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=")
_HEX = frozenset("0123456789abcdef")


def parse_upload_checksum(header):
    """``"sha256 <base64>"`` → the 32-byte digest; ValueError when malformed.

    tus's checksum extension: an algorithm name, a space, the base64 digest.
    """
    algorithm, _, encoded = str(header).strip().partition(" ")
    if algorithm.lower() not in CHECKSUM_ALGORITHMS:
        raise ValueError("unsupported_algorithm")
    encoded = encoded.strip()
    if not encoded or len(encoded) > 64 or not set(encoded) <= _BASE64:
        raise ValueError("malformed")
    try:
        digest = base64.b64decode(encoded, validate=True)
    except binascii.Error:
        raise ValueError("malformed") from None
    if len(digest) != 32:
        raise ValueError("malformed")
    return digest


def parse_sha256_hex(value):
    """A SHA-256 in 64 hex digits (any case) → lower case; else ValueError."""
    text = str(value).strip().lower() if isinstance(value, str) else ""
    if len(text) != 64 or not set(text) <= _HEX:
        raise ValueError("malformed")
    return text


class ReviewState(enum.StrEnum):
    """A new version of a published lecture's media, as the CME office decides it."""

    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    #: A newer version of the same lecture arrived before the office decided.
    SUPERSEDED = "superseded"
