"""Who may sign in when, what a sign-in is flagged with, and who vouches and
reads the room's attendance (DESIGN §2.7).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass
from datetime import timedelta

from courses.sessions.schedule import (
    is_host,
    local,
    sign_in_window,
    sign_out_window,
)
from courses.sessions.states import SessionState
from lms.accounts.roles import Role

#: Flags a presence carries for the office (none changes the credit by itself).
OTHER_HOSPITAL = "other_hospital"
ABOVE_HEADCOUNT = "above_headcount"
NOT_BOOKED = "not_booked"
FLAGS = (OTHER_HOSPITAL, ABOVE_HEADCOUNT, NOT_BOOKED)

#: Stored states in which a session takes sign-ins (under way is open, derived).
TAKES_SIGN_INS = (SessionState.OPEN, SessionState.UNDER_WAY)
#: A coordinator's vouches (a roster kept through an outage, synced late) are
#: taken this long after the session's last day ends, even once it has ended;
#: the credits task runs again for them.
CORRECTIONS_OPEN_FOR = timedelta(days=7)


def takes_vouches(state, last_end, now):
    """Whether a vouch is taken: while sign-ins are, and for a week after the end
    of an ended session (nothing a roster queued offline is lost)."""
    if state in TAKES_SIGN_INS:
        return True
    return (
        state == SessionState.ENDED
        and last_end is not None
        and now <= last_end + CORRECTIONS_OPEN_FOR
    )


@dataclass(frozen=True)
class Refusal:
    """Why not: a code, a message and the moment it names (or None)."""

    code: str
    message: str
    at: object = None


def _hhmm(moment):
    return local(moment).strftime("%Y-%m-%d %H:%M")


def sign_in_refusal(days, now, doors_open_minutes):
    """(day, None) for the day whose doors are open at ``now``, else (None,
    Refusal) naming when the doors open or when they closed."""
    for day in days:
        opens, closes = sign_in_window(day, doors_open_minutes)
        if opens <= now <= closes:
            return day, None
    upcoming = [
        sign_in_window(day, doors_open_minutes)[0]
        for day in days
        if sign_in_window(day, doors_open_minutes)[0] > now
    ]
    if upcoming:
        opens = min(upcoming)
        message = f"The doors open at {_hhmm(opens)} (Asia/Shanghai)."
        return None, Refusal("doors_not_open", message, opens)
    closed = max(day.ends for day in days) if days else None
    message = (
        f"Sign-in closed at {_hhmm(closed)} (Asia/Shanghai)."
        if closed
        else "This session has no days."
    )
    return None, Refusal("sign_in_closed", message, closed)


def sign_out_refusal(days, now):
    """(day, None) for the day whose sign-out is open at ``now``, else (None,
    Refusal)."""
    for day in days:
        opens, closes = sign_out_window(day)
        if opens <= now <= closes:
            return day, None
    upcoming = [day.starts for day in days if day.starts > now]
    if upcoming:
        opens = min(upcoming)
        message = f"Sign-out opens at the start, {_hhmm(opens)} (Asia/Shanghai)."
        return None, Refusal("sign_out_not_open", message, opens)
    closes = max(sign_out_window(day)[1] for day in days) if days else None
    message = f"Sign-out closed at {_hhmm(closes)} (Asia/Shanghai)." if closes else ""
    return None, Refusal("sign_out_closed", message or "No days.", closes)


def sign_in_flags(*, learner_hospital_id, room_hospital_id, has_own_seat, is_booked):
    """The flags of a sign-in: in a room of another hospital than the learner's
    (a learner with a seat of their own at the venue is expected there), and
    present without a booking of their own or their hospital's."""
    flags = []
    if room_hospital_id != learner_hospital_id and not has_own_seat:
        flags.append(OTHER_HOSPITAL)
    if not is_booked:
        flags.append(NOT_BOOKED)
    return flags


def above_headcount(presence_ids, headcount):
    """Of the presences in one room on one day, in the order they signed in,
    those past the room's entered headcount (None: none entered)."""
    if headcount is None:
        return set()
    return set(presence_ids[headcount:])


def with_flag(flags, flag, present):
    """``flags`` with ``flag`` added or removed, in the order of FLAGS."""
    chosen = set(flags or ()) - {flag}
    if present:
        chosen.add(flag)
    return [f for f in FLAGS if f in chosen] + sorted(chosen - set(FLAGS))


def can_vouch(actor, facts, learner_hospital_id):
    """A host, or the coordinator of the learner's hospital."""
    if is_host(actor, facts):
        return True
    return (
        actor.role == Role.SITE_COORDINATOR
        and actor.hospital_id is not None
        and actor.hospital_id == learner_hospital_id
    )


def attendance_scope(actor, facts):
    """Whose rows ``actor`` reads: "all" (hosts and the office), "hospital"
    (a coordinator: their hospital's), or None."""
    if is_host(actor, facts):
        return "all"
    if actor.role == Role.SITE_COORDINATOR and actor.hospital_id is not None:
        return "hospital"
    return None


def can_enter_headcount(actor, facts, room_hospital_id):
    """A host, or the coordinator of the room's hospital."""
    if is_host(actor, facts):
        return True
    return (
        actor.role == Role.SITE_COORDINATOR
        and actor.hospital_id is not None
        and actor.hospital_id == room_hospital_id
    )
