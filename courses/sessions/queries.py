"""Reads of scheduled sessions, and the plain facts their pure rules take."""

import sqlalchemy as sa

from courses.sessions.models import Reservation, ScheduledSession
from courses.sessions.schedule import Audience, Day, Person, SessionFacts
from courses.sessions.states import (
    ACTIVE_RESERVATION_STATES,
    ReservationKind,
    ReservationState,
)
from lms.db import db


def get_session(session_id):
    """The session, or None (ids past the column's range are simply absent)."""
    return db.session.get(ScheduledSession, session_id)


def lock_session(session_id):
    """The session row, locked until the transaction ends (PostgreSQL: FOR
    UPDATE; SQLite: every write request already holds the database's lock).
    Capacity, sign-ins and ending are decided under it."""
    return db.session.scalar(
        sa.select(ScheduledSession)
        .where(ScheduledSession.id == session_id)
        .with_for_update()
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
