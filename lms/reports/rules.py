"""Pure rules of the network reports: the network's months, the periods a
report covers, and how figures add up.

No I/O, no Flask, no SQLAlchemy: plain values in, plain values out.

A month is the integer YYYYMM of the network's own calendar: Beijing time, a
fixed UTC+8 (China keeps no daylight saving), so a course completed at 07:30 on
1 March in Beijing counts for March although it is still February in UTC.
"""

import re
from dataclasses import dataclass, field, fields, replace
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal

NETWORK_TZ = timezone(timedelta(hours=8), "Asia/Shanghai")
#: The groupings a network report offers.
GROUPINGS = ("tier", "province", "hospital", "month")
#: The longest period a report covers, in months.
MAX_MONTHS = 120
FIRST_YEAR, LAST_YEAR = 2000, 2100
_MONTH_ARG = re.compile(r"^(\d{4})-(\d{2})$")
ZERO = Decimal(0)


class PeriodError(ValueError):
    """A period that cannot be reported on (with the reason, for the person)."""


def month_of(moment):
    """The network month (YYYYMM) of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError(f"naive datetime {moment!r}")
    try:
        local = moment.astimezone(NETWORK_TZ)
    except OverflowError:  # the last hours of year 9999: the last month there is
        return 999912
    return local.year * 100 + local.month


def month_of_date(day):
    return day.year * 100 + day.month


def month_start(month):
    """The first day of ``month``."""
    return date(month // 100, month % 100, 1)


def next_month(month):
    year, number = divmod(month, 100)
    return (year + 1) * 100 + 1 if number == 12 else month + 1


def previous_month(month):
    year, number = divmod(month, 100)
    return (year - 1) * 100 + 12 if number == 1 else month - 1


def month_bounds(month):
    """``[from, to)`` of ``month`` as aware UTC datetimes."""

    def start(m):
        first = month_start(m)
        return datetime(first.year, first.month, 1, tzinfo=NETWORK_TZ).astimezone(UTC)

    return start(month), start(next_month(month))


def date_bounds(month):
    """``[from, to)`` of ``month`` as dates (for date columns)."""
    return month_start(month), month_start(next_month(month))


def months_between(first, last):
    """Every month from ``first`` to ``last``, both included."""
    months, month = [], first
    while month <= last:
        months.append(month)
        month = next_month(month)
    return months


def month_label(month):
    return f"{month // 100:04d}-{month % 100:02d}"


def is_valid_month(month):
    return FIRST_YEAR * 100 < month < (LAST_YEAR + 1) * 100 and 1 <= month % 100 <= 12


@dataclass(frozen=True)
class Period:
    """Whole months ``first``..``last`` (YYYYMM), both included."""

    first: int
    last: int

    @property
    def months(self):
        return months_between(self.first, self.last)

    @property
    def year(self):
        """The calendar year the period lies in, or None when it spans years."""
        return self.first // 100 if self.first // 100 == self.last // 100 else None

    @property
    def label(self):
        if self.first % 100 == 1 and self.last % 100 == 12 and self.year:
            return str(self.year)
        if self.first == self.last:
            return month_label(self.first)
        return f"{month_label(self.first)} – {month_label(self.last)}"


def parse_period(year=None, start=None, end=None, *, today):
    """The period of a report's arguments: ``year`` (a calendar year), or
    ``start``/``end`` as "YYYY-MM" (whole months); the current year otherwise.
    Raises ``PeriodError`` for anything else."""
    if year not in (None, "") and (start or end):
        raise PeriodError("Give a year, or a start and end month, not both.")
    if start or end:
        first = _parse_month(start, "start") if start else None
        last = _parse_month(end, "end") if end else first
        first = first or last
        if last < first:
            raise PeriodError("The end month is before the start month.")
        if len(months_between(first, last)) > MAX_MONTHS:
            raise PeriodError(f"A report covers at most {MAX_MONTHS} months.")
        return Period(first, last)
    if year in (None, ""):
        return Period(today.year * 100 + 1, today.year * 100 + 12)
    text = str(year).strip()
    if not re.fullmatch(r"[0-9]{4}", text):
        raise PeriodError("The year must be four digits, such as 2026.")
    number = int(text)
    if not FIRST_YEAR <= number <= LAST_YEAR:
        raise PeriodError(f"The year must lie between {FIRST_YEAR} and {LAST_YEAR}.")
    return Period(number * 100 + 1, number * 100 + 12)


def _parse_month(text, name):
    found = _MONTH_ARG.match(str(text).strip())
    month = int(found[1]) * 100 + int(found[2]) if found else 0
    if not is_valid_month(month):
        raise PeriodError(f"The {name} month must be written YYYY-MM, such as 2026-03.")
    return month


@dataclass(frozen=True)
class Figures:
    """A report's figures for one row (or the totals). Every field adds up
    across rows except ``learners`` (distinct people), ``course_hours`` (distinct
    courses) and ``compliance`` (a share), which are counted again for the
    totals."""

    enrolments: int = 0
    attendances: int = 0
    learners: int = 0
    completions: int = 0
    #: Class hours of the recorded courses completed, each course once however
    #: many completed it (not additive: two hospitals may complete one course).
    course_hours: Decimal = ZERO
    sessions_held: int = 0
    session_hours: Decimal = ZERO
    rooms_connected: int = 0
    watched_seconds: int = 0
    certificates: int = 0
    credits_by_category: dict = field(default_factory=dict)
    #: Registered learners (active, at the hospital now) and those of them who
    #: met the year's requirement; None outside a single year.
    staff: int | None = None
    staff_met: int | None = None

    @property
    def person_times(self):
        """Enrolments plus attendances: the network's "person-times" (人次)."""
        return self.enrolments + self.attendances

    @property
    def class_hours_delivered(self):
        """Class hours of recorded courses completed plus those of sessions held."""
        return self.course_hours + self.session_hours

    @property
    def class_hours_watched(self):
        return (Decimal(self.watched_seconds) / 3600).quantize(Decimal("0.01"))

    @property
    def credits(self):
        return sum(self.credits_by_category.values(), ZERO)

    @property
    def compliance(self):
        """The share (0..1) of registered learners who met the year's requirement;
        None when there is no single year or nobody is registered."""
        if not self.staff:
            return None
        return self.staff_met / self.staff

    @property
    def is_active(self):
        return bool(
            self.person_times
            or self.completions
            or self.rooms_connected
            or self.sessions_held
        )


#: The fields that add up across rows.
ADDITIVE = tuple(
    f.name
    for f in fields(Figures)
    if f.name
    not in ("learners", "course_hours", "credits_by_category", "staff", "staff_met")
)


def add_figures(a, b):
    """``a + b`` for the additive fields; ``learners``, ``course_hours`` and the
    staff counts add too (right only when the rows share no people or courses)."""
    merged = dict(a.credits_by_category)
    for category, credits in b.credits_by_category.items():
        merged[category] = merged.get(category, ZERO) + credits
    values = {name: getattr(a, name) + getattr(b, name) for name in ADDITIVE}
    staff = (
        None if a.staff is None and b.staff is None else (a.staff or 0) + (b.staff or 0)
    )
    staff_met = (
        None
        if a.staff_met is None and b.staff_met is None
        else (a.staff_met or 0) + (b.staff_met or 0)
    )
    return replace(
        a,
        **values,
        learners=a.learners + b.learners,
        course_hours=a.course_hours + b.course_hours,
        credits_by_category=merged,
        staff=staff,
        staff_met=staff_met,
    )


def sum_figures(many):
    total = Figures()
    for figures in many:
        total = add_figures(total, figures)
    return total
