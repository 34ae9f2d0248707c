"""The days field of the session form: one line a day in Asia/Shanghai."""

from datetime import UTC, datetime

import pytest

from courses.sessions.day_lines import (
    DAYS_MAX,
    DayLineProblem,
    format_day_lines,
    parse_day_lines,
)


def utc(*args):
    return datetime(*args, tzinfo=UTC)


MORNING = (utc(2026, 12, 3, 1, 0), utc(2026, 12, 3, 4, 0))
AFTERNOON = (utc(2026, 12, 4, 6, 0), utc(2026, 12, 4, 9, 30))


@pytest.mark.parametrize(
    ("text", "days"),
    [
        pytest.param("2026-12-03 09:00-12:00", [MORNING], id="one-day-beijing-time"),
        pytest.param(
            "2026-12-04 14:00-17:30\n\n2026-12-03 09:00-12:00\n",
            [MORNING, AFTERNOON],
            id="blank-lines-skipped-days-sorted",
        ),
        pytest.param("  2026-12-03   9:00 - 12:00  ", [MORNING], id="spaces-one-digit"),
        pytest.param("2026/12/3 09:00~12:00", [MORNING], id="slashes-tilde"),
        pytest.param(
            "２０２６－１２－０３　０９：００～１２：００", [MORNING], id="full-width"
        ),
        pytest.param("2026年12月3日 09:00至12:00", [MORNING], id="chinese-date"),
        pytest.param("2026-12-03 09:00–12:00", [MORNING], id="en-dash"),
        pytest.param(
            "2026-12-03 00:00-23:59",
            [(utc(2026, 12, 2, 16, 0), utc(2026, 12, 3, 15, 59))],
            id="midnight-is-the-day-before-in-utc",
        ),
        pytest.param(
            "2026-12-03 09:00-12:00\n2026-12-03 12:00-13:00",
            [MORNING, (utc(2026, 12, 3, 4, 0), utc(2026, 12, 3, 5, 0))],
            id="back-to-back-is-no-overlap",
        ),
    ],
)
def test_days_are_read(text, days):
    parsed = parse_day_lines(text)
    assert parsed.problems == ()
    assert list(parsed.days) == days


@pytest.mark.parametrize(
    ("text", "problems"),
    [
        pytest.param("", [DayLineProblem(0, "no_days")], id="empty"),
        pytest.param(" \n\n ", [DayLineProblem(0, "no_days")], id="blank"),
        pytest.param("tomorrow 9-12", [DayLineProblem(1, "unreadable")], id="words"),
        pytest.param(
            "2026-12-03 09:00", [DayLineProblem(1, "unreadable")], id="no-end"
        ),
        pytest.param(
            "2026-12-03 09:00-12:00 and more",
            [DayLineProblem(1, "unreadable")],
            id="trailing-text",
        ),
        pytest.param(
            "2026-02-30 09:00-12:00", [DayLineProblem(1, "no_such_date")], id="feb-30"
        ),
        pytest.param(
            "2026-13-01 09:00-12:00", [DayLineProblem(1, "no_such_date")], id="month-13"
        ),
        pytest.param(
            "0001-01-01 00:00-01:00",
            [DayLineProblem(1, "no_such_date")],
            id="year-1-before-utc-begins",
        ),
        pytest.param(
            "9999-12-31 09:00-10:00",
            [DayLineProblem(1, "no_such_date")],
            id="year-9999",
        ),
        pytest.param(
            "2026-12-03 24:00-25:00", [DayLineProblem(1, "no_such_time")], id="hour-24"
        ),
        pytest.param(
            "2026-12-03 09:60-12:00",
            [DayLineProblem(1, "no_such_time")],
            id="minute-60",
        ),
        pytest.param(
            "2026-12-03 12:00-09:00",
            [DayLineProblem(1, "ends_before_start")],
            id="backwards",
        ),
        pytest.param(
            "2026-12-03 09:00-09:00",
            [DayLineProblem(1, "ends_before_start")],
            id="no-length",
        ),
        pytest.param(
            "2026-12-03 09:00-12:00\n2026-12-03 11:00-13:00",
            [DayLineProblem(2, "overlaps", 1)],
            id="overlap",
        ),
        pytest.param(
            "2026-12-03 09:00-12:00\nbad\n2026-12-03 09:00-12:00",
            [DayLineProblem(2, "unreadable"), DayLineProblem(3, "overlaps", 1)],
            id="every-line-reported",
        ),
        pytest.param(
            "\n".join(
                f"2026-{m:02}-{d:02} 09:00-10:00"
                for m in (1, 2, 3)
                for d in range(1, 22)
            ),
            [DayLineProblem(0, "too_many")],
            id="too-many-days",
        ),
    ],
)
def test_bad_days_are_refused_by_line(text, problems):
    assert list(parse_day_lines(text).problems) == problems


def test_the_limit_is_the_booking_rules_one():
    from courses.sessions.booking_rules import MAX_DAYS

    assert DAYS_MAX == MAX_DAYS
    lines = [f"2026-12-{d:02} 09:00-10:00" for d in range(1, DAYS_MAX + 1)]
    assert parse_day_lines("\n".join(lines)).problems == ()
    lines.append("2027-01-01 09:00-10:00")
    assert parse_day_lines("\n".join(lines)).problems == (
        DayLineProblem(0, "too_many"),
    )


def test_days_shown_in_the_field_read_back_the_same():
    days = [MORNING, AFTERNOON]
    text = format_day_lines(days)
    assert text == "2026-12-03 09:00-12:00\n2026-12-04 14:00-17:30"
    assert list(parse_day_lines(text).days) == days


NIGHT = (utc(2026, 12, 3, 14, 0), utc(2026, 12, 3, 18, 0))  # 22:00-02:00 in Beijing


@pytest.mark.parametrize(
    "text",
    [
        "2026-12-03 22:00-02:00 +1",
        "2026-12-03 22:00-02:00(+1)",
        "2026-12-03 22:00-02:00 次日",
        "２０２６－１２－０３　２２：００－０２：００（＋１）",
    ],
)
def test_a_day_past_midnight_is_marked_plus_one(text):
    """The API takes a day across midnight; the edit page showed it as
    '22:00-02:00', which its own reading refused, so it could not be saved."""
    parsed = parse_day_lines(text)
    assert parsed.problems == ()
    assert list(parsed.days) == [NIGHT]


def test_a_day_past_midnight_reads_back_the_same():
    text = format_day_lines([MORNING, NIGHT])
    assert text == "2026-12-03 09:00-12:00\n2026-12-03 22:00-02:00 +1"
    assert list(parse_day_lines(text).days) == [MORNING, NIGHT]
    assert parse_day_lines("2026-12-03 22:00-02:00").problems == (
        DayLineProblem(1, "ends_before_start"),
    )
    assert parse_day_lines("2100-12-31 22:00-02:00 +1").problems == (
        DayLineProblem(1, "no_such_date"),
    )
