"""The rules of booking a scheduled session: its days, its room, the booking
window, seats and the waiting list, and which edits people must hear about.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

Every check returns a :class:`Refusal` (a code and a sentence for the person)
or ``None``; ``courses.sessions.booking`` raises it as a ``SessionError``.
"""

import itertools
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal, InvalidOperation

from courses.sessions.schedule import LOCAL_TZ, local, state_at
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
)
from lms.accounts.roles import Role
from lms.limits import YEAR_MAX, YEAR_MIN

#: A session runs on at most this many days ...
MAX_DAYS = 31
#: ... each at most this long.
MAX_DAY_LENGTH = timedelta(hours=24)
#: The kinds a hospital may ask the office to come and give.
VISIT_KINDS = (SessionKind.ONSITE, SessionKind.SKILLS)
#: The edits people's calendars must follow (a higher SEQUENCE) and everyone
#: booked is told about.
NOTIFIED_CHANGES = ("title", "days", "place", "state")


@dataclass(frozen=True)
class Refusal:
    """Why something cannot be done: a stable ``code`` and a sentence."""

    code: str
    message: str


# --- days ------------------------------------------------------------------------


def _is_aware(moment):
    return (
        isinstance(moment, datetime)
        and moment.tzinfo is not None
        and moment.utcoffset() is not None
    )


def within_years(moment):
    """Whether an aware ``moment`` falls, in Asia/Shanghai, in the years the
    network schedules (``lms.limits`` YEAR_MIN..YEAR_MAX). 9999-12-31T17:00Z is
    year 10000 in Beijing: no datetime holds it, every page showing it fails."""
    try:
        return YEAR_MIN <= local(moment).year <= YEAR_MAX
    except (OverflowError, ValueError):
        return False


def sorted_days(days):
    """``days`` (pairs of start and end) in order of their start."""
    return sorted(((start, end) for start, end in days), key=lambda day: day[0])


def days_problem(days):
    """Why ``days`` (pairs of aware start and end) cannot be a session's days:
    one to ``MAX_DAYS`` days, each ending after it starts and lasting at most
    ``MAX_DAY_LENGTH``, none overlapping another. Order does not matter (the
    operations store them sorted)."""
    days = list(days)
    if not days:
        return Refusal("invalid_days", "A session needs at least one day.")
    if len(days) > MAX_DAYS:
        return Refusal(
            "invalid_days", f"A session has at most {MAX_DAYS} days; split it."
        )
    for start, end in days:
        if not (_is_aware(start) and _is_aware(end)):
            return Refusal(
                "invalid_days",
                "Each day's start and end need a time zone, "
                "e.g. 2026-12-03T09:00:00+08:00.",
            )
        if not (within_years(start) and within_years(end)):
            return Refusal(
                "invalid_days",
                f"Days are in the years {YEAR_MIN} to {YEAR_MAX}.",
            )
        if end <= start:
            return Refusal("invalid_days", "Each day must end after it starts.")
        if end - start > MAX_DAY_LENGTH:
            return Refusal("invalid_days", "A day lasts at most 24 hours.")
    ordered = sorted_days(days)
    for (_, end), (start, _) in itertools.pairwise(ordered):
        if start < end:
            return Refusal("invalid_days", "A session's days must not overlap.")
    return None


def changed_days_problem(
    old_days, new_days, now, *, doors_open=timedelta(0), attended=frozenset()
):
    """Why an edit from ``old_days`` to ``new_days`` (both sorted pairs, days
    matched by position) is refused at ``now``: a day that has begun — from its
    doors opening, ``doors_open`` before its start — cannot be moved or
    removed, nor a day with sign-ins or headcounts (``attended``: positions in
    ``old_days``; its presences would belong to another day), and a new or
    moved day cannot start in the past."""
    for index in range(max(len(old_days), len(new_days))):
        old = old_days[index] if index < len(old_days) else None
        new = new_days[index] if index < len(new_days) else None
        if old == new:
            continue
        if old is not None and old[0] - doors_open <= now:
            return Refusal(
                "day_started",
                "A day that has begun (its doors are open) cannot be moved or removed.",
            )
        if old is not None and index in attended:
            return Refusal(
                "day_attended",
                "A day with sign-ins or headcounts cannot be moved or removed.",
            )
        if new is not None and new[0] <= now:
            return Refusal(
                "day_in_past", "A new or moved day cannot start in the past."
            )
    return None


def days_overlap(days, other_days):
    """Whether any day of ``days`` overlaps any day of ``other_days`` (a day
    ending when the other starts does not)."""
    return any(
        start < other_end and other_start < end
        for start, end in days
        for other_start, other_end in other_days
    )


def room_key(room):
    """A room's name as compared: case and spacing ignored ("Studio 1" is
    "studio  1")."""
    return " ".join(str(room or "").split()).casefold()


def room_conflict(venue_hospital_id, room, days, others):
    """The id of the first of ``others`` (``(session_id, venue_hospital_id,
    room, days)``, not cancelled) that uses the same room of the same hospital
    at an overlapping time, or None. A session that names no room books no
    particular room and conflicts with nothing."""
    key = room_key(room)
    if not key:
        return None
    for other_id, other_venue, other_room, other_days in others:
        if (
            other_venue == venue_hospital_id
            and room_key(other_room) == key
            and days_overlap(days, other_days)
        ):
            return other_id
    return None


def describe_when(days, *, limit=3):
    """The days as people read them in a notice, in Asia/Shanghai:
    ``2026-12-03 09:00–12:00 (Asia/Shanghai)``; several days are listed
    (at most ``limit``, then "…"), a day past midnight shows both dates."""
    parts = []
    for start, end in days[:limit]:
        if not (within_years(start) and within_years(end)):
            parts.append(f"{start.isoformat()}–{end.isoformat()}")  # no local time
            continue
        start, end = local(start), local(end)
        same_date = end.date() == start.date()
        until = f"{end:%H:%M}" if same_date else f"{end:%Y-%m-%d %H:%M}"
        parts.append(f"{start:%Y-%m-%d %H:%M}–{until}")
    if len(days) > limit:
        parts.append("…")
    return f"{', '.join(parts)} ({LOCAL_TZ.key})"


# --- the booking window ----------------------------------------------------------


def booking_closes(booking_closes_dt, first_start):
    """When booking closes: the session's own time, else its first start."""
    return booking_closes_dt or first_start


def booking_closes_problem(booking_closes_dt, first_start):
    """Booking may close early, never after the session has begun."""
    if booking_closes_dt is None:
        return None
    if not _is_aware(booking_closes_dt):
        return Refusal("invalid_booking_closes", "Booking's close needs a time zone.")
    if not within_years(booking_closes_dt):
        return Refusal(
            "invalid_booking_closes",
            f"Booking closes in the years {YEAR_MIN} to {YEAR_MAX}.",
        )
    if first_start is not None and booking_closes_dt > first_start:
        return Refusal(
            "invalid_booking_closes",
            "Booking must close at the latest when the session begins.",
        )
    return None


def booking_problem(stored_state, first_start, booking_closes_dt, now):
    """Why nobody may book (or change a booking) at ``now``: a session still
    waiting for approval, cancelled, ended or under way, or past its booking
    window."""
    seen = state_at(stored_state, first_start, now)
    if seen == SessionState.PLANNED:
        return Refusal("not_open", "This session is not open for booking yet.")
    if seen == SessionState.CANCELLED:
        return Refusal("session_cancelled", "This session was cancelled.")
    if seen in (SessionState.ENDED, SessionState.UNDER_WAY):
        return Refusal("booking_closed", "This session has begun; booking is closed.")
    closes = booking_closes(booking_closes_dt, first_start)
    if closes is not None and now >= closes:
        return Refusal(
            "booking_closed",
            f"Booking closed at {local(closes):%Y-%m-%d %H:%M} ({LOCAL_TZ.key}).",
        )
    return None


# --- seats and the waiting list --------------------------------------------------


@dataclass(frozen=True)
class SeatDecision:
    """A booking's outcome: its state, or why it is refused."""

    state: ReservationState | None
    refusal: Refusal | None = None


def decide_seats(*, capacity, taken, seats, waitlist, room_capacity=None):
    """Whether ``seats`` more (1 for a learner, a room's count for a hospital)
    fit a session of ``capacity`` with ``taken`` seats booked by others: BOOKED
    when they fit; WAITING when they do not and the booker asked for the
    waiting list; else refused (``session_full``). A room larger than the
    session's ``room_capacity`` is refused outright (no waiting would help)."""
    if room_capacity is not None and seats > room_capacity:
        return SeatDecision(
            None,
            Refusal(
                "room_capacity",
                f"At most {room_capacity} seats per hospital's room at this session.",
            ),
        )
    if seats > capacity:
        return SeatDecision(
            None,
            Refusal("too_many_seats", f"This session has {capacity} seats in all."),
        )
    left = max(capacity - taken, 0)
    if seats <= left:
        return SeatDecision(ReservationState.BOOKED)
    if waitlist:
        return SeatDecision(ReservationState.WAITING)
    return SeatDecision(
        None,
        Refusal(
            "session_full",
            f"This session is full ({left} of {capacity} seats left); "
            "ask for the waiting list.",
        ),
    )


@dataclass(frozen=True)
class Waiting:
    """A reservation on the waiting list."""

    id: int
    seats: int


def plan_promotions(waiting, free_seats):
    """The ids of ``waiting`` (oldest first) that get the ``free_seats``.

    The list is first come, first served, and first fit: each in turn is
    promoted when its seats fit what is still free. A room booking too big for
    the free seats keeps its place at the front and is promoted as soon as
    enough seats are free; smaller bookings behind it take the seats that would
    otherwise stay empty (a seat left empty for a room that may never fit helps
    nobody)."""
    promoted = []
    for entry in waiting:
        if entry.seats <= free_seats:
            promoted.append(entry.id)
            free_seats -= entry.seats
    return promoted


def capacity_problem(capacity, room_capacity, taken, largest_room=0):
    """Why a session's capacity cannot be set: at least one seat, never below
    the seats booked, and a room's capacity within the whole and not below a
    room already booked."""
    if capacity < 1:
        return Refusal("invalid_capacity", "A session has at least one seat.")
    if capacity < taken:
        return Refusal(
            "capacity_below_booked",
            f"{taken} seats are booked; the capacity cannot be lower.",
        )
    if room_capacity is not None:
        if not 1 <= room_capacity <= capacity:
            return Refusal(
                "invalid_room_capacity",
                "A room's capacity is between 1 and the session's capacity.",
            )
        if room_capacity < largest_room:
            return Refusal(
                "capacity_below_booked",
                f"A room of {largest_room} seats is booked; "
                "the room capacity cannot be lower.",
            )
    return None


def min_presence_problem(value):
    """The share of the scheduled time needed for credit: above 0, at most 1,
    at most two decimal places."""
    try:
        share = Decimal(str(value))
    except (InvalidOperation, ValueError):
        share = None
    if (
        share is None
        or not share.is_finite()
        or not Decimal(0) < share <= Decimal(1)
        or share != share.quantize(Decimal("0.01"))
    ):
        return Refusal(
            "invalid_min_presence",
            "The minimum presence is a share above 0 and at most 1 "
            "(two decimal places, e.g. 0.80).",
        )
    return None


# --- which edits people hear about -------------------------------------------------


@dataclass(frozen=True)
class Terms:
    """What of a session people's calendars and notices show."""

    title_zh: str
    title_en: str
    days: tuple
    venue_hospital_id: int
    venue_room: str
    state: SessionState


def notified_changes(before, after):
    """Which of ``NOTIFIED_CHANGES`` differ between two :class:`Terms`: a
    change to any of them raises the session's ``sequence`` (phones' calendars
    follow) and everyone booked or waiting is told. Capacity, audience and
    credit terms are the office's business and change neither."""
    changed = []
    if (before.title_zh, before.title_en) != (after.title_zh, after.title_en):
        changed.append("title")
    if tuple(before.days) != tuple(after.days):
        changed.append("days")
    if (before.venue_hospital_id, room_key(before.venue_room)) != (
        after.venue_hospital_id,
        room_key(after.venue_room),
    ):
        changed.append("place")
    if before.state != after.state:
        changed.append("state")
    return tuple(changed)


# --- who may -----------------------------------------------------------------------


def may_create_session(actor):
    """The CME office and lecturers create sessions."""
    return actor.role in (Role.ADMINISTRATOR, Role.LECTURER)


def may_manage_session(actor, owner_id):
    """The office and the session's owner edit and cancel it."""
    return actor.role == Role.ADMINISTRATOR or actor.id == owner_id


#: What the office approved of a session: once it is approved only the office
#: changes them (with the session's lecturers and its class hours).
OFFICE_TERMS = (
    "rule_set_code",
    "project_level",
    "credit_category",
    "project_number",
    "min_presence",
    "kind",
)


def edit_problem(*, is_office, seen_state, is_approved, changed):
    """Why an edit is refused: ``seen_state`` is the session's state at the
    time (``schedule.state_at``), ``changed`` the names of what the edit
    really changes (credit terms as in ``OFFICE_TERMS``, "lecturers",
    "class_hours"). An ended or cancelled session is edited by nobody; one
    under way only by the office; an approved session's credit terms,
    lecturers and class hours only by the office."""
    if seen_state in (SessionState.ENDED, SessionState.CANCELLED):
        return Refusal("session_closed", f"This session is {seen_state.value}.")
    if is_office:
        return None
    if seen_state == SessionState.UNDER_WAY:
        return Refusal(
            "office_only",
            "This session is under way; only the CME office changes it now.",
        )
    office_terms = [name for name in changed if name in OFFICE_TERMS] + [
        name for name in changed if name in ("lecturers", "class_hours")
    ]
    if is_approved and office_terms:
        return Refusal(
            "office_only",
            "The CME office approved this session's credit terms, lecturers and "
            "hours; only the office changes them now ("
            + ", ".join(office_terms)
            + ").",
        )
    return None


def may_book_room(actor, hospital_id):
    """A hospital's room is booked by its own coordinator (or the office)."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    return actor.role == Role.SITE_COORDINATOR and actor.hospital_id == hospital_id


def may_cancel_reservation(actor, *, user_id, hospital_id, kind=ReservationKind.SEAT):
    """A seat is cancelled by the learner who holds it, the coordinator of its
    hospital, or the office; a hospital's room only by the hospital's current
    coordinator or the office (a coordinator who booked it and was since
    demoted or moved no longer speaks for the hospital)."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    if kind == ReservationKind.SEAT and actor.id == user_id:
        return True
    return (
        actor.role == Role.SITE_COORDINATOR
        and hospital_id is not None
        and actor.hospital_id == hospital_id
    )


def hospital_audience_problem(audience, hospital_id, tier, province):
    """Why a hospital's room is outside the session's audience ("" when it is
    in); professions are each learner's, not the room's."""
    if audience.hospital_ids and hospital_id not in audience.hospital_ids:
        return "this session is for other hospitals"
    if audience.tiers and tier not in audience.tiers:
        return "this session is for hospitals of another tier"
    if audience.provinces and province not in audience.provinces:
        return "this session is for hospitals of other provinces"
    return ""
