"""The API of live broadcast (issue 14): live viewing and its heartbeats."""

from datetime import datetime

from flask import abort
from pydantic import Field

from courses.sessions import live_viewing as viewing_ops
from courses.sessions import queries
from courses.sessions.live_rules import LiveView
from lms.accounts.roles import Role
from lms.api import api_route, require_user
from lms.api.schemas import Id, In, Out, text
from lms.db import db, utcnow
from lms.sessions.live import live_json

TAGS = ["sessions"]


class LiveOut(Out):
    """The broadcast as a viewer sees it"""

    state: LiveView = Field(description="idle, live or ended")
    hls_url: str | None = Field(
        description="The live ladder's master playlist (while live)"
    )
    audio_url: str | None = Field(description="Its audio-only playlist (while live)")
    broadcast: int | None = Field(description="The broadcast's id")
    run: int | None = Field(
        description="The push under way (a new one after a drop has a new URL)"
    )


class ViewingOut(Out):
    """A live viewing: beat with its token every ``beat_seconds``"""

    viewing: str
    beat_seconds: int
    live: LiveOut


class LivePresenceOut(Out):
    """The learner's presence on the day, as their beats built it"""

    day: int
    source: str = Field(description="live, or code/vouched when in a room")
    signed_in_at: datetime | None
    signed_out_at: datetime | None
    minutes: int | None
    seconds: float


class BeatIn(In):
    viewing: text(64, 1)
    seq: Id = Field(description="1, 2, 3… per viewing")


class BeatOut(Out):
    """What the beat counted"""

    counted_seconds: float
    presence: LivePresenceOut | None
    live: LiveOut


def load_session(session_id):
    """The session and its reader, or a 404 (a planned one exists only for
    its hosts)."""
    user = require_user()
    session = queries.visible_session(session_id, user)
    if session is None:
        abort(404)
    return user, session


def presence_json(presence):
    if presence is None:
        return None
    return {
        "day": presence.day_id,
        "source": presence.source.value,
        "signed_in_at": presence.signed_in_dt,
        "signed_out_at": presence.signed_out_dt,
        "minutes": presence.minutes,
        "seconds": presence.live_seconds or 0.0,
    }


@api_route(
    "/sessions/<int:session_id>/viewings",
    ["POST"],
    summary="Start watching a broadcast live (learners in its audience)",
    description="The new viewing is the learner's one counting stream: their "
    "recorded lectures' play sessions and earlier viewings stop counting. No "
    "request body.",
    roles=(Role.LEARNER,),
    tags=TAGS,
    responses={
        201: ViewingOut,
        403: "Not in the audience, or not booked where booking is required",
        404: "No such session",
        409: "The session has ended or was cancelled",
    },
)
def start_viewing(session_id):
    user, session = load_session(session_id)
    now = utcnow()
    viewing = viewing_ops.start_viewing(session, user, now)
    db.session.commit()
    return {
        "viewing": viewing.token,
        "beat_seconds": viewing_ops.beat_seconds(),
        "live": live_json(session, user, now),
    }, 201


@api_route(
    "/sessions/<int:session_id>/viewings/beat",
    ["POST"],
    summary="A live viewer's heartbeat: presence by the server's clock",
    body=BeatIn,
    example={"viewing": "Vq3…", "seq": 1},
    description="The time since the viewing's previous beat (at most two beat "
    "intervals) within the day's hours while the broadcast is on air becomes "
    "presence. A replayed seq changes nothing. 409 `viewing_superseded` when a "
    "newer stream of the learner counts now.",
    roles=(Role.LEARNER,),
    tags=TAGS,
    responses={
        200: BeatOut,
        403: "No longer in the audience",
        404: "No such session or viewing",
        409: "Superseded, present at another session then, or the session ended",
    },
)
def beat(session_id, body):
    user, session = load_session(session_id)
    now = utcnow()
    presence, seconds = viewing_ops.record_live_beat(
        session, user, body.viewing, body.seq, now
    )
    db.session.commit()
    return {
        "counted_seconds": seconds,
        "presence": presence_json(presence),
        "live": live_json(session, user, now),
    }
