"""What a person's or a hospital's calendar shows, and their secret iCalendar
feeds (only the SHA-256 of a feed's secret is stored; the secret is shown once).

A person's calendar: sessions they booked (their own seat, or their hospital's
room when they are its coordinator), sessions they own or teach, and on the
page (not in the feed) open sessions whose audience includes them. A hospital's:
sessions it booked a room for and approved sessions held at it. A cancelled
session stays on the calendars it was on (its bookings were cancelled with it),
marked so.
"""

import enum
import hashlib
import re
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

import sqlalchemy as sa
from sqlalchemy.orm import contains_eager

from courses.sessions.models import (
    CalendarFeed,
    Reservation,
    ScheduledSession,
    SessionDay,
    session_lecturers,
)
from courses.sessions.queries import audience_of, person_of
from courses.sessions.schedule import LOCAL_TZ, audience_problem, state_at
from courses.sessions.states import (
    ACTIVE_RESERVATION_STATES,
    ReservationKind,
    ReservationState,
    SessionState,
)
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db
from lms.hospitals.models import Hospital
from lms.limits import YEAR_MAX
from lms.problems import DomainError, Kind

#: A feed keeps past sessions this long (then they drop off phones' calendars).
FEED_PAST = timedelta(days=90)
#: At most this many session days in one feed.
FEED_MAX_DAYS = 1000
#: Session days on one calendar page at most.
PAGE_MAX_DAYS = 2000
#: A feed's secret: 32 random bytes, URL-safe base64 (43 characters).
SECRET_BYTES = 32
SECRET_FORM = re.compile(r"[A-Za-z0-9_-]{43}")


class Show(enum.StrEnum):
    """The person's calendar filters."""

    ALL = "all"
    #: Booked (a seat, or their hospital's room), owned or taught.
    MINE = "mine"
    #: Open sessions whose audience includes them, not booked.
    OPEN = "open"
    #: Their hospital's calendar (coordinators).
    HOSPITAL = "hospital"


class Relation(enum.StrEnum):
    """Why a session is on a calendar (the strongest reason)."""

    TEACHING = "teaching"
    SEAT = "seat"
    ROOM = "room"
    VENUE = "venue"
    OPEN = "open"


@dataclass(frozen=True)
class Entry:
    """One day of a session on a calendar."""

    session: ScheduledSession
    day: SessionDay
    relation: Relation
    #: The seat or room is on the waiting list.
    is_waiting: bool
    #: As people see it at the time asked (under way is derived).
    state: SessionState


@dataclass(frozen=True)
class IssuedFeed:
    """A new feed and its secret: the only time the secret is known."""

    secret: str
    feed: CalendarFeed


def feed_error(code, message, kind=Kind.FORBIDDEN):
    return DomainError(code, message, kind)


# --- who may --------------------------------------------------------------------


def can_hold_hospital_feed(actor, hospital_id):
    """A hospital's feed is made by its coordinator or the office."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    return actor.role == Role.SITE_COORDINATOR and actor.hospital_id == hospital_id


# --- what a calendar shows ---------------------------------------------------------


def _held_reservation():
    """A reservation that puts its session on a calendar: booked or waiting, or
    cancelled together with its cancelled session (so the cancellation shows)."""
    return sa.or_(
        Reservation.state.in_(ACTIVE_RESERVATION_STATES),
        sa.and_(
            Reservation.state == ReservationState.CANCELLED,
            ScheduledSession.state == SessionState.CANCELLED,
            Reservation.cancelled_dt >= ScheduledSession.cancelled_dt,
        ),
    )


def _own_reservations(user):
    """Which reservations are the person's: their seats and, for a coordinator,
    their hospital's rooms."""
    mine = sa.and_(
        Reservation.kind == ReservationKind.SEAT, Reservation.user_id == user.id
    )
    if user.role == Role.SITE_COORDINATOR and user.hospital_id is not None:
        return sa.or_(mine, _hospital_rooms(user.hospital_id))
    return mine


def _hospital_rooms(hospital_id):
    return sa.and_(
        Reservation.kind == ReservationKind.ROOM, Reservation.hospital_id == hospital_id
    )


def _sessions_with(reservations):
    """Sessions holding a reservation that matches ``reservations``."""
    return (
        sa.exists()
        .where(Reservation.session_id == ScheduledSession.id)
        .where(reservations, _held_reservation())
    )


def _hospital_sessions(hospital_id):
    """A hospital's sessions: held at it once approved (a planned session is
    its hosts' and the office's business, not yet the venue's), or with its
    room booked."""
    return sa.or_(
        sa.and_(
            ScheduledSession.venue_hospital_id == hospital_id,
            ScheduledSession.state != SessionState.PLANNED,
        ),
        _sessions_with(_hospital_rooms(hospital_id)),
    )


def _teaching(user):
    return sa.or_(
        ScheduledSession.owner_id == user.id,
        ScheduledSession.id.in_(
            sa.select(session_lecturers.c.session_id).where(
                session_lecturers.c.user_id == user.id
            )
        ),
    )


#: No calendar shows a day past the network's years (``lms.limits``).
_BEYOND = datetime(YEAR_MAX + 1, 1, 1, tzinfo=LOCAL_TZ)


def _days(condition, starts_from, starts_before=None, limit=PAGE_MAX_DAYS):
    """Session days (with their sessions and venues) of sessions matching
    ``condition``, starting in [from, before), in time order."""
    query = (
        sa.select(SessionDay)
        .join(SessionDay.session)
        .where(
            condition,
            SessionDay.starts_dt >= starts_from,
            # A day stored before years were bounded (year 10000 in Beijing)
            # would break every calendar and feed showing it.
            SessionDay.ends_dt < _BEYOND,
        )
        .options(
            contains_eager(SessionDay.session).selectinload(ScheduledSession.venue),
            contains_eager(SessionDay.session).selectinload(ScheduledSession.days),
        )
        .order_by(SessionDay.starts_dt, SessionDay.id)
        .limit(limit)
    )
    if starts_before is not None:
        query = query.where(SessionDay.starts_dt < starts_before)
    return list(db.session.scalars(query))


def _reservation_relations(reservations, session_ids):
    """{session id: (relation, is_waiting)} from the matching reservations of
    these sessions; an active one wins over one cancelled with its session."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reservation.session_id, Reservation.kind, Reservation.state)
        .join(ScheduledSession, Reservation.session_id == ScheduledSession.id)
        .where(Reservation.session_id.in_(session_ids), reservations)
        .where(_held_reservation())
    )
    found = {}
    for session_id, kind, state in rows:
        relation = Relation.SEAT if kind == ReservationKind.SEAT else Relation.ROOM
        waiting = state == ReservationState.WAITING
        # A seat beats a room; a booked place beats a waiting or cancelled one.
        rank = (relation == Relation.SEAT, state == ReservationState.BOOKED)
        if session_id not in found or rank > found[session_id][0]:
            found[session_id] = (rank, (relation, waiting))
    return {session_id: value for session_id, (_, value) in found.items()}


def _teaching_ids(user, session_ids):
    if not session_ids:
        return set()
    return set(
        db.session.scalars(
            sa.select(ScheduledSession.id).where(
                ScheduledSession.id.in_(session_ids), _teaching(user)
            )
        )
    )


def _entry(day, relation, is_waiting, now):
    session = day.session
    state = state_at(session.state, session.starts_dt, now)
    return Entry(session, day, relation, is_waiting, state)


def person_entries(user, starts_from, starts_before, now, *, show=Show.ALL):
    """The days on ``user``'s calendar starting in [from, before); ``show``
    narrows it to their own sessions or to those open to them."""
    related = sa.or_(_teaching(user), _sessions_with(_own_reservations(user)))
    conditions = []
    if show in (Show.ALL, Show.MINE):
        conditions.append(related)
    if show in (Show.ALL, Show.OPEN):
        conditions.append(ScheduledSession.state == SessionState.OPEN)
    days = _days(sa.or_(*conditions), starts_from, starts_before)
    return _person_view(user, days, now, show)


def _person_view(user, days, now, show):
    session_ids = {day.session_id for day in days}
    teaching = _teaching_ids(user, session_ids)
    booked = _reservation_relations(_own_reservations(user), session_ids)
    person = person_of(user)
    entries = []
    for day in days:
        session = day.session
        if session.id in teaching:
            relation, waiting = Relation.TEACHING, False
        elif session.id in booked:
            relation, waiting = booked[session.id]
        elif session.state == SessionState.OPEN and not audience_problem(
            audience_of(session), person
        ):
            relation, waiting = Relation.OPEN, False
        else:
            continue
        is_open = relation == Relation.OPEN
        if (show == Show.MINE and is_open) or (show == Show.OPEN and not is_open):
            continue
        entries.append(_entry(day, relation, waiting, now))
    return entries


def hospital_entries(hospital_id, starts_from, starts_before, now):
    """The days on a hospital's calendar: sessions it booked a room for and
    sessions held at it."""
    days = _days(_hospital_sessions(hospital_id), starts_from, starts_before)
    return _hospital_view(hospital_id, days, now)


def _hospital_view(hospital_id, days, now):
    rooms = _reservation_relations(
        _hospital_rooms(hospital_id), {day.session_id for day in days}
    )
    entries = []
    for day in days:
        relation, waiting = rooms.get(day.session_id, (Relation.VENUE, False))
        entries.append(_entry(day, relation, waiting, now))
    return entries


def feed_entries(feed, now):
    """The days a feed holds: the person's or hospital's own sessions (never
    merely open ones), from ``FEED_PAST`` ago on."""
    since = now - FEED_PAST
    if feed.hospital_id is not None:
        days = _days(_hospital_sessions(feed.hospital_id), since, limit=FEED_MAX_DAYS)
        return _hospital_view(feed.hospital_id, days, now)
    user = db.session.get(User, feed.user_id)
    condition = sa.or_(_teaching(user), _sessions_with(_own_reservations(user)))
    days = _days(condition, since, limit=FEED_MAX_DAYS)
    return _person_view(user, days, now, Show.MINE)


# --- feeds ------------------------------------------------------------------------


def hash_secret(secret):
    return hashlib.sha256(secret.encode()).hexdigest()


def feed_for_secret(secret):
    """The live feed behind a URL's secret, or None (malformed, unknown,
    revoked, a deactivated person's, or a hospital's made by someone no longer
    its active coordinator or the office, alike)."""
    if not SECRET_FORM.fullmatch(secret or ""):
        return None
    feed = db.session.scalar(
        sa.select(CalendarFeed).where(
            CalendarFeed.token_hash == hash_secret(secret),
            CalendarFeed.revoked_dt.is_(None),
        )
    )
    if feed is None:
        return None
    if feed.user_id is not None:
        return feed if db.session.get(User, feed.user_id).is_active else None
    # A hospital's feed lives as long as its maker may hold it: active and
    # still the hospital's coordinator (or the office).
    maker = db.session.get(User, feed.created_by_id)
    if maker is None or not maker.is_active:
        return None
    return feed if can_hold_hospital_feed(maker, feed.hospital_id) else None


def live_feed(*, user_id=None, hospital_id=None):
    """The person's or the hospital's live feed, or None."""
    query = sa.select(CalendarFeed).where(CalendarFeed.revoked_dt.is_(None))
    if hospital_id is not None:
        query = query.where(CalendarFeed.hospital_id == hospital_id)
    else:
        query = query.where(CalendarFeed.user_id == user_id)
    return db.session.scalars(query.order_by(CalendarFeed.id.desc())).first()


def issue_feed(actor, now, *, hospital_id=None):
    """A new secret feed URL for ``actor`` or (coordinator, office) a hospital;
    the one it had stops working (issuing again is rotating). Decided under
    the owner's row lock, so two clicks at once leave one live feed."""
    if hospital_id is not None:
        if not can_hold_hospital_feed(actor, hospital_id):
            raise feed_error(
                "not_allowed", "Only the hospital's coordinator or the office."
            )
        if _lock(Hospital, hospital_id) is None:
            raise feed_error("no_hospital", "No such hospital.", Kind.NOT_FOUND)
        owner = {"hospital_id": hospital_id}
    else:
        _lock(User, actor.id)
        owner = {"user_id": actor.id}
    _revoke_live(now, **owner)
    secret = secrets.token_urlsafe(SECRET_BYTES)
    feed = CalendarFeed(
        token_hash=hash_secret(secret),
        created_by_id=actor.id,
        created_dt=now,
        **owner,
    )
    db.session.add(feed)
    db.session.flush()
    return IssuedFeed(secret, feed)


def revoke_feed(actor, now, *, hospital_id=None):
    """Stop the person's or (coordinator, office) the hospital's feed URL; True
    when there was one."""
    if hospital_id is not None:
        if not can_hold_hospital_feed(actor, hospital_id):
            raise feed_error(
                "not_allowed", "Only the hospital's coordinator or the office."
            )
        _lock(Hospital, hospital_id)
        return _revoke_live(now, hospital_id=hospital_id)
    _lock(User, actor.id)
    return _revoke_live(now, user_id=actor.id)


def _lock(model, row_id):
    return db.session.scalar(
        sa.select(model).where(model.id == row_id).with_for_update()
    )


def _revoke_live(now, **owner):
    feeds = list(
        db.session.scalars(sa.select(CalendarFeed).filter_by(revoked_dt=None, **owner))
    )
    for feed in feeds:
        feed.revoked_dt = now
    db.session.flush()
    return bool(feeds)
