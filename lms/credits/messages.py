"""Readable, translated text for :class:`certificates.operations.CreditError` codes."""

from flask_babel import gettext as _


def credit_error_message(error):
    messages = {
        "not_completed": _("The course is not completed yet."),
        "not_eligible": _(
            "A certificate follows a completed course with its credits awarded."
        ),
        "reason_required": _("Say why."),
        "already_revoked": _("It is already revoked."),
        "invalid_award": _("A revocation cannot be revoked."),
        "not_current": _("Only the current certificate can be re-issued."),
        "credits_revoked": _("The credits of this course were revoked."),
        "revoked": _(
            "This certificate was revoked; only the CME office can issue a new one."
        ),
        "invalid_title": _("Name the activity (1–200 characters)."),
        "invalid_kind": _("Unknown kind of activity."),
        "invalid_date": _("The activity date cannot be in the future."),
        "invalid_value": _("Credits are 0.01–100 and class hours 0–500."),
        "invalid_session_date": _("The session date cannot be in the future."),
        "invalid_minutes": _(
            "Minutes attended are at least 1 and at most the session's length."
        ),
        "not_awarded": _("The credit rules refuse these credits: %(reason)s"),
        "invalid_study": _(
            "Months of visiting study (1–60) and the assessment's result go "
            "together, on a visiting-study line."
        ),
        "not_published": _("Only a published course has sessions."),
    }
    if error.code == "not_awarded":
        return messages["not_awarded"] % {"reason": str(error)}
    if error.code == "rule_set_changed":
        return _(
            "Another administrator saved a new version of %(code)s at the same "
            "moment; nothing was saved. Check the list and save again if needed.",
            code=error.rule_set_code,
        )
    if error.code == "invalid_rule_set":
        return _("The rule set was not saved: %(detail)s", detail=str(error))
    return messages.get(error.code, str(error))


def seal_error_message(error):
    return {
        "too_large": _("A seal is an image of at most 2 MB and 2000 pixels."),
        "bad_format": _("A seal is a PNG, JPEG or WebP image."),
        "not_an_image": _("The file is not an image."),
    }.get(error.code, _("Unknown seal."))
