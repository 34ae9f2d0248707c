"""Readable, translated text for :class:`AccountError` codes."""

import math

from flask_babel import gettext as _
from flask_babel import ngettext


def account_error_message(code):
    messages = {
        "login_taken": _("An account with this login already exists."),
        "name_required": _("Please enter your name."),
        "name_too_long": _("The name is longer than 100 characters."),
        "text_too_long": _("The text is longer than 100 characters."),
        "name_locked": _(
            "Your name is on your credit records: ask the CME office to correct it."
        ),
        "hospital_required": _("Please choose a hospital."),
        "password_too_short": _("The password must have at least 10 characters."),
        "password_too_common": _(
            "This password is one of the most common passwords: choose another."
        ),
        "password_same_as_login": _("The password must not be your login."),
        "password_too_simple": _("The password is too simple."),
        "wrong_password": _("The current password is not correct."),
        "not_a_learner": _("Only learners ask to change their hospital here."),
        "same_hospital": _("This is already your hospital."),
        "change_pending": _(
            "Your earlier request is still waiting for the CME office."
        ),
        "forbidden": _("Only the CME office may do this."),
        "unknown_request": _("There is no such request."),
        "not_pending": _("This request was already decided."),
        "invalid_reset_link": _(
            "This link is not valid any more: it expired or was used. "
            "Ask for a new one."
        ),
    }
    return messages.get(code, _("This change could not be saved."))


def too_many_attempts_message(seconds):
    """ "Too many attempts" with the whole minutes to wait (at least one)."""
    minutes = max(1, math.ceil(seconds / 60))
    return ngettext(
        "Too many attempts: wait %(num)d minute and try again.",
        "Too many attempts: wait %(num)d minutes and try again.",
        minutes,
    )
