"""How a worker lane is doing, and how long to wait before restarting one.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

#: Heartbeats a lane may miss before the office is told it is not seen.
MISSED_BEATS = 4


@dataclass(frozen=True)
class LaneHealth:
    lane: str
    hostname: str
    pid: int
    restarts: int
    seen_dt: datetime | None
    #: Beating as expected.
    is_healthy: bool
    #: Whole minutes since the last heartbeat (None: never seen).
    unseen_minutes: int | None


def judge_lane(lane, row, now, interval_seconds):
    """The health of ``lane`` from its heartbeat ``row`` (None: never seen).

    ``row`` is anything with ``hostname``, ``pid``, ``restarts`` and ``seen_dt``.
    """
    if row is None:
        return LaneHealth(lane, "", 0, 0, None, False, None)
    age = now - row.seen_dt
    healthy = age <= timedelta(seconds=MISSED_BEATS * interval_seconds)
    minutes = max(0, int(age.total_seconds() // 60))
    return LaneHealth(
        lane, row.hostname, row.pid, row.restarts, row.seen_dt, healthy, minutes
    )


def restart_delay(failures, base_seconds=1.0, cap_seconds=60.0):
    """Seconds before restarting a lane that died ``failures`` times in a row
    (0: never died): ``base_seconds``, then doubling up to ``cap_seconds``."""
    if failures <= 0:
        return 0.0
    return min(cap_seconds, base_seconds * 2 ** min(failures - 1, 32))
