"""Room attendance: the rotating code a room shows, signing in and out with it,
the coordinator's vouching and headcount, and the attendance list.

Every write decides under the session's row lock (``queries.lock_session``):
two phones posting at once make one presence. Operations flush; the edges
commit.
"""

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import joinedload

from courses.sessions import attendance_rules as rules
from courses.sessions import codes, crediting, queries
from courses.sessions.live_presence import (
    live_minutes,
    room_minutes_with_live,
    spans_from_json,
    spans_overlap,
)
from courses.sessions.models import (
    Presence,
    Reservation,
    RoomHeadcount,
    ScheduledSession,
    SessionDay,
)
from courses.sessions.schedule import (
    SIGN_OUT_GRACE,
    Day,
    audience_problem,
    can_open_room,
    is_host,
    presence_minutes,
    sign_in_window,
    sign_out_window,
    state_at,
)
from courses.sessions.states import (
    PresenceSource,
    ReservationKind,
    ReservationState,
    SessionState,
)
from lms import limits
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import UTCDateTime, db
from lms.problems import DomainError, Kind
from lms.text import BlankText, clean_text


class AttendanceError(DomainError):
    """A refused sign-in, sign-out, vouch or headcount; ``at`` is the moment
    its message names (the doors opening, the first sign-in), for the pages."""

    def __init__(self, code, message, kind=Kind.CONFLICT, at=None, reason=""):
        super().__init__(code, message, kind)
        self.at = at
        #: The audience rule's reason, as ``schedule.audience_problem`` says it.
        self.reason = reason


def _refuse(refusal, kind=Kind.CONFLICT):
    raise AttendanceError(refusal.code, refusal.message, kind, refusal.at)


def _local(moment):
    return rules._hhmm(moment)


# --- the room's code ---------------------------------------------------------------


def booked_rooms(session_id):
    """The session's booked hospital rooms, by id."""
    return list(
        db.session.scalars(
            sa.select(Reservation)
            .where(
                Reservation.session_id == session_id,
                Reservation.kind == ReservationKind.ROOM,
                Reservation.state == ReservationState.BOOKED,
            )
            .order_by(Reservation.id)
        )
    )


def room_keys(session):
    """Room keys whose codes the session accepts: the venue's, each booked room's."""
    return [codes.VENUE] + [codes.room_key(r.id) for r in booked_rooms(session.id)]


def choose_room(session, actor, room=None):
    """The room ``actor`` opens the screen of: a host any (``room`` a booked
    room's reservation id, None the venue); a coordinator their hospital's
    booked room, or the venue's when it is their hospital. Returns the
    reservation, or None for the venue."""
    facts = queries.facts_of(session)
    rooms = booked_rooms(session.id)
    if not can_open_room(actor, facts, {r.hospital_id for r in rooms}):
        raise AttendanceError(
            "not_your_room",
            "Only a host or a booked hospital's coordinator opens the room screen.",
            Kind.FORBIDDEN,
        )
    if is_host(actor, facts):
        if room is None:
            return None
        for reservation in rooms:
            if reservation.id == room:
                return reservation
        raise AttendanceError(
            "unknown_room", "No room of this session has that id.", Kind.NOT_FOUND
        )
    own = [r for r in rooms if r.hospital_id == actor.hospital_id]
    if room is not None and not any(r.id == room for r in own):
        raise AttendanceError(
            "not_your_room", "That room is another hospital's.", Kind.FORBIDDEN
        )
    if own:
        return own[0]
    return None  # the venue's coordinator


def room_code(session, actor, now, room=None):
    """(code, expires_at, reservation or None) of the screen ``actor`` opens."""
    reservation = choose_room(session, actor, room)
    _check_takes_sign_outs(session, now)
    key = codes.room_key(reservation.id if reservation else None)
    return (
        codes.current_code(session.code_secret, key, now),
        codes.expires_at(now),
        reservation,
    )


def signed_in_count(session, reservation_id, now):
    """People signed in (and not out) in a room on the day open at ``now``."""
    day, _ = rules.sign_in_refusal(
        queries.days_of(session), now, session.doors_open_minutes
    )
    if day is None:
        day = _day_in_sign_out(session, now)
    if day is None:
        return 0
    return db.session.scalar(
        sa.select(sa.func.count(Presence.id)).where(
            Presence.day_id == day.id,
            Presence.reservation_id.is_(None)
            if reservation_id is None
            else Presence.reservation_id == reservation_id,
            # A live viewer watched remotely: in no room, not even the venue.
            Presence.source != PresenceSource.LIVE,
            Presence.signed_out_dt.is_(None),
        )
    )


def _day_in_sign_out(session, now):
    day, _ = rules.sign_out_refusal(queries.days_of(session), now)
    return day


# --- signing in and out -------------------------------------------------------------


def _check_takes_sign_ins(session, now):
    state = state_at(session.state, session.starts_dt, now)
    if state not in rules.TAKES_SIGN_INS:
        messages = {
            SessionState.PLANNED: "This session is not open yet.",
            SessionState.ENDED: "This session has ended.",
            SessionState.CANCELLED: "This session was cancelled.",
        }
        raise AttendanceError(
            f"session_{state.value}", messages.get(state, "Not open."), Kind.CONFLICT
        )


def _check_takes_sign_outs(session, now):
    """Sign-outs, and the screen's code for them, are also taken once a host has
    ended the session (people leave after the end), for the sign-out grace after
    that end; the day's sign-out hours still decide."""
    if session.state != SessionState.ENDED:
        _check_takes_sign_ins(session, now)
    elif session.ended_dt is None or now > session.ended_dt + SIGN_OUT_GRACE:
        _check_takes_sign_ins(session, now)  # refused: the session has ended


def _check_takes_corrections(session, now):
    """A coordinator's vouches and headcounts: while sign-ins are taken, and for
    a week after the end (a roster synced late), never after."""
    if not rules.takes_vouches(
        state_at(session.state, session.starts_dt, now), session.ends_dt, now
    ):
        if session.state != SessionState.ENDED:
            _check_takes_sign_ins(session, now)
        raise AttendanceError(
            "corrections_closed",
            "Attendance of this session can no longer be corrected.",
            Kind.CONFLICT,
        )


def _credit_if_ended(session, user_id, now):
    """A sign-out or a vouch after the end is credited at once (the learner's
    outcome decided again), not by running the whole session's credits again."""
    if session.state == SessionState.ENDED:
        crediting.credit_session(session.id, now, only_user_id=user_id)


def _until_end(session, moment):
    """``moment``, or the moment a host ended the session when that was earlier."""
    if session.ended_dt is not None and session.ended_dt < moment:
        return session.ended_dt
    return moment


def _presence(day_id, user_id):
    return db.session.scalar(
        sa.select(Presence).where(
            Presence.day_id == day_id, Presence.user_id == user_id
        )
    )


def _own_seat(session_id, user_id):
    return db.session.scalar(
        sa.select(Reservation.id).where(
            Reservation.session_id == session_id,
            Reservation.kind == ReservationKind.SEAT,
            Reservation.state == ReservationState.BOOKED,
            Reservation.user_id == user_id,
        )
    )


def _match_code(session, code, now):
    """The booked room (or None for the venue) whose code ``code`` is."""
    rooms = {codes.room_key(r.id): r for r in booked_rooms(session.id)}
    key = codes.match(session.code_secret, code, now, [codes.VENUE, *rooms])
    if key is None:
        raise AttendanceError(
            "invalid_code",
            "This code is wrong or has expired: scan or type the code on the "
            "screen now.",
            Kind.INVALID,
        )
    return rooms.get(key)


def _check_may_attend(session, learner):
    """(their own seat or None, whether they or their hospital booked), after
    refusing one outside the audience, or unbooked where booking is required
    (a sign-in and a coordinator's vouch alike)."""
    problem = audience_problem(queries.audience_of(session), queries.person_of(learner))
    if problem:
        raise AttendanceError(
            "not_in_audience",
            problem[0].upper() + problem[1:] + ".",
            Kind.FORBIDDEN,
            reason=problem,
        )
    own_seat = _own_seat(session.id, learner.id)
    hospital_room = learner.hospital_id in queries.booked_hospital_ids(session.id)
    is_booked = own_seat is not None or hospital_room
    if session.is_booking_required and not is_booked:
        raise AttendanceError(
            "not_booked",
            "This session needs a booking: you have no seat of your own and your "
            "hospital has booked no room.",
            Kind.FORBIDDEN,
        )
    return own_seat, is_booked


def _check_not_elsewhere(session, learner, starts, ends):
    """Refuse a presence from ``starts`` to ``ends`` that overlaps the learner's
    presence at another session (one body, one room: the same hours never earn
    two sessions' credit). A presence not signed out lasts to its day's end, or
    to the moment a host ended its session if that came first.

    The learner's row is locked first: two tabs signing in (or two rosters
    vouching) at two sessions at once each hold only their own session's lock,
    and would not see each other's presence. FOR NO KEY UPDATE, like the
    session's lock: it serialises these checks but leaves the learner's new rows
    elsewhere (a viewing, a question, a budget) free to take their foreign key's
    KEY SHARE lock."""
    db.session.execute(
        sa.select(User.id).where(User.id == learner.id).with_for_update(key_share=True)
    )
    day_end = sa.case(
        (ScheduledSession.ended_dt < SessionDay.ends_dt, ScheduledSession.ended_dt),
        else_=SessionDay.ends_dt,
    )
    other_end = sa.func.coalesce(Presence.signed_out_dt, day_end)
    in_envelope = sa.and_(Presence.signed_in_dt < ends, other_end > starts)
    # Moments watched live lie within their day's hours (a presence turned into
    # a room's keeps them before its sign-in).
    live_that_day = sa.and_(
        Presence.live_seconds > 0,
        SessionDay.starts_dt < ends,
        SessionDay.ends_dt > starts,
    )
    rows = db.session.execute(
        sa.select(
            Presence.session_id,
            Presence.source,
            Presence.signed_in_dt,
            Presence.signed_out_dt,
            Presence.live_spans,
            sa.type_coerce(other_end, UTCDateTime).label("other_end"),
        )
        .join(SessionDay, SessionDay.id == Presence.day_id)
        .join(ScheduledSession, ScheduledSession.id == Presence.session_id)
        .where(
            Presence.user_id == learner.id,
            Presence.session_id != session.id,
            sa.or_(in_envelope, live_that_day),
        )
        .order_by(Presence.signed_in_dt, Presence.id)
    ).all()
    for other in rows:
        at = _overlap_at(other, starts, ends)
        if at is not None:
            raise AttendanceError(
                "present_elsewhere",
                f"You are present at another session (#{other.session_id}) at "
                "these hours; sign out there first.",
                Kind.CONFLICT,
                at,
            )


def _overlap_at(other, starts, ends):
    """The moment another session's presence (a row of ``_check_not_elsewhere``)
    begins sharing ``starts``..``ends``, or None: a live viewer was present in
    their spans only (the hours between, away, are not presence); a room's
    presence from its sign-in to its sign-out (or its day's end), plus the
    spans it watched live before that sign-in."""
    if other.source == PresenceSource.LIVE:
        spans = spans_from_json(
            other.live_spans, other.signed_in_dt, other.signed_out_dt
        )
    else:
        spans = spans_from_json(other.live_spans or [])
        if other.signed_in_dt is not None:
            spans.append((other.signed_in_dt, other.other_end))
    span = spans_overlap(spans, starts, ends)
    return None if span is None else span[0]


def sign_in(session, learner, code, now):
    """Sign ``learner`` in with the code on a room's screen: on the day whose
    doors are open, once, if they are in the audience (and booked, when the
    session requires it). Returns the new Presence, flagged for the office
    when it is another hospital's room, not booked, or past the room's headcount."""
    session = queries.lock_session(session.id)
    _check_takes_sign_ins(session, now)
    day, refusal = rules.sign_in_refusal(
        queries.days_of(session), now, session.doors_open_minutes
    )
    if refusal:
        _refuse(refusal)
    room = _match_code(session, code, now)
    existing = _presence(day.id, learner.id)
    if existing is not None and existing.source != PresenceSource.LIVE:
        first = existing.signed_in_dt
        raise AttendanceError(
            "already_signed_in",
            f"You signed in already, at {_local(first)}." if first else "Vouched for.",
            Kind.CONFLICT,
            first,
        )
    own_seat, is_booked = _check_may_attend(session, learner)
    _check_not_elsewhere(session, learner, now, day.ends)
    room_hospital = room.hospital_id if room else session.venue_hospital_id
    values = {
        "reservation_id": room.id if room else None,
        "source": PresenceSource.CODE,
        "signed_in_dt": now,
        "signed_out_dt": None,
        "flags": rules.sign_in_flags(
            learner_hospital_id=learner.hospital_id,
            room_hospital_id=room_hospital,
            has_own_seat=own_seat is not None and room is None,
            is_booked=is_booked,
        ),
        "updated_dt": now,
    }
    if existing is None:
        presence = Presence(
            session_id=session.id,
            day_id=day.id,
            user_id=learner.id,
            hospital_id=learner.hospital_id,
            **values,
        )
        db.session.add(presence)
    else:
        presence = _into_room(existing, values)
    db.session.flush()
    _flag_if_above_headcount(presence)
    return presence


def _into_room(presence, values):
    """A learner who watched live earlier that day (on the way in, say) signs
    in to a room: their live presence becomes the room's. The room's record
    stands from then on (its room, flags, sign-in now, minutes at sign-out) and
    later live beats add nothing to it; the seconds watched live before the
    sign-in stay counted: ``minutes`` holds their whole minutes until the
    sign-out adds the room's time after them (``room_minutes_with_live``), so no
    moment counts twice. ``live_spans`` keep when they were watched (the
    overlap rule still reads them)."""
    for name, value in values.items():
        setattr(presence, name, value)
    presence.minutes = live_minutes(presence.live_seconds)
    return presence


def sign_out(session, learner, code, now):
    """Sign ``learner`` out with a room's code: from the day's start until its
    grace after the end; the presence's minutes are counted within the
    scheduled hours."""
    session = queries.lock_session(session.id)
    _check_takes_sign_outs(session, now)
    day, refusal = rules.sign_out_refusal(queries.days_of(session), now)
    if refusal:
        # Before the start, someone signed in is told when sign-out opens.
        _refuse(refusal)
    _match_code(session, code, now)
    presence = _presence(day.id, learner.id)
    if presence is None or presence.signed_in_dt is None:
        raise AttendanceError(
            "not_signed_in", "You have not signed in today.", Kind.CONFLICT
        )
    if presence.signed_out_dt is not None:
        raise AttendanceError(
            "already_signed_out",
            f"You signed out already, at {_local(presence.signed_out_dt)}.",
            Kind.CONFLICT,
            presence.signed_out_dt,
        )
    presence.signed_out_dt = now
    # Nobody is present after the host ended the session, however late they
    # scan the code on the way out; minutes watched live before the sign-in
    # (a live presence turned into the room's) count too.
    spans = spans_from_json(presence.live_spans or [])
    presence.minutes = room_minutes_with_live(
        day,
        presence.signed_in_dt,
        _until_end(session, now),
        presence.live_seconds,
        live_until=spans[-1][1] if spans else None,
    )
    presence.updated_dt = now
    db.session.flush()
    _credit_if_ended(session, learner.id, now)
    return presence


# --- the coordinator's roster -------------------------------------------------------


def _day_of(session, day_id):
    day = db.session.get(SessionDay, day_id)
    if day is None or day.session_id != session.id:
        raise AttendanceError(
            "unknown_day", "This session has no such day.", Kind.NOT_FOUND
        )
    return Day(day.id, day.starts_dt, day.ends_dt)


def _aware(moment, field):
    if not isinstance(moment, datetime) or moment.tzinfo is None:
        raise AttendanceError(
            f"invalid_{field}", f"{field} needs a date, time and zone.", Kind.INVALID
        )
    return moment


def vouch(
    session,
    coordinator,
    now,
    *,
    user_id,
    day_id,
    signed_in,
    signed_out,
    reason,
    client_ref=None,
):
    """Record, with a reason, that a person was in the room from ``signed_in``
    to ``signed_out`` on a day (the roster's fallback when a phone fails).

    The coordinator of the person's hospital or a host vouches. Idempotent: the
    same vouch again (an offline queue replayed; ``client_ref`` names the
    roster's queued action) returns the presence unchanged; a different one
    corrects it, audited with the values before. Returns the Presence."""
    session = queries.lock_session(session.id)
    _check_takes_corrections(session, now)
    learner = db.session.get(User, user_id)
    if learner is None or not learner.is_active or learner.role != Role.LEARNER:
        raise AttendanceError("unknown_user", "No such learner.", Kind.NOT_FOUND)
    facts = queries.facts_of(session)
    if not rules.can_vouch(coordinator, facts, learner.hospital_id):
        raise AttendanceError(
            "not_your_staff",
            "Only a host or the coordinator of the learner's hospital vouches.",
            Kind.FORBIDDEN,
        )
    day = _day_of(session, day_id)
    try:
        reason = clean_text(reason)
    except BlankText:
        raise AttendanceError(
            "reason_required", "Say why you vouch.", Kind.INVALID
        ) from None
    if len(reason) > limits.REASON_MAX:
        raise AttendanceError("invalid_reason", "The reason is too long.", Kind.INVALID)
    signed_in = _aware(signed_in, "signed_in")
    signed_out = _aware(signed_out, "signed_out")
    opens, _ = sign_in_window(day, session.doors_open_minutes)
    _, closes = sign_out_window(day)
    if not (opens <= signed_in <= signed_out <= closes):
        raise AttendanceError(
            "invalid_times",
            f"Sign-in and sign-out must lie between {_local(opens)} and "
            f"{_local(closes)}, sign-in first.",
            Kind.INVALID,
        )
    if signed_out > now:
        raise AttendanceError(
            "invalid_times", "Nobody can be vouched for ahead of time.", Kind.INVALID
        )
    _check_may_attend(session, learner)
    _check_not_elsewhere(session, learner, signed_in, signed_out)
    minutes = presence_minutes(day, signed_in, _until_end(session, signed_out))
    presence = _presence(day.id, learner.id)
    values = {
        "source": PresenceSource.VOUCHED,
        "signed_in_dt": signed_in,
        "signed_out_dt": signed_out,
        "minutes": minutes,
        "vouch_reason": reason,
    }
    if presence is not None and all(
        getattr(presence, name) == value for name, value in values.items()
    ):
        return presence  # the same vouch again: nothing changes
    before = None
    if presence is None:
        room = hospital_room(session.id, learner.hospital_id)
        is_booked = room is not None or _own_seat(session.id, learner.id) is not None
        presence = Presence(
            session_id=session.id,
            day_id=day.id,
            user_id=learner.id,
            hospital_id=learner.hospital_id,
            reservation_id=room.id if room else None,
            flags=[] if is_booked else [rules.NOT_BOOKED],
        )
        db.session.add(presence)
    else:
        before = {name: getattr(presence, name) for name in values}
    for name, value in values.items():
        setattr(presence, name, value)
    presence.vouched_by_id = coordinator.id
    presence.updated_dt = now
    db.session.flush()
    _flag_headcount(day.id, presence.reservation_id)
    record_audit(
        coordinator,
        AuditAction.ATTENDANCE_VOUCHED,
        presence,
        before=before,
        after={**values, "user_id": learner.id, "client_ref": client_ref or ""},
        reason=reason,
        label=f"{learner.name} · {_local(day.starts)}",
    )
    _credit_if_ended(session, learner.id, now)
    return presence


def hospital_room(session_id, hospital_id):
    return db.session.scalar(
        sa.select(Reservation).where(
            Reservation.session_id == session_id,
            Reservation.kind == ReservationKind.ROOM,
            Reservation.state == ReservationState.BOOKED,
            Reservation.hospital_id == hospital_id,
        )
    )


def enter_headcount(session, actor, now, *, day_id, reservation_id, headcount):
    """Enter the number of people counted in a room (``reservation_id`` a
    booked room; None the venue) on a day; presences past it are flagged
    ``above_headcount`` for the office (and unflagged when it rises).
    Returns the RoomHeadcount."""
    session = queries.lock_session(session.id)
    _check_takes_corrections(session, now)
    day = _day_of(session, day_id)
    if reservation_id is None:
        room_hospital_id = session.venue_hospital_id
    else:
        room = db.session.get(Reservation, reservation_id)
        if (
            room is None
            or room.session_id != session.id
            or room.kind != ReservationKind.ROOM
            or room.state != ReservationState.BOOKED
        ):
            raise AttendanceError(
                "unknown_room", "No room of this session has that id.", Kind.NOT_FOUND
            )
        room_hospital_id = room.hospital_id
    if not rules.can_enter_headcount(
        actor, queries.facts_of(session), room_hospital_id
    ):
        raise AttendanceError(
            "not_your_room",
            "Only a host or the room's coordinator enters its headcount.",
            Kind.FORBIDDEN,
        )
    if not isinstance(headcount, int) or not 0 <= headcount <= 100_000:
        raise AttendanceError(
            "invalid_headcount", "A headcount is 0 to 100000.", Kind.INVALID
        )
    row = _headcount_row(day.id, reservation_id)
    if row is None:
        row = RoomHeadcount(
            session_id=session.id,
            day_id=day.id,
            reservation_id=reservation_id,
            headcount=headcount,
            entered_by_id=actor.id,
            entered_dt=now,
        )
        db.session.add(row)
    elif row.headcount != headcount:
        # A changed count changes the office's flags: kept with the count before.
        record_audit(
            actor,
            AuditAction.ATTENDANCE_CORRECTED,
            session,
            before={"headcount": row.headcount},
            after={"headcount": headcount, "day": day.id, "room": reservation_id},
            label=f"{session.title_zh} · {_local(day.starts)}",
        )
        row.headcount, row.entered_by_id, row.entered_dt = headcount, actor.id, now
    db.session.flush()
    _flag_headcount(day.id, reservation_id)
    return row


def _headcount_row(day_id, reservation_id):
    return db.session.scalar(
        sa.select(RoomHeadcount).where(
            RoomHeadcount.day_id == day_id,
            RoomHeadcount.reservation_id.is_(None)
            if reservation_id is None
            else RoomHeadcount.reservation_id == reservation_id,
        )
    )


def _flag_if_above_headcount(presence):
    """A new sign-in is the room's latest: flagged when the room's count for the
    day passes its entered headcount. (One count, not the whole room again: a
    hall of 2,000 signing in did 2 million flag checks.)"""
    row = _headcount_row(presence.day_id, presence.reservation_id)
    if row is None:
        return
    in_room = db.session.scalar(
        sa.select(sa.func.count()).where(
            Presence.day_id == presence.day_id,
            Presence.reservation_id.is_(None)
            if presence.reservation_id is None
            else Presence.reservation_id == presence.reservation_id,
            Presence.source != PresenceSource.LIVE,
        )
    )
    if in_room > row.headcount:
        presence.flags = rules.with_flag(presence.flags, rules.ABOVE_HEADCOUNT, True)
        db.session.flush()


def _flag_headcount(day_id, reservation_id):
    """Recompute ``above_headcount`` for a room's presences on a day."""
    row = _headcount_row(day_id, reservation_id)
    presences = list(
        db.session.scalars(
            sa.select(Presence)
            .where(
                Presence.day_id == day_id,
                Presence.reservation_id.is_(None)
                if reservation_id is None
                else Presence.reservation_id == reservation_id,
                Presence.source != PresenceSource.LIVE,
            )
            .order_by(Presence.signed_in_dt, Presence.id)
        )
    )
    above = rules.above_headcount(
        [p.id for p in presences], row.headcount if row else None
    )
    for presence in presences:
        flags = rules.with_flag(
            presence.flags, rules.ABOVE_HEADCOUNT, presence.id in above
        )
        if flags != list(presence.flags or ()):
            presence.flags = flags
    db.session.flush()


# --- reading ------------------------------------------------------------------------


def list_attendance(session, actor):
    """The session's presences ``actor`` may read (hosts: all; a coordinator:
    their hospital's), with their people and days, by day and sign-in."""
    scope = rules.attendance_scope(actor, queries.facts_of(session))
    if scope is None:
        raise AttendanceError(
            "not_allowed",
            "Only hosts, the office and coordinators read attendance.",
            Kind.FORBIDDEN,
        )
    query = (
        sa.select(Presence)
        .join(SessionDay, SessionDay.id == Presence.day_id)
        .where(Presence.session_id == session.id)
        .options(joinedload(Presence.user), joinedload(Presence.day))
        .order_by(SessionDay.starts_dt, Presence.signed_in_dt, Presence.id)
    )
    if scope == "hospital":
        query = query.where(Presence.hospital_id == actor.hospital_id)
    return list(db.session.scalars(query).unique())


def list_headcounts(session, actor=None):
    """The rooms' headcounts ``actor`` may read: hosts every room's, a
    coordinator their hospital's room's (None: every room's, for the pages of
    hosts)."""
    query = sa.select(RoomHeadcount).where(RoomHeadcount.session_id == session.id)
    if actor is not None:
        scope = rules.attendance_scope(actor, queries.facts_of(session))
        if scope != "all":
            own_rooms = sa.select(Reservation.id).where(
                Reservation.session_id == session.id,
                Reservation.hospital_id == actor.hospital_id,
            )
            query = query.where(RoomHeadcount.reservation_id.in_(own_rooms))
    return list(db.session.scalars(query))


def roster_people(session, actor):
    """Who the roster lists, by name: a coordinator's hospital's active
    learners; for a host, every learner with a seat, a presence, or a room
    booked by their hospital."""
    facts = queries.facts_of(session)
    if is_host(actor, facts):
        booked = sa.and_(
            Reservation.session_id == session.id,
            Reservation.state == ReservationState.BOOKED,
        )
        condition = sa.or_(
            User.id.in_(
                sa.select(Presence.user_id).where(Presence.session_id == session.id)
            ),
            User.id.in_(
                sa.select(Reservation.user_id).where(
                    booked, Reservation.kind == ReservationKind.SEAT
                )
            ),
            User.hospital_id.in_(
                sa.select(Reservation.hospital_id).where(
                    booked, Reservation.kind == ReservationKind.ROOM
                )
            ),
        )
    elif actor.role == Role.SITE_COORDINATOR and actor.hospital_id is not None:
        condition = User.hospital_id == actor.hospital_id
    else:
        return []
    return list(
        db.session.scalars(
            sa.select(User)
            .where(condition, User.role == Role.LEARNER, User.is_active.is_(True))
            .order_by(User.name, User.id)
        )
    )


def roster_room(session, actor):
    """The room whose headcount the roster enters: a coordinator's hospital's
    booked room; the venue (None) for a host or the venue's coordinator."""
    if is_host(actor, queries.facts_of(session)):
        return None
    return hospital_room(session.id, actor.hospital_id)


def my_presences(session, learner):
    """The learner's presences at the session, by day id."""
    rows = db.session.scalars(
        sa.select(Presence).where(
            Presence.session_id == session.id, Presence.user_id == learner.id
        )
    )
    return {row.day_id: row for row in rows}
