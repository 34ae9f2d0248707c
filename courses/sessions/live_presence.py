"""The rules of watching a broadcast live (DESIGN §2.8): who may watch, and
what a remote viewer's heartbeat adds to their presence.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from courses.sessions.schedule import Day, audience_problem, can_open_room, is_host
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


#: A beat credits at most this many beat intervals since the one before (a
#: player that was asleep or offline earns nothing for the hours it was gone).
MAX_GAP_BEATS = 2


@dataclass(frozen=True)
class Span:
    """A broadcast's time on air: from its first push until it ended (None:
    still live or reconnecting)."""

    starts: datetime
    ends: datetime | None = None


@dataclass(frozen=True)
class BeatCredit:
    """What one heartbeat adds to its day's presence."""

    #: The day (``schedule.Day``) whose scheduled hours the seconds lie in.
    day: Day
    seconds: float
    #: The first and last moment credited (the presence's sign-in and sign-out).
    starts: datetime
    ends: datetime


def max_gap(beat_seconds):
    """The longest stretch one beat may credit."""
    return timedelta(seconds=beat_seconds * MAX_GAP_BEATS)


def beat_credit(last_beat, now, gap, days, broadcasts):
    """The presence a heartbeat at ``now`` earns by the server's clock (None
    for nothing): the time since the viewing's previous beat, at most ``gap``,
    that lies within a day's scheduled hours and while a broadcast was on air
    (``broadcasts``: their ``Span``). A viewing's first beat earns nothing:
    presence is counted from it."""
    if last_beat is None or now <= last_beat:
        return None
    starts = max(last_beat, now - gap)
    for day in days:
        low, high = max(starts, day.starts), min(now, day.ends)
        if high <= low:
            continue
        seconds, first, last = 0.0, None, None
        for span in broadcasts:
            on_low = max(low, span.starts)
            on_high = high if span.ends is None else min(high, span.ends)
            if on_high <= on_low:
                continue
            seconds += (on_high - on_low).total_seconds()
            first = on_low if first is None else min(first, on_low)
            last = on_high if last is None else max(last, on_high)
        if seconds > 0:
            return BeatCredit(day, seconds, first, last)
    return None


def live_minutes(live_seconds):
    """A live viewer's presence in whole minutes, as crediting reads it."""
    return int(live_seconds // 60)


# --- when a live viewer was present -------------------------------------------------


def merge_span(spans, starts, ends, gap):
    """``spans`` (``(from, to)`` pairs in order) with a beat's credited moments
    ``starts``..``ends`` added: the last span grows when the beat begins within
    ``gap`` of its end (the player beat on time), else a new span begins (the
    viewer was away: the hours between are not presence)."""
    spans = [tuple(span) for span in spans]
    if spans and starts - spans[-1][1] <= gap:
        first, last = spans[-1]
        spans[-1] = (min(first, starts), max(last, ends))
    else:
        spans.append((starts, ends))
    return spans


def spans_overlap(spans, starts, ends):
    """The first of ``spans`` sharing a moment with ``starts``..``ends``, or None."""
    for span in spans:
        if span[0] < ends and span[1] > starts:
            return span
    return None


def spans_to_json(spans):
    """Spans as the database keeps them: pairs of ISO moments."""
    return [[first.isoformat(), last.isoformat()] for first, last in spans]


def spans_from_json(stored, signed_in=None, signed_out=None):
    """Spans back from ``spans_to_json``; a presence older than them (None) was
    present from its first to its last credited moment."""
    if stored is None:
        if signed_in is None or signed_out is None:
            return []
        return [(signed_in, signed_out)]
    return [
        (datetime.fromisoformat(first), datetime.fromisoformat(last))
        for first, last in stored
    ]


def room_minutes_with_live(day, signed_in, signed_out, live_seconds, live_until=None):
    """The whole minutes of a room's presence from ``signed_in`` to
    ``signed_out`` within the day's hours, plus the ``live_seconds`` watched
    live before the sign-in (a live presence turned into the room's). No moment
    counts twice: the room's time starts no earlier than ``live_until``, the
    last moment credited live (a beat that waited for the session's lock may
    have credited a moment past the sign-in's clock)."""
    room = 0.0
    if signed_in is not None and signed_out is not None:
        low = max(signed_in, day.starts)
        if live_until is not None:
            low = max(low, live_until)
        high = min(signed_out, day.ends)
        room = max(0.0, (high - low).total_seconds())
    return int((room + (live_seconds or 0.0)) // 60)
