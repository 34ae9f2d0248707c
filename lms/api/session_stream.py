"""The API of live broadcast (issue 14): a broadcast session's stream key and
its broadcasts, for its hosts and the office. The key is shown once, when it
is issued; afterwards only its last characters (``key_hint``)."""

from datetime import datetime
from typing import Literal

from flask import abort, current_app
from pydantic import Field

from courses.sessions import live, queries
from courses.sessions.schedule import is_host
from lms.api import api_route, require_user
from lms.api.schemas import Out
from lms.db import db, utcnow
from lms.problems import DomainError, Kind
from media_pipeline.ingest import ingest_url

TAGS = ["sessions"]


class StreamKeyOut(Out):
    """A new stream key (shown this once; the key it replaces stops working)"""

    ingest_url: str = Field(description="The encoder's server (OBS: Server)")
    stream_key: str = Field(description="The encoder's stream key (OBS: Stream Key)")
    push_url: str = Field(description="Both in one URL (ffmpeg -f flv URL)")
    key_hint: str = Field(description="The key's last characters, to tell keys apart")
    issued_at: datetime


class KeyRevokedOut(Out):
    """The key was revoked (a push under way is cut within ten seconds)"""

    revoked: bool = Field(description="False when no key was in force")
    key_hint: str | None


class BroadcastOut(Out):
    """One broadcast: from the first push until the push stays away longer than
    the reconnect window"""

    id: int
    state: Literal["live", "reconnecting", "ended"]
    runs: int = Field(description="Pushes so far (a drop and a return is a run)")
    started_at: datetime
    changed_at: datetime
    ended_at: datetime | None
    end_reason: Literal["stopped", "time_limit", "session_ended", "failed"] | None
    has_video: bool | None
    has_audio: bool | None
    recorded_seconds: float
    replay_course_id: int | None
    replay_lecture_id: int | None


class StreamOut(Out):
    """The session's stream as its hosts see it (never the key itself)"""

    ingest_url: str
    key_hint: str | None = Field(description="The key in force's hint, or null")
    key_issued_at: datetime | None
    state: Literal["idle", "live", "ended"] = Field(
        description="What viewers are told of the stream"
    )
    broadcasts: list[BroadcastOut]


def load_session(session_id):
    """The session, or a 404 (a planned one exists only for its hosts)."""
    session = queries.visible_session(session_id, require_user())
    if session is None:
        abort(404)
    return session


def broadcast_json(broadcast):
    return {
        "id": broadcast.id,
        "state": broadcast.state.value,
        "runs": broadcast.runs,
        "started_at": broadcast.started_dt,
        "changed_at": broadcast.changed_dt,
        "ended_at": broadcast.ended_dt,
        "end_reason": broadcast.end_reason.value if broadcast.end_reason else None,
        "has_video": broadcast.has_video,
        "has_audio": broadcast.has_audio,
        "recorded_seconds": broadcast.recorded_seconds,
        "replay_course_id": broadcast.replay_course_id,
        "replay_lecture_id": broadcast.replay_lecture_id,
    }


@api_route(
    "/sessions/<int:session_id>/stream",
    ["GET"],
    summary="A broadcast session's stream key hint, broadcasts and state (hosts "
    "and the office)",
    tags=TAGS,
    responses={200: StreamOut, 403: "Not a host or the office"},
)
def session_stream(session_id):
    actor = require_user()
    session = load_session(session_id)
    if not is_host(actor, queries.facts_of(session)):
        raise DomainError(
            "forbidden",
            "Only the session's hosts or the office see its stream.",
            Kind.FORBIDDEN,
        )
    key = live.key_in_force(session.id)
    view, _ = live.live_state(session, utcnow())
    return {
        "ingest_url": ingest_url(current_app.config),
        "key_hint": key.hint if key else None,
        "key_issued_at": key.created_dt if key else None,
        "state": view.value,
        "broadcasts": [broadcast_json(b) for b in live.broadcasts_of(session.id)],
    }


@api_route(
    "/sessions/<int:session_id>/stream",
    ["POST"],
    summary="Issue the broadcast session's stream key (hosts and the office); the "
    "key in force stops working. The key is shown this once.",
    tags=TAGS,
    responses={
        201: StreamKeyOut,
        403: "Not a host or the office",
        409: "Not a broadcast session, or it has ended or was cancelled",
    },
)
def issue_stream_key(session_id):
    actor = require_user()
    session = load_session(session_id)
    key, plaintext = live.issue_key(session, actor, utcnow())
    db.session.commit()
    server = ingest_url(current_app.config)
    headers = {"Cache-Control": "no-store"}
    return (
        {
            "ingest_url": server,
            "stream_key": plaintext,
            "push_url": f"{server}/{plaintext}",
            "key_hint": key.hint,
            "issued_at": key.created_dt,
        },
        201,
        headers,
    )


@api_route(
    "/sessions/<int:session_id>/stream",
    ["DELETE"],
    summary="Revoke the broadcast session's stream key (hosts and the office): a "
    "push under way is cut",
    tags=TAGS,
    responses={200: KeyRevokedOut, 403: "Not a host or the office"},
)
def revoke_stream_key(session_id):
    actor = require_user()
    session = load_session(session_id)
    key = live.revoke_key(session, actor, utcnow())
    db.session.commit()
    return {"revoked": key is not None, "key_hint": key.hint if key else None}
