"""The rules of a live broadcast (DESIGN §2.8): when a stream key works, what a
push to nginx's ``on_publish`` comes to, what viewers are told of the stream,
and where a broadcast's ladder is written.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
import re
from dataclasses import dataclass
from datetime import timedelta

from courses.sessions.states import LiveState, SessionKind, SessionState


class LiveView(enum.StrEnum):
    """The stream as ``GET /api/v1/sessions/{id}`` tells viewers of it."""

    #: Nothing pushed yet (or between two days' broadcasts).
    IDLE = "idle"
    #: Being pushed (a push that dropped and may come back is still live).
    LIVE = "live"
    #: The last broadcast ended and no day with hours left remains.
    ENDED = "ended"


@dataclass(frozen=True)
class KeyHours:
    """How long before a day's start and after its end a stream key works."""

    early: timedelta = timedelta(minutes=30)
    grace: timedelta = timedelta(minutes=30)


def key_window(day, hours):
    """(from, until) a push on ``day`` is accepted."""
    return day.starts - hours.early, day.ends + hours.grace


def day_for_push(days, now, hours):
    """The day whose key hours hold ``now``, or None (days never overlap)."""
    for day in days:
        opens, closes = key_window(day, hours)
        if opens <= now <= closes:
            return day
    return None


def push_refusal(kind, state, days, now, hours):
    """Why a push with a valid key is refused now ("" when it is accepted): only
    an approved broadcast session takes pushes, and only within a day's key
    hours."""
    if kind != SessionKind.BROADCAST:
        return "only a broadcast session is pushed live"
    if state == SessionState.CANCELLED:
        return "the session was cancelled"
    if state == SessionState.PLANNED:
        return "the session is not approved yet"
    if state == SessionState.ENDED:
        return "the session has ended"
    if day_for_push(days, now, hours) is None:
        return "outside the session's hours for the studio's push"
    return ""


def push_deadline(days, now, hours):
    """When the push under way at ``now`` is cut: its day's end plus the grace
    (None outside every day's key hours)."""
    day = day_for_push(days, now, hours)
    return None if day is None else key_window(day, hours)[1]


def live_view(broadcast_states, days, now, hours):
    """What viewers see of the stream: live while a broadcast is live or
    reconnecting; ended once a broadcast ended and no later day's key hours
    remain; else idle."""
    states = set(broadcast_states)
    if states & {LiveState.LIVE, LiveState.RECONNECTING}:
        return LiveView.LIVE
    if LiveState.ENDED in states and not any(
        key_window(day, hours)[1] > now for day in days
    ):
        return LiveView.ENDED
    return LiveView.IDLE


#: A broadcast's folder under LIVE_DIR and one push's ladder within it.
RUN_FOLDER = re.compile(r"^b(\d{1,18})/r(\d{1,9})$")


def run_folder(broadcast_id, run):
    """Where run ``run`` (1, 2, ...) of a broadcast writes its ladder."""
    return f"b{broadcast_id}/r{run}"


def stream_name(broadcast_id):
    """The name a broadcast is pushed under once ``on_publish`` has renamed it
    (a 3xx to this name): the live ladder pulls it, and the secret key never
    appears in a path, a process list or a log."""
    return f"b{broadcast_id}"
