"""Readable, translated text for :class:`courses.sessions.booking.SessionError`
codes and the audience rule's reasons, for the session pages."""

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.i18n import current_language

#: ``courses.sessions.schedule.audience_problem`` and the room's version.
AUDIENCE_REASONS = {
    "this session is for other hospitals": _l("This session is for other hospitals."),
    "this session is for hospitals of another tier": _l(
        "This session is for hospitals of another tier."
    ),
    "this session is for hospitals of other provinces": _l(
        "This session is for hospitals of other provinces."
    ),
    "this session is for other professions": _l(
        "This session is for other professions."
    ),
}


def audience_reason(problem):
    return AUDIENCE_REASONS.get(problem, problem)


def session_error_message(error):
    messages = {
        "forbidden": _("You do not have permission to do this."),
        "learners_only": _(
            "Only learners book a seat; a coordinator books the hospital's room."
        ),
        "not_in_audience": _(
            "This session is not for you: it is for another audience."
        ),
        "already_booked": _("You already have a place at this session."),
        "session_full": _(
            "This session is full. You may join the waiting list instead."
        ),
        "room_capacity": _(
            "Too many seats for one room: this session limits each hospital's room."
        ),
        "too_many_seats": _("More seats than the whole session has."),
        "not_open": _("This session is not open for booking yet."),
        "session_cancelled": _("This session was cancelled."),
        "booking_closed": _("Booking for this session is closed."),
        "session_closed": _("This session has ended or was cancelled."),
        "not_active": _("This booking is already cancelled."),
        "not_your_hospital": _(
            "A coordinator books rooms for their own hospital only."
        ),
        "not_planned": _("Only a session waiting for approval can be approved."),
        "already_decided": _("This request was already answered."),
        "room_taken": _("The room is used by another session at an overlapping time."),
        "day_in_past": _("A new or moved day cannot start in the past."),
        "day_started": _("A day that has begun cannot be moved or removed."),
        "day_attended": _(
            "A day with sign-ins or headcounts cannot be moved or removed."
        ),
        "office_only": _(
            "Only the CME office changes this now: it approved the session's "
            "credit terms, lecturers and hours, and it alone edits a session "
            "under way."
        ),
        "session_under_way": _(
            "This session is under way: its places are no longer cancelled."
        ),
        "invalid_course": _("Choose an approved course."),
        "capacity_below_booked": _(
            "More seats are booked than the new capacity: it cannot be lower."
        ),
        "invalid_room_capacity": _(
            "A room's capacity is between 1 and the session's capacity."
        ),
        "invalid_booking_closes": _(
            "Booking must close at the latest when the session begins."
        ),
        "invalid_days": _(
            "The days are not valid: at most 31 days, each ending after it "
            "starts, none overlapping."
        ),
        "invalid_lecturers": _("Every lecturer must be an active lecturer."),
        "invalid_credit_category": _("The credit rules do not award this category."),
        "invalid_credit_terms": _(
            "The session cannot be approved: a national or provincial project "
            "needs its project number, and its level must award the category."
        ),
        "invalid_reason": _("Say what changed and why: everyone booked is told."),
        "invalid_title": _("The title is required."),
        "invalid_topic": _("The topic is required."),
    }
    if error.code in messages:
        return messages[error.code]
    if current_language() == "en":
        return error.message
    return _("This cannot be done: %(detail)s", detail=error.message)


def session_kind_label(kind):
    value = getattr(kind, "value", kind)
    return {
        "broadcast": _l("Live broadcast lecture"),
        "group_viewing": _l("Group viewing of a course"),
        "onsite": _l("On-site training or guidance"),
        "skills": _l("Clinical skills training"),
        "case_conference": _l("Case conference"),
    }.get(value, value)


def session_state_label(state):
    """A session's state as people see it (``schedule.state_at``)."""
    value = getattr(state, "value", state)
    return {
        "planned": _l("Waiting for approval"),
        "open": _l("Open for booking"),
        "under_way": _l("Under way"),
        "ended": _l("Ended"),
        "cancelled": _l("Cancelled"),
    }.get(value, value)


def reservation_state_label(state):
    value = getattr(state, "value", state)
    return {
        "booked": _l("Booked"),
        "waiting": _l("On the waiting list"),
        "cancelled": _l("Cancelled"),
    }.get(value, value)


def visit_state_label(state):
    value = getattr(state, "value", state)
    return {
        "requested": _l("Waiting for the CME office"),
        "scheduled": _l("Scheduled"),
        "declined": _l("Declined"),
        "withdrawn": _l("Withdrawn"),
    }.get(value, value)


def project_level_label(level):
    value = getattr(level, "value", level)
    return {
        "national": _l("National CME project"),
        "provincial": _l("Provincial CME project"),
        "municipal": _l("Municipal CME project"),
        "hospital": _l("Hospital CME project"),
    }.get(value, value)


LABELS = {
    "session_kind_label": session_kind_label,
    "session_state_label": session_state_label,
    "reservation_state_label": reservation_state_label,
    "visit_state_label": visit_state_label,
    "project_level_label": project_level_label,
    "audience_reason": audience_reason,
}
