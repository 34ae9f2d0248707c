"""The heartbeat rules of DESIGN §2.3, one row per rule."""

import math
from datetime import UTC, datetime, timedelta

import pytest

from courses.progress import (
    BeatRejected,
    PlaySessionState,
    covered_seconds,
    decide_beat,
    is_complete,
    merge_ranges,
    parse_ranges,
    resume_position,
    retention_curve,
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


def state(last_seq=0, credited=0.0):
    return PlaySessionState(started_at=T0, last_seq=last_seq, credited_seconds=credited)


@pytest.mark.parametrize(
    ("elapsed", "credited", "ranges", "accepted"),
    [
        (15, 0, ((0, 15),), True),  # real time
        (15, 0, ((0, 30),), True),  # 2x playback
        (15, 0, ((0, 35),), True),  # 2x + slack
        (15, 0, ((0, 36),), False),  # beyond 2x + slack
        (15, 30, ((30, 40),), False),  # the session already spent its budget
        (60, 30, ((30, 90),), True),  # budget counts over the whole session
        (0, 0, ((0, 5),), True),  # slack covers the first instant
        (0, 0, ((0, 600),), False),  # seeking ahead: a claim of 10 minutes now
    ],
)
def test_media_time_is_limited_by_wall_time(elapsed, credited, ranges, accepted):
    now = T0 + timedelta(seconds=elapsed)
    if accepted:
        decision = decide_beat(state(credited=credited), 1, ranges, now)
        assert decision.credited_seconds == pytest.approx(
            credited + covered_seconds(ranges)
        )
    else:
        with pytest.raises(BeatRejected) as info:
            decide_beat(state(credited=credited), 1, ranges, now)
        assert info.value.code == "implausible"


@pytest.mark.parametrize(("last_seq", "seq"), [(3, 3), (3, 2), (3, 1)])
def test_replayed_beats_are_recognised(last_seq, seq):
    with pytest.raises(BeatRejected) as info:
        decide_beat(state(last_seq=last_seq), seq, ((0, 1),), T0 + timedelta(minutes=1))
    assert info.value.code == "replayed"


@pytest.mark.parametrize("seq", [0, -1, "2", 1.5, True, None])
def test_sequence_numbers_are_positive_integers(seq):
    with pytest.raises(BeatRejected) as info:
        decide_beat(state(), seq, (), T0)
    assert info.value.code == "invalid_seq"


def test_gaps_in_sequence_are_allowed_for_lost_beats():
    decision = decide_beat(state(last_seq=2), 7, ((0, 10),), T0 + timedelta(seconds=30))
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
