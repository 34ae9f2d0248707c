"""Every model, imported in one place so the metadata (and Alembic) sees all tables."""

from certificates.models import (
    Certificate,
    CertificateBatch,
    CreditAward,
    RuleSetVariant,
)
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
    WatchBudget,
)
from courses.sessions.models import (
    CalendarFeed,
    Presence,
    Reservation,
    RoomHeadcount,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
    VisitRequest,
)
from lms.accounts.models import ApiToken, HospitalChangeRequest, User
from lms.audit.models import AuditEntry
from lms.hospitals.models import Hospital
from lms.notifications.models import Notification
from lms.reports.models import (
    CourseHospitalMonth,
    CourseMonth,
    HospitalMonth,
    HospitalMonthCredits,
    LearnerHospitalYear,
    LearnerMonth,
    LearnerYear,
    RefreshLog,
    StaleMark,
    TopicMonth,
)
from lms.search.models import SearchDocument
from lms.workers.models import WorkerHeartbeat
from media_pipeline.models import MediaUpload, TranscodeJob

__all__ = [
    "ApiToken",
    "AuditEntry",
    "CalendarFeed",
    "Certificate",
    "CertificateBatch",
    "Course",
    "CourseHospitalMonth",
    "CourseMonth",
    "CreditAward",
    "Enrolment",
    "Evaluation",
    "Hospital",
    "HospitalChangeRequest",
    "HospitalMonth",
    "HospitalMonthCredits",
    "LearnerHospitalYear",
    "LearnerMonth",
    "LearnerYear",
    "Lecture",
    "LectureProgress",
    "MediaUpload",
    "Notification",
    "Option",
    "PlaySession",
    "Presence",
    "Question",
    "RefreshLog",
    "Reservation",
    "RoomHeadcount",
    "RuleSetVariant",
    "ScheduledSession",
    "SearchDocument",
    "SessionDay",
    "SessionOutcome",
    "StaleMark",
    "TestAttempt",
    "TopicMonth",
    "TranscodeJob",
    "User",
    "VisitRequest",
    "WatchBudget",
    "WorkerHeartbeat",
]
