"""The calendar's pages as dates: a month of Monday-first weeks, a week, a list
of the weeks ahead; stepping back and forth; which local day a session day
falls on (Asia/Shanghai, not UTC: 00:30 in Beijing is the day before in UTC).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from courses.sessions.schedule import LOCAL_TZ

#: The list view shows this many days ahead of its date.
LIST_DAYS = 28
#: Dates the calendar can be asked for (past and future alike).
FIRST_YEAR, LAST_YEAR = 2000, 2100

ISO_DATE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")


class View(enum.StrEnum):
    MONTH = "month"
    WEEK = "week"
    LIST = "list"


@dataclass(frozen=True)
class Span:
    """The local dates a page shows, ``first`` to ``last`` inclusive."""

    first: date
    last: date

    @property
    def days(self):
        return [self.first + timedelta(days=n) for n in range(self.length)]

    @property
    def length(self):
        return (self.last - self.first).days + 1

    def bounds(self):
        """(from, until) as aware datetimes: the first day's local midnight and
        the local midnight after the last day."""
        return (
            datetime.combine(self.first, time(), LOCAL_TZ),
            datetime.combine(self.last + timedelta(days=1), time(), LOCAL_TZ),
        )


def parse_day(text):
    """``YYYY-MM-DD`` as a date (years FIRST_YEAR..LAST_YEAR), or None."""
    match = ISO_DATE.fullmatch(text or "")
    if not match:
        return None
    try:
        day = date(*(int(part) for part in match.groups()))
    except ValueError:
        return None
    return day if FIRST_YEAR <= day.year <= LAST_YEAR else None


def local_day(moment):
    """The date in Asia/Shanghai of an aware datetime."""
    return moment.astimezone(LOCAL_TZ).date()


def week_of(day):
    """Monday to Sunday of ``day``'s week."""
    monday = day - timedelta(days=day.weekday())
    return Span(monday, monday + timedelta(days=6))


def month_of(day):
    """The first to the last day of ``day``'s month."""
    first = day.replace(day=1)
    following = (first + timedelta(days=32)).replace(day=1)
    return Span(first, following - timedelta(days=1))


def span_of(view, day):
    """The dates a view shows around ``day``: whole Monday-first weeks covering
    its month, its week, or ``LIST_DAYS`` from ``day`` on."""
    if view == View.MONTH:
        month = month_of(day)
        return Span(week_of(month.first).first, week_of(month.last).last)
    if view == View.WEEK:
        return week_of(day)
    return Span(day, day + timedelta(days=LIST_DAYS - 1))


def weeks(span):
    """The span's days in rows of seven (a month grid's rows)."""
    days = span.days
    return [days[n : n + 7] for n in range(0, len(days), 7)]


def step(view, day, direction):
    """The date of the previous (``direction=-1``) or next (``+1``) page."""
    if view == View.MONTH:
        if direction < 0:
            return month_of(day).first - timedelta(days=1)
        return month_of(day).last + timedelta(days=1)
    if view == View.WEEK:
        return day + timedelta(days=7 * direction)
    return day + timedelta(days=LIST_DAYS * direction)


def in_range(day):
    return FIRST_YEAR <= day.year <= LAST_YEAR


def by_local_day(items, starts):
    """``items`` grouped by the local date ``starts(item)`` falls on, each
    day's items in time order."""
    grouped = defaultdict(list)
    for item in sorted(items, key=starts):
        grouped[local_day(starts(item))].append(item)
    return dict(grouped)
