"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from courses.models import (
    Course,
    Enrolment,
    Evaluation,
    Lecture,
    LectureProgress,
    Option,
    PlaySession,
    Question,
    TestAttempt,
)
from lms.accounts.models import ApiToken, User
from lms.hospitals.models import Hospital

__all__ = [
    "ApiToken",
    "Course",
    "Enrolment",
    "Evaluation",
    "Hospital",
    "Lecture",
    "LectureProgress",
    "Option",
    "PlaySession",
    "Question",
    "TestAttempt",
    "User",
]
