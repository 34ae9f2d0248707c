"""What a notification is about.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class NotificationKind(enum.StrEnum):
    COURSE_APPROVED = "course_approved"
    COURSE_RETURNED = "course_returned"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_REVOKED = "certificate_revoked"
    ATTEMPT_GRANTED = "attempt_granted"
    REMINDER = "reminder"
    MEDIA_APPROVED = "media_approved"
    MEDIA_REJECTED = "media_rejected"
    HOSPITAL_CHANGED = "hospital_changed"
    SESSION_APPROVED = "session_approved"
    SESSION_CHANGED = "session_changed"
    SESSION_CANCELLED = "session_cancelled"
    SEAT_CONFIRMED = "seat_confirmed"
    VISIT_SCHEDULED = "visit_scheduled"
    VISIT_DECLINED = "visit_declined"
    #: A broadcast's replay course is ready for the office to approve.
    REPLAY_READY = "replay_ready"
