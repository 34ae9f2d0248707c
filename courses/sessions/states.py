"""A scheduled session's kinds and states, and what a reservation is.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum


class SessionKind(enum.StrEnum):
    #: A lecture broadcast live from the hub's studio to rooms and screens.
    BROADCAST = "broadcast"
    #: Staff watching a recorded course together in a room.
    GROUP_VIEWING = "group_viewing"
    #: On-site training or guidance at a hospital.
    ONSITE = "onsite"
    #: Clinical skills training.
    SKILLS = "skills"
    CASE_CONFERENCE = "case_conference"


class SessionState(enum.StrEnum):
    """As stored. "Under way" is not stored: an open session whose first day
    has started is under way (``courses.sessions.schedule.state_at``)."""

    #: Created, waiting for the CME office to approve its credit terms.
    PLANNED = "planned"
    #: Approved: open for booking until ``booking_closes_dt``.
    OPEN = "open"
    UNDER_WAY = "under_way"
    ENDED = "ended"
    CANCELLED = "cancelled"


class ReservationKind(enum.StrEnum):
    #: One learner's own seat.
    SEAT = "seat"
    #: A hospital's room with a number of seats, booked by its coordinator.
    ROOM = "room"


class ReservationState(enum.StrEnum):
    BOOKED = "booked"
    #: On the waiting list; promoted in order when a booked seat is cancelled.
    WAITING = "waiting"
    CANCELLED = "cancelled"


#: States of a reservation that hold (or wait for) seats.
ACTIVE_RESERVATION_STATES = (ReservationState.BOOKED, ReservationState.WAITING)


class VisitState(enum.StrEnum):
    """A hospital's request for on-site training or guidance."""

    REQUESTED = "requested"
    #: The office scheduled it: ``session_id`` is the on-site session.
    SCHEDULED = "scheduled"
    DECLINED = "declined"
    WITHDRAWN = "withdrawn"


class PresenceSource(enum.StrEnum):
    #: Signed in (and out) by the room's rotating code.
    CODE = "code"
    #: Entered by the room's coordinator, with a reason (the fallback).
    VOUCHED = "vouched"
    #: An individual viewer's heartbeats during a live broadcast (issue 14).
    LIVE = "live"


class OutcomeRole(enum.StrEnum):
    LEARNER = "learner"
    LECTURER = "lecturer"


class LiveState(enum.StrEnum):
    """A live broadcast of a session (issue 14), as stored."""

    #: The studio's encoder is pushing and the live ladder is running.
    LIVE = "live"
    #: The push dropped; the same broadcast continues if it comes back within
    #: ``LIVE_RECONNECT_SECONDS``.
    RECONNECTING = "reconnecting"
    ENDED = "ended"


class BroadcastEnd(enum.StrEnum):
    """Why a broadcast ended."""

    #: The push stopped and did not come back within the reconnect window.
    STOPPED = "stopped"
    #: The stream key's hours ran out (the session's end plus the grace).
    TIME_LIMIT = "time_limit"
    #: A host or the office ended the session.
    SESSION_ENDED = "session_ended"
    #: The live ladder could not run (the pushed stream was unusable).
    FAILED = "failed"


class QuestionState(enum.StrEnum):
    """A viewer's question during a broadcast: nothing is shown to other viewers
    before a moderator has seen it."""

    PENDING = "pending"
    #: Shown to every viewer (not answered yet).
    SHOWN = "shown"
    #: Answered by the lecturer (shown to every viewer as answered).
    ANSWERED = "answered"
    HIDDEN = "hidden"
