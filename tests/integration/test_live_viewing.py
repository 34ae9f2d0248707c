"""A remote viewer watching a broadcast live: the viewing takes over the
learner's one counting stream, and heartbeats by the server's clock become a
presence that is credited like a room's when the session ends (issue 14,
DESIGN §2.8)."""

import secrets
from datetime import timedelta

import pytest
import sqlalchemy as sa

from certificates.models import CreditAward
from courses import operations as ops
from courses.models import WatchBudget
from courses.sessions import attendance, crediting
from courses.sessions.live_presence import spans_from_json
from courses.sessions.live_viewing import (
    may_watch_live,
    record_live_beat,
    start_viewing,
)
from courses.sessions.models import LiveBroadcast, Presence, StreamKey
from courses.sessions.states import LiveState, PresenceSource, SessionState
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.problems import DomainError


@pytest.fixture
def past_broadcast(create_scheduled_session):
    """A broadcast session whose one two-hour day ended an hour ago."""

    def factory(**fields):
        start = utcnow().replace(microsecond=0) - timedelta(hours=3)
        return create_scheduled_session(
            days=[(start, start + timedelta(hours=2))], **fields
        )

    return factory


def on_air(session, starts, ends=None):
    """A broadcast of ``session`` from ``starts`` (until ``ends``: then ended)."""
    key = db.session.scalar(
        sa.select(StreamKey).filter_by(session_id=session.id, revoked_dt=None)
    )
    if key is None:
        key = StreamKey(
            session_id=session.id,
            key_hash=secrets.token_hex(32),
            created_by_id=session.owner_id,
        )
        db.session.add(key)
        db.session.flush()
    broadcast = LiveBroadcast(
        session_id=session.id,
        key_id=key.id,
        state=LiveState.LIVE if ends is None else LiveState.ENDED,
        runs=1,
        started_dt=starts,
        changed_dt=starts,
        ended_dt=ends,
    )
    db.session.add(broadcast)
    db.session.flush()
    return broadcast


def watch(session, learner, start, minutes, *, every=15, viewing=None, seq=0):
    """Beats every ``every`` seconds for ``minutes`` from ``start``; returns the
    viewing, the last beat's result and the last seq."""
    viewing = viewing or start_viewing(session, learner, start)
    result = None
    for i in range(int(minutes * 60 // every) + 1):
        seq += 1
        now = start + timedelta(seconds=i * every)
        result = record_live_beat(session, learner, viewing.token, seq, now)
    return viewing, result, seq


def day_start(session):
    return session.days[0].starts_dt


def test_beats_on_air_become_presence_credited_when_the_session_ends(
    past_broadcast, create_user
):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start - timedelta(minutes=5))
    stayed, left = create_user(), create_user()
    watch(session, stayed, start - timedelta(minutes=2), 110, every=30)
    watch(session, left, start, 60, every=30)

    presence = db.session.scalar(sa.select(Presence).filter_by(user_id=stayed.id))
    assert presence.source == PresenceSource.LIVE
    assert presence.signed_in_dt == start  # counted from the day's start
    assert presence.signed_out_dt == start + timedelta(minutes=108)
    assert presence.live_seconds == 108 * 60
    assert presence.minutes == 108

    crediting.end_session(session, session.owner, utcnow())
    outcomes = {o.user_id: o for o in crediting.credit_session(session.id, utcnow())}
    assert outcomes[stayed.id].presence_minutes == 108
    assert outcomes[stayed.id].award_id is not None
    assert outcomes[left.id].presence_minutes == 60
    assert outcomes[left.id].award_id is None
    assert "present 60 of 120 minutes" in outcomes[left.id].reason
    (award,) = db.session.scalars(sa.select(CreditAward).filter_by(user_id=stayed.id))
    assert award.session_id == session.id


def test_nothing_counts_off_air_or_outside_the_days_hours(past_broadcast, create_user):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start + timedelta(minutes=10), start + timedelta(minutes=20))
    learner = create_user()
    watch(session, learner, start - timedelta(minutes=30), 180, every=30)
    presence = db.session.scalar(sa.select(Presence).filter_by(user_id=learner.id))
    assert presence.minutes == 10
    assert presence.signed_in_dt == start + timedelta(minutes=10)
    assert presence.signed_out_dt == start + timedelta(minutes=20)


def test_a_player_asleep_for_an_hour_earns_one_gap(past_broadcast, create_user):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    viewing = start_viewing(session, learner, start)
    record_live_beat(session, learner, viewing.token, 1, start)
    presence, seconds = record_live_beat(
        session, learner, viewing.token, 2, start + timedelta(hours=1)
    )
    assert seconds == 30  # LIVE_BEAT_SECONDS 15, two beats at most
    assert presence.live_seconds == 30 and presence.minutes == 0


def test_a_replayed_beat_changes_nothing(past_broadcast, create_user):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    viewing, (presence, _), seq = watch(session, learner, start, 5)
    before = (presence.live_seconds, presence.signed_out_dt, viewing.last_beat_dt)
    later = start + timedelta(minutes=6)
    for old in (seq, seq - 1, 1):
        again, seconds = record_live_beat(session, learner, viewing.token, old, later)
        assert seconds == 0 and again is presence
    assert (presence.live_seconds, presence.signed_out_dt, viewing.last_beat_dt) == (
        before
    )


def test_a_newer_viewing_or_play_session_supersedes_the_viewing(
    past_broadcast, create_user, create_course
):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    first, _, seq = watch(session, learner, start, 1)
    second = start_viewing(session, learner, start + timedelta(minutes=1))
    with pytest.raises(DomainError) as refused:
        record_live_beat(
            session, learner, first.token, seq + 1, start + timedelta(minutes=2)
        )
    assert refused.value.code == "viewing_superseded"
    assert refused.value.kind.name == "CONFLICT"

    course = create_course()
    ops.enrol(course, learner, utcnow())
    ops.start_play_session(learner, course.lectures[0], start + timedelta(minutes=2))
    budget = db.session.get(WatchBudget, learner.id)
    assert budget.live_viewing_id is None and budget.play_session_id is not None
    with pytest.raises(DomainError) as refused:
        record_live_beat(
            session, learner, second.token, 1, start + timedelta(minutes=3)
        )
    assert refused.value.code == "viewing_superseded"

    # ...and a viewing started after the play session takes it over.
    start_viewing(session, learner, start + timedelta(minutes=3))
    budget = db.session.get(WatchBudget, learner.id)
    assert budget.play_session_id is None and budget.live_viewing_id is not None


def test_someone_elses_viewing_is_unknown(past_broadcast, create_user):
    session = past_broadcast()
    on_air(session, day_start(session))
    owner, thief = create_user(), create_user()
    viewing = start_viewing(session, owner, day_start(session))
    start_viewing(session, thief, day_start(session))
    with pytest.raises(DomainError) as refused:
        record_live_beat(session, thief, viewing.token, 1, day_start(session))
    assert refused.value.code == "unknown_viewing"


def test_a_rooms_presence_that_day_is_kept_as_it_is(past_broadcast, create_user):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    room = Presence(
        session_id=session.id,
        day_id=session.days[0].id,
        user_id=learner.id,
        source=PresenceSource.CODE,
        signed_in_dt=start,
        signed_out_dt=start + timedelta(minutes=30),
        minutes=30,
    )
    db.session.add(room)
    db.session.flush()
    _, (presence, seconds), _ = watch(session, learner, start, 20)
    assert presence is room and seconds == 0
    assert (room.source, room.minutes, room.live_seconds) == (
        PresenceSource.CODE,
        30,
        0,
    )


def test_hours_present_at_another_session_are_refused(
    past_broadcast, create_user, create_scheduled_session
):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    elsewhere = create_scheduled_session(days=[(start, start + timedelta(hours=2))])
    db.session.add(
        Presence(
            session_id=elsewhere.id,
            day_id=elsewhere.days[0].id,
            user_id=learner.id,
            source=PresenceSource.CODE,
            signed_in_dt=start + timedelta(minutes=10),
        )
    )
    db.session.flush()
    viewing, _, seq = watch(session, learner, start, 5)  # before the room: counted
    with pytest.raises(DomainError) as refused:
        watch(
            session,
            learner,
            start + timedelta(minutes=10),
            1,
            viewing=viewing,
            seq=seq,
        )
    assert refused.value.code == "present_elsewhere"


def test_only_the_audience_starts_a_viewing(
    past_broadcast, create_user, create_hospital
):
    session = past_broadcast(audience_hospital_ids=[create_hospital().id])
    outsider = create_user()
    assert "other hospitals" in may_watch_live(outsider, session)
    with pytest.raises(DomainError) as refused:
        start_viewing(session, outsider, utcnow())
    assert refused.value.code == "may_not_watch"
    booked_only = past_broadcast(is_booking_required=True)
    with pytest.raises(DomainError) as refused:
        start_viewing(booked_only, create_user(), utcnow())
    assert "needs a booking" in refused.value.message
    coordinator = create_user(role=Role.SITE_COORDINATOR)
    assert may_watch_live(coordinator, session) != ""
    with pytest.raises(DomainError) as refused:
        start_viewing(session, session.owner, utcnow())
    assert refused.value.code == "not_a_learner"


def test_no_beats_once_the_session_has_ended(past_broadcast, create_user):
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    viewing, _, seq = watch(session, learner, start, 1)
    session.state = SessionState.ENDED
    db.session.flush()
    with pytest.raises(DomainError) as refused:
        record_live_beat(
            session, learner, viewing.token, seq + 1, start + timedelta(minutes=2)
        )
    assert refused.value.code == "session_ended"


def test_live_viewers_are_in_no_room_and_never_above_its_headcount(
    past_broadcast, create_user
):
    """A live presence has no room; the venue's headcount counts only those
    who signed in there (remote viewers flagged the venue's people above it)."""
    from courses.sessions import attendance

    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    for _ in range(2):
        watch(session, create_user(), start, 2)
    in_hall = Presence(
        session_id=session.id,
        day_id=session.days[0].id,
        user_id=create_user().id,
        source=PresenceSource.CODE,
        signed_in_dt=start + timedelta(minutes=5),
        flags=[],
    )
    db.session.add(in_hall)
    db.session.flush()
    attendance.enter_headcount(
        session,
        session.owner,
        utcnow(),
        day_id=session.days[0].id,
        reservation_id=None,
        headcount=1,
    )
    flagged = db.session.scalars(
        sa.select(Presence).where(Presence.session_id == session.id)
    ).all()
    assert len(flagged) == 3
    assert [p.flags for p in flagged] == [[], [], []]


def test_watching_live_on_the_way_in_leaves_the_rooms_sign_in_open(
    create_scheduled_session, create_user
):
    """A learner who watched two minutes live before reaching the room was
    refused the room's sign-in (``already_signed_in``: any presence that day)
    and lost the room's credit. The live presence becomes the room's: room,
    flags and sign-in from now on, the live minutes before it still counted."""
    now = utcnow().replace(microsecond=0)
    start = now - timedelta(minutes=10)
    session = create_scheduled_session(days=[(start, start + timedelta(hours=2))])
    on_air(session, start)
    learner = create_user()
    viewing, (live, _), seq = watch(session, learner, start, 2)
    assert (live.source, live.minutes) == (PresenceSource.LIVE, 2)

    code, _, _ = attendance.room_code(session, session.owner, now)
    presence = attendance.sign_in(session, learner, code, now)
    assert presence is live  # one presence a day, now the room's
    assert presence.source == PresenceSource.CODE
    assert (presence.signed_in_dt, presence.signed_out_dt) == (now, None)
    assert presence.minutes == 2 and presence.live_seconds == 120
    assert attendance.signed_in_count(session, None, now) == 1  # in the venue's room

    # Watching on in the room adds nothing: the room's record stands.
    watch(session, learner, now, 1, viewing=viewing, seq=seq)
    assert presence.live_seconds == 120
    with pytest.raises(DomainError) as again:
        attendance.sign_in(session, learner, code, now)
    assert again.value.code == "already_signed_in"

    later = now + timedelta(minutes=30)
    code, _, _ = attendance.room_code(session, session.owner, later)
    attendance.sign_out(session, learner, code, later)
    assert presence.minutes == 32  # 2 live before the sign-in + 30 in the room


def test_the_hours_between_live_spans_are_not_presence(
    past_broadcast, create_user, create_scheduled_session
):
    """A live presence was one span from its first to its last credited moment:
    after watching 10 minutes, an hour in a room elsewhere and 10 minutes more,
    correcting that room's presence was refused as present elsewhere. The
    presence keeps its spans; the overlap rule reads them."""
    session = past_broadcast()
    start = day_start(session)
    on_air(session, start)
    learner = create_user()
    elsewhere = create_scheduled_session(days=[(start, start + timedelta(hours=2))])
    watch(session, learner, start, 10)
    in_room = {"user_id": learner.id, "day_id": elsewhere.days[0].id}
    attendance.vouch(
        elsewhere,
        elsewhere.owner,
        utcnow(),
        signed_in=start + timedelta(minutes=15),
        signed_out=start + timedelta(minutes=60),
        reason="phone died",
        **in_room,
    )
    watch(session, learner, start + timedelta(minutes=61), 10)
    live = db.session.scalar(
        sa.select(Presence).filter_by(session_id=session.id, user_id=learner.id)
    )
    assert live.minutes == 20
    assert spans_from_json(live.live_spans) == [
        (start, start + timedelta(minutes=10)),
        (start + timedelta(minutes=61), start + timedelta(minutes=71)),
    ]

    corrected = attendance.vouch(
        elsewhere,
        elsewhere.owner,
        utcnow(),
        signed_in=start + timedelta(minutes=15),
        signed_out=start + timedelta(minutes=58),
        reason="correction",
        **in_room,
    )
    assert corrected.minutes == 43
    for signed_in, signed_out in ((5, 30), (50, 65)):  # into a span: refused
        with pytest.raises(DomainError) as refused:
            attendance.vouch(
                elsewhere,
                elsewhere.owner,
                utcnow(),
                signed_in=start + timedelta(minutes=signed_in),
                signed_out=start + timedelta(minutes=signed_out),
                reason="correction",
                **in_room,
            )
        assert refused.value.code == "present_elsewhere"
