"""Small enumerations shared by several packages.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class ProjectLevel(enum.StrEnum):
    NATIONAL = "national"
    PROVINCIAL = "provincial"
    MUNICIPAL = "municipal"
    HOSPITAL = "hospital"


class CourseFormat(enum.StrEnum):
    RECORDED = "recorded"
    LIVE = "live"
    ONSITE = "onsite"


class MediaStatus(enum.StrEnum):
    """A lecture's media, as learners see it (a column of ``courses``' lectures,
    kept current by ``media_pipeline``)."""

    NONE = "none"
    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


#: The ladder policies a course may ask for (``media_pipeline.ladder.POLICIES``
#: holds what each one means); "auto" picks one per recording from an analysis of
#: its picture (``media_pipeline.content``).
MEDIA_POLICIES = ("auto", "lecture", "high_motion", "screen")


class JobState(enum.StrEnum):
    """A background job's state (transcodes, bulk certificate issues)."""

    PENDING = "pending"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"
