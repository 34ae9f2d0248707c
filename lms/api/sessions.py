"""Scheduled sessions and their reservations (issue 13): the schedule, creating,
changing, approving and cancelling sessions, seats and rooms, and hospitals'
visit requests. The operations are ``courses.sessions.booking``."""

from datetime import date, datetime, time, timedelta
from typing import Annotated, Literal

from flask import abort
from pydantic import Field, model_validator

from courses.sessions import booking, queries
from courses.sessions.booking_rules import (
    MAX_DAYS,
    booking_closes,
    may_cancel_reservation,
)
from courses.sessions.models import Reservation, VisitRequest
from courses.sessions.schedule import LOCAL_TZ, state_at
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
    VisitState,
)
from lms import limits
from lms.accounts.roles import Profession, Role
from lms.api import api_route, require_user
from lms.api.schemas import (
    AwareDatetime,
    Id,
    In,
    Number,
    Out,
    Query,
    choice,
    text,
)
from lms.api.session_viewing import LiveOut
from lms.db import db, utcnow
from lms.edge import MAX_ID
from lms.enums import ProjectLevel
from lms.hospitals.network import Tier
from lms.i18n import current_language
from lms.problems import Kind
from lms.sessions.live import live_json

OFFICE = (Role.ADMINISTRATOR,)
CREATORS = (Role.LECTURER, Role.ADMINISTRATOR)
Count = Annotated[int, Field(ge=1, le=limits.SESSION_CAPACITY_MAX)]


# --- what the endpoints take --------------------------------------------------


class DayIn(In):
    starts_at: AwareDatetime = Field(examples=["2026-12-03T09:00:00+08:00"])
    ends_at: AwareDatetime = Field(examples=["2026-12-03T12:00:00+08:00"])


class AudienceIn(In):
    """Who the session is for; an empty list is no restriction."""

    hospital_ids: list[Id] = Field([], max_length=limits.SESSION_AUDIENCE_MAX)
    tiers: list[choice(Tier)] = Field([], max_length=len(Tier))
    provinces: list[text(2, 2)] = Field(
        [], max_length=limits.SESSION_AUDIENCE_MAX, description="GB/T 2260 codes"
    )
    professions: list[choice(Profession)] = Field([], max_length=len(Profession))


class SessionFieldsIn(In):
    """A session's own fields (never its owner, state or sequence)."""

    title_zh: text(limits.TITLE_MAX, 1) = Field(examples=["基层卒中识别直播课"])
    title_en: text(limits.TITLE_MAX) = ""
    description_zh: text(limits.DESCRIPTION_MAX) = ""
    description_en: text(limits.DESCRIPTION_MAX) = ""
    kind: choice(SessionKind)
    days: list[DayIn] = Field(min_length=1, max_length=MAX_DAYS)
    venue_hospital_id: Id
    venue_room: text(limits.SESSION_ROOM_MAX) = ""
    lecturer_ids: list[Id] = Field([], max_length=limits.SESSION_LECTURERS_MAX)
    course_id: Id | None = Field(None, description="The course a group viewing shows")
    capacity: Count = Field(description="Seats in all")
    room_capacity: Count | None = Field(
        None, description="At most this many seats in one hospital's room"
    )
    audience: AudienceIn = AudienceIn()
    is_booking_required: bool = False
    rule_set: text(32, 1) = Field(examples=["CN-2024"])
    project_level: choice(ProjectLevel)
    credit_category: text(32, 1) = Field(examples=["CME"])
    project_number: text(limits.PROJECT_NUMBER_MAX) = ""
    min_presence: Annotated[Number, Field(gt=0, le=1)] = Field(
        0.8, description="Share of the scheduled time present for credit"
    )
    booking_closes_at: AwareDatetime | None = Field(
        None, description="Default: the first day's start"
    )
    doors_open_minutes: Annotated[
        int, Field(ge=0, le=limits.SESSION_DOORS_OPEN_MAX)
    ] = 30


class SessionPatchIn(In):
    """Only the fields to change; a change of title, times or place tells
    everyone booked (``reason`` then required) and raises ``sequence``."""

    title_zh: text(limits.TITLE_MAX, 1) | None = None
    title_en: text(limits.TITLE_MAX) | None = None
    description_zh: text(limits.DESCRIPTION_MAX) | None = None
    description_en: text(limits.DESCRIPTION_MAX) | None = None
    kind: choice(SessionKind) | None = None
    days: list[DayIn] | None = Field(None, min_length=1, max_length=MAX_DAYS)
    venue_hospital_id: Id | None = None
    venue_room: text(limits.SESSION_ROOM_MAX) | None = None
    lecturer_ids: list[Id] | None = Field(None, max_length=limits.SESSION_LECTURERS_MAX)
    course_id: Id | None = None
    capacity: Count | None = None
    room_capacity: Count | None = None
    audience: AudienceIn | None = None
    is_booking_required: bool | None = None
    rule_set: text(32, 1) | None = None
    project_level: choice(ProjectLevel) | None = None
    credit_category: text(32, 1) | None = None
    project_number: text(limits.PROJECT_NUMBER_MAX) | None = None
    min_presence: Annotated[Number, Field(gt=0, le=1)] | None = None
    booking_closes_at: AwareDatetime | None = None
    doors_open_minutes: (
        Annotated[int, Field(ge=0, le=limits.SESSION_DOORS_OPEN_MAX)] | None
    ) = None
    reason: text(limits.REASON_MAX) = ""


#: PATCH fields whose null means "none" rather than "leave out".
NULLABLE = frozenset({"course_id", "room_capacity", "booking_closes_at"})


class ReasonIn(In):
    reason: text(limits.REASON_MAX, 1)


class ReservationIn(In):
    """A coordinator books their hospital's room (``hospital_id``, ``seats``);
    a learner sends ``{}`` (or ``{"waitlist": true}``) for a seat."""

    hospital_id: Id | None = None
    seats: Count | None = None
    room: text(limits.SESSION_ROOM_MAX) = ""
    equipment_tested: bool = False
    waitlist: bool = Field(False, description="Wait for a seat when it is full")


class VisitRequestIn(In):
    kind: Literal["onsite", "skills"]
    topic: text(limits.TITLE_MAX, 1) = Field(examples=["基层高血压规范化管理"])
    details: text(limits.DESCRIPTION_MAX) = ""
    expected_attendees: Count


class ScheduleVisitIn(In):
    """The on-site session: held at the requesting hospital, for it unless an
    audience is given; open for booking at once."""

    title_zh: text(limits.TITLE_MAX, 1) | None = None
    title_en: text(limits.TITLE_MAX) = ""
    description_zh: text(limits.DESCRIPTION_MAX) = ""
    description_en: text(limits.DESCRIPTION_MAX) = ""
    kind: Literal["onsite", "skills"] | None = None
    days: list[DayIn] = Field(min_length=1, max_length=MAX_DAYS)
    venue_room: text(limits.SESSION_ROOM_MAX) = ""
    lecturer_ids: list[Id] = Field([], max_length=limits.SESSION_LECTURERS_MAX)
    capacity: Count
    room_capacity: Count | None = None
    audience: AudienceIn | None = None
    is_booking_required: bool = False
    rule_set: text(32, 1)
    project_level: choice(ProjectLevel)
    credit_category: text(32, 1)
    project_number: text(limits.PROJECT_NUMBER_MAX) = ""
    min_presence: Annotated[Number, Field(gt=0, le=1)] = 0.8
    booking_closes_at: AwareDatetime | None = None
    doors_open_minutes: Annotated[
        int, Field(ge=0, le=limits.SESSION_DOORS_OPEN_MAX)
    ] = 30


class ScheduleQuery(Query):
    from_: date | None = Field(
        None, alias="from", description="First day (Asia/Shanghai); default today"
    )
    to: date | None = Field(
        None, description="Last day, included; default 31 days after `from`"
    )
    hospital_id: Annotated[int, Field(ge=1, le=MAX_ID)] | None = Field(
        None,
        description="Held at this hospital, or (its staff and the office) with "
        "its room booked",
    )

    @model_validator(mode="after")
    def _bounded(self):
        for day in (self.from_, self.to):
            if day is not None and not limits.YEAR_MIN <= day.year <= limits.YEAR_MAX:
                raise ValueError(
                    f"dates are between {limits.YEAR_MIN} and {limits.YEAR_MAX}"
                )
        if self.from_ and self.to and self.to < self.from_:
            raise ValueError("`to` is before `from`")
        if (
            self.from_
            and self.to
            and (self.to - self.from_).days >= limits.SESSION_RANGE_MAX_DAYS
        ):
            raise ValueError(f"at most {limits.SESSION_RANGE_MAX_DAYS} days at a time")
        return self


# --- what they answer ---------------------------------------------------------


class DayOut(Out):
    id: int
    starts_at: datetime
    ends_at: datetime


class SeatsOut(Out):
    capacity: int
    taken: int
    left: int
    room_capacity: int | None


class AudienceOut(Out):
    hospital_ids: list[int]
    tiers: list[str]
    provinces: list[str]
    professions: list[str]


class ReservationOut(Out):
    """A learner's seat or a hospital's room"""

    id: int
    session_id: int
    kind: ReservationKind
    state: ReservationState
    user_id: int
    hospital_id: int | None
    seats: int
    room: str
    equipment_tested: bool
    waiting_position: int | None = Field(
        description="1 for the first on the waiting list"
    )
    created_at: datetime


class SessionOut(Out):
    """A scheduled session, as the reader may see it"""

    id: int
    kind: SessionKind
    title_zh: str
    title_en: str
    title: str = Field(description="In the reader's language")
    description_zh: str
    description_en: str
    state: SessionState = Field(description="As stored")
    state_at: SessionState = Field(
        description="As people see it now (an open session that began is under way)"
    )
    days: list[DayOut]
    venue_hospital_id: int
    venue_room: str
    owner_id: int
    lecturer_ids: list[int]
    course_id: int | None
    seats: SeatsOut
    audience: AudienceOut
    is_booking_required: bool
    rule_set: str
    project_level: ProjectLevel
    credit_category: str
    project_number: str
    min_presence: float
    booking_closes_at: datetime | None = Field(
        description="When booking closes (its own time or the first start)"
    )
    doors_open_minutes: int
    sequence: int
    cancel_reason: str
    my_reservation: ReservationOut | None = None
    my_hospital_room: ReservationOut | None = None
    live: LiveOut | None = Field(
        None, description="A broadcast session, for those who may watch it live"
    )


class SessionListOut(Out):
    """Sessions, soonest first"""

    items: list[SessionOut]


class CancelledOut(Out):
    """The cancelled reservation and those promoted from the waiting list"""

    reservation: ReservationOut
    promoted: list[ReservationOut]


class VisitOut(Out):
    """A hospital's request for an on-site visit"""

    id: int
    hospital_id: int
    requested_by_id: int
    kind: SessionKind
    topic: str
    details: str
    expected_attendees: int
    state: VisitState
    session_id: int | None
    decision_note: str
    created_at: datetime


# --- rendering ----------------------------------------------------------------


def reservation_json(reservation):
    return {
        "id": reservation.id,
        "session_id": reservation.session_id,
        "kind": reservation.kind,
        "state": reservation.state,
        "user_id": reservation.user_id,
        "hospital_id": reservation.hospital_id,
        "seats": reservation.seats,
        "room": reservation.room,
        "equipment_tested": reservation.is_equipment_tested,
        "waiting_position": queries.waiting_position(reservation),
        "created_at": reservation.created_dt,
    }


def session_json(session, now, *, taken=None, viewer=None):
    taken = queries.seats_taken(session.id) if taken is None else taken
    data = {
        "id": session.id,
        "kind": session.kind,
        "title_zh": session.title_zh,
        "title_en": session.title_en,
        "title": session.title(current_language()),
        "description_zh": session.description_zh,
        "description_en": session.description_en,
        "state": session.state,
        "state_at": state_at(session.state, session.starts_dt, now),
        "days": [
            {"id": day.id, "starts_at": day.starts_dt, "ends_at": day.ends_dt}
            for day in session.days
        ],
        "venue_hospital_id": session.venue_hospital_id,
        "venue_room": session.venue_room,
        "owner_id": session.owner_id,
        "lecturer_ids": [user.id for user in session.lecturers],
        "course_id": session.course_id,
        "seats": {
            "capacity": session.capacity,
            "taken": taken,
            "left": max(session.capacity - taken, 0),
            "room_capacity": session.room_capacity,
        },
        "audience": {
            "hospital_ids": list(session.audience_hospital_ids or ()),
            "tiers": list(session.audience_tiers or ()),
            "provinces": list(session.audience_provinces or ()),
            "professions": list(session.audience_professions or ()),
        },
        "is_booking_required": session.is_booking_required,
        "rule_set": session.rule_set_code,
        "project_level": session.project_level,
        "credit_category": session.credit_category,
        "project_number": session.project_number,
        "min_presence": float(session.min_presence),
        "booking_closes_at": booking_closes(
            session.booking_closes_dt, session.starts_dt
        ),
        "doors_open_minutes": session.doors_open_minutes,
        "sequence": session.sequence,
        "cancel_reason": session.cancel_reason,
    }
    if viewer is not None:
        seat = queries.seat_of(session.id, viewer.id)
        data["my_reservation"] = seat and reservation_json(seat)
        if viewer.role == Role.SITE_COORDINATOR and viewer.hospital_id:
            room = queries.room_of(session.id, viewer.hospital_id)
            data["my_hospital_room"] = room and reservation_json(room)
    return data


def visit_json(visit):
    return {
        "id": visit.id,
        "hospital_id": visit.hospital_id,
        "requested_by_id": visit.requested_by_id,
        "kind": visit.kind,
        "topic": visit.topic,
        "details": visit.details,
        "expected_attendees": visit.expected_attendees,
        "state": visit.state,
        "session_id": visit.session_id,
        "decision_note": visit.decision_note,
        "created_at": visit.created_dt,
    }


def session_fields(body, *, only_set=False):
    """A body's fields as the operations name them."""
    data = body.model_dump(exclude_unset=only_set, exclude={"reason"})
    if only_set:
        data = {
            key: value
            for key, value in data.items()
            if value is not None or key in NULLABLE
        }
    renames = {"rule_set": "rule_set_code", "booking_closes_at": "booking_closes_dt"}
    for old, new in renames.items():
        if old in data:
            data[new] = data.pop(old)
    if "days" in data:
        data["days"] = [(day["starts_at"], day["ends_at"]) for day in data["days"]]
    audience = data.pop("audience", None)
    if audience is not None:
        for key, value in audience.items():
            data[f"audience_{key}"] = value
    return data


# --- loading ------------------------------------------------------------------


def load_session(session_id):
    user = require_user()
    session = queries.visible_session(session_id, user)
    if session is None:
        abort(404)
    return user, session


# --- the schedule and sessions ------------------------------------------------


@api_route(
    "/sessions",
    ["GET"],
    summary="The schedule: sessions with a day between two dates (Asia/Shanghai)",
    query=ScheduleQuery,
    responses={200: SessionListOut},
)
def list_sessions(query):
    user = require_user()
    now = utcnow()
    first = query.from_ or now.astimezone(LOCAL_TZ).date()
    last = query.to or first + timedelta(days=31)
    if (last - first).days >= limits.SESSION_RANGE_MAX_DAYS:
        last = first + timedelta(days=limits.SESSION_RANGE_MAX_DAYS - 1)
    start = datetime.combine(first, time(), LOCAL_TZ)
    end = datetime.combine(last + timedelta(days=1), time(), LOCAL_TZ)
    sessions = queries.list_schedule(end, start, user, hospital_id=query.hospital_id)
    if query.hospital_id is not None and not (
        user.role == Role.ADMINISTRATOR or user.hospital_id == query.hospital_id
    ):
        # Which sessions a hospital booked rooms at is its staff's and the
        # office's business: anyone else sees those held at it.
        sessions = [s for s in sessions if s.venue_hospital_id == query.hospital_id]
    taken = queries.seats_taken_of([session.id for session in sessions])
    return {
        "items": [
            session_json(session, now, taken=taken.get(session.id, 0))
            for session in sessions
        ]
    }


@api_route(
    "/sessions",
    ["POST"],
    summary="Create a session (lecturers, the office); planned until approved",
    roles=CREATORS,
    body=SessionFieldsIn,
    example={
        "title_zh": "基层卒中识别直播课",
        "kind": "broadcast",
        "days": [
            {
                "starts_at": "2026-12-03T09:00:00+08:00",
                "ends_at": "2026-12-03T12:00:00+08:00",
            }
        ],
        "venue_hospital_id": 1,
        "venue_room": "Studio 1",
        "capacity": 120,
        "rule_set": "CN-2024",
        "project_level": "provincial",
        "credit_category": "CME",
        "project_number": "2026-51-01-001",
        "min_presence": 0.8,
    },
    responses={
        201: SessionOut,
        403: "Not a lecturer or the office",
        409: "The venue's room is taken then (room_taken)",
    },
)
def create_session(body):
    user = require_user()
    now = utcnow()
    session = booking.create_session(user, now, **session_fields(body))
    db.session.commit()
    return session_json(session, now, viewer=user), 201


@api_route(
    "/sessions/<int:session_id>",
    ["GET"],
    summary="A session: its days, seats, state, and my reservation",
    responses={200: SessionOut, 404: "No such session (or not yours to see yet)"},
)
def get_session(session_id):
    user, session = load_session(session_id)
    now = utcnow()
    data = session_json(session, now, viewer=user)
    if session.kind == SessionKind.BROADCAST:
        data["live"] = live_json(session, user, now)
    return data


@api_route(
    "/sessions/<int:session_id>",
    ["PATCH"],
    summary="Change a session (its owner, the office); everyone booked is told",
    body=SessionPatchIn,
    example={
        "days": [
            {
                "starts_at": "2026-12-03T14:00:00+08:00",
                "ends_at": "2026-12-03T17:00:00+08:00",
            }
        ],
        "reason": "The lecturer's surgery moved to the morning.",
    },
    responses={
        200: SessionOut,
        403: "Not its owner or the office; an approved session's credit terms, "
        "lecturers and class hours, or a session under way: the office's "
        "(office_only)",
        404: "No such session",
        409: "Ended or cancelled, a day already begun (doors open) or with "
        "sign-ins (day_attended), below the seats booked",
    },
)
def update_session(session_id, body):
    user, session = load_session(session_id)
    now = utcnow()
    fields = session_fields(body, only_set=True)
    session = booking.update_session(session, user, now, reason=body.reason, **fields)
    db.session.commit()
    return session_json(session, now, viewer=user)


@api_route(
    "/sessions/<int:session_id>/approve",
    ["POST"],
    summary="Approve a planned session's credit terms (the office): open for booking",
    roles=OFFICE,
    responses={
        200: SessionOut,
        404: "No such session",
        409: "Not planned, or its venue's room is taken then (room_taken)",
        422: "Its credit terms or its days cannot be approved",
    },
)
def approve_session(session_id):
    user, session = load_session(session_id)
    now = utcnow()
    session = booking.approve_session(session, user, now)
    db.session.commit()
    return session_json(session, now, viewer=user)


@api_route(
    "/sessions/<int:session_id>/cancel",
    ["POST"],
    summary="Cancel a session (its owner, the office); everyone booked is told",
    body=ReasonIn,
    example={"reason": "The lecturer is ill."},
    responses={
        200: SessionOut,
        403: "Not its owner or the office",
        404: "No such session",
        409: "Already ended or cancelled",
    },
)
def cancel_session(session_id, body):
    user, session = load_session(session_id)
    now = utcnow()
    session = booking.cancel_session(session, user, now, body.reason)
    db.session.commit()
    return session_json(session, now, viewer=user)


# --- reservations -------------------------------------------------------------


@api_route(
    "/sessions/<int:session_id>/reservations",
    ["POST"],
    summary="Book a seat (learners: {}) or your hospital's room (coordinators)",
    description="A coordinator sends hospital_id and seats (and room, "
    "equipment_tested); a second booking of the same hospital changes it (200). "
    "A full session is a 409 session_full unless waitlist is true.",
    body=ReservationIn,
    body_optional=True,
    example={"hospital_id": 12, "seats": 20, "room": "二楼示教室"},
    responses={
        200: ReservationOut,
        201: ReservationOut,
        403: "Booking for another hospital, or outside the session's audience",
        404: "No such session",
        409: "Full, closed, or already booked",
    },
)
def create_reservation(session_id, body):
    user, session = load_session(session_id)
    now = utcnow()
    if user.role == Role.SITE_COORDINATOR or body.hospital_id is not None:
        if body.hospital_id is None or body.seats is None:
            raise booking.SessionError(
                "invalid_reservation",
                "A room booking needs hospital_id and seats.",
                Kind.INVALID,
            )
        before = queries.room_of(session.id, body.hospital_id)
        reservation = booking.book_room(
            session,
            user,
            now,
            hospital_id=body.hospital_id,
            seats=body.seats,
            room=body.room,
            is_equipment_tested=body.equipment_tested,
            waitlist=body.waitlist,
        )
        status = 200 if before is not None and before.id == reservation.id else 201
    else:
        if body.seats not in (None, 1) or body.room or body.equipment_tested:
            raise booking.SessionError(
                "invalid_reservation",
                "A learner books one seat; rooms are booked by coordinators.",
                Kind.INVALID,
            )
        reservation = booking.reserve_seat(session, user, now, waitlist=body.waitlist)
        status = 201
    db.session.commit()
    return reservation_json(reservation), status


@api_route(
    "/reservations/<int:reservation_id>",
    ["DELETE"],
    summary="Cancel a reservation (a seat's holder, its hospital's current "
    "coordinator, the office)",
    responses={
        200: CancelledOut,
        404: "No such reservation (or not yours to cancel)",
        409: "Already cancelled, or the session is under way or ended",
    },
)
def cancel_reservation(reservation_id):
    user = require_user()
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None or not may_cancel_reservation(
        user,
        user_id=reservation.user_id,
        hospital_id=reservation.hospital_id,
        kind=reservation.kind,
    ):
        abort(404)
    promoted = booking.cancel_reservation(reservation, user, utcnow())
    db.session.commit()
    return {
        "reservation": reservation_json(reservation),
        "promoted": [reservation_json(r) for r in promoted],
    }


# --- visits -------------------------------------------------------------------


@api_route(
    "/hospitals/<int:hospital_id>/visit-requests",
    ["POST"],
    summary="Ask the office for on-site training or guidance (the coordinator)",
    roles=(Role.SITE_COORDINATOR,),
    body=VisitRequestIn,
    example={
        "kind": "onsite",
        "topic": "基层高血压规范化管理",
        "details": "12月上旬任一周三下午",
        "expected_attendees": 25,
    },
    responses={201: VisitOut, 403: "Not this hospital's coordinator"},
)
def request_visit(hospital_id, body):
    user = require_user()
    visit = booking.request_visit(
        user,
        utcnow(),
        hospital_id=hospital_id,
        kind=body.kind,
        topic=body.topic,
        details=body.details,
        expected_attendees=body.expected_attendees,
    )
    db.session.commit()
    return visit_json(visit), 201


def load_visit(visit_id):
    visit = db.session.get(VisitRequest, visit_id)
    if visit is None:
        abort(404)
    return visit


@api_route(
    "/visit-requests/<int:visit_id>/schedule",
    ["POST"],
    summary="Schedule a requested visit as a session at the hospital (the office)",
    roles=OFFICE,
    body=ScheduleVisitIn,
    example={
        "days": [
            {
                "starts_at": "2026-12-09T14:00:00+08:00",
                "ends_at": "2026-12-09T17:00:00+08:00",
            }
        ],
        "capacity": 30,
        "rule_set": "CN-2024",
        "project_level": "hospital",
        "credit_category": "CME",
    },
    responses={
        201: SessionOut,
        404: "No such request",
        409: "Already decided",
    },
)
def schedule_visit(visit_id, body):
    user = require_user()
    visit = load_visit(visit_id)
    now = utcnow()
    fields = session_fields(body)
    for key in ("title_zh", "kind"):
        if fields.get(key) is None:
            fields.pop(key, None)
    if body.audience is None:
        fields.pop("audience", None)
    session = booking.schedule_visit(visit, user, now, **fields)
    db.session.commit()
    return session_json(session, now, viewer=user), 201


@api_route(
    "/visit-requests/<int:visit_id>/decline",
    ["POST"],
    summary="Decline a requested visit, with a reason (the office)",
    roles=OFFICE,
    body=ReasonIn,
    example={"reason": "No lecturer is free this month; please ask again in January."},
    responses={200: VisitOut, 404: "No such request", 409: "Already decided"},
)
def decline_visit(visit_id, body):
    user = require_user()
    visit = booking.decline_visit(load_visit(visit_id), user, utcnow(), body.reason)
    db.session.commit()
    return visit_json(visit)
