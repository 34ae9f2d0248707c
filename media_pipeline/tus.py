"""tus 1.0 (the resumable upload protocol, https://tus.io/protocols/resumable-upload)
headers as data: what a server says about itself and how a client's headers read.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import base64
import binascii
import re
from email.utils import format_datetime

from media_pipeline.states import CHECKSUM_ALGORITHMS

#: The protocol version spoken (``Tus-Resumable``, ``Tus-Version``).
TUS_VERSION = "1.0.0"
#: creation: POST with Upload-Length; checksum: Upload-Checksum per PATCH (460);
#: expiration: Upload-Expires; termination: DELETE.
TUS_EXTENSIONS = ("creation", "checksum", "expiration", "termination")
#: The Content-Type of a PATCH's body.
OFFSET_CONTENT_TYPE = "application/offset+octet-stream"
#: Offsets and lengths beyond this fit no BIGINT column.
MAX_LENGTH = 2**63 - 1

_DIGITS = re.compile(r"^[0-9]{1,19}$")
_KEY = re.compile(r"^[^\s,]+$")


class TusHeaderError(ValueError):
    """A tus header that does not read as the protocol says."""


def parse_length(value, name="Upload-Length"):
    """A non-negative integer header (``Upload-Length``, ``Upload-Offset``)."""
    if value is None:
        raise TusHeaderError(f"Send the {name} header.")
    value = value.strip()
    if not _DIGITS.match(value) or int(value) > MAX_LENGTH:
        raise TusHeaderError(f"{name} must be a non-negative integer of bytes.")
    return int(value)


def parse_metadata(value):
    """``Upload-Metadata``: comma-separated ``key base64value`` pairs (the value
    may be left out) as a dict of text; keys are unique and values UTF-8."""
    metadata = {}
    if value is None or not value.strip():
        return metadata
    for pair in value.split(","):
        parts = pair.strip().split(" ")
        if len(parts) > 2 or not _KEY.match(parts[0]) or parts[0] in metadata:
            raise TusHeaderError(
                "Upload-Metadata must be comma-separated 'key base64value' pairs "
                "with unique keys."
            )
        text = ""
        if len(parts) == 2:
            try:
                text = base64.b64decode(parts[1], validate=True).decode("utf-8")
            except (binascii.Error, UnicodeDecodeError):
                raise TusHeaderError(
                    f"Upload-Metadata's {parts[0]!r} is not base64 of UTF-8 text."
                ) from None
        metadata[parts[0]] = text
    return metadata


def format_metadata(metadata):
    """The ``Upload-Metadata`` header of a dict of text (empty values as bare keys)."""
    return ",".join(
        f"{key} {base64.b64encode(text.encode()).decode()}" if text else key
        for key, text in metadata.items()
    )


def speaks_tus(value):
    """Whether a request's ``Tus-Resumable`` names the version spoken here."""
    return value is not None and value.strip() == TUS_VERSION


def expires_at(last_activity, expire_after):
    """When an unfinished upload expires: its last chunk (or start) plus the
    sweep's ``expire_after`` (``media_pipeline.limits.is_upload_abandoned``)."""
    return last_activity + expire_after


def http_date(moment):
    """An aware datetime as an HTTP date (``Upload-Expires``, RFC 9110 §5.6.7)."""
    return format_datetime(moment, usegmt=True)


def discovery_headers(max_size):
    """What an OPTIONS request learns about this server."""
    return {
        "Tus-Resumable": TUS_VERSION,
        "Tus-Version": TUS_VERSION,
        "Tus-Extension": ",".join(TUS_EXTENSIONS),
        "Tus-Max-Size": str(max_size),
        "Tus-Checksum-Algorithm": ",".join(CHECKSUM_ALGORITHMS),
    }
