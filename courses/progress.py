"""Watch progress: which seconds of a lecture a learner has seen, and which
heartbeats are believable.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

#: The fastest playback the player offers; no beat may cover media faster.
MAX_PLAYBACK_RATE = 2.0
#: Seconds of media allowed beyond wall time x rate (timer jitter, seek rounding).
PLAUSIBILITY_SLACK = 5.0
#: Ranges a single beat may carry (a beat is sent every ~15 s).
MAX_RANGES_PER_BEAT = 64
#: Ranges shorter than this are noise from seeking and cover nothing.
MIN_RANGE_SECONDS = 0.25


class BeatRejected(ValueError):
    """A heartbeat that changes nothing; ``code`` says why, for the API."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class WatchBudgetState:
    """A learner's watch budget, one for all their play sessions, tabs and devices."""

    #: The play session that earns credit now: the newest one started.
    current_session: int | None
    #: Wall-clock instant up to which media credit has been spent: each credited
    #: media second moves it on by ``1 / max_rate`` s, and it may run ahead of
    #: the clock by ``slack / max_rate`` s at most.
    credited_until: datetime


@dataclass(frozen=True)
class PlaySessionState:
    """What the server knows of a play session before the beat."""

    id: int
    last_seq: int


@dataclass(frozen=True)
class BeatDecision:
    """An accepted beat: the ranges to merge and the learner's new budget."""

    ranges: tuple[tuple[float, float], ...]
    media_seconds: float
    seq: int
    credited_until: datetime


def parse_ranges(raw, duration):
    """Check ``[[from, to], ...]`` against ``[0, duration]``; raise on anything odd."""
    if not isinstance(raw, list | tuple):
        raise BeatRejected(
            "invalid_ranges", "ranges must be a list of [from, to] pairs"
        )
    if len(raw) > MAX_RANGES_PER_BEAT:
        raise BeatRejected(
            "invalid_ranges", f"at most {MAX_RANGES_PER_BEAT} ranges a beat"
        )
    ranges = []
    for pair in raw:
        if not isinstance(pair, list | tuple) or len(pair) != 2:
            raise BeatRejected("invalid_ranges", "each range must be [from, to]")
        start, end = pair
        if not all(_is_number(v) for v in (start, end)):
            raise BeatRejected("invalid_ranges", "range bounds must be finite numbers")
        start, end = float(start), float(end)
        if start < 0 or end < 0:
            raise BeatRejected("invalid_ranges", "range bounds cannot be negative")
        if end < start:
            raise BeatRejected("invalid_ranges", "a range cannot end before it starts")
        if end > duration + 0.5:
            raise BeatRejected(
                "invalid_ranges", "a range goes past the end of the lecture"
            )
        end = min(end, duration)
        if end - start >= MIN_RANGE_SECONDS:
            ranges.append((start, end))
    return tuple(ranges)


def _is_number(value):
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and math.isfinite(value)
    )


def merge_ranges(coverage, ranges):
    """The union of ``coverage`` and ``ranges`` as sorted, disjoint intervals."""
    merged = []
    for start, end in sorted([*coverage, *ranges]):
        if merged and start <= merged[-1][1]:
            if end > merged[-1][1]:
                merged[-1] = (merged[-1][0], end)
        else:
            merged.append((start, end))
    return tuple(merged)


def covered_seconds(coverage):
    """Distinct seconds in a union of intervals."""
    return sum(end - start for start, end in coverage)


def is_complete(coverage, duration, threshold):
    """Enough distinct seconds seen: ``threshold`` (0..1) of the lecture."""
    if duration <= 0:
        return False
    return covered_seconds(coverage) >= threshold * duration - 1e-6


def take_over_budget(budget, session_id, now):
    """The budget once play session ``session_id`` starts at ``now``: it becomes
    the one stream that earns credit, and earlier ones earn nothing more.

    Idle time before ``now`` is no budget (``credited_until`` moves up to ``now``),
    but media credited ahead of the clock stays spent: a new session brings no
    fresh slack, so restarting sessions cannot speed anything up.
    """
    if budget is None:
        return WatchBudgetState(current_session=session_id, credited_until=now)
    return WatchBudgetState(
        current_session=session_id, credited_until=max(budget.credited_until, now)
    )


def decide_beat(
    session,
    budget,
    seq,
    ranges,
    now,
    *,
    max_rate=MAX_PLAYBACK_RATE,
    slack=PLAUSIBILITY_SLACK,
):
    """Accept or reject a heartbeat of a play session against its learner's budget.

    Only the learner's current play session earns credit; a beat of an earlier
    one raises ``BeatRejected("play_session_superseded")``. A sequence number at
    or below the session's last accepted one is a replay: it raises
    ``BeatRejected("replayed")`` and the caller answers with the state unchanged.
    Media time is limited per learner, over all their sessions and lectures: the
    seconds credited since the budget last caught up with the clock are at most
    the wall time times ``max_rate`` plus ``slack``. Counting over the whole
    stream rather than per beat lets a browser resend beats it kept offline.
    """
    if not isinstance(seq, int) or isinstance(seq, bool) or seq < 1:
        raise BeatRejected("invalid_seq", "seq must be a positive integer")
    if budget is None or budget.current_session != session.id:
        raise BeatRejected(
            "play_session_superseded",
            "a newer play session of this learner (another tab or device) "
            "now counts; start a new play session to count here",
        )
    if seq <= session.last_seq:
        raise BeatRejected("replayed", "this beat was already received")
    media = covered_seconds(merge_ranges((), ranges))
    credited_until = budget.credited_until + timedelta(seconds=media / max_rate)
    ahead = (credited_until - now).total_seconds() * max_rate
    if ahead > slack + 1e-6:
        raise BeatRejected(
            "implausible",
            f"{media:.1f} s of media is {ahead:.1f} s more than wall time at "
            f"{max_rate:g}x playback allows, over all of this learner's play sessions",
        )
    return BeatDecision(
        ranges=ranges, media_seconds=media, seq=seq, credited_until=credited_until
    )


def watched_share(durations, covered):
    """Share (0..1) of a course's lecture time covered, from per-lecture seconds."""
    total = sum(durations)
    return min(1.0, sum(covered) / total) if total > 0 else 0.0


def resume_position(coverage, last_position, duration):
    """Where the player should start: the last position, unless at the very end."""
    if duration <= 0 or last_position is None:
        return 0.0
    if last_position >= duration - 2:
        gaps = uncovered_gaps(coverage, duration)
        return gaps[0][0] if gaps else 0.0
    return max(0.0, float(last_position))


def uncovered_gaps(coverage, duration):
    """The parts of ``[0, duration]`` not yet seen."""
    gaps, cursor = [], 0.0
    for start, end in coverage:
        if start > cursor:
            gaps.append((cursor, start))
        cursor = max(cursor, end)
    if cursor < duration:
        gaps.append((cursor, duration))
    return [g for g in gaps if g[1] - g[0] >= 1.0]


def retention_curve(coverages, duration, buckets=20):
    """For a lecture, the share of viewers who saw each of ``buckets`` equal parts.

    ``coverages`` holds one union of intervals per viewer; a part counts as seen
    when at least half of it is covered. Where the curve drops, viewers stop.
    """
    if duration <= 0 or not coverages:
        return [0.0] * buckets
    width = duration / buckets
    counts = [0] * buckets
    for coverage in coverages:
        for i in range(buckets):
            lo, hi = i * width, (i + 1) * width
            seen = sum(
                max(0.0, min(end, hi) - max(start, lo)) for start, end in coverage
            )
            if seen >= width / 2:
                counts[i] += 1
    return [c / len(coverages) for c in counts]
