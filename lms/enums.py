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
