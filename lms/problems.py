"""The one domain error: what went wrong (``code``), in words (``message``), and
of which kind (``Kind``), for every package below the edges to raise.

No I/O, no Flask, no SQLAlchemy: the edges (``lms.errors``) map a kind to an HTTP
status and a code to the reader's language. The older error classes
(``CourseError``, ``CreditError``, ``MediaError``) are thin subclasses that still
take an HTTP number, read here as a kind.
"""

from enum import StrEnum


class Kind(StrEnum):
    """What sort of refusal: decides the HTTP status, nothing else."""

    BAD_REQUEST = "bad_request"  #: unreadable request (a header, the framing)
    UNAUTHENTICATED = "unauthenticated"
    FORBIDDEN = "forbidden"
    NOT_FOUND = "not_found"
    CONFLICT = "conflict"  #: not in the current state
    GONE = "gone"  #: revoked or replaced
    LENGTH_REQUIRED = "length_required"
    TOO_LARGE = "too_large"
    INVALID = "invalid"  #: well-formed but not acceptable data
    TOO_MANY = "too_many"  #: throttled
    CHECKSUM = "checksum"  #: a body that does not match its checksum (tus: 460)


#: A kind's HTTP status (the one place that knows).
STATUS = {
    Kind.BAD_REQUEST: 400,
    Kind.UNAUTHENTICATED: 401,
    Kind.FORBIDDEN: 403,
    Kind.NOT_FOUND: 404,
    Kind.CONFLICT: 409,
    Kind.GONE: 410,
    Kind.LENGTH_REQUIRED: 411,
    Kind.TOO_LARGE: 413,
    Kind.INVALID: 422,
    Kind.TOO_MANY: 429,
    Kind.CHECKSUM: 460,
}
KIND_OF_STATUS = {status: kind for kind, status in STATUS.items()}


class DomainError(ValueError):
    """A request that cannot be carried out, e.g.
    ``DomainError("not_enrolled", "Enrol in the course first.", Kind.FORBIDDEN)``."""

    def __init__(self, code, message="", kind=Kind.CONFLICT):
        super().__init__(message or code)
        self.code = code
        self.message = message or code
        self.kind = Kind(kind)

    @property
    def status(self):
        """The HTTP status of its kind (what the API answers)."""
        return STATUS[self.kind]


class StatusError(DomainError):
    """A domain error raised with an HTTP number (the older classes' signature:
    ``code, message, status=409``); the number is read as its kind."""

    def __init__(self, code, message="", status=409):
        super().__init__(code, message, kind_of(status))


def kind_of(status):
    """The kind an HTTP status stands for (an unknown one is a conflict)."""
    if isinstance(status, Kind):
        return status
    return KIND_OF_STATUS.get(status, Kind.CONFLICT)
