"""What a person's part in a session comes to when it ends (DESIGN §2.7): each
learner's presence against the session's minimum, the minutes the credit rules
count, or why nothing counts.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
import math
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from courses.sessions.schedule import is_host, presence_minutes, scheduled_minutes
from courses.sessions.states import SessionKind
from lms.accounts.roles import Role

#: The share of the scheduled time a learner must be present when a session names none.
DEFAULT_MIN_PRESENCE = Decimal("0.80")


class Shortfall(enum.StrEnum):
    """Why a learner's presence earns no credit."""

    NO_PRESENCE = "no_presence"
    #: Signed in on every day present, never signed out: no minutes to count.
    NEVER_SIGNED_OUT = "never_signed_out"
    BELOW_MINIMUM = "below_minimum"


@dataclass(frozen=True)
class DayPresence:
    """One person's presence on one day, as the room recorded it."""

    day_id: int
    signed_in: datetime | None = None
    signed_out: datetime | None = None
    #: Minutes within the day's hours, set at sign-out or when vouched for.
    minutes: int | None = None


@dataclass(frozen=True)
class LearnerOutcome:
    #: Minutes present within the scheduled hours, all days together.
    presence_minutes: int
    scheduled_minutes: int
    #: Minutes present the minimum asks for (``min_presence`` of the scheduled).
    required_minutes: int
    #: Minutes the credit rules count: the scheduled time, or the minutes
    #: present under a rule set that credits participation (AMA); 0 when short.
    credit_minutes: int
    shortfall: Shortfall | None = None
    #: Why nothing counts, in words ("" when the presence counts).
    reason: str = ""

    @property
    def is_enough(self):
        return self.shortfall is None


def required_minutes(scheduled, min_presence):
    """Minutes present a learner needs: ``min_presence`` of ``scheduled``, rounded
    up (80 % of 125 minutes is 100; of 121 minutes, 97)."""
    share = Decimal(str(min_presence)) if min_presence else DEFAULT_MIN_PRESENCE
    return math.ceil(Decimal(scheduled) * share)


def day_minutes(day, presence):
    """A day's minutes present: as recorded (never above the day's length), or
    from the sign-in and sign-out; 0 while the person has not signed out."""
    if presence.minutes is not None:
        return max(0, min(presence.minutes, day.minutes))
    return presence_minutes(day, presence.signed_in, presence.signed_out)


def is_open(presence):
    """Signed in, never signed out, and no minutes vouched for."""
    return (
        presence.minutes is None
        and presence.signed_in is not None
        and presence.signed_out is None
    )


def decide_learner(days, min_presence, presences, *, by_participation=False):
    """A learner's outcome from their presence on the session's ``days``.

    The minimum is summed over the days (a two-day course asks for 80 % of both
    days together, not of each). Presence on a day the session no longer has
    counts nothing. ``by_participation``: the rule set credits the minutes
    taken part (AMA), not the session's length.
    """
    by_day = {day.id: day for day in days}
    scheduled = scheduled_minutes(days)
    needed = required_minutes(scheduled, min_presence)
    mine = [p for p in presences if p.day_id in by_day]
    present = sum(day_minutes(by_day[p.day_id], p) for p in mine)
    unclosed = sum(1 for p in mine if is_open(p))

    def short(shortfall, reason):
        return LearnerOutcome(present, scheduled, needed, 0, shortfall, reason)

    if not mine:
        return short(Shortfall.NO_PRESENCE, "no presence")
    if present == 0 and unclosed == len(mine):
        return short(Shortfall.NEVER_SIGNED_OUT, "signed in but never signed out")
    if present < needed:
        reason = f"present {present} of {scheduled} minutes; {needed} needed"
        if unclosed:
            reason += f" (never signed out on {unclosed} of {len(mine)} days)"
        return short(Shortfall.BELOW_MINIMUM, reason)
    return LearnerOutcome(
        present, scheduled, needed, present if by_participation else scheduled
    )


def teaching_minutes(days, ended=None):
    """A lecturer's minutes presenting: the session's scheduled time, up to the
    moment a host ended it (days after that were never taught)."""
    if ended is None:
        return scheduled_minutes(days)
    return sum(
        max(0, int((min(day.ends, ended) - day.starts).total_seconds() // 60))
        for day in days
    )


def is_distance(kind):
    """A broadcast or a group viewing reaches its audience remotely: a distance
    project's cap applies (CN-2006: at most 5 credits a national project)."""
    return SessionKind(kind) in (SessionKind.BROADCAST, SessionKind.GROUP_VIEWING)


def teaching_problem(kind):
    """Why lecturers of a session of ``kind`` earn no teaching line ("" when they
    do): a group viewing shows a recorded course, whose lecturers earned their
    teaching credit from the course itself."""
    if SessionKind(kind) == SessionKind.GROUP_VIEWING:
        return "a group viewing shows a recorded course: no live presenting"
    return ""


class OutcomeScope(enum.StrEnum):
    """Whose outcomes of a session a person may read."""

    ALL = "all"
    #: A coordinator: the people of their own hospital.
    HOSPITAL = "hospital"
    OWN = "own"


def outcome_scope(actor, facts):
    """The hosts and the office read every outcome, a coordinator their
    hospital's people's, anyone else their own."""
    if is_host(actor, facts):
        return OutcomeScope.ALL
    if actor.role == Role.SITE_COORDINATOR and actor.hospital_id is not None:
        return OutcomeScope.HOSPITAL
    return OutcomeScope.OWN
