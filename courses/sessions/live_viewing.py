"""A remote viewer watching a broadcast live: viewings that take over the
learner's watch budget (one counting stream per learner), and heartbeats that
add presence within the session's hours (DESIGN §2.8).

Operations: they flush, never commit.
"""

import secrets

import sqlalchemy as sa
from flask import current_app

from courses.operations import _locked_budget
from courses.queries import get_watch_budget
from courses.sessions import queries
from courses.sessions.attendance import _check_not_elsewhere
from courses.sessions.live_presence import (
    Span,
    beat_credit,
    live_minutes,
    max_gap,
    merge_span,
    spans_from_json,
    spans_to_json,
    watch_refusal,
)
from courses.sessions.models import LiveBroadcast, LiveViewing, Presence, Reservation
from courses.sessions.states import (
    PresenceSource,
    ReservationKind,
    ReservationState,
    SessionState,
)
from lms.accounts.roles import Role
from lms.db import db
from lms.problems import DomainError, Kind


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


def _check_may_watch(session, learner):
    refusal = may_watch_live(learner, session)
    if refusal:
        raise DomainError(
            "may_not_watch", refusal[0].upper() + refusal[1:] + ".", Kind.FORBIDDEN
        )


def _check_not_over(session):
    if session.state == SessionState.ENDED:
        raise DomainError("session_ended", "This session has ended.")
    if session.state == SessionState.CANCELLED:
        raise DomainError("session_cancelled", "This session was cancelled.")


def beat_seconds():
    """How often a live player beats (``LIVE_BEAT_SECONDS``)."""
    return current_app.config["LIVE_BEAT_SECONDS"]


def start_viewing(session, learner, now):
    """A viewing for a learner who may watch the session live: it takes over
    their watch budget, so from now on only its beats count (a recorded
    lecture's play session or another tab's viewing counts nothing more).
    Only learners' viewings earn presence; others just watch."""
    if learner.role != Role.LEARNER:
        raise DomainError(
            "not_a_learner",
            "Only learners' viewing counts as presence.",
            Kind.FORBIDDEN,
        )
    _check_may_watch(session, learner)
    _check_not_over(session)
    # Lock order, as in courses.operations: the learner's budget first.
    budget = _locked_budget(learner.id, now)
    viewing = LiveViewing(
        token=secrets.token_urlsafe(32),
        session_id=session.id,
        user_id=learner.id,
        started_dt=now,
    )
    db.session.add(viewing)
    db.session.flush()
    budget.play_session_id = None
    budget.live_viewing_id = viewing.id
    budget.credited_until_dt = max(budget.credited_until_dt, now)
    db.session.flush()
    return viewing


def _on_air(session_id, since):
    """The session's broadcasts on air at any moment after ``since``."""
    rows = db.session.execute(
        sa.select(LiveBroadcast.started_dt, LiveBroadcast.ended_dt).where(
            LiveBroadcast.session_id == session_id,
            sa.or_(LiveBroadcast.ended_dt.is_(None), LiveBroadcast.ended_dt > since),
        )
    )
    return [Span(row.started_dt, row.ended_dt) for row in rows]


def presence_of(session, user_id, day_id):
    return db.session.scalar(
        sa.select(Presence).where(
            Presence.session_id == session.id,
            Presence.day_id == day_id,
            Presence.user_id == user_id,
        )
    )


def todays_presence(session, user_id, now):
    """The learner's presence on the session's day holding ``now`` (or the
    latest day begun), or None."""
    days = [day for day in queries.days_of(session) if day.starts <= now]
    if not days:
        return None
    return presence_of(session, user_id, days[-1].id)


def record_live_beat(session, learner, token, seq, now):
    """A heartbeat of a live viewing, by the server's clock: the time since the
    viewing's previous beat (at most two beat intervals) that lies within a
    day's scheduled hours while a broadcast was on air becomes presence
    (``Presence`` of source live: its seconds, whole minutes, first and last
    moment). A replayed ``seq`` changes nothing; a viewing another one took
    over is refused (409 ``viewing_superseded``); a room's presence (code or
    vouched) on that day is kept as it is; hours present at another session
    are refused. Returns ``(presence or None, seconds credited)``."""
    session = queries.lock_session(session.id)
    budget = get_watch_budget(learner.id, for_update=True)
    viewing = db.session.scalar(
        sa.select(LiveViewing).where(LiveViewing.token == token).with_for_update()
    )
    if (
        viewing is None
        or viewing.user_id != learner.id
        or viewing.session_id != session.id
    ):
        raise DomainError("unknown_viewing", "Unknown viewing.", Kind.NOT_FOUND)
    if budget is None or budget.live_viewing_id != viewing.id:
        raise DomainError(
            "viewing_superseded",
            "A newer stream of yours (another tab, device or lecture) counts now; "
            "reload this page to count here.",
        )
    if seq <= viewing.last_seq:
        return todays_presence(session, learner.id, now), 0.0
    _check_not_over(session)
    gap = max_gap(beat_seconds())
    credit = beat_credit(
        viewing.last_beat_dt,
        now,
        gap,
        queries.days_of(session),
        _on_air(session.id, now - gap),
    )
    viewing.last_seq = seq
    viewing.last_beat_dt = now
    if credit is None:
        db.session.flush()
        return todays_presence(session, learner.id, now), 0.0
    presence = presence_of(session, learner.id, credit.day.id)
    if presence is not None and presence.source != PresenceSource.LIVE:
        db.session.flush()
        return presence, 0.0  # in a room that day: the room's record stands
    if presence is None:
        _check_may_watch(session, learner)
    _check_not_elsewhere(session, learner, credit.starts, credit.ends)
    if presence is None:
        presence = Presence(
            session_id=session.id,
            day_id=credit.day.id,
            user_id=learner.id,
            hospital_id=learner.hospital_id,
            source=PresenceSource.LIVE,
            signed_in_dt=credit.starts,
            signed_out_dt=credit.ends,
            live_seconds=0.0,
            live_spans=[],
            flags=[],
        )
        db.session.add(presence)
    presence.live_seconds = (presence.live_seconds or 0.0) + credit.seconds
    presence.minutes = live_minutes(presence.live_seconds)
    # The moments present, not one span from the first to the last: a viewer
    # away in between may have been in a room elsewhere (the overlap rule).
    spans = spans_from_json(
        presence.live_spans, presence.signed_in_dt, presence.signed_out_dt
    )
    presence.live_spans = spans_to_json(
        merge_span(spans, credit.starts, credit.ends, gap)
    )
    presence.signed_out_dt = max(presence.signed_out_dt, credit.ends)
    presence.updated_dt = now
    viewing.seconds += credit.seconds
    db.session.flush()
    return presence, credit.seconds
