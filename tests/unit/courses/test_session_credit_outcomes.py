"""What a learner's presence at a session comes to: the minimum of the
scheduled time summed over the days, the minutes the credit rules count, and
the reason when nothing counts (DESIGN §2.7)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from courses.sessions.outcomes import (
    DayPresence,
    OutcomeScope,
    Shortfall,
    decide_learner,
    is_distance,
    outcome_scope,
    required_minutes,
    teaching_minutes,
    teaching_problem,
)
from courses.sessions.schedule import Day, Person, SessionFacts
from courses.sessions.states import SessionKind
from lms.accounts.roles import Role

T0 = datetime(2026, 11, 30, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
DAY1 = Day(1, T0, T0 + timedelta(minutes=120))
DAY2 = Day(2, T0 + timedelta(days=1), T0 + timedelta(days=1, minutes=120))
ONE_DAY = [DAY1]
TWO_DAYS = [DAY1, DAY2]


def at(day, minutes):
    return day.starts + timedelta(minutes=minutes)


def signed(day, sign_in, sign_out):
    """Signed in and out at these minutes after the day's start."""
    return DayPresence(
        day.id, at(day, sign_in), None if sign_out is None else at(day, sign_out)
    )


@pytest.mark.parametrize(
    (
        "days",
        "min_presence",
        "presences",
        "by_participation",
        "present",
        "credit_minutes",
        "shortfall",
        "reason",
    ),
    [
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, -10, 125)],
            False,
            120,
            120,
            None,
            "",
            id="whole-day-counts-the-scheduled-time",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 20, 120)],
            False,
            100,
            120,
            None,
            "",
            id="late-but-above-80-percent-earns-the-session",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 24, 120)],
            False,
            96,
            120,
            None,
            "",
            id="exactly-the-minimum-counts",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 25, 120)],
            False,
            95,
            0,
            Shortfall.BELOW_MINIMUM,
            "present 95 of 120 minutes; 96 needed",
            id="one-minute-short-counts-nothing",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 0, 52)],
            False,
            52,
            0,
            Shortfall.BELOW_MINIMUM,
            "present 52 of 120 minutes; 96 needed",
            id="left-early",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [],
            False,
            0,
            0,
            Shortfall.NO_PRESENCE,
            "no presence",
            id="no-presence",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 0, None)],
            False,
            0,
            0,
            Shortfall.NEVER_SIGNED_OUT,
            "signed in but never signed out",
            id="signed-in-never-out",
        ),
        pytest.param(
            TWO_DAYS,
            "0.80",
            [signed(DAY1, 0, 120), signed(DAY2, 0, 80)],
            False,
            200,
            240,
            None,
            "",
            id="minimum-summed-over-the-days",
        ),
        pytest.param(
            TWO_DAYS,
            "0.80",
            [signed(DAY1, 0, 120)],
            False,
            120,
            0,
            Shortfall.BELOW_MINIMUM,
            "present 120 of 240 minutes; 192 needed",
            id="one-day-of-two-is-short",
        ),
        pytest.param(
            TWO_DAYS,
            "0.80",
            [signed(DAY1, 0, 120), signed(DAY2, 0, None)],
            False,
            120,
            0,
            Shortfall.BELOW_MINIMUM,
            "present 120 of 240 minutes; 192 needed (never signed out on 1 of 2 days)",
            id="second-day-never-signed-out",
        ),
        pytest.param(
            ONE_DAY,
            "0.50",
            [signed(DAY1, 0, 60)],
            False,
            60,
            120,
            None,
            "",
            id="the-session-own-minimum",
        ),
        pytest.param(
            ONE_DAY,
            "1.00",
            [signed(DAY1, 1, 120)],
            False,
            119,
            0,
            Shortfall.BELOW_MINIMUM,
            "present 119 of 120 minutes; 120 needed",
            id="full-presence-required",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, 10, 120)],
            True,
            110,
            110,
            None,
            "",
            id="ama-credits-the-minutes-taken-part",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [signed(DAY1, -30, 200)],
            False,
            120,
            120,
            None,
            "",
            id="time-outside-the-hours-counts-nothing",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [DayPresence(1, None, None, minutes=110)],
            False,
            110,
            120,
            None,
            "",
            id="vouched-minutes-count",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [DayPresence(1, None, None, minutes=600)],
            True,
            120,
            120,
            None,
            "",
            id="recorded-minutes-never-above-the-day",
        ),
        pytest.param(
            ONE_DAY,
            "0.80",
            [DayPresence(99, at(DAY1, 0), at(DAY1, 120))],
            False,
            0,
            0,
            Shortfall.NO_PRESENCE,
            "no presence",
            id="a-day-the-session-no-longer-has",
        ),
        pytest.param(
            ONE_DAY,
            None,
            [signed(DAY1, 24, 120)],
            False,
            96,
            120,
            None,
            "",
            id="default-minimum-80-percent",
        ),
    ],
)
def test_learner_outcome(
    days,
    min_presence,
    presences,
    by_participation,
    present,
    credit_minutes,
    shortfall,
    reason,
):
    outcome = decide_learner(
        days,
        None if min_presence is None else Decimal(min_presence),
        presences,
        by_participation=by_participation,
    )
    assert outcome.presence_minutes == present
    assert outcome.scheduled_minutes == sum(day.minutes for day in days)
    assert outcome.credit_minutes == credit_minutes
    assert outcome.shortfall == shortfall
    assert outcome.is_enough is (shortfall is None)
    assert outcome.reason == reason


@pytest.mark.parametrize(
    ("scheduled", "share", "needed"),
    [
        (120, "0.80", 96),
        (125, "0.80", 100),
        (121, "0.80", 97),  # rounded up: 96.8 minutes are not 96
        (90, "0.75", 68),
        (60, "1", 60),
    ],
)
def test_required_minutes_round_up(scheduled, share, needed):
    assert required_minutes(scheduled, Decimal(share)) == needed


@pytest.mark.parametrize(
    ("kind", "distance", "teaches"),
    [
        (SessionKind.BROADCAST, True, True),
        (SessionKind.GROUP_VIEWING, True, False),
        (SessionKind.ONSITE, False, True),
        (SessionKind.SKILLS, False, True),
        (SessionKind.CASE_CONFERENCE, False, True),
    ],
)
def test_kinds_distance_and_teaching(kind, distance, teaches):
    assert is_distance(kind) is distance
    assert (teaching_problem(kind) == "") is teaches


def test_lecturers_teach_the_scheduled_time():
    assert teaching_minutes(TWO_DAYS) == 240


OWNER, LECTURER, OFFICE_ID = 1, 2, 3
FACTS = SessionFacts(owner_id=OWNER, lecturer_ids=frozenset({LECTURER}))


@pytest.mark.parametrize(
    ("person", "scope"),
    [
        (Person(OWNER, Role.LECTURER, 10), OutcomeScope.ALL),
        (Person(LECTURER, Role.LECTURER, 10), OutcomeScope.ALL),
        (Person(OFFICE_ID, Role.ADMINISTRATOR, None), OutcomeScope.ALL),
        (Person(4, Role.SITE_COORDINATOR, 10), OutcomeScope.HOSPITAL),
        (Person(5, Role.SITE_COORDINATOR, None), OutcomeScope.OWN),
        (Person(6, Role.LECTURER, 10), OutcomeScope.OWN),  # not of this session
        (Person(7, Role.LEARNER, 10), OutcomeScope.OWN),
    ],
)
def test_who_reads_whose_outcomes(person, scope):
    assert outcome_scope(person, FACTS) == scope
