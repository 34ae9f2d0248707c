"""A remote viewer watching a broadcast live: viewings that take over the
learner's watch budget (one counting stream per learner), and heartbeats that
add presence within the session's hours (DESIGN §2.8).

Operations: they flush, never commit.
"""

import sqlalchemy as sa

from courses.sessions import queries
from courses.sessions.live_presence import watch_refusal
from courses.sessions.models import Reservation
from courses.sessions.states import ReservationKind, ReservationState
from lms.db import db


def _has_own_seat(session_id, user_id):
    return (
        db.session.scalar(
            sa.select(Reservation.id).where(
                Reservation.session_id == session_id,
                Reservation.kind == ReservationKind.SEAT,
                Reservation.state == ReservationState.BOOKED,
                Reservation.user_id == user_id,
            )
        )
        is not None
    )


def may_watch_live(user, session):
    """Why ``user`` may not watch ``session`` live ("" when they may): the
    office, hosts, coordinators of the venue or of a hospital with a room
    booked, learners in the audience (and booked when the session requires
    booking). The live media route and the viewing's API ask this."""
    if user is None or not getattr(user, "is_authenticated", True):
        return "sign in to watch"
    if not user.is_active:
        return "this account is not active"
    return watch_refusal(
        user,
        kind=session.kind,
        state=session.state,
        facts=queries.facts_of(session),
        audience=queries.audience_of(session),
        person=queries.person_of(user),
        booked_hospital_ids=queries.booked_hospital_ids(session.id),
        has_own_seat=_has_own_seat(session.id, user.id),
        is_booking_required=session.is_booking_required,
    )
