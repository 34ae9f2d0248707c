"""Reads of scheduled sessions, and the plain facts their pure rules take."""

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.sessions.models import (
    Presence,
    Reservation,
    ScheduledSession,
    SessionDay,
    SessionOutcome,
    VisitRequest,
    session_lecturers,
)
from courses.sessions.schedule import Audience, Day, Person, SessionFacts, is_host
from courses.sessions.states import (
    ACTIVE_RESERVATION_STATES,
    ReservationKind,
    ReservationState,
    SessionState,
    VisitState,
)
from lms.accounts.roles import Role
from lms.db import db


def get_session(session_id):
    """The session, or None (ids past the column's range are simply absent)."""
    return db.session.get(ScheduledSession, session_id)


def visible_session(session_id, actor):
    """The session if ``actor`` may know it exists: a planned one (not yet
    approved) only to its hosts and the office; None otherwise, so every page
    and endpoint answers 404 alike and nobody learns which ids exist."""
    session = get_session(session_id)
    if session is None:
        return None
    if session.state == SessionState.PLANNED and not is_host(actor, facts_of(session)):
        return None
    return session


def lock_session(session_id):
    """The session row, locked until the transaction ends (PostgreSQL: FOR NO
    KEY UPDATE; SQLite: every write request already holds the database's lock).
    Capacity, sign-ins and ending are decided under it.

    FOR NO KEY UPDATE still serialises every writer that takes this lock, but
    leaves the KEY SHARE lock a new child row's foreign key takes (a viewing, a
    question, a presence) free: under FOR UPDATE a live beat holding the session
    and waiting for the learner's budget deadlocked with the learner's new
    viewing holding the budget and inserting its row. Nothing here deletes a
    session or changes its id, the only writes FOR UPDATE would add."""
    return db.session.scalar(
        sa.select(ScheduledSession)
        .where(ScheduledSession.id == session_id)
        .with_for_update(key_share=True)
        .execution_options(populate_existing=True)
    )


def days_of(session):
    """The session's days as the rules take them, in order."""
    return [Day(day.id, day.starts_dt, day.ends_dt) for day in session.days]


def facts_of(session):
    return SessionFacts(
        owner_id=session.owner_id,
        lecturer_ids=frozenset(user.id for user in session.lecturers),
        venue_hospital_id=session.venue_hospital_id,
    )


def audience_of(session):
    return Audience(
        hospital_ids=tuple(session.audience_hospital_ids or ()),
        tiers=tuple(session.audience_tiers or ()),
        provinces=tuple(session.audience_provinces or ()),
        professions=tuple(session.audience_professions or ()),
    )


def person_of(user):
    """A user as the audience rule sees them (their hospital's tier and province)."""
    hospital = user.hospital
    return Person(
        id=user.id,
        role=user.role,
        hospital_id=user.hospital_id,
        tier=hospital.tier.value if hospital else "",
        province=hospital.province_code if hospital else "",
        profession=user.profession.value if user.profession else "",
    )


def booked_hospital_ids(session_id):
    """Hospitals with a room booked (not waiting) at the session."""
    return set(
        db.session.scalars(
            sa.select(Reservation.hospital_id).where(
                Reservation.session_id == session_id,
                Reservation.kind == ReservationKind.ROOM,
                Reservation.state == ReservationState.BOOKED,
            )
        )
    )


def seats_taken(session_id):
    """Seats booked (not waiting) at the session, rooms and learners together."""
    return db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.sum(Reservation.seats), 0)).where(
            Reservation.session_id == session_id,
            Reservation.state == ReservationState.BOOKED,
        )
    )


def active_reservations(session_id):
    """Booked and waiting reservations, oldest first (the waiting list's order)."""
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(
                Reservation.session_id == session_id,
                Reservation.state.in_(ACTIVE_RESERVATION_STATES),
            )
            .order_by(Reservation.created_dt, Reservation.id)
        )
    )


# --- the pages of booking and management ---------------------------------------


def list_sessions_in_states(states, *, limit=200, latest_first=False):
    """Sessions in ``states`` with their days and venues, soonest first (the
    latest first for a list of the past)."""
    first_start = (
        sa.select(sa.func.min(SessionDay.starts_dt))
        .where(SessionDay.session_id == ScheduledSession.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(ScheduledSession)
            .where(ScheduledSession.state.in_(states))
            .options(
                selectinload(ScheduledSession.days),
                selectinload(ScheduledSession.venue),
            )
            .order_by(
                *(
                    (first_start.desc(), ScheduledSession.id.desc())
                    if latest_first
                    else (first_start, ScheduledSession.id)
                )
            )
            .limit(limit)
        )
    )


def seat_of(session_id, user_id):
    """A person's active (booked or waiting) seat at the session, or None."""
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.session_id == session_id,
            Reservation.user_id == user_id,
            Reservation.kind == ReservationKind.SEAT,
            Reservation.state.in_(ACTIVE_RESERVATION_STATES),
        )
    )


def room_of(session_id, hospital_id):
    """A hospital's active (booked or waiting) room at the session, or None."""
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.session_id == session_id,
            Reservation.hospital_id == hospital_id,
            Reservation.kind == ReservationKind.ROOM,
            Reservation.state.in_(ACTIVE_RESERVATION_STATES),
        )
    )


def waiting_position(reservation):
    """1 for the first on the session's waiting list (None if not waiting)."""
    if reservation.state != ReservationState.WAITING:
        return None
    ahead = db.session.scalar(
        sa.select(sa.func.count()).where(
            Reservation.session_id == reservation.session_id,
            Reservation.state == ReservationState.WAITING,
            sa.or_(
                Reservation.created_dt < reservation.created_dt,
                sa.and_(
                    Reservation.created_dt == reservation.created_dt,
                    Reservation.id < reservation.id,
                ),
            ),
        )
    )
    return ahead + 1


def list_room_bookings(hospital_id, *, limit=200):
    """A hospital's room bookings (every state) with their sessions, newest
    session first."""
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .join(ScheduledSession, Reservation.session_id == ScheduledSession.id)
            .where(
                Reservation.hospital_id == hospital_id,
                Reservation.kind == ReservationKind.ROOM,
            )
            .options(
                selectinload(Reservation.session).selectinload(ScheduledSession.days)
            )
            .order_by(Reservation.created_dt.desc(), Reservation.id.desc())
            .limit(limit)
        )
    )


def list_visit_requests(*, hospital_id=None, states=None, limit=200):
    """Visit requests (a hospital's, or all), open ones first, oldest first."""
    query = sa.select(VisitRequest)
    if hospital_id is not None:
        query = query.where(VisitRequest.hospital_id == hospital_id)
    if states is not None:
        query = query.where(VisitRequest.state.in_(states))
    is_open = sa.case((VisitRequest.state == VisitState.REQUESTED, 0), else_=1)
    return list(
        db.session.scalars(
            query.options(
                selectinload(VisitRequest.hospital),
                selectinload(VisitRequest.requested_by),
            )
            .order_by(is_open, VisitRequest.created_dt.desc())
            .limit(limit)
        )
    )


def presences_of(session_id, user_id):
    """A person's presence rows at the session, by day id."""
    return {
        presence.day_id: presence
        for presence in db.session.scalars(
            sa.select(Presence).where(
                Presence.session_id == session_id, Presence.user_id == user_id
            )
        )
    }


def outcomes_of(session_id, user_id):
    """What the session came to for a person (a learner's and a lecturer's)."""
    return list(
        db.session.scalars(
            sa.select(SessionOutcome).where(
                SessionOutcome.session_id == session_id,
                SessionOutcome.user_id == user_id,
            )
        )
    )


def list_outcomes(session_id):
    """A session's outcomes, learners then lecturers, by person."""
    return list(
        db.session.scalars(
            sa.select(SessionOutcome)
            .filter_by(session_id=session_id)
            .options(
                selectinload(SessionOutcome.user), selectinload(SessionOutcome.award)
            )
            .order_by(SessionOutcome.role, SessionOutcome.user_id)
        )
    )


def sessions_to_end(now, after):
    """Open sessions whose last day ended more than ``after`` (a timedelta) ago."""
    last_end = (
        sa.select(sa.func.max(SessionDay.ends_dt))
        .where(SessionDay.session_id == ScheduledSession.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            sa.select(ScheduledSession.id).where(
                ScheduledSession.state == SessionState.OPEN, last_end < now - after
            )
        )
    )


def sessions_to_credit(now, after):
    """Ended sessions not credited yet, ended more than ``after`` ago (their
    task was lost: a queue restarted, a worker killed)."""
    return list(
        db.session.scalars(
            sa.select(ScheduledSession.id).where(
                ScheduledSession.state == SessionState.ENDED,
                ScheduledSession.credited_dt.is_(None),
                ScheduledSession.ended_dt < now - after,
            )
        )
    )


def list_schedule(starts_before, ends_after, viewer, *, hospital_id=None, limit=500):
    """Sessions with a day between ``ends_after`` and ``starts_before``, soonest
    first, that ``viewer`` may see: a planned one only by its owner, its
    lecturers and the office. ``hospital_id`` keeps those held at that hospital
    or with its room booked or waiting."""
    has_day = (
        sa.select(SessionDay.id)
        .where(
            SessionDay.session_id == ScheduledSession.id,
            SessionDay.starts_dt < starts_before,
            SessionDay.ends_dt > ends_after,
        )
        .exists()
    )
    query = sa.select(ScheduledSession).where(has_day)
    if viewer.role != Role.ADMINISTRATOR:
        teaches = (
            sa.select(session_lecturers.c.session_id)
            .where(
                session_lecturers.c.session_id == ScheduledSession.id,
                session_lecturers.c.user_id == viewer.id,
            )
            .exists()
        )
        query = query.where(
            sa.or_(
                ScheduledSession.state != SessionState.PLANNED,
                ScheduledSession.owner_id == viewer.id,
                teaches,
            )
        )
    if hospital_id is not None:
        rooms = (
            sa.select(Reservation.id)
            .where(
                Reservation.session_id == ScheduledSession.id,
                Reservation.hospital_id == hospital_id,
                Reservation.kind == ReservationKind.ROOM,
                Reservation.state.in_(ACTIVE_RESERVATION_STATES),
            )
            .exists()
        )
        query = query.where(
            sa.or_(ScheduledSession.venue_hospital_id == hospital_id, rooms)
        )
    first_start = (
        sa.select(sa.func.min(SessionDay.starts_dt))
        .where(SessionDay.session_id == ScheduledSession.id)
        .scalar_subquery()
    )
    return list(
        db.session.scalars(
            query.options(
                selectinload(ScheduledSession.days),
                selectinload(ScheduledSession.lecturers),
            )
            .order_by(first_start, ScheduledSession.id)
            .limit(limit)
        )
    )


def seats_taken_of(session_ids):
    """Seats booked at each of ``session_ids`` (one query for a list)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        sa.select(Reservation.session_id, sa.func.sum(Reservation.seats))
        .where(
            Reservation.session_id.in_(list(session_ids)),
            Reservation.state == ReservationState.BOOKED,
        )
        .group_by(Reservation.session_id)
    )
    return {session_id: int(seats or 0) for session_id, seats in rows}


def list_session_presences(session_id, hospital_id=None):
    """The session's presences by day and name (only ``hospital_id``'s people
    when given), with the person, their hospital and who vouched."""
    from lms.accounts.models import User

    query = (
        sa.select(Presence)
        .join(User, User.id == Presence.user_id)
        .join(SessionDay, SessionDay.id == Presence.day_id)
        .where(Presence.session_id == session_id)
        .options(
            selectinload(Presence.user),
            selectinload(Presence.hospital),
            selectinload(Presence.vouched_by),
        )
        .order_by(SessionDay.starts_dt, User.name, User.id)
    )
    if hospital_id is not None:
        query = query.where(User.hospital_id == hospital_id)
    return list(db.session.scalars(query))


def list_hospital_outcomes(hospital_id, since, until, *, page=1, per_page=50):
    """The learner outcomes of ``hospital_id``'s people at sessions whose first
    day starts in [since, until), newest first, with their session and credit
    line; ``(outcome, session, first start)`` rows and ``has_next``."""
    from lms.accounts.models import User

    first_start = (
        sa.select(sa.func.min(SessionDay.starts_dt))
        .where(SessionDay.session_id == SessionOutcome.session_id)
        .scalar_subquery()
    )
    query = (
        sa.select(SessionOutcome, ScheduledSession, first_start.label("starts_dt"))
        .join(User, User.id == SessionOutcome.user_id)
        .join(ScheduledSession, ScheduledSession.id == SessionOutcome.session_id)
        .where(
            User.hospital_id == hospital_id,
            SessionOutcome.role == "learner",
            first_start >= since,
            first_start < until,
        )
        .options(
            selectinload(SessionOutcome.user),
            selectinload(SessionOutcome.award),
        )
        .order_by(first_start.desc(), SessionOutcome.session_id, User.name, User.id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = db.session.execute(query).all()
    return rows[:per_page], len(rows) > per_page


def attended_day_ids(session_id):
    """The ids of the session's days with a presence or a room's headcount (an
    edit must not move them onto other times)."""
    from courses.sessions.models import RoomHeadcount

    presences = sa.select(Presence.day_id).where(Presence.session_id == session_id)
    headcounts = sa.select(RoomHeadcount.day_id).where(
        RoomHeadcount.session_id == session_id
    )
    return set(db.session.scalars(sa.union(presences, headcounts)))
