"""The heartbeat rules of DESIGN §2.3, one row per rule."""

import math
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest

from courses.progress import (
    MAX_PLAYBACK_RATE,
    BeatRejected,
    PlaySessionState,
    WatchBudgetState,
    covered_seconds,
    decide_beat,
    is_complete,
    merge_ranges,
    parse_ranges,
    resume_position,
    retention_curve,
    take_over_budget,
)

T0 = datetime(2026, 11, 1, 8, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("coverage", "ranges", "merged"),
    [
        ((), ((0, 10),), ((0, 10),)),
        (((0, 10),), ((5, 15),), ((0, 15),)),  # overlap joins
        (((0, 10),), ((10, 20),), ((0, 20),)),  # touching joins
        (((0, 10),), ((20, 30),), ((0, 10), (20, 30))),  # gap stays
        (((0, 10), (20, 30)), ((5, 25),), ((0, 30),)),  # bridge
        (((0, 10),), ((2, 8),), ((0, 10),)),  # watching twice covers nothing new
        (((20, 30),), ((0, 5), (40, 50)), ((0, 5), (20, 30), (40, 50))),
    ],
)
def test_merge_ranges_is_a_union_of_intervals(coverage, ranges, merged):
    assert merge_ranges(coverage, ranges) == merged


def test_merging_the_same_beat_twice_changes_nothing():
    once = merge_ranges(((0, 10),), ((30, 45),))
    assert merge_ranges(once, ((30, 45),)) == once


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ([[-1, 5]], "invalid_ranges"),  # negative
        ([[5, 3]], "invalid_ranges"),  # reversed
        ([[0, 70]], "invalid_ranges"),  # past the end (duration 60)
        ([[float("nan"), 5]], "invalid_ranges"),
        ([[0, float("inf")]], "invalid_ranges"),
        ([["0", "5"]], "invalid_ranges"),
        ([[True, 5]], "invalid_ranges"),
        ([[0, 5, 6]], "invalid_ranges"),
        ("0-5", "invalid_ranges"),
        ([[0, 1]] * 65, "invalid_ranges"),
    ],
)
def test_impossible_ranges_are_rejected(raw, code):
    with pytest.raises(BeatRejected) as info:
        parse_ranges(raw, 60.0)
    assert info.value.code == code


def test_tiny_ranges_from_seeking_cover_nothing():
    assert parse_ranges([[10, 10.1], [20, 25]], 60.0) == ((20.0, 25.0),)


def test_a_range_ending_a_hair_past_the_end_is_clipped():
    assert parse_ranges([[50, 60.3]], 60.0) == ((50.0, 60.0),)


SESSION = PlaySessionState(id=1, last_seq=0)


def budget(credited=0.0, current=1, since=T0):
    """A budget whose stream began at ``since`` and has ``credited`` s spent."""
    return WatchBudgetState(
        current_session=current,
        credited_until=since + timedelta(seconds=credited / MAX_PLAYBACK_RATE),
    )


@pytest.mark.parametrize(
    ("elapsed", "credited", "ranges", "accepted"),
    [
        (15, 0, ((0, 15),), True),  # real time
        (15, 0, ((0, 30),), True),  # 2x playback
        (15, 0, ((0, 35),), True),  # 2x + slack
        (15, 0, ((0, 36),), False),  # beyond 2x + slack
        (15, 30, ((30, 40),), False),  # the stream already spent its budget
        (60, 30, ((30, 90),), True),  # budget counts over the whole stream
        (0, 0, ((0, 5),), True),  # slack covers the first instant
        (0, 0, ((0, 600),), False),  # seeking ahead: a claim of 10 minutes now
    ],
)
def test_media_time_is_limited_by_wall_time(elapsed, credited, ranges, accepted):
    now = T0 + timedelta(seconds=elapsed)
    if accepted:
        decision = decide_beat(SESSION, budget(credited), 1, ranges, now)
        assert (
            decision.credited_until
            == budget(credited + covered_seconds(ranges)).credited_until
        )
    else:
        with pytest.raises(BeatRejected) as info:
            decide_beat(SESSION, budget(credited), 1, ranges, now)
        assert info.value.code == "implausible"


# Events of one learner: ("start", session, at) opens a play session (it takes
# over); ("beat", session, at, media seconds) is a beat. ``at`` is seconds after T0.
BUDGET_STORIES = {
    "one stream at 2x counts everything": (
        [("start", 1, 0), ("beat", 1, 15, 30), ("beat", 1, 30, 30)],
        ["ok", "ok"],
        60,
    ),
    "a second tab takes over, the first counts nothing more": (
        [
            ("start", 1, 0),
            ("beat", 1, 15, 15),
            ("start", 2, 20),
            ("beat", 1, 30, 10),
            ("beat", 2, 35, 15),
        ],
        ["ok", "play_session_superseded", "ok"],
        30,
    ),
    "parallel tabs share one budget (22 tabs, 31 s)": (
        [("start", n, 0) for n in range(1, 23)]
        + [("beat", n, 31, 60) for n in range(1, 23)],
        ["play_session_superseded"] * 21 + ["ok"],
        60,
    ),
    "tabs on two lectures share one budget": (
        [("start", 1, 0), ("start", 2, 0), ("beat", 2, 15, 30), ("beat", 1, 15, 30)],
        ["ok", "play_session_superseded"],
        30,
    ),
    "restarting sessions brings no fresh slack": (
        [
            ("start", 1, 0),
            ("beat", 1, 0, 5),
            ("start", 2, 0.1),
            ("beat", 2, 0.1, 5),
            ("start", 3, 0.2),
            ("beat", 3, 0.2, 0.3),
        ],
        ["ok", "implausible", "ok"],
        5.3,  # 0.2 s of wall time x 2 + 5 s of slack, however many sessions
    ),
    "idle time between sessions is no budget": (
        [
            ("start", 1, 0),
            ("beat", 1, 10, 10),
            ("start", 2, 3600),
            ("beat", 2, 3600, 600),
        ],
        ["ok", "implausible"],
        10,
    ),
    "beats kept offline count when resent to the current session": (
        [
            ("start", 1, 0),
            ("beat", 1, 300, 15),
            ("beat", 1, 300, 15),
            ("beat", 1, 300, 270),
        ],
        ["ok", "ok", "ok"],
        300,
    ),
}


@pytest.mark.parametrize(
    ("events", "answers", "credited"),
    list(BUDGET_STORIES.values()),
    ids=list(BUDGET_STORIES),
)
def test_one_budget_per_learner_across_play_sessions(events, answers, credited):
    learner_budget, seqs, got, total = None, {}, [], 0.0
    for kind, session, at, *media in events:
        now = T0 + timedelta(seconds=at)
        if kind == "start":
            learner_budget = take_over_budget(learner_budget, session, now)
            seqs[session] = 0
            continue
        seq = seqs[session] + 1
        try:
            decision = decide_beat(
                PlaySessionState(session, seqs[session]),
                learner_budget,
                seq,
                ((0.0, float(media[0])),),
                now,
            )
        except BeatRejected as rejected:
            got.append(rejected.code)
        else:
            got.append("ok")
            seqs[session] = seq
            learner_budget = replace(
                learner_budget, credited_until=decision.credited_until
            )
            total += decision.media_seconds
    assert got == answers
    assert total == pytest.approx(credited)


def test_taking_over_keeps_credit_spent_ahead_of_the_clock():
    ahead = budget(credited=10)  # 5 s of wall time ahead of T0
    assert take_over_budget(ahead, 2, T0).credited_until == ahead.credited_until
    assert take_over_budget(ahead, 2, T0).current_session == 2
    assert take_over_budget(None, 7, T0) == WatchBudgetState(7, T0)


def test_a_replayed_beat_of_a_superseded_session_is_superseded():
    with pytest.raises(BeatRejected) as info:
        decide_beat(PlaySessionState(1, 3), budget(current=2), 2, (), T0)
    assert info.value.code == "play_session_superseded"


@pytest.mark.parametrize(("last_seq", "seq"), [(3, 3), (3, 2), (3, 1)])
def test_replayed_beats_are_recognised(last_seq, seq):
    with pytest.raises(BeatRejected) as info:
        decide_beat(
            PlaySessionState(1, last_seq),
            budget(),
            seq,
            ((0, 1),),
            T0 + timedelta(minutes=1),
        )
    assert info.value.code == "replayed"


@pytest.mark.parametrize("seq", [0, -1, "2", 1.5, True, None])
def test_sequence_numbers_are_positive_integers(seq):
    with pytest.raises(BeatRejected) as info:
        decide_beat(SESSION, budget(), seq, (), T0)
    assert info.value.code == "invalid_seq"


def test_gaps_in_sequence_are_allowed_for_lost_beats():
    decision = decide_beat(
        PlaySessionState(1, 2), budget(), 7, ((0, 10),), T0 + timedelta(seconds=30)
    )
    assert decision.seq == 7


@pytest.mark.parametrize(
    ("coverage", "duration", "threshold", "complete"),
    [
        (((0, 95),), 100, 0.95, True),
        (((0, 94),), 100, 0.95, False),
        (((0, 50), (50.5, 96)), 100, 0.95, True),
        (((0, 100),), 100, 1.0, True),
        ((), 0, 0.95, False),
    ],
)
def test_completion_is_distinct_seconds_against_the_threshold(
    coverage, duration, threshold, complete
):
    assert is_complete(coverage, duration, threshold) is complete


@pytest.mark.parametrize(
    ("coverage", "last", "duration", "resume"),
    [
        (((0, 30),), 30, 100, 30),
        (((0, 100),), 99.5, 100, 0),  # finished: start over
        (((0, 40), (60, 100)), 100, 100, 40),  # at the end: go to the first gap
        ((), None, 100, 0),
    ],
)
def test_resume_position(coverage, last, duration, resume):
    assert resume_position(coverage, last, duration) == resume


def test_retention_curve_shows_where_viewers_stop():
    curve = retention_curve([((0, 100),), ((0, 50),), ((0, 25),), ((0, 100),)], 100, 4)
    assert curve == [1.0, 0.75, 0.5, 0.5]
    assert retention_curve([], 100, 4) == [0.0] * 4
    assert all(not math.isnan(v) for v in retention_curve([((0, 1),)], 0, 4))


@pytest.mark.parametrize(
    ("durations", "covered", "share"),
    [
        ([100, 100], [100, 50], 0.75),
        ([100], [120], 1.0),
        ([], [], 0.0),
        ([0], [5], 0.0),
    ],
)
def test_watched_share_of_a_course(durations, covered, share):
    from courses.progress import watched_share

    assert watched_share(durations, covered) == share
