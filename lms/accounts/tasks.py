"""Queue tasks of accounts: the password-reset email."""

from flask import current_app
from flask_babel import force_locale
from flask_babel import gettext as _

from lms.mail import send_mail
from lms.queue import task


@task(retries=2, retry_delay=30)
def send_password_reset_email(to, locale, link):
    """Send a reset link (plain values: the task reads nothing from the database)."""
    config = current_app.config
    with force_locale(locale or config["BABEL_DEFAULT_LOCALE"]):
        subject = _("Set a new TeleCME password")
        body = _(
            "Someone (we hope you) asked to set a new password for your TeleCME "
            "account. Open this link within an hour to choose one; it works once:"
            "\n\n%(link)s\n\nIf it was not you, ignore this email: your password "
            "stays as it is.",
            link=link,
        )
    send_mail(config, to, f"TeleCME: {subject}", body)
