"""Readable, translated text for :class:`AccountError` codes."""

from flask_babel import gettext as _


def account_error_message(code):
    messages = {
        "login_taken": _("An account with this login already exists."),
        "name_required": _("Please enter your name."),
        "name_locked": _(
            "Your name is on your credit records: ask the CME office to correct it."
        ),
        "hospital_required": _("Please choose a hospital."),
        "password_too_short": _("The password must have at least 8 characters."),
        "password_too_simple": _("The password is too simple."),
        "wrong_password": _("The current password is not correct."),
    }
    return messages.get(code, _("This change could not be saved."))
