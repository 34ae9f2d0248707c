"""A notification's email copy goes out through the queue after the action
commits, over SMTP to a real server (aiosmtpd on loopback); a rolled-back action
sends nothing, and nothing is sent when MAIL_SERVER is empty."""

import email
import socket
import threading

import pytest
from aiosmtpd.controller import Controller

from lms.accounts.roles import Role
from lms.db import db as _db
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import course_params, notify


class Inbox:
    def __init__(self):
        self.messages = []
        self.arrived = threading.Event()

    async def handle_DATA(self, server, session, envelope):
        self.messages.append(
            (envelope.rcpt_tos, email.message_from_bytes(envelope.content))
        )
        self.arrived.set()
        return "250 OK"


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def smtp(app):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    saved = {k: app.config[k] for k in ("MAIL_SERVER", "MAIL_PORT")}
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
    yield inbox
    app.config.update(saved)
    controller.stop()


def body_of(message):
    return message.get_payload(decode=True).decode(message.get_content_charset())


def test_the_copy_goes_out_after_the_commit_in_the_readers_language(
    db, smtp, create_user, create_course
):
    course = create_course(status="draft")
    zh = create_user(login="zhang@example.cn", role=Role.LECTURER)
    en = create_user(login="li@example.org", role=Role.LECTURER)
    zh.locale, en.locale = "zh_Hans_CN", "en"
    notify(
        zh, NotificationKind.COURSE_APPROVED, params=course_params(course), link="/x"
    )
    notify(en, NotificationKind.COURSE_APPROVED, params=course_params(course))
    assert smtp.messages == []  # nothing before the commit
    _db.session.commit()
    assert smtp.arrived.wait(10)
    by_to = {tos[0]: message for tos, message in smtp.messages}
    assert set(by_to) == {"zhang@example.cn", "li@example.org"}
    english = by_to["li@example.org"]
    assert english["Subject"] == "TeleCME: Your course was approved"
    assert course.title_en in body_of(english)
    chinese = body_of(by_to["zhang@example.cn"])
    assert course.title_zh in chinese and chinese.rstrip().endswith("/x")


def test_a_rolled_back_action_sends_nothing(db, smtp, create_user):
    person = create_user(login="wang@example.cn")
    _db.session.commit()
    notify(person, NotificationKind.REMINDER)
    _db.session.rollback()
    notify(person, NotificationKind.ATTEMPT_GRANTED, params={"course": "高血压"})
    _db.session.commit()
    assert smtp.arrived.wait(10)
    assert len(smtp.messages) == 1
    assert "高血压" in body_of(smtp.messages[0][1])


def test_no_copy_for_a_phone_login_or_without_a_server(db, app, create_user):
    inbox = Inbox()
    controller = Controller(inbox, hostname="127.0.0.1", port=free_port())
    controller.start()
    try:
        phone = create_user(login="13800138000")
        notify(phone, NotificationKind.REMINDER)
        mail = create_user(login="zhao@example.cn")
        notify(mail, NotificationKind.REMINDER)  # MAIL_SERVER is empty
        _db.session.commit()
        app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=controller.port)
        notify(phone, NotificationKind.REMINDER)
        _db.session.commit()
    finally:
        app.config["MAIL_SERVER"] = ""
        controller.stop()
    assert inbox.messages == []


def test_a_queue_that_is_down_loses_the_copy_not_the_action(
    db, app, create_user, caplog
):
    """The action committed; the copy could not be queued: logged, no exception."""
    from lms import queue

    saved = {k: app.config[k] for k in ("QUEUE_URL", "QUEUE_IMMEDIATE")}
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        QUEUE_URL=f"redis://127.0.0.1:{free_port()}/0",  # nothing listens there
        QUEUE_IMMEDIATE=False,
    )
    queue.init_app(app)
    try:
        person = create_user(login="qian@example.cn")
        row = notify(person, NotificationKind.REMINDER)
        _db.session.commit()
    finally:
        app.config.update(MAIL_SERVER="", **saved)
        queue.init_app(app)
    assert _db.session.get(type(row), row.id) is not None
    assert "could not queue the email copy of a reminder notice" in caplog.text


def test_a_notice_to_many_is_one_insert_and_its_copies_one_task(db, smtp, create_user):
    """A session's edit tells everyone booked: one row each, and an email copy
    for the active people signing in with an email address only."""
    import time

    import sqlalchemy as sa

    from lms.notifications.models import Notification
    from lms.notifications.operations import notify_many

    zh = create_user(login="zhao@example.cn")
    en = create_user(login="qian@example.org")
    en.locale = "en"
    phone = create_user(login="13800138000")
    gone = create_user(login="sun@example.cn")
    gone.is_active = False
    _db.session.commit()
    people = [zh.id, en.id, phone.id, gone.id]
    told = notify_many(
        people, NotificationKind.SESSION_CHANGED, params={"reason": "改期"}, link="/s/1"
    )
    assert told == 4
    _db.session.commit()
    rows = _db.session.scalars(
        sa.select(Notification).where(Notification.user_id.in_(people))
    ).all()
    assert sorted(row.user_id for row in rows) == sorted(people)
    deadline = time.monotonic() + 10
    while len(smtp.messages) < 2 and time.monotonic() < deadline:
        smtp.arrived.wait(0.2)
    assert sorted(tos[0] for tos, _ in smtp.messages) == [
        "qian@example.org",
        "zhao@example.cn",
    ]
