"""A calendar feed of scheduled sessions as an iCalendar document (RFC 5545):
one VEVENT per session day.

- UID ``session-<id>-day-<day id>@<host>``: a day keeps its id when the session
  is edited, so a phone's calendar updates the event instead of adding another.
- SEQUENCE is the session's ``sequence`` (raised on every change a calendar
  must follow); STATUS is CANCELLED for a cancelled session, TENTATIVE for one
  not yet approved or a place on the waiting list, CONFIRMED otherwise.
- Times carry ``TZID=Asia/Shanghai`` with its VTIMEZONE rather than UTC:
  sessions are planned in Beijing time, a client showing the event's own zone
  keeps "09:00 Beijing" readable, and China has kept +08:00 without daylight
  saving since 1991, so the VTIMEZONE is one STANDARD rule every client reads.
  DTSTAMP and LAST-MODIFIED are UTC, as the RFC requires.
- The document depends only on its facts (no "now"): fetched twice, it is the
  same bytes, so an ETag can answer a phone's poll with 304.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

import icalendar

from courses.sessions.schedule import LOCAL_TZ, Day
from courses.sessions.states import SessionState

PRODUCT_ID = "-//TeleCME//Scheduled sessions//ZH"
#: How often a subscribed calendar should fetch the feed again.
REFRESH_INTERVAL = timedelta(hours=1)
#: The VTIMEZONE's rules start here (Asia/Shanghai has had no change since 1991).
TIMEZONE_FROM = date(2000, 1, 1)
TIMEZONE_UNTIL = date(2100, 1, 1)


class FeedStatus(enum.StrEnum):
    CONFIRMED = "CONFIRMED"
    TENTATIVE = "TENTATIVE"
    CANCELLED = "CANCELLED"


@dataclass(frozen=True)
class FeedSession:
    """A session as a feed shows it, texts already in the feed's language."""

    id: int
    #: The session's iCalendar SEQUENCE.
    sequence: int
    #: As stored (``SessionState``).
    state: SessionState
    title: str
    description: str
    #: The venue hospital and its room, as one line.
    location: str
    #: The session's page.
    url: str
    #: When it last changed (UTC): LAST-MODIFIED and DTSTAMP.
    modified: datetime
    days: tuple[Day, ...]
    #: The feed's owner only waits for a place (their event is tentative).
    is_waiting: bool = False


@dataclass(frozen=True)
class FeedEvent:
    """One VEVENT: one day of a session."""

    uid: str
    sequence: int
    status: FeedStatus
    starts: datetime
    ends: datetime
    modified: datetime
    summary: str
    description: str
    location: str
    url: str


def event_uid(session_id, day_id, host):
    """The event's UID: stable for as long as the day exists."""
    return f"session-{session_id}-day-{day_id}@{host}"


def event_status(state, *, is_waiting=False):
    """CANCELLED, TENTATIVE (not approved yet, or only on the waiting list) or
    CONFIRMED."""
    if state == SessionState.CANCELLED:
        return FeedStatus.CANCELLED
    if state == SessionState.PLANNED or is_waiting:
        return FeedStatus.TENTATIVE
    return FeedStatus.CONFIRMED


def plan_events(session, host):
    """The VEVENTs of one session: one per day, in order."""
    status = event_status(session.state, is_waiting=session.is_waiting)
    return [
        FeedEvent(
            uid=event_uid(session.id, day.id, host),
            sequence=session.sequence,
            status=status,
            starts=day.starts,
            ends=day.ends,
            modified=session.modified,
            summary=session.title,
            description=session.description,
            location=session.location,
            url=session.url,
        )
        for day in session.days
    ]


def render_feed(name, sessions, host):
    """The iCalendar document (bytes) named ``name`` (X-WR-CALNAME) holding
    every day of ``sessions``, in time order."""
    calendar = icalendar.Calendar()
    calendar.add("prodid", PRODUCT_ID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("x-wr-calname", name)
    calendar.add("x-wr-timezone", LOCAL_TZ.key)
    calendar.add("refresh-interval", REFRESH_INTERVAL, parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", icalendar.vDuration(REFRESH_INTERVAL))
    events = sorted(
        (event for session in sessions for event in plan_events(session, host)),
        key=lambda event: (event.starts, event.uid),
    )
    if events:
        calendar.add_component(
            icalendar.Timezone.from_tzinfo(
                LOCAL_TZ,
                tzid=LOCAL_TZ.key,
                first_date=TIMEZONE_FROM,
                last_date=TIMEZONE_UNTIL,
            )
        )
    for event in events:
        calendar.add_component(_vevent(event))
    return calendar.to_ical()


def _vevent(event):
    vevent = icalendar.Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("status", event.status.value)
    vevent.add("dtstamp", _utc(event.modified))
    vevent.add("last-modified", _utc(event.modified))
    vevent.add("dtstart", event.starts.astimezone(LOCAL_TZ))
    vevent.add("dtend", event.ends.astimezone(LOCAL_TZ))
    vevent.add("summary", event.summary)
    if event.description:
        vevent.add("description", event.description)
    if event.location:
        vevent.add("location", event.location)
    if event.url:
        vevent.add("url", event.url)
    # A cancelled session no longer makes its people busy.
    cancelled = event.status == FeedStatus.CANCELLED
    vevent.add("transp", "TRANSPARENT" if cancelled else "OPAQUE")
    return vevent


def _utc(moment):
    return moment.astimezone(UTC).replace(microsecond=0)
