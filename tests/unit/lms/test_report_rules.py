"""The network reports' pure rules: months in Beijing time, periods, and how
figures add up (table-driven)."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from lms.reports.rules import (
    ADDITIVE,
    Figures,
    Period,
    PeriodError,
    month_bounds,
    month_label,
    month_of,
    months_between,
    next_month,
    parse_period,
    previous_month,
    sum_figures,
)

TODAY = date(2026, 11, 30)


@pytest.mark.parametrize(
    ("moment", "month"),
    [
        (datetime(2026, 2, 28, 15, 59, 59, tzinfo=UTC), 202602),  # 23:59:59 Beijing
        (datetime(2026, 2, 28, 16, 0, tzinfo=UTC), 202603),  # midnight, 1 March
        (datetime(2025, 12, 31, 16, 0, tzinfo=UTC), 202601),  # new year in Beijing
        (datetime(2026, 6, 15, 2, 0, tzinfo=UTC), 202606),
        (datetime(9999, 12, 31, 23, 0, tzinfo=UTC), 999912),  # past the calendar
    ],
)
def test_a_moment_counts_in_the_beijing_month(moment, month):
    assert month_of(moment) == month


def test_a_naive_moment_is_refused():
    with pytest.raises(ValueError):
        month_of(datetime(2026, 1, 1))


@pytest.mark.parametrize(
    ("month", "before", "after"),
    [(202601, 202512, 202602), (202612, 202611, 202701), (202606, 202605, 202607)],
)
def test_months_step_over_years(month, before, after):
    assert (previous_month(month), next_month(month)) == (before, after)


def test_month_bounds_are_beijing_midnights_in_utc():
    lo, hi = month_bounds(202603)
    assert lo == datetime(2026, 2, 28, 16, 0, tzinfo=UTC)
    assert hi == datetime(2026, 3, 31, 16, 0, tzinfo=UTC)
    assert month_of(lo) == 202603 and month_of(hi) == 202604


def test_months_between_and_labels():
    assert months_between(202511, 202602) == [202511, 202512, 202601, 202602]
    assert months_between(202602, 202601) == []
    assert month_label(202603) == "2026-03"


@pytest.mark.parametrize(
    ("args", "period", "year"),
    [
        ({}, Period(202601, 202612), 2026),
        ({"year": "2024"}, Period(202401, 202412), 2024),
        ({"year": 2025}, Period(202501, 202512), 2025),
        ({"start": "2025-11", "end": "2026-02"}, Period(202511, 202602), None),
        ({"start": "2026-03"}, Period(202603, 202603), 2026),
        ({"end": "2026-03"}, Period(202603, 202603), 2026),
        ({"year": " 2026 "}, Period(202601, 202612), 2026),
    ],
)
def test_periods_parse(args, period, year):
    parsed = parse_period(**args, today=TODAY)
    assert parsed == period
    assert parsed.year == year


@pytest.mark.parametrize(
    ("args", "words"),
    [
        ({"year": "abc"}, "four digits"),
        ({"year": "99999999999999999999"}, "four digits"),
        ({"year": "1999"}, "between"),
        ({"year": "-202"}, "four digits"),
        ({"year": "²⁰²⁶"}, "four digits"),  # isdigit() says yes, int() says no
        ({"year": "202²"}, "four digits"),
        ({"start": "2026-13"}, "YYYY-MM"),
        ({"start": "2026-00"}, "YYYY-MM"),
        ({"start": "26-03"}, "start month must"),
        ({"end": "2026-3"}, "end month must"),
        ({"start": "2026-03", "end": "2026-01"}, "before"),
        ({"start": "2000-01", "end": "2026-12"}, "at most"),
        ({"year": "2026", "start": "2026-01"}, "not both"),
    ],
)
def test_bad_periods_are_refused_with_a_reason(args, words):
    with pytest.raises(PeriodError, match=words):
        parse_period(**args, today=TODAY)


@pytest.mark.parametrize(
    ("period", "label"),
    [
        (Period(202601, 202612), "2026"),
        (Period(202603, 202603), "2026-03"),
        (Period(202511, 202602), "2025-11 – 2026-02"),
    ],
)
def test_period_labels(period, label):
    assert period.label == label


def test_figures_add_up_field_by_field():
    a = Figures(
        enrolments=3,
        attendances=2,
        learners=4,
        completions=1,
        course_hours=Decimal("1.50"),
        watched_seconds=7200,
        credits_by_category={"I": Decimal("1.0")},
        staff=10,
        staff_met=5,
    )
    b = Figures(
        enrolments=1,
        sessions_held=1,
        session_hours=Decimal("2.00"),
        credits_by_category={"I": Decimal("0.5"), "II": Decimal("2")},
        staff=10,
        staff_met=0,
    )
    total = sum_figures([a, b])
    assert total.person_times == 6
    assert total.class_hours_delivered == Decimal("3.50")
    assert total.class_hours_watched == Decimal("2.00")
    assert total.credits_by_category == {"I": Decimal("1.5"), "II": Decimal("2")}
    assert total.credits == Decimal("3.5")
    assert total.compliance == 0.25
    for name in ADDITIVE:
        assert getattr(total, name) == getattr(a, name) + getattr(b, name)


@pytest.mark.parametrize(
    ("staff", "met", "share"), [(None, None, None), (0, 0, None), (4, 1, 0.25)]
)
def test_compliance_is_a_share_of_registered_learners(staff, met, share):
    assert Figures(staff=staff, staff_met=met).compliance == share
