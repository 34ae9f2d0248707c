"""The pure rules of booking a scheduled session (courses.sessions.booking_rules)."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

import pytest

from courses.sessions.booking_rules import (
    MAX_DAYS,
    Terms,
    Waiting,
    booking_closes,
    booking_closes_problem,
    booking_problem,
    capacity_problem,
    changed_days_problem,
    days_overlap,
    days_problem,
    decide_seats,
    describe_when,
    hospital_audience_problem,
    may_book_room,
    may_cancel_reservation,
    may_create_session,
    may_manage_session,
    min_presence_problem,
    notified_changes,
    plan_promotions,
    room_conflict,
)
from courses.sessions.schedule import Audience, Person
from courses.sessions.states import ReservationState, SessionState
from lms.accounts.roles import Role

T0 = datetime(2026, 12, 3, 1, 0, tzinfo=UTC)  # 09:00 in Asia/Shanghai
H = timedelta(hours=1)
D = timedelta(days=1)


def day(offset_hours, length_hours=3):
    start = T0 + offset_hours * H
    return (start, start + length_hours * H)


# --- days ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("days", "code"),
    [
        pytest.param([day(0)], None, id="one-day"),
        pytest.param([day(24), day(0)], None, id="unsorted-days-are-fine"),
        pytest.param([day(0, 3), day(3, 3)], None, id="back-to-back"),
        pytest.param([], "invalid_days", id="no-day"),
        pytest.param([day(24 * i) for i in range(MAX_DAYS)], None, id="31-days"),
        pytest.param(
            [day(24 * i) for i in range(MAX_DAYS + 1)], "invalid_days", id="32-days"
        ),
        pytest.param(
            [(T0.replace(tzinfo=None), T0.replace(tzinfo=None) + H)],
            "invalid_days",
            id="naive",
        ),
        pytest.param([(T0, T0)], "invalid_days", id="ends-when-it-starts"),
        pytest.param([(T0, T0 - H)], "invalid_days", id="ends-before-start"),
        pytest.param([day(0, 24)], None, id="24-hours"),
        pytest.param([(T0, T0 + D + timedelta(seconds=1))], "invalid_days", id="25h"),
        pytest.param([day(0, 3), day(2, 3)], "invalid_days", id="overlapping-days"),
        pytest.param([day(48), day(0), day(49)], "invalid_days", id="overlap-unsorted"),
    ],
)
def test_days_problem(days, code):
    problem = days_problem(days)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("old", "new", "now", "code"),
    [
        pytest.param([], [day(0)], T0 - H, None, id="new-day-in-future"),
        pytest.param([], [day(0)], T0 + H, "day_in_past", id="new-day-in-past"),
        pytest.param([day(0)], [day(0)], T0 + H, None, id="started-unchanged"),
        pytest.param([day(0)], [day(1)], T0 + H, "day_started", id="started-moved"),
        pytest.param(
            [day(0), day(24)], [day(0)], T0 + 25 * H, "day_started", id="removed"
        ),
        pytest.param(
            [day(0), day(24)], [day(0), day(30)], T0 + H, None, id="later-day-moved"
        ),
        pytest.param(
            [day(0)], [day(0), day(-30)], T0 + H, "day_in_past", id="added-in-past"
        ),
    ],
)
def test_changed_days_problem(old, new, now, code):
    problem = changed_days_problem(old, new, now)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("a", "b", "overlap"),
    [
        ([day(0)], [day(1)], True),
        ([day(0)], [day(3)], False),  # back to back
        ([day(0), day(24)], [day(25)], True),
        ([day(0)], [day(24)], False),
    ],
)
def test_days_overlap(a, b, overlap):
    assert days_overlap(a, b) is overlap


@pytest.mark.parametrize(
    ("venue", "room", "others", "conflict"),
    [
        pytest.param(1, "Studio 1", [(7, 1, "Studio 1", [day(1)])], 7, id="same-room"),
        pytest.param(1, "studio  1", [(7, 1, "Studio 1", [day(1)])], 7, id="spelling"),
        pytest.param(1, "Studio 1", [(7, 1, "Studio 2", [day(1)])], None, id="other"),
        pytest.param(1, "Studio 1", [(7, 2, "Studio 1", [day(1)])], None, id="hosp"),
        pytest.param(1, "Studio 1", [(7, 1, "Studio 1", [day(3)])], None, id="after"),
        pytest.param(1, "", [(7, 1, "", [day(1)])], None, id="no-room-named"),
    ],
)
def test_room_conflict(venue, room, others, conflict):
    assert room_conflict(venue, room, [day(0)], others) == conflict


def test_describe_when_is_local_time():
    assert describe_when([day(0)]) == "2026-12-03 09:00–12:00 (Asia/Shanghai)"
    assert describe_when([day(15, 3)]) == ("2026-12-04 00:00–03:00 (Asia/Shanghai)")
    assert describe_when([day(14, 3)]) == (
        "2026-12-03 23:00–2026-12-04 02:00 (Asia/Shanghai)"
    )
    assert describe_when([day(24 * i) for i in range(5)]).endswith(
        "2026-12-05 09:00–12:00, … (Asia/Shanghai)"
    )


# --- the booking window -----------------------------------------------------------


@pytest.mark.parametrize(
    ("state", "closes", "now", "code"),
    [
        pytest.param(SessionState.OPEN, None, T0 - H, None, id="open"),
        pytest.param(SessionState.PLANNED, None, T0 - H, "not_open", id="planned"),
        pytest.param(
            SessionState.CANCELLED, None, T0 - H, "session_cancelled", id="cancelled"
        ),
        pytest.param(SessionState.ENDED, None, T0 - H, "booking_closed", id="ended"),
        pytest.param(SessionState.OPEN, None, T0, "booking_closed", id="at-start"),
        pytest.param(
            SessionState.OPEN, T0 - D, T0 - 2 * D, None, id="before-own-close"
        ),
        pytest.param(
            SessionState.OPEN, T0 - D, T0 - D, "booking_closed", id="at-own-close"
        ),
        pytest.param(
            SessionState.OPEN, T0 - D, T0 - H, "booking_closed", id="after-own-close"
        ),
    ],
)
def test_booking_problem(state, closes, now, code):
    problem = booking_problem(state, T0, closes, now)
    assert (problem.code if problem else None) == code


def test_booking_closes_at_the_first_start_by_default():
    assert booking_closes(None, T0) == T0
    assert booking_closes(T0 - D, T0) == T0 - D


@pytest.mark.parametrize(
    ("closes", "code"),
    [
        (None, None),
        (T0 - D, None),
        (T0, None),
        (T0 + H, "invalid_booking_closes"),
        (T0.replace(tzinfo=None) - D, "invalid_booking_closes"),
    ],
)
def test_booking_closes_problem(closes, code):
    problem = booking_closes_problem(closes, T0)
    assert (problem.code if problem else None) == code


# --- seats ---------------------------------------------------------------------------

BOOKED, WAITING = ReservationState.BOOKED, ReservationState.WAITING


@pytest.mark.parametrize(
    ("capacity", "room_capacity", "taken", "seats", "waitlist", "state", "code"),
    [
        pytest.param(3, None, 2, 1, False, BOOKED, None, id="last-seat"),
        pytest.param(3, None, 3, 1, False, None, "session_full", id="full"),
        pytest.param(3, None, 3, 1, True, WAITING, None, id="full-waitlist"),
        pytest.param(30, 20, 0, 20, False, BOOKED, None, id="room-at-room-cap"),
        pytest.param(30, 20, 0, 21, True, None, "room_capacity", id="room-too-big"),
        pytest.param(30, None, 25, 10, False, None, "session_full", id="room-no-fit"),
        pytest.param(30, None, 25, 10, True, WAITING, None, id="room-waits"),
        pytest.param(30, None, 0, 31, True, None, "too_many_seats", id="never-fits"),
        pytest.param(3, None, 5, 1, True, WAITING, None, id="over-booked"),
    ],
)
def test_decide_seats(capacity, room_capacity, taken, seats, waitlist, state, code):
    decision = decide_seats(
        capacity=capacity,
        taken=taken,
        seats=seats,
        waitlist=waitlist,
        room_capacity=room_capacity,
    )
    assert decision.state == state
    assert (decision.refusal.code if decision.refusal else None) == code


@pytest.mark.parametrize(
    ("waiting", "free", "promoted"),
    [
        pytest.param([(1, 1), (2, 1), (3, 1)], 2, [1, 2], id="fifo"),
        pytest.param([(1, 1)], 0, [], id="nothing-free"),
        pytest.param([(1, 10), (2, 1), (3, 1)], 2, [2, 3], id="big-room-keeps-place"),
        pytest.param([(1, 10), (2, 1)], 10, [1], id="big-room-first-when-it-fits"),
        pytest.param([(1, 2), (2, 3), (3, 1)], 3, [1, 3], id="first-fit"),
    ],
)
def test_plan_promotions(waiting, free, promoted):
    entries = [Waiting(id_, seats) for id_, seats in waiting]
    assert plan_promotions(entries, free) == promoted


@pytest.mark.parametrize(
    ("capacity", "room_capacity", "taken", "largest", "code"),
    [
        (10, None, 10, 0, None),
        (9, None, 10, 0, "capacity_below_booked"),
        (0, None, 0, 0, "invalid_capacity"),
        (10, 11, 0, 0, "invalid_room_capacity"),
        (10, 0, 0, 0, "invalid_room_capacity"),
        (10, 5, 6, 6, "capacity_below_booked"),
        (10, 6, 6, 6, None),
    ],
)
def test_capacity_problem(capacity, room_capacity, taken, largest, code):
    problem = capacity_problem(capacity, room_capacity, taken, largest)
    assert (problem.code if problem else None) == code


@pytest.mark.parametrize(
    ("value", "ok"),
    [
        (Decimal("0.80"), True),
        (Decimal("1"), True),
        (Decimal("0.01"), True),
        (0.8, True),
        (Decimal("0"), False),
        (Decimal("1.01"), False),
        (Decimal("-0.5"), False),
        (Decimal("0.805"), False),
        ("NaN", False),
        ("Infinity", False),
        ("1E-999999999", False),
        ("abc", False),
        (None, False),
    ],
)
def test_min_presence_problem(value, ok):
    assert (min_presence_problem(value) is None) is ok


# --- edits people hear about ------------------------------------------------------

BEFORE = Terms("卒中", "Stroke", (day(0),), 1, "Studio 1", SessionState.OPEN)


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        pytest.param({}, (), id="nothing"),
        pytest.param({"title_en": "Stroke!"}, ("title",), id="title"),
        pytest.param({"days": (day(1),)}, ("days",), id="times"),
        pytest.param({"venue_room": "Studio 2"}, ("place",), id="room"),
        pytest.param({"venue_room": "studio 1"}, (), id="room-spelling"),
        pytest.param({"venue_hospital_id": 2}, ("place",), id="hospital"),
        pytest.param({"state": SessionState.CANCELLED}, ("state",), id="cancel"),
    ],
)
def test_notified_changes(change, expected):
    after = Terms(**{**BEFORE.__dict__, **change})
    assert notified_changes(BEFORE, after) == expected


# --- who may ------------------------------------------------------------------------


def person(role, id_=1, hospital_id=10):
    return Person(id=id_, role=role, hospital_id=hospital_id)


@pytest.mark.parametrize(
    ("role", "ok"),
    [
        (Role.ADMINISTRATOR, True),
        (Role.LECTURER, True),
        (Role.SITE_COORDINATOR, False),
        (Role.LEARNER, False),
    ],
)
def test_may_create_session(role, ok):
    assert may_create_session(person(role)) is ok


def test_may_manage_session_owner_or_office():
    assert may_manage_session(person(Role.LECTURER, 5), owner_id=5)
    assert not may_manage_session(person(Role.LECTURER, 6), owner_id=5)
    assert may_manage_session(person(Role.ADMINISTRATOR, 6), owner_id=5)


@pytest.mark.parametrize(
    ("actor", "hospital_id", "ok"),
    [
        (person(Role.SITE_COORDINATOR, hospital_id=10), 10, True),
        (person(Role.SITE_COORDINATOR, hospital_id=10), 11, False),
        (person(Role.LEARNER, hospital_id=10), 10, False),
        (person(Role.ADMINISTRATOR, hospital_id=None), 11, True),
    ],
)
def test_may_book_room(actor, hospital_id, ok):
    assert may_book_room(actor, hospital_id) is ok


@pytest.mark.parametrize(
    ("actor", "ok"),
    [
        (person(Role.LEARNER, 5, 10), True),  # their own
        (person(Role.LEARNER, 6, 10), False),
        (person(Role.SITE_COORDINATOR, 7, 10), True),  # their hospital's
        (person(Role.SITE_COORDINATOR, 7, 11), False),
        (person(Role.ADMINISTRATOR, 8, None), True),
    ],
)
def test_may_cancel_reservation(actor, ok):
    assert may_cancel_reservation(actor, user_id=5, hospital_id=10) is ok


@pytest.mark.parametrize(
    ("audience", "problem"),
    [
        (Audience(), ""),
        (Audience(hospital_ids=(10,)), ""),
        (Audience(hospital_ids=(11,)), "this session is for other hospitals"),
        (
            Audience(tiers=("township",)),
            "this session is for hospitals of another tier",
        ),
        (
            Audience(provinces=("44",)),
            "this session is for hospitals of other provinces",
        ),
        (Audience(professions=("nurse",)), ""),  # each learner's, not the room's
    ],
)
def test_hospital_audience_problem(audience, problem):
    assert hospital_audience_problem(audience, 10, "county", "51") == problem


# --- the attacker's holes: room cancels, edits of approved sessions, years ------

M = timedelta(minutes=1)


@pytest.mark.parametrize(
    ("actor", "ok"),
    [
        (person(Role.SITE_COORDINATOR, 5, 10), True),  # the hospital's coordinator
        (person(Role.SITE_COORDINATOR, 5, 11), False),  # booked it, moved away
        (person(Role.LEARNER, 5, 10), False),  # booked it, demoted
        (person(Role.SITE_COORDINATOR, 7, 10), True),  # the new coordinator
        (person(Role.ADMINISTRATOR, 8, None), True),
    ],
)
def test_a_room_is_cancelled_by_the_hospitals_current_coordinator(actor, ok):
    from courses.sessions.states import ReservationKind

    assert (
        may_cancel_reservation(
            actor, user_id=5, hospital_id=10, kind=ReservationKind.ROOM
        )
        is ok
    )


@pytest.mark.parametrize(
    ("is_office", "seen", "approved", "changed", "code"),
    [
        (False, SessionState.PLANNED, False, ["project_level", "lecturers"], None),
        (False, SessionState.OPEN, True, [], None),
        (False, SessionState.OPEN, True, ["min_presence"], "office_only"),
        (False, SessionState.OPEN, True, ["kind"], "office_only"),
        (False, SessionState.OPEN, True, ["lecturers"], "office_only"),
        (False, SessionState.OPEN, True, ["class_hours"], "office_only"),
        (True, SessionState.OPEN, True, ["min_presence", "class_hours"], None),
        (False, SessionState.UNDER_WAY, True, [], "office_only"),
        (True, SessionState.UNDER_WAY, True, ["lecturers"], None),
        (True, SessionState.ENDED, True, [], "session_closed"),
        (True, SessionState.CANCELLED, False, [], "session_closed"),
    ],
)
def test_edit_problem(is_office, seen, approved, changed, code):
    from courses.sessions.booking_rules import edit_problem

    problem = edit_problem(
        is_office=is_office, seen_state=seen, is_approved=approved, changed=changed
    )
    assert (problem and problem.code) == code


@pytest.mark.parametrize(
    ("old", "new", "now", "doors", "attended", "code"),
    [
        # Doors open 30 minutes before: 20 minutes before the start it has begun.
        ([day(0)], [day(24)], T0 - 20 * M, 30 * M, set(), "day_started"),
        ([day(0)], [day(24)], T0 - 40 * M, 30 * M, set(), None),
        # A sign-in or a headcount on a day holds it, moved or removed.
        ([day(0), day(24)], [day(24)], T0 - 40 * M, 30 * M, {0}, "day_attended"),
        ([day(0), day(24)], [day(0), day(48)], T0 - 4 * H, 0 * M, {0}, None),
        ([day(0), day(24)], [day(0), day(48)], T0 - 4 * H, 0 * M, {1}, "day_attended"),
    ],
)
def test_changed_days_problem_from_the_doors_and_attendance(
    old, new, now, doors, attended, code
):
    problem = changed_days_problem(old, new, now, doors_open=doors, attended=attended)
    assert (problem and problem.code) == code


@pytest.mark.parametrize(
    ("moment", "ok"),
    [
        (datetime(2026, 12, 3, 1, 0, tzinfo=UTC), True),
        (datetime(9999, 12, 31, 17, 0, tzinfo=UTC), False),  # year 10000 in Beijing
        (datetime(2100, 12, 31, 15, 59, tzinfo=UTC), True),
        (datetime(2100, 12, 31, 16, 0, tzinfo=UTC), False),  # 2101 in Beijing
        (datetime(1999, 12, 31, 16, 0, tzinfo=UTC), True),  # 2000 in Beijing
        (datetime(1, 1, 1, 0, 0, tzinfo=UTC), False),
    ],
)
def test_within_years_in_beijing(moment, ok):
    from courses.sessions.booking_rules import within_years

    assert within_years(moment) is ok
    if not ok:
        assert days_problem([(moment, moment + timedelta(hours=1))]).code == (
            "invalid_days"
        )
        assert booking_closes_problem(moment, None).code == "invalid_booking_closes"
