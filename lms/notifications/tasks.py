"""Queue tasks: a notification's email copy, sent after its transaction commits."""

from flask import current_app
from flask_babel import force_locale

from lms.mail import send_mail
from lms.notifications.messages import render_notification
from lms.queue import task


@task(retries=3, retry_delay=60)
def send_notification_email(message):
    """Send ``message`` (to, locale, kind, params, link: plain values, so the task
    reads nothing from the database) in the recipient's language."""
    config = current_app.config
    locale = message.get("locale") or config["BABEL_DEFAULT_LOCALE"]
    with force_locale(locale):
        subject, body = render_notification(message["kind"], message["params"])
    link = message.get("link")
    if link:
        body = f"{body}\n\n{config['PUBLIC_BASE_URL'].rstrip('/')}{link}"
    send_mail(config, message["to"], f"TeleCME: {subject}", body)


@task(retries=3, retry_delay=60)
def send_notification_emails(messages):
    """Send each of ``messages`` (as :func:`send_notification_email` takes them):
    one queued task for a notice to everyone booked at a session. A retry sends
    only those not sent yet."""
    failed = []
    for message in messages:
        try:
            send_notification_email.call_local(message)
        except Exception:
            failed.append(message)
    if failed:
        if len(failed) == len(messages):
            raise RuntimeError(f"could not send {len(failed)} notification emails")
        send_notification_emails(failed)
