"""Room attendance: the rotating code, sign-in and sign-out, the attendance list."""

from datetime import datetime

from flask import abort, url_for
from pydantic import Field

from courses.sessions import attendance, queries
from lms import limits
from lms.accounts.roles import Role
from lms.api import api_route, require_user
from lms.api.schemas import AwareDatetime, Id, In, Out, Query, text
from lms.db import db, utcnow
from lms.edge import MAX_ID
from lms.problems import DomainError, Kind
from lms.sessions.guessing import attend_by_code

TAGS = ["sessions"]


class CodeIn(In):
    code: text(64, 1) = Field(
        description="The 6 characters on the room's screen (case, spaces and "
        "hyphens do not matter)"
    )


class RoomQuery(Query):
    room: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="A booked room's reservation id (hosts); none: the venue",
    )


class CodeOut(Out):
    """The code the room's screen shows now"""

    code: str
    qr_url: str = Field(description="The phone page with the code (the QR code)")
    expires_at: datetime
    room: int | None = Field(description="The booked room's reservation id, or null")
    signed_in: int = Field(description="People signed in (not out) in the room")


class SignInOut(Out):
    """Signed in"""

    signed_in_at: datetime
    day: int = Field(description="The session day's id")
    flags: list[str]


class SignOutOut(Out):
    """Signed out"""

    signed_out_at: datetime
    presence_minutes: int


class PresenceOut(Out):
    """One person's presence on one day"""

    id: int
    user_id: int
    name: str
    hospital_id: int | None
    day: int
    room: int | None
    source: str
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    minutes: int | None
    flags: list[str]
    vouch_reason: str


class HeadcountOut(Out):
    """A room's headcount on a day"""

    day: int
    room: int | None
    headcount: int


class AttendanceOut(Out):
    """The attendance you may read (a coordinator: their hospital's)"""

    presences: list[PresenceOut]
    headcounts: list[HeadcountOut]


class VouchIn(In):
    user_id: Id
    day: Id = Field(description="The session day's id")
    signed_in_at: AwareDatetime
    signed_out_at: AwareDatetime
    reason: text(limits.REASON_MAX, 1)
    client_ref: text(64) | None = Field(
        None, description="The client's id for this action (a replay changes nothing)"
    )


class HeadcountIn(In):
    day: Id = Field(description="The session day's id")
    room: Id | None = Field(None, description="A booked room's id; null: the venue")
    headcount: int = Field(ge=0, le=100_000)


def load_session(session_id):
    """The session, or a 404 (a planned one exists only for its hosts)."""
    session = queries.visible_session(session_id, require_user())
    if session is None:
        abort(404)
    return session


def presence_json(presence):
    return {
        "id": presence.id,
        "user_id": presence.user_id,
        "name": presence.user.name,
        "hospital_id": presence.hospital_id,
        "day": presence.day_id,
        "room": presence.reservation_id,
        "source": presence.source.value,
        "signed_in_at": presence.signed_in_dt,
        "signed_out_at": presence.signed_out_dt,
        "minutes": presence.minutes,
        "flags": list(presence.flags or ()),
        "vouch_reason": presence.vouch_reason,
    }


def code_json(session, actor, now, room=None):
    """The room screen's code, with the phone page's URL the QR code encodes."""
    code, expires, reservation = attendance.room_code(session, actor, now, room)
    room_id = reservation.id if reservation else None
    return {
        "code": code,
        "qr_url": url_for(
            "sessions.here", session_id=session.id, code=code, _external=True
        ),
        "expires_at": expires,
        "room": room_id,
        "signed_in": attendance.signed_in_count(session, room_id, now),
    }


def require_learner():
    user = require_user()
    if user.role != Role.LEARNER:
        raise DomainError(
            "not_a_learner", "Only learners sign in to sessions.", Kind.FORBIDDEN
        )
    return user


@api_route(
    "/sessions/<int:session_id>/code",
    ["GET"],
    summary="The room screen's code now (a host, or a booked hospital's coordinator)",
    query=RoomQuery,
    tags=TAGS,
    responses={
        200: CodeOut,
        403: "Not a host or a booked hospital's coordinator",
        409: "The session takes no sign-ins (planned, ended or cancelled)",
    },
)
def session_code(session_id, query):
    actor = require_user()
    session = load_session(session_id)
    return code_json(session, actor, utcnow(), query.room)


@api_route(
    "/sessions/<int:session_id>/sign-in",
    ["POST"],
    summary="Sign in with the room's code (learners)",
    body=CodeIn,
    tags=TAGS,
    responses={
        200: SignInOut,
        403: "Not in the audience, or not booked where booking is required",
        409: "Doors not open, closed, or signed in already (the message says when)",
        422: "A wrong or expired code",
        429: "Too many wrong codes: wait and scan the screen again",
    },
)
def sign_in(session_id, body):
    learner = require_learner()
    session = load_session(session_id)
    presence = attend_by_code(attendance.sign_in, session, learner, body.code)
    db.session.commit()
    return {
        "signed_in_at": presence.signed_in_dt,
        "day": presence.day_id,
        "flags": list(presence.flags),
    }


@api_route(
    "/sessions/<int:session_id>/sign-out",
    ["POST"],
    summary="Sign out with the room's code (learners): the presence in minutes",
    body=CodeIn,
    tags=TAGS,
    responses={
        200: SignOutOut,
        403: "Not a learner",
        409: "Not signed in, signed out already, or outside the sign-out hours",
        422: "A wrong or expired code",
        429: "Too many wrong codes: wait and scan the screen again",
    },
)
def sign_out(session_id, body):
    learner = require_learner()
    session = load_session(session_id)
    presence = attend_by_code(attendance.sign_out, session, learner, body.code)
    db.session.commit()
    return {
        "signed_out_at": presence.signed_out_dt,
        "presence_minutes": presence.minutes,
    }


def attendance_json(session, actor):
    presences = attendance.list_attendance(session, actor)
    headcounts = attendance.list_headcounts(session, actor)
    return {
        "presences": [presence_json(p) for p in presences],
        "headcounts": [
            {"day": h.day_id, "room": h.reservation_id, "headcount": h.headcount}
            for h in headcounts
        ],
    }


@api_route(
    "/sessions/<int:session_id>/attendance",
    ["GET"],
    summary="Who was there (hosts and the office; a coordinator: their hospital's)",
    tags=TAGS,
    responses={200: AttendanceOut, 403: "Not a host, the office or a coordinator"},
)
def session_attendance(session_id):
    actor = require_user()
    session = load_session(session_id)
    return attendance_json(session, actor)


@api_route(
    "/sessions/<int:session_id>/attendance",
    ["POST"],
    summary="Vouch for a learner's presence on a day, with a reason (their "
    "hospital's coordinator, or a host); the same vouch again changes nothing",
    body=VouchIn,
    tags=TAGS,
    responses={
        200: PresenceOut,
        403: "Not the learner's coordinator, or the learner is not in the audience",
        409: "The session takes no attendance now",
        422: "Times outside the day, in the future, or no reason",
    },
)
def vouch(session_id, body):
    actor = require_user()
    session = load_session(session_id)
    presence = attendance.vouch(
        session,
        actor,
        utcnow(),
        user_id=body.user_id,
        day_id=body.day,
        signed_in=body.signed_in_at,
        signed_out=body.signed_out_at,
        reason=body.reason,
        client_ref=body.client_ref,
    )
    db.session.commit()
    return presence_json(presence)


@api_route(
    "/sessions/<int:session_id>/headcount",
    ["POST"],
    summary="Enter a room's headcount on a day (the room's coordinator, or a host); "
    "sign-ins past it are flagged for the office",
    body=HeadcountIn,
    tags=TAGS,
    responses={
        200: HeadcountOut,
        403: "Not the room's coordinator or a host",
        409: "The session is planned or cancelled",
    },
)
def headcount(session_id, body):
    actor = require_user()
    session = load_session(session_id)
    row = attendance.enter_headcount(
        session,
        actor,
        utcnow(),
        day_id=body.day,
        reservation_id=body.room,
        headcount=body.headcount,
    )
    db.session.commit()
    return {"day": row.day_id, "room": row.reservation_id, "headcount": row.headcount}
