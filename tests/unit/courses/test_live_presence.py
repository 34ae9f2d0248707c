"""Who watches a broadcast live, and what a remote viewer's heartbeat adds to
their presence (issue 14, DESIGN §2.8)."""

from datetime import UTC, datetime, timedelta

import pytest

from courses.sessions.live_presence import (
    Span,
    beat_credit,
    live_minutes,
    max_gap,
    merge_span,
    room_minutes_with_live,
    spans_from_json,
    spans_overlap,
    spans_to_json,
    watch_refusal,
)
from courses.sessions.schedule import Audience, Day, Person, SessionFacts
from courses.sessions.states import SessionKind, SessionState
from lms.accounts.roles import Role

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
DAY = Day(1, T0, T0 + timedelta(hours=2))
GAP = timedelta(seconds=30)
FACTS = SessionFacts(owner_id=1, lecturer_ids=frozenset({1, 2}), venue_hospital_id=10)


def s(seconds):
    return T0 + timedelta(seconds=seconds)


def person(role=Role.LEARNER, id=50, hospital_id=20, province="51"):
    return Person(id=id, role=role, hospital_id=hospital_id, province=province)


@pytest.mark.parametrize(
    ("actor", "kind", "state", "audience", "booked", "own_seat", "required", "why"),
    [
        (person(), "broadcast", "open", Audience(), set(), False, False, ""),
        (person(), "onsite", "open", Audience(), set(), False, False, "only a broad"),
        (
            person(Role.ADMINISTRATOR, hospital_id=None),
            "broadcast",
            "planned",
            Audience(),
            set(),
            False,
            False,
            "",
        ),
        (
            person(Role.LECTURER, id=2),
            "broadcast",
            "planned",
            Audience(),
            set(),
            False,
            False,
            "",
        ),
        (
            person(),
            "broadcast",
            "planned",
            Audience(),
            set(),
            False,
            False,
            "not approved",
        ),
        (
            person(),
            "broadcast",
            "cancelled",
            Audience(),
            set(),
            False,
            False,
            "cancelled",
        ),
        (
            person(Role.SITE_COORDINATOR, hospital_id=10),
            "broadcast",
            "open",
            Audience(hospital_ids=(99,)),
            set(),
            False,
            True,
            "",
        ),
        (
            person(Role.SITE_COORDINATOR, hospital_id=20),
            "broadcast",
            "open",
            Audience(),
            {20},
            False,
            True,
            "",
        ),
        (
            person(Role.SITE_COORDINATOR, hospital_id=21),
            "broadcast",
            "open",
            Audience(),
            {20},
            False,
            False,
            "only the session's audience",
        ),
        (
            person(Role.LECTURER, id=3),
            "broadcast",
            "open",
            Audience(),
            set(),
            False,
            False,
            "only the session's audience",
        ),
        (
            person(),
            "broadcast",
            "open",
            Audience(hospital_ids=(99,)),
            set(),
            False,
            False,
            "other hospitals",
        ),
        (
            person(province="11"),
            "broadcast",
            "open",
            Audience(provinces=("51",)),
            set(),
            False,
            False,
            "other provinces",
        ),
        (
            person(),
            "broadcast",
            "open",
            Audience(),
            set(),
            False,
            True,
            "needs a booking",
        ),
        (person(), "broadcast", "open", Audience(), set(), True, True, ""),
        (person(), "broadcast", "open", Audience(), {20}, False, True, ""),
        (person(), "broadcast", "ended", Audience(), set(), False, False, ""),
    ],
    ids=[
        "learner in the audience",
        "not a broadcast",
        "the office, even before approval",
        "a lecturer of it, even before approval",
        "a learner before approval",
        "cancelled",
        "the venue's coordinator",
        "a booked room's coordinator",
        "another hospital's coordinator",
        "another lecturer",
        "a learner of another hospital",
        "a learner of another province",
        "unbooked where booking is required",
        "own seat where booking is required",
        "hospital's room where booking is required",
        "ended (the replay is elsewhere; the last playlist may still be read)",
    ],
)
def test_who_watches_live(
    actor, kind, state, audience, booked, own_seat, required, why
):
    refusal = watch_refusal(
        actor,
        kind=SessionKind(kind),
        state=SessionState(state),
        facts=FACTS,
        audience=audience,
        person=actor,
        booked_hospital_ids=booked,
        has_own_seat=own_seat,
        is_booking_required=required,
    )
    assert (why in refusal and refusal) if why else refusal == ""


ON_AIR = [Span(s(-600))]


@pytest.mark.parametrize(
    ("last", "now", "broadcasts", "expected"),
    [
        (None, s(15), ON_AIR, None),
        (s(0), s(15), ON_AIR, (15, s(0), s(15))),
        (s(0), s(0), ON_AIR, None),
        (s(15), s(0), ON_AIR, None),
        (s(0), s(3600), ON_AIR, (30, s(3570), s(3600))),
        (s(-20), s(10), ON_AIR, (10, s(0), s(10))),
        (s(-60), s(-30), ON_AIR, None),
        (s(7190), s(7205), ON_AIR, (10, s(7190), s(7200))),
        (s(7200), s(7215), ON_AIR, None),
        (s(0), s(15), [], None),
        (s(0), s(15), [Span(s(-600), s(5))], (5, s(0), s(5))),
        (s(0), s(15), [Span(s(10))], (5, s(10), s(15))),
        (s(0), s(30), [Span(s(-60), s(5)), Span(s(20))], (15, s(0), s(30))),
    ],
    ids=[
        "a first beat earns nothing",
        "fifteen seconds on air",
        "the same instant",
        "a beat from the past",
        "an hour asleep earns at most the gap",
        "before the day's start",
        "wholly before the start",
        "past the day's end",
        "after the day's end",
        "nothing on air",
        "the broadcast ended mid-beat",
        "the broadcast began mid-beat",
        "a drop and a new broadcast",
    ],
)
def test_a_beat_credits_the_time_on_air_within_the_days_hours(
    last, now, broadcasts, expected
):
    credit = beat_credit(last, now, GAP, [DAY], broadcasts)
    if expected is None:
        assert credit is None
    else:
        assert (credit.seconds, credit.starts, credit.ends) == expected
        assert credit.day == DAY


def test_a_beat_counts_for_the_day_it_falls_in():
    second = Day(2, T0 + timedelta(days=1), T0 + timedelta(days=1, hours=2))
    now = second.starts + timedelta(seconds=20)
    credit = beat_credit(now - timedelta(seconds=15), now, GAP, [DAY, second], ON_AIR)
    assert credit.day == second and credit.seconds == 15


@pytest.mark.parametrize(
    ("seconds", "minutes"), [(0, 0), (59.9, 0), (60, 1), (3599.5, 59), (7200, 120)]
)
def test_whole_minutes_of_a_live_presence(seconds, minutes):
    assert live_minutes(seconds) == minutes


def test_the_gap_is_two_beats():
    assert max_gap(15) == timedelta(seconds=30)


@pytest.mark.parametrize(
    "spans, beat, merged",
    [
        ([], (0, 15), [(0, 15)]),
        ([(0, 15)], (15, 30), [(0, 30)]),  # on time: the span grows
        ([(0, 15)], (45, 60), [(0, 60)]),  # within the gap: the same span
        ([(0, 15)], (46, 76), [(0, 15), (46, 76)]),  # away longer: a new span
        ([(0, 15), (100, 130)], (130, 145), [(0, 15), (100, 145)]),
        ([(0, 30)], (20, 25), [(0, 30)]),  # inside: nothing changes
    ],
)
def test_a_beat_grows_the_last_span_or_begins_one(spans, beat, merged):
    as_moments = [(s(a), s(b)) for a, b in spans]
    assert merge_span(as_moments, s(beat[0]), s(beat[1]), GAP) == [
        (s(a), s(b)) for a, b in merged
    ]


@pytest.mark.parametrize(
    "starts, ends, overlap",
    [
        (0, 600, (0, 600)),
        (600, 3660, None),  # the hour between: away, not present
        (900, 3600, None),
        (3600, 3661, (3660, 4260)),
        (4260, 5000, None),  # spans end where the other begins: no overlap
        (-60, 0, None),
    ],
)
def test_spans_overlap_only_where_present(starts, ends, overlap):
    spans = [(s(0), s(600)), (s(3660), s(4260))]
    found = spans_overlap(spans, s(starts), s(ends))
    assert found == (None if overlap is None else (s(overlap[0]), s(overlap[1])))


def test_spans_are_kept_as_iso_pairs_and_old_rows_as_one_span():
    spans = [(s(0), s(600)), (s(3660), s(4260))]
    stored = spans_to_json(spans)
    assert stored[0] == [s(0).isoformat(), s(600).isoformat()]
    assert spans_from_json(stored) == spans
    assert spans_from_json(None, s(0), s(4260)) == [(s(0), s(4260))]
    assert spans_from_json(None, s(0), None) == []
    assert spans_from_json([]) == []


@pytest.mark.parametrize(
    "signed_in, signed_out, live_seconds, live_until, minutes",
    [
        (600, 2400, 0.0, None, 30),  # a room's presence alone
        (600, 2400, 120.0, 300, 32),  # two live minutes before the sign-in
        (600, 2400, 90.0, 300, 31),  # whole minutes of the sum, not of each
        (600, 2400, 30.0, 630, 30),  # a beat credited past the sign-in's clock
        (-600, 600, 0.0, None, 10),  # only the day's hours
        (600, None, 120.0, 300, 2),  # not signed out: the live minutes
        (7000, 9000, 60.0, 120, 4),  # the room's time ends with the day
    ],
)
def test_a_rooms_minutes_add_the_live_minutes_before_its_sign_in(
    signed_in, signed_out, live_seconds, live_until, minutes
):
    assert (
        room_minutes_with_live(
            DAY,
            s(signed_in),
            None if signed_out is None else s(signed_out),
            live_seconds,
            live_until=None if live_until is None else s(live_until),
        )
        == minutes
    )
