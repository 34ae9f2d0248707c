"""A worker lane's health from its heartbeat, and the supervisor's restart delays."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from lms.workers.health import judge_lane, restart_delay

NOW = datetime(2026, 11, 30, 9, 0, tzinfo=UTC)


@dataclass
class Row:
    seen_dt: datetime
    hostname: str = "vm"
    pid: int = 42
    restarts: int = 0


@pytest.mark.parametrize(
    ("seen_seconds_ago", "healthy", "minutes"),
    [
        pytest.param(0, True, 0, id="just-beat"),
        pytest.param(59, True, 0, id="three-beats-missed"),
        pytest.param(60, True, 1, id="four-beats-missed-is-the-limit"),
        pytest.param(61, False, 1, id="past-four-beats"),
        pytest.param(10 * 60 + 5, False, 10, id="ten-minutes"),
    ],
)
def test_a_lane_is_healthy_until_it_misses_four_beats(
    seen_seconds_ago, healthy, minutes
):
    row = Row(seen_dt=NOW - timedelta(seconds=seen_seconds_ago))
    health = judge_lane("fast", row, NOW, interval_seconds=15)
    assert (health.is_healthy, health.unseen_minutes) == (healthy, minutes)
    assert (health.hostname, health.pid) == ("vm", 42)


def test_a_lane_never_seen_is_not_healthy():
    health = judge_lane("media", None, NOW, interval_seconds=15)
    assert not health.is_healthy and health.seen_dt is None
    assert health.unseen_minutes is None


@pytest.mark.parametrize(
    ("failures", "delay"),
    [
        pytest.param(0, 0.0, id="never-died"),
        pytest.param(1, 1.0, id="first-death"),
        pytest.param(2, 2.0, id="second-in-a-row"),
        pytest.param(4, 8.0, id="doubling"),
        pytest.param(7, 60.0, id="capped"),
        pytest.param(10_000, 60.0, id="no-overflow"),
    ],
)
def test_restarts_back_off_doubling_up_to_a_cap(failures, delay):
    assert restart_delay(failures, base_seconds=1.0, cap_seconds=60.0) == delay
