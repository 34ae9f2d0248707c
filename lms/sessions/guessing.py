"""Signing in and out by a room's code, counted against guessing the code: the
API and the phone page both go through here."""

from flask import request

from courses.sessions.attendance import AttendanceError
from lms.accounts.throttle import record_wrong_room_code, room_code_wait
from lms.db import db
from lms.logs import request_arrived
from lms.problems import Kind


def attend_by_code(operation, session, learner, code):
    """``operation`` (``attendance.sign_in`` or ``sign_out``) with ``code`` at the
    moment the request arrived (a request that queued behind a hall's sign-ins
    for the write lock must not outlive its code), refused with 429 while the
    person or their address has typed too many wrong codes; a wrong code is
    counted (and committed) before its refusal."""
    now = request_arrived()
    address = request.remote_addr
    wait = room_code_wait(learner.id, address)
    if wait:
        refusal = AttendanceError(
            "too_many_codes",
            f"Too many wrong codes: wait {wait} seconds and scan the screen again.",
            Kind.TOO_MANY,
        )
        refusal.wait = wait
        raise refusal
    try:
        return operation(session, learner, code, now)
    except AttendanceError as refusal:
        if refusal.code == "invalid_code":
            db.session.rollback()
            record_wrong_room_code(learner.id, address)
            db.session.commit()
        raise
