"""How long ffmpeg may run, when an upload is abandoned, when space is low."""

from datetime import UTC, datetime, timedelta

import pytest

from media_pipeline.limits import (
    TimeLimits,
    is_space_low,
    is_upload_abandoned,
    plan_time_limit,
)

LIMITS = TimeLimits(floor_seconds=300, per_source_second=6)
NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)
DAY = timedelta(days=1)


@pytest.mark.parametrize(
    ("duration", "limit"),
    [
        pytest.param(4, 300, id="short-clip-gets-the-floor"),
        pytest.param(50, 300, id="floor-reached-exactly"),
        pytest.param(3600, 21_600, id="an-hour-gets-six"),
        pytest.param(0, 300, id="no-duration"),
        pytest.param(None, 300, id="unknown"),
        pytest.param(float("nan"), 300, id="nan"),
        pytest.param(-5, 300, id="negative"),
    ],
)
def test_a_run_may_take_the_floor_or_its_share_of_the_source(duration, limit):
    assert plan_time_limit(duration, LIMITS) == limit


@pytest.mark.parametrize(
    ("idle", "abandoned"),
    [
        pytest.param(timedelta(hours=23), False, id="a-day-not-yet-over"),
        pytest.param(DAY, False, id="exactly-a-day"),
        pytest.param(DAY + timedelta(seconds=1), True, id="more-than-a-day"),
    ],
)
def test_an_upload_is_abandoned_after_a_day_without_a_chunk(idle, abandoned):
    assert is_upload_abandoned(NOW - idle, NOW, DAY) is abandoned


@pytest.mark.parametrize(
    ("free", "low"),
    [(0, True), (10 * 2**30 - 1, True), (10 * 2**30, False), (2**40, False)],
)
def test_space_is_low_below_the_threshold(free, low):
    assert is_space_low(free, 10 * 2**30) is low
