"""What an audit entry records.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class AuditAction(enum.StrEnum):
    COURSE_APPROVED = "course_approved"
    COURSE_RETURNED = "course_returned"
    CLASS_HOURS_OVERRIDDEN = "class_hours_overridden"
    CERTIFICATE_ISSUED = "certificate_issued"
    CERTIFICATE_REISSUED = "certificate_reissued"
    CERTIFICATE_REVOKED = "certificate_revoked"
    CREDIT_LINE_ADDED = "credit_line_added"
    CREDIT_LINE_REVOKED = "credit_line_revoked"
    RULE_SET_CHANGED = "rule_set_changed"
    ATTEMPT_GRANTED = "attempt_granted"
    ATTENDANCE_CORRECTED = "attendance_corrected"
    PASSWORD_RESET = "password_reset"
    ROLE_CHANGED = "role_changed"
    USER_CHANGED = "user_changed"
    HOSPITAL_CHANGE_CONFIRMED = "hospital_change_confirmed"
    MEDIA_APPROVED = "media_approved"
    MEDIA_REJECTED = "media_rejected"
    USERS_IMPORTED = "users_imported"
    SESSION_APPROVED = "session_approved"
    SESSION_CANCELLED = "session_cancelled"
    SESSION_ENDED = "session_ended"
    ATTENDANCE_VOUCHED = "attendance_vouched"
    VISIT_DECIDED = "visit_decided"
    STREAM_KEY_ISSUED = "stream_key_issued"
    STREAM_KEY_REVOKED = "stream_key_revoked"
    MEDIA_POLICY_CHANGED = "media_policy_changed"
