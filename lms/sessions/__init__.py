"""The pages of scheduled teaching: the calendar and its feeds, sessions and
their booking, the office's management, the room screen, the phone sign-in,
the roster and attendance (issue 13)."""

from flask import Blueprint

bp = Blueprint("sessions", __name__)

from lms.sessions import (  # noqa: E402, F401  (pages)
    attendance,
    calendar,
    live,
    pages,
    questions,
    room,
    studio,
)
