"""A session's days as the office types them: one line a day,
``2026-12-03 09:00-12:00``, in Asia/Shanghai.

A day past midnight ends on the next date, marked ``+1``:
``2026-12-03 22:00-02:00 +1`` (the API takes such days; the form shows them so).

The form's field is plain text so a whole week goes in fast and works without
JavaScript. Full-width digits and punctuation, as a Chinese input method types
them (``２０２６－１２－０３　９：００～１２：００``), and the separators ``~``,
``–``, ``至``, ``到`` are read too. Every problem names its line.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import itertools
import re
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from courses.sessions.booking_rules import MAX_DAYS
from courses.sessions.schedule import LOCAL_TZ
from lms.limits import YEAR_MAX, YEAR_MIN

#: A session has at most this many days (the booking rules' limit).
DAYS_MAX = MAX_DAYS

LINE = re.compile(
    r"(?P<year>\d{4})[-/.年](?P<month>\d{1,2})[-/.月](?P<day>\d{1,2})日?"
    r"\s*(?P<h1>\d{1,2}):(?P<m1>\d{2})"
    r"\s*(?:-|–|—|~|至|到)\s*"
    r"(?P<h2>\d{1,2}):(?P<m2>\d{2})"
    r"(?:\s*(?P<next>\(\s*\+\s*1\s*\)|\+\s*1|次日))?"
)


@dataclass(frozen=True)
class DayLineProblem:
    """Why line ``line`` (counted from 1; 0: the text as a whole) is refused.

    ``code``: ``unreadable`` (not ``YYYY-MM-DD HH:MM-HH:MM``), ``no_such_date`` (not
    in the calendar, or a year outside ``lms.limits`` YEAR_MIN..YEAR_MAX),
    ``no_such_time``, ``ends_before_start`` (a day past midnight is marked
    ``+1``), ``overlaps`` (with line ``other``), ``no_days``, ``too_many``."""

    line: int
    code: str
    other: int = 0


@dataclass(frozen=True)
class ParsedDays:
    """The days read, as (starts, ends) aware datetimes in UTC sorted by start,
    and the problems found (the days are only usable when there are none)."""

    days: tuple[tuple[datetime, datetime], ...]
    problems: tuple[DayLineProblem, ...]


def _moment(on, hour, minute):
    return datetime.combine(on, time(hour, minute), LOCAL_TZ).astimezone(UTC)


def parse_day_line(text):
    """One line as (starts, ends) in UTC, or a problem code."""
    match = LINE.fullmatch(text)
    if match is None:
        return "unreadable"
    next_day = match.group("next") is not None
    numbers = {
        name: int(value) for name, value in match.groupdict().items() if name != "next"
    }
    if not YEAR_MIN <= numbers["year"] <= YEAR_MAX:
        return "no_such_date"  # and 0001-01-01 00:00 in Beijing is no UTC time
    try:
        on = date(numbers["year"], numbers["month"], numbers["day"])
    except ValueError:
        return "no_such_date"
    if not (numbers["h1"] < 24 and numbers["h2"] < 24):
        return "no_such_time"
    if not (numbers["m1"] < 60 and numbers["m2"] < 60):
        return "no_such_time"
    starts = _moment(on, numbers["h1"], numbers["m1"])
    ends_on = on + timedelta(days=1) if next_day else on
    if ends_on.year > YEAR_MAX:
        return "no_such_date"
    ends = _moment(ends_on, numbers["h2"], numbers["m2"])
    if ends <= starts:
        return "ends_before_start"
    return starts, ends


def parse_day_lines(text):
    """Read the days field: blank lines are skipped, each other line is a day."""
    problems, read = [], []
    lines = unicodedata.normalize("NFKC", text or "").splitlines()
    for number, line in enumerate(lines, start=1):
        line = " ".join(line.split())
        if not line:
            continue
        result = parse_day_line(line)
        if isinstance(result, str):
            problems.append(DayLineProblem(number, result))
        else:
            read.append((number, result))
    if not read and not problems:
        problems.append(DayLineProblem(0, "no_days"))
    if len(read) > DAYS_MAX:
        problems.append(DayLineProblem(0, "too_many"))
    read.sort(key=lambda item: item[1][0])
    for (first, (_, ends)), (second, (starts, _)) in itertools.pairwise(read):
        if starts < ends:
            problems.append(
                DayLineProblem(max(first, second), "overlaps", min(first, second))
            )
    return ParsedDays(
        days=tuple(day for _, day in read),
        problems=tuple(sorted(problems, key=lambda p: p.line)),
    )


def format_day_lines(days):
    """Days ((starts, ends) aware datetimes) as the field shows them, one a line."""
    lines = []
    for starts, ends in days:
        starts, ends = starts.astimezone(LOCAL_TZ), ends.astimezone(LOCAL_TZ)
        marker = " +1" if ends.date() > starts.date() else ""
        lines.append(f"{starts:%Y-%m-%d %H:%M}-{ends:%H:%M}{marker}")
    return "\n".join(lines)
