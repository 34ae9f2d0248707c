"""The rules of watching a broadcast live (DESIGN §2.8): who may watch, and
what a remote viewer's heartbeat adds to their presence.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from courses.sessions.schedule import audience_problem, can_open_room, is_host
from courses.sessions.states import SessionKind, SessionState
from lms.accounts.roles import Role


def watch_refusal(
    actor,
    *,
    kind,
    state,
    facts,
    audience,
    person,
    booked_hospital_ids,
    has_own_seat,
    is_booking_required,
):
    """Why ``actor`` may not watch the session live ("" when they may): the
    office and the hosts always; the coordinator of the venue or of a hospital
    with a room booked (their room's screen); a learner in the audience, and
    booked (a seat of their own or their hospital's room) when the session
    requires booking. Only an approved broadcast session is watched live."""
    if kind != SessionKind.BROADCAST:
        return "only a broadcast session is watched live"
    if is_host(actor, facts):
        return ""
    if state == SessionState.PLANNED:
        return "the session is not approved yet"
    if state == SessionState.CANCELLED:
        return "the session was cancelled"
    if can_open_room(actor, facts, booked_hospital_ids):
        return ""
    if actor.role != Role.LEARNER:
        return "only the session's audience watches it live"
    problem = audience_problem(audience, person)
    if problem:
        return problem
    is_booked = has_own_seat or person.hospital_id in booked_hospital_ids
    if is_booking_required and not is_booked:
        return (
            "this session needs a booking: you have no seat of your own and your "
            "hospital has booked no room"
        )
    return ""
