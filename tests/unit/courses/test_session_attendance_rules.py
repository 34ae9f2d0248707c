"""The room's attendance rules, one row per rule (DESIGN §2.7, issue 13): the
doors, sign-out hours, the office's flags, who vouches and reads."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest

from courses.sessions import attendance_rules as rules
from courses.sessions.schedule import Day, SessionFacts
from courses.sessions.states import SessionState
from lms.accounts.roles import Role

START = datetime(2026, 12, 1, 1, 0, tzinfo=UTC)  # 09:00 in Beijing
MIN = timedelta(minutes=1)
DAYS = [
    Day(1, START, START + 120 * MIN),
    Day(2, START + timedelta(days=1), START + timedelta(days=1, minutes=120)),
]


@pytest.mark.parametrize(
    ("now", "day", "code"),
    [
        pytest.param(START - 31 * MIN, None, "doors_not_open", id="before the doors"),
        pytest.param(START - 30 * MIN, 1, None, id="doors open 30 min before"),
        pytest.param(START + 60 * MIN, 1, None, id="during the day"),
        pytest.param(START + 120 * MIN, 1, None, id="at the end"),
        pytest.param(START + 121 * MIN, None, "doors_not_open", id="between days"),
        pytest.param(
            START + timedelta(days=1, minutes=-10), 2, None, id="second day's doors"
        ),
        pytest.param(
            START + timedelta(days=1, minutes=121), None, "sign_in_closed", id="after"
        ),
    ],
)
def test_sign_in_window(now, day, code):
    found, refusal = rules.sign_in_refusal(DAYS, now, 30)
    assert (found.id if found else None) == day
    assert (refusal.code if refusal else None) == code


def test_a_refusal_names_the_time_in_beijing():
    _, refusal = rules.sign_in_refusal(DAYS, START - 31 * MIN, 30)
    assert refusal.at == START - 30 * MIN
    assert "2026-12-01 08:30" in refusal.message


@pytest.mark.parametrize(
    ("now", "day", "code"),
    [
        pytest.param(START - MIN, None, "sign_out_not_open", id="before the start"),
        pytest.param(START, 1, None, id="from the start"),
        pytest.param(START + 150 * MIN, 1, None, id="within 30 min grace"),
        pytest.param(START + 151 * MIN, None, "sign_out_not_open", id="between days"),
        pytest.param(
            START + timedelta(days=1, minutes=151), None, "sign_out_closed", id="after"
        ),
    ],
)
def test_sign_out_window(now, day, code):
    found, refusal = rules.sign_out_refusal(DAYS, now)
    assert (found.id if found else None) == day
    assert (refusal.code if refusal else None) == code


@pytest.mark.parametrize(
    ("learner", "room", "own_seat", "booked", "flags"),
    [
        pytest.param(7, 7, False, True, [], id="own hospital's room"),
        pytest.param(7, 8, False, True, ["other_hospital"], id="another's room"),
        pytest.param(7, 8, True, True, [], id="own seat at the venue"),
        pytest.param(7, 7, False, False, ["not_booked"], id="walk-in"),
        pytest.param(
            7, 8, False, False, ["other_hospital", "not_booked"], id="walk-in elsewhere"
        ),
    ],
)
def test_sign_in_flags(learner, room, own_seat, booked, flags):
    assert (
        rules.sign_in_flags(
            learner_hospital_id=learner,
            room_hospital_id=room,
            has_own_seat=own_seat,
            is_booked=booked,
        )
        == flags
    )


@pytest.mark.parametrize(
    ("ids", "headcount", "above"),
    [
        pytest.param([1, 2, 3], None, set(), id="no headcount entered"),
        pytest.param([1, 2, 3], 3, set(), id="as many as counted"),
        pytest.param([1, 2, 3], 2, {3}, id="the last one past it"),
        pytest.param([1, 2, 3], 0, {1, 2, 3}, id="nobody counted"),
    ],
)
def test_above_headcount(ids, headcount, above):
    assert rules.above_headcount(ids, headcount) == above


@pytest.mark.parametrize(
    ("flags", "flag", "present", "result"),
    [
        ([], "above_headcount", True, ["above_headcount"]),
        (["not_booked"], "above_headcount", True, ["above_headcount", "not_booked"]),
        (["above_headcount", "not_booked"], "above_headcount", False, ["not_booked"]),
        (None, "above_headcount", False, []),
    ],
)
def test_with_flag(flags, flag, present, result):
    assert rules.with_flag(flags, flag, present) == result


@dataclass(frozen=True)
class Actor:
    id: int
    role: Role
    hospital_id: int | None = None


FACTS = SessionFacts(owner_id=1, lecturer_ids=frozenset({2}), venue_hospital_id=9)


@pytest.mark.parametrize(
    ("actor", "vouch", "scope", "headcount"),
    [
        pytest.param(Actor(1, Role.LECTURER, 9), True, "all", True, id="owner"),
        pytest.param(Actor(2, Role.LECTURER, 9), True, "all", True, id="lecturer"),
        pytest.param(Actor(3, Role.ADMINISTRATOR), True, "all", True, id="office"),
        pytest.param(
            Actor(4, Role.SITE_COORDINATOR, 7), True, "hospital", True, id="coordinator"
        ),
        pytest.param(
            Actor(5, Role.SITE_COORDINATOR, 8),
            False,
            "hospital",
            False,
            id="another hospital's coordinator",
        ),
        pytest.param(Actor(6, Role.LEARNER, 7), False, None, False, id="a learner"),
        pytest.param(
            Actor(7, Role.LECTURER, 7), False, None, False, id="another lecturer"
        ),
    ],
)
def test_who_vouches_reads_and_counts(actor, vouch, scope, headcount):
    """For a learner of hospital 7, in hospital 7's room."""
    assert rules.can_vouch(actor, FACTS, 7) is vouch
    assert rules.attendance_scope(actor, FACTS) == scope
    assert rules.can_enter_headcount(actor, FACTS, 7) is headcount


@pytest.mark.parametrize(
    ("state", "after_end", "takes"),
    [
        (SessionState.OPEN, timedelta(hours=-1), True),
        (SessionState.UNDER_WAY, timedelta(hours=1), True),
        (SessionState.ENDED, timedelta(hours=1), True),
        (SessionState.ENDED, timedelta(days=7), True),
        (SessionState.ENDED, timedelta(days=7, seconds=1), False),
        (SessionState.PLANNED, timedelta(hours=-1), False),
        (SessionState.CANCELLED, timedelta(hours=1), False),
    ],
)
def test_vouches_are_taken_for_a_week_after_the_end(state, after_end, takes):
    last_end = datetime(2026, 12, 1, 3, 0, tzinfo=UTC)
    assert rules.takes_vouches(state, last_end, last_end + after_end) is takes
