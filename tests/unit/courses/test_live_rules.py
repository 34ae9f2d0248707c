"""The rules of a live broadcast (DESIGN §2.8): when a stream key works, what a
push comes to, what viewers are told, where a run's ladder is written."""

from datetime import UTC, datetime, timedelta

import pytest

from courses.sessions.live_rules import (
    RUN_FOLDER,
    KeyHours,
    LiveView,
    day_for_push,
    key_window,
    live_view,
    push_deadline,
    push_refusal,
    run_folder,
    stream_name,
)
from courses.sessions.schedule import Day
from courses.sessions.states import LiveState, SessionKind, SessionState

#: 09:00-11:00 in Beijing on two days a week apart.
START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)
DAY1 = Day(1, START, START + timedelta(hours=2))
DAY2 = Day(2, START + timedelta(days=7), START + timedelta(days=7, hours=2))
DAYS = [DAY1, DAY2]
HOURS = KeyHours()  # 30 minutes early, 30 minutes of grace
MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


def test_a_key_works_from_the_doors_opening_until_the_grace_ends():
    assert key_window(DAY1, HOURS) == (
        DAY1.starts - timedelta(minutes=30),
        DAY1.ends + timedelta(minutes=30),
    )
    short = KeyHours(early=timedelta(0), grace=timedelta(minutes=5))
    assert key_window(DAY1, short) == (DAY1.starts, DAY1.ends + 5 * MIN)


@pytest.mark.parametrize(
    ("now", "day"),
    [
        (DAY1.starts - 31 * MIN, None),
        (DAY1.starts - 30 * MIN, DAY1),
        (DAY1.starts, DAY1),
        (DAY1.ends + 30 * MIN, DAY1),
        (DAY1.ends + 30 * MIN + SEC, None),
        (DAY1.ends + timedelta(days=3), None),
        (DAY2.starts - 10 * MIN, DAY2),
    ],
    ids=[
        "before-doors",
        "doors-open",
        "start",
        "grace-last-moment",
        "grace-over",
        "between-days",
        "second-day",
    ],
)
def test_the_day_a_push_belongs_to(now, day):
    assert day_for_push(DAYS, now, HOURS) == day


@pytest.mark.parametrize(
    ("kind", "state", "now", "refused"),
    [
        (SessionKind.BROADCAST, SessionState.OPEN, DAY1.starts, ""),
        (SessionKind.BROADCAST, SessionState.UNDER_WAY, DAY1.starts, ""),
        (SessionKind.BROADCAST, SessionState.OPEN, DAY1.starts - 20 * MIN, ""),
        (
            SessionKind.ONSITE,
            SessionState.OPEN,
            DAY1.starts,
            "only a broadcast session is pushed live",
        ),
        (
            SessionKind.GROUP_VIEWING,
            SessionState.OPEN,
            DAY1.starts,
            "only a broadcast session is pushed live",
        ),
        (
            SessionKind.BROADCAST,
            SessionState.PLANNED,
            DAY1.starts,
            "the session is not approved yet",
        ),
        (
            SessionKind.BROADCAST,
            SessionState.CANCELLED,
            DAY1.starts,
            "the session was cancelled",
        ),
        (
            SessionKind.BROADCAST,
            SessionState.ENDED,
            DAY1.starts,
            "the session has ended",
        ),
        (
            SessionKind.BROADCAST,
            SessionState.OPEN,
            DAY1.starts - 31 * MIN,
            "outside the session's hours for the studio's push",
        ),
        (
            SessionKind.BROADCAST,
            SessionState.OPEN,
            DAY1.ends + 31 * MIN,
            "outside the session's hours for the studio's push",
        ),
    ],
    ids=[
        "open",
        "under-way",
        "doors-open",
        "onsite",
        "group-viewing",
        "planned",
        "cancelled",
        "ended",
        "too-early",
        "too-late",
    ],
)
def test_which_push_is_refused(kind, state, now, refused):
    assert push_refusal(kind, state, DAYS, now, HOURS) == refused


@pytest.mark.parametrize(
    ("now", "deadline"),
    [
        (DAY1.starts - 30 * MIN, DAY1.ends + 30 * MIN),
        (DAY1.ends, DAY1.ends + 30 * MIN),
        (DAY2.starts, DAY2.ends + 30 * MIN),
        (DAY1.ends + 31 * MIN, None),
    ],
    ids=["doors-open", "day-end", "second-day", "outside"],
)
def test_a_push_is_cut_at_its_days_end_plus_the_grace(now, deadline):
    assert push_deadline(DAYS, now, HOURS) == deadline


L, R, E = LiveState.LIVE, LiveState.RECONNECTING, LiveState.ENDED


@pytest.mark.parametrize(
    ("states", "now", "view"),
    [
        ([], DAY1.starts, LiveView.IDLE),
        ([L], DAY1.starts, LiveView.LIVE),
        ([R], DAY1.starts, LiveView.LIVE),
        ([E, L], DAY1.starts, LiveView.LIVE),
        # Day one's broadcast ended; day two is still to come.
        ([E], DAY1.ends + 40 * MIN, LiveView.IDLE),
        # Ended within the grace: a push may still come back.
        ([E], DAY2.ends + 10 * MIN, LiveView.IDLE),
        ([E], DAY2.ends + 30 * MIN, LiveView.ENDED),
        ([E, E], DAY2.ends + timedelta(days=1), LiveView.ENDED),
        ([], DAY2.ends + timedelta(days=1), LiveView.IDLE),
    ],
    ids=[
        "nothing-yet",
        "live",
        "reconnecting-is-live",
        "second-broadcast-live",
        "between-days",
        "within-grace",
        "grace-over",
        "all-over",
        "never-pushed",
    ],
)
def test_what_viewers_are_told(states, now, view):
    assert live_view(states, DAYS, now, HOURS) == view


@pytest.mark.parametrize(
    ("broadcast_id", "run", "folder"),
    [(1, 1, "b1/r1"), (42, 3, "b42/r3"), (10**17, 10**8, f"b{10**17}/r{10**8}")],
)
def test_a_runs_folder(broadcast_id, run, folder):
    assert run_folder(broadcast_id, run) == folder
    match = RUN_FOLDER.fullmatch(folder)
    assert match and tuple(map(int, match.groups())) == (broadcast_id, run)


@pytest.mark.parametrize(
    "folder",
    ["b1", "b1/r1/x", "../b1/r1", "b-1/r1", "b1/r", "bx/r1", "b1/r1\n"],
)
def test_only_a_runs_folder_matches(folder):
    assert RUN_FOLDER.fullmatch(folder) is None


def test_a_broadcast_is_pushed_under_its_own_name():
    assert stream_name(7) == "b7"
    assert stream_name(7) == run_folder(7, 1).split("/")[0]
