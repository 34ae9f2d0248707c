"""A notification's title and text in the reader's language, from its kind and
params (rendered at display or mail time, never stored translated)."""

from flask_babel import gettext as _

from lms.i18n import current_language
from lms.notifications.kinds import NotificationKind


def _pick(value):
    """A ``{"zh": ..., "en": ...}`` pair in the current language (or a plain string)."""
    if isinstance(value, dict):
        language = current_language()
        return value.get(language) or value.get("zh") or value.get("en") or ""
    return str(value or "")


def render_notification(kind, params):
    """``(title, text)`` of a notification."""
    kind = NotificationKind(kind)
    course = _pick(params.get("course"))
    lecture = _pick(params.get("lecture"))
    comment = str(params.get("comment") or params.get("reason") or "")
    serial = str(params.get("serial") or "")
    if kind is NotificationKind.COURSE_APPROVED:
        return _("Your course was approved"), _(
            "The CME office approved “%(course)s”; it is now open to learners.",
            course=course,
        )
    if kind is NotificationKind.COURSE_RETURNED:
        return _("Your course was returned"), _(
            "The CME office returned “%(course)s” for changes: %(comment)s",
            course=course,
            comment=comment,
        )
    if kind is NotificationKind.CERTIFICATE_ISSUED:
        return _("Your certificate was issued"), _(
            "Your certificate for “%(course)s” is ready (serial %(serial)s).",
            course=course,
            serial=serial,
        )
    if kind is NotificationKind.CERTIFICATE_REVOKED:
        return _("A certificate of yours was revoked"), _(
            "Your certificate %(serial)s for “%(course)s” was revoked: %(reason)s",
            serial=serial,
            course=course,
            reason=comment,
        )
    if kind is NotificationKind.ATTEMPT_GRANTED:
        return _("You were granted another attempt"), _(
            "The CME office granted you another post-test attempt in “%(course)s”.",
            course=course,
        )
    if kind is NotificationKind.REMINDER:
        text = _pick(params.get("message")) or _(
            "You are behind on this year's CME credits; please continue your courses."
        )
        return _("A reminder from your hospital"), text
    if kind is NotificationKind.MEDIA_APPROVED:
        return _("A new recording was approved"), _(
            "The new recording of “%(lecture)s” in “%(course)s” is now playing.",
            lecture=lecture,
            course=course,
        )
    if kind is NotificationKind.MEDIA_REJECTED:
        return _("A new recording was rejected"), _(
            "The new recording of “%(lecture)s” in “%(course)s” was rejected: "
            "%(reason)s",
            lecture=lecture,
            course=course,
            reason=comment,
        )
    if kind is NotificationKind.HOSPITAL_CHANGED:
        return _("Your hospital was changed"), _(
            "The CME office confirmed your move to %(hospital)s.",
            hospital=_pick(params.get("hospital")),
        )
    session = _pick(params.get("session"))
    when = str(params.get("when") or "")
    if kind is NotificationKind.SESSION_APPROVED:
        return _("Your session was approved"), _(
            "The CME office approved “%(session)s” (%(when)s); it is open for booking.",
            session=session,
            when=when,
        )
    if kind is NotificationKind.SESSION_CHANGED:
        return _("A session you booked has changed"), _(
            "“%(session)s” has changed: it is now %(when)s. %(reason)s",
            session=session,
            when=when,
            reason=comment,
        )
    if kind is NotificationKind.SESSION_CANCELLED:
        return _("A session you booked was cancelled"), _(
            "“%(session)s” (%(when)s) was cancelled: %(reason)s",
            session=session,
            when=when,
            reason=comment,
        )
    if kind is NotificationKind.SEAT_CONFIRMED:
        return _("You have a seat"), _(
            "A seat became free: your place at “%(session)s” (%(when)s) is booked.",
            session=session,
            when=when,
        )
    if kind is NotificationKind.VISIT_SCHEDULED:
        return _("Your on-site visit was scheduled"), _(
            "The CME office scheduled “%(session)s” at your hospital (%(when)s).",
            session=session,
            when=when,
        )
    if kind is NotificationKind.VISIT_DECLINED:
        return _("Your on-site visit request was declined"), _(
            "The CME office declined the request “%(topic)s”: %(reason)s",
            topic=_pick(params.get("topic")),
            reason=comment,
        )
    if kind is NotificationKind.REPLAY_READY:
        return _("A broadcast's replay is ready"), _(
            "The recording of “%(session)s” (%(when)s) is a replay course now: "
            "review and approve it as a distance-education course.",
            session=session,
            when=when,
        )
    raise ValueError(kind)  # pragma: no cover  (every kind is handled above)
