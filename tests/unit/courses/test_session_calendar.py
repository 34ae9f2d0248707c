"""The calendar's pure parts: the iCalendar document of a feed and the dates a
calendar page shows (RFC 5545; Asia/Shanghai)."""

from datetime import UTC, date, datetime, timedelta

import icalendar
import pytest

from courses.sessions.grid import (
    Span,
    View,
    by_local_day,
    parse_day,
    span_of,
    step,
    weeks,
)
from courses.sessions.ical import (
    FeedSession,
    FeedStatus,
    event_status,
    event_uid,
    plan_events,
    render_feed,
)
from courses.sessions.schedule import LOCAL_TZ, Day
from courses.sessions.states import SessionState

MODIFIED = datetime(2026, 11, 30, 3, 15, 42, 123456, tzinfo=UTC)


def beijing(*parts):
    return datetime(*parts, tzinfo=LOCAL_TZ)


def session(**changes):
    start = beijing(2026, 12, 3, 9)
    values = {
        "id": 7,
        "sequence": 2,
        "state": SessionState.OPEN,
        "title": "基层卒中识别直播课",
        "description": "直播授课\n\n请提前十分钟入场。",
        "location": "四川省人民医院 · 一号会议室",
        "url": "https://cme.example.cn/sessions/7",
        "modified": MODIFIED,
        "days": (
            Day(11, start, start + timedelta(hours=3)),
            Day(12, start + timedelta(days=1), start + timedelta(days=1, hours=3)),
        ),
    }
    values.update(changes)
    return FeedSession(**values)


def parsed(*sessions, name="TeleCME · 张医生"):
    return icalendar.Calendar.from_ical(render_feed(name, sessions, "cme.example.cn"))


# --- status, UID, one event per day -------------------------------------------------


@pytest.mark.parametrize(
    ("state", "is_waiting", "status"),
    [
        (SessionState.OPEN, False, FeedStatus.CONFIRMED),
        (SessionState.UNDER_WAY, False, FeedStatus.CONFIRMED),
        (SessionState.ENDED, False, FeedStatus.CONFIRMED),
        (SessionState.PLANNED, False, FeedStatus.TENTATIVE),
        (SessionState.OPEN, True, FeedStatus.TENTATIVE),
        (SessionState.CANCELLED, False, FeedStatus.CANCELLED),
        (SessionState.CANCELLED, True, FeedStatus.CANCELLED),
    ],
    ids=[
        "open-confirmed",
        "under-way-confirmed",
        "ended-confirmed",
        "not-approved-tentative",
        "waiting-list-tentative",
        "cancelled",
        "cancelled-beats-waiting",
    ],
)
def test_status(state, is_waiting, status):
    assert event_status(state, is_waiting=is_waiting) == status


def test_the_uid_names_session_day_and_host():
    assert event_uid(7, 11, "cme.example.cn") == "session-7-day-11@cme.example.cn"


def test_one_event_per_day_each_with_the_days_uid_and_the_sessions_sequence():
    events = plan_events(session(), "cme.example.cn")
    assert [event.uid for event in events] == [
        "session-7-day-11@cme.example.cn",
        "session-7-day-12@cme.example.cn",
    ]
    assert {event.sequence for event in events} == {2}
    assert [event.starts.day for event in events] == [3, 4]


def test_a_moved_day_keeps_its_uid_and_the_raised_sequence_shows():
    before = plan_events(session(), "h")[0]
    moved = session(
        sequence=3,
        days=(Day(11, beijing(2026, 12, 5, 14), beijing(2026, 12, 5, 16)),),
    )
    after = plan_events(moved, "h")[0]
    assert after.uid == before.uid and after.sequence > before.sequence


# --- the document -------------------------------------------------------------------


def test_the_document_parses_with_its_calendar_properties():
    calendar = parsed(session())
    assert str(calendar["VERSION"]) == "2.0"
    assert str(calendar["PRODID"]).startswith("-//TeleCME//")
    assert str(calendar["X-WR-CALNAME"]) == "TeleCME · 张医生"
    assert str(calendar["X-WR-TIMEZONE"]) == "Asia/Shanghai"
    assert calendar["REFRESH-INTERVAL"].dt == timedelta(hours=1)
    (timezone,) = calendar.walk("VTIMEZONE")
    assert str(timezone["TZID"]) == "Asia/Shanghai"
    (standard,) = timezone.walk("STANDARD")
    assert standard["TZOFFSETTO"].td == timedelta(hours=8)


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("UID", "session-7-day-11@cme.example.cn"),
        ("SEQUENCE", 2),
        ("STATUS", "CONFIRMED"),
        ("SUMMARY", "基层卒中识别直播课"),
        ("DESCRIPTION", "直播授课\n\n请提前十分钟入场。"),
        ("LOCATION", "四川省人民医院 · 一号会议室"),
        ("URL", "https://cme.example.cn/sessions/7"),
        ("TRANSP", "OPAQUE"),
    ],
)
def test_an_events_properties(name, expected):
    event = parsed(session()).walk("VEVENT")[0]
    value = event[name]
    assert (value if isinstance(expected, int) else str(value)) == expected


def test_times_carry_beijings_tzid_and_stamps_are_utc_whole_seconds():
    text = render_feed("x", [session()], "h").decode()
    assert "DTSTART;TZID=Asia/Shanghai:20261203T090000" in text
    assert "DTEND;TZID=Asia/Shanghai:20261203T120000" in text
    assert "DTSTAMP:20261130T031542Z" in text
    assert "LAST-MODIFIED:20261130T031542Z" in text


def test_a_day_stored_in_utc_is_written_in_beijing_time():
    start = datetime(2026, 12, 9, 16, 30, tzinfo=UTC)  # 00:30 on the 10th in Beijing
    text = render_feed(
        "x", [session(days=(Day(1, start, start + timedelta(hours=1)),))], "h"
    ).decode()
    assert "DTSTART;TZID=Asia/Shanghai:20261210T003000" in text


def test_a_cancelled_session_is_cancelled_and_frees_the_time():
    event = parsed(session(state=SessionState.CANCELLED)).walk("VEVENT")[0]
    assert str(event["STATUS"]) == "CANCELLED"
    assert str(event["TRANSP"]) == "TRANSPARENT"


def test_texts_with_icalendars_separators_come_back_unchanged():
    title = "心衰, 房颤; 卒中\\新进展"
    event = parsed(session(title=title, description="")).walk("VEVENT")[0]
    assert str(event["SUMMARY"]) == title
    assert "DESCRIPTION" not in event


def test_events_are_in_time_order_across_sessions():
    later = session(
        id=8, days=(Day(20, beijing(2026, 12, 1, 8), beijing(2026, 12, 1, 9)),)
    )
    events = parsed(session(), later).walk("VEVENT")
    assert [str(event["UID"]).split("@")[0] for event in events] == [
        "session-8-day-20",
        "session-7-day-11",
        "session-7-day-12",
    ]


def test_the_same_facts_give_the_same_bytes():
    assert render_feed("x", [session()], "h") == render_feed("x", [session()], "h")


def test_an_empty_feed_is_a_valid_calendar_without_a_timezone():
    calendar = parsed()
    assert calendar.walk("VEVENT") == [] and calendar.walk("VTIMEZONE") == []


# --- the dates of a calendar page ---------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-12-10", date(2026, 12, 10)),
        ("2028-02-29", date(2028, 2, 29)),
        ("2000-01-01", date(2000, 1, 1)),
        ("2100-12-31", date(2100, 12, 31)),
        ("2026-02-29", None),
        ("2026-13-01", None),
        ("1999-12-31", None),
        ("2101-01-01", None),
        ("99999-01-01", None),
        ("2026-1-5", None),
        ("２０２６-１２-１０", None),
        ("2026-12-10x", None),
        ("", None),
        (None, None),
    ],
)
def test_parse_day(text, expected):
    assert parse_day(text) == expected


@pytest.mark.parametrize(
    ("view", "day", "first", "last"),
    [
        # December 2026 starts on a Tuesday and ends on a Thursday.
        (View.MONTH, date(2026, 12, 17), date(2026, 11, 30), date(2027, 1, 3)),
        # February 2021 is exactly four Monday-first weeks.
        (View.MONTH, date(2021, 2, 10), date(2021, 2, 1), date(2021, 2, 28)),
        (View.WEEK, date(2026, 12, 6), date(2026, 11, 30), date(2026, 12, 6)),
        (View.WEEK, date(2026, 11, 30), date(2026, 11, 30), date(2026, 12, 6)),
        (View.LIST, date(2026, 12, 6), date(2026, 12, 6), date(2027, 1, 2)),
    ],
    ids=["month-spills", "month-exact", "week-sunday", "week-monday", "list"],
)
def test_span_of(view, day, first, last):
    span = span_of(view, day)
    assert (span.first, span.last) == (first, last)
    if view == View.MONTH:
        assert all(len(row) == 7 and row[0].weekday() == 0 for row in weeks(span))


@pytest.mark.parametrize(
    ("view", "day", "direction", "expected"),
    [
        (View.MONTH, date(2026, 3, 31), -1, date(2026, 2, 28)),
        (View.MONTH, date(2026, 3, 31), 1, date(2026, 4, 1)),
        (View.MONTH, date(2026, 12, 15), 1, date(2027, 1, 1)),
        (View.WEEK, date(2026, 3, 31), 1, date(2026, 4, 7)),
        (View.LIST, date(2026, 3, 31), -1, date(2026, 3, 3)),
    ],
)
def test_step(view, day, direction, expected):
    assert step(view, day, direction) == expected


def test_a_span_is_bounded_by_beijing_midnights():
    first, until = Span(date(2026, 12, 10), date(2026, 12, 10)).bounds()
    assert first.astimezone(UTC) == datetime(2026, 12, 9, 16, tzinfo=UTC)
    assert until - first == timedelta(days=1)


def test_days_are_grouped_by_their_day_in_beijing_not_in_utc():
    half_past_midnight = datetime(2026, 12, 9, 16, 30, tzinfo=UTC)
    evening = datetime(2026, 12, 9, 11, 0, tzinfo=UTC)
    grouped = by_local_day([half_past_midnight, evening], lambda moment: moment)
    assert grouped == {
        date(2026, 12, 9): [evening],
        date(2026, 12, 10): [half_past_midnight],
    }
