"""Signing in and out by a room's code, counted against guessing the code: the
API and the phone page both go through here."""

from courses.sessions.attendance import AttendanceError
from lms.accounts.throttle import record_wrong_room_code, room_code_wait
from lms.db import db
from lms.logs import request_arrived
from lms.problems import Kind


def attend_by_code(operation, session, learner, code):
    """``operation`` (``attendance.sign_in`` or ``sign_out``) with ``code`` at the
    moment the request arrived (a request that queued behind a hall's sign-ins
    for the write lock must not outlive its code), refused with 429 while the
    person has typed too many wrong codes.

    A wrong code is counted in the request's own transaction (the operation
    runs in a savepoint, undone alone), then committed before the refusal goes
    on: no second transaction to wait for SQLite's lock, and PostgreSQL's lock
    on the person's counter is held until the count is in. The count is the
    person's only: a hospital's hall behind one address must not lock its
    colleagues out, and ten wrong codes per person keep 32**6 out of reach."""
    now = request_arrived()
    wait = room_code_wait(learner.id)
    if wait:
        refusal = AttendanceError(
            "too_many_codes",
            f"Too many wrong codes: wait {wait} seconds and scan the screen again.",
            Kind.TOO_MANY,
        )
        refusal.wait = wait
        raise refusal
    savepoint = db.session.begin_nested()
    try:
        presence = operation(session, learner, code, now)
    except AttendanceError as refusal:
        savepoint.rollback()
        if refusal.code == "invalid_code":
            record_wrong_room_code(learner.id)
            db.session.commit()
        raise
    savepoint.commit()
    return presence
