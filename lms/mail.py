"""Sending email with Python's smtplib, as configured (``MAIL_*`` settings).

Called from queue tasks only, never inside a request: an SMTP server may be slow.
"""

import smtplib
from email.message import EmailMessage
from email.utils import make_msgid


def send_mail(config, to, subject, body):
    """Send one plain-text message to ``to`` through ``config['MAIL_SERVER']``."""
    message = EmailMessage()
    message["From"] = config["MAIL_DEFAULT_SENDER"]
    message["To"] = to
    message["Subject"] = subject
    message["Message-ID"] = make_msgid(domain="telecme")
    message.set_content(body)
    host, port = config["MAIL_SERVER"], int(config["MAIL_PORT"])
    timeout = float(config["MAIL_TIMEOUT"])
    smtp_class = smtplib.SMTP_SSL if config["MAIL_USE_SSL"] else smtplib.SMTP
    with smtp_class(host, port, timeout=timeout) as smtp:
        if config["MAIL_USE_TLS"] and not config["MAIL_USE_SSL"]:
            smtp.starttls()
        if config["MAIL_USERNAME"]:
            smtp.login(config["MAIL_USERNAME"], config["MAIL_PASSWORD"])
        smtp.send_message(message)
