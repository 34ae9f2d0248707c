"""When a session is, what state it is in, who it is for and who runs it.

Shared by booking, the room's attendance, credits and the calendar. Times are
aware datetimes (stored in UTC); a session is scheduled and shown in
Asia/Shanghai.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from courses.sessions.states import SessionState
from lms.accounts.roles import Role

#: Where the network's sessions are scheduled and shown.
LOCAL_TZ = ZoneInfo("Asia/Shanghai")
#: Sign-out (and a late sign-in's closing) stays open this long after a day ends.
SIGN_OUT_GRACE = timedelta(minutes=30)


@dataclass(frozen=True)
class Day:
    """One day of a session, as the rules need it."""

    id: int
    starts: datetime
    ends: datetime

    @property
    def minutes(self):
        return int((self.ends - self.starts).total_seconds() // 60)


@dataclass(frozen=True)
class Audience:
    """Who a session is for; an empty tuple is no restriction."""

    hospital_ids: tuple[int, ...] = ()
    tiers: tuple[str, ...] = ()
    provinces: tuple[str, ...] = ()
    professions: tuple[str, ...] = ()


@dataclass(frozen=True)
class Person:
    """A person as the audience rule sees them."""

    id: int
    role: Role
    hospital_id: int | None
    tier: str = ""
    province: str = ""
    profession: str = ""


@dataclass(frozen=True)
class SessionFacts:
    """Who owns and teaches a session, and where."""

    owner_id: int
    lecturer_ids: frozenset = field(default_factory=frozenset)
    venue_hospital_id: int | None = None


def state_at(stored, first_start, now):
    """The state people see: an open session whose first day has started is
    under way (it stays so until someone ends it)."""
    if stored == SessionState.OPEN and first_start is not None and now >= first_start:
        return SessionState.UNDER_WAY
    return stored


def scheduled_minutes(days):
    return sum(day.minutes for day in days)


def local(moment):
    """``moment`` in Asia/Shanghai."""
    return moment.astimezone(LOCAL_TZ)


def sign_in_window(day, doors_open_minutes):
    """(from, until) a sign-in on ``day`` is accepted: from the doors opening
    until the day's end."""
    return day.starts - timedelta(minutes=doors_open_minutes), day.ends


def sign_out_window(day):
    """(from, until) a sign-out on ``day`` is accepted."""
    return day.starts, day.ends + SIGN_OUT_GRACE


def day_at(days, now, doors_open_minutes):
    """The day whose doors are open (or whose sign-out grace runs) at ``now``,
    or None. Days never overlap, so at most one matches."""
    for day in days:
        opens, _ = sign_in_window(day, doors_open_minutes)
        _, closes = sign_out_window(day)
        if opens <= now <= closes:
            return day
    return None


def presence_minutes(day, signed_in, signed_out):
    """Whole minutes between sign-in and sign-out within the day's scheduled hours."""
    if signed_in is None or signed_out is None:
        return 0
    start = max(signed_in, day.starts)
    end = min(signed_out, day.ends)
    if end <= start:
        return 0
    return int((end - start).total_seconds() // 60)


def audience_problem(audience, person):
    """Why ``person`` is not in the session's audience ("" when they are)."""
    if audience.hospital_ids and person.hospital_id not in audience.hospital_ids:
        return "this session is for other hospitals"
    if audience.tiers and person.tier not in audience.tiers:
        return "this session is for hospitals of another tier"
    if audience.provinces and person.province not in audience.provinces:
        return "this session is for hospitals of other provinces"
    if audience.professions and person.profession not in audience.professions:
        return "this session is for other professions"
    return ""


def is_host(actor, facts):
    """The office, the session's owner and its lecturers run the session."""
    return (
        actor.role == Role.ADMINISTRATOR
        or actor.id == facts.owner_id
        or actor.id in facts.lecturer_ids
    )


def can_open_room(actor, facts, booked_hospital_ids):
    """The room screen: a host, or the coordinator of the venue or of a
    hospital with a room booked."""
    if is_host(actor, facts):
        return True
    return actor.role == Role.SITE_COORDINATOR and (
        actor.hospital_id == facts.venue_hospital_id
        or actor.hospital_id in booked_hospital_ids
    )
