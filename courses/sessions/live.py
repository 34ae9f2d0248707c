"""Stream keys and the life of a broadcast as nginx reports it (DESIGN §2.8):
a push authorised by ``on_publish``, kept going by ``on_update``, stopped by
``on_publish_done``; a drop that comes back within the reconnect window
continues the same broadcast.

Every change of a broadcast is decided under its session's row lock
(``queries.lock_session``): a push, a drop and the worker's idle check racing
each other come to one answer. Only the SHA-256 of a key is stored; the key
itself is shown once, when it is issued.

Operations: they flush, never commit.
"""

import hashlib
import re
import secrets
from datetime import timedelta

import sqlalchemy as sa
from flask import current_app

from courses.sessions import queries
from courses.sessions.live_rules import (
    KeyHours,
    LiveView,
    live_view,
    push_deadline,
    push_refusal,
)
from courses.sessions.models import LiveBroadcast, StreamKey
from courses.sessions.schedule import is_host
from courses.sessions.states import (
    BroadcastEnd,
    LiveState,
    SessionKind,
    SessionState,
)
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.problems import DomainError, Kind

#: A key: 24 random bytes, URL-safe base64 (32 characters), safe in an RTMP URL.
KEY_BYTES = 24
KEY_FORM = re.compile(r"[A-Za-z0-9_-]{32}")
#: The characters of a key shown on the page to tell keys apart.
HINT_LENGTH = 4
#: A broadcast that is being pushed or may be pushed again (a drop).
UNDER_WAY = (LiveState.LIVE, LiveState.RECONNECTING)
#: nginx speaks of a live publisher every 10 s (``on_update``:
#: ``media_pipeline.ingest.UPDATE_SECONDS``, which courses may not import); one
#: not heard of for three of those and more is gone without its end reported
#: (nginx or the app restarted), and a new push continues the broadcast
#: instead of being refused as a second publisher.
PUBLISHER_SILENT = timedelta(seconds=35)


class LiveError(DomainError):
    """A refused key operation or push (nginx is answered 403 for a push)."""


def key_hours():
    """How long before a day and after it a key works (the app's settings)."""
    config = current_app.config
    return KeyHours(
        early=timedelta(minutes=config["LIVE_KEY_EARLY_MINUTES"]),
        grace=timedelta(minutes=config["LIVE_KEY_GRACE_MINUTES"]),
    )


def reconnect_window():
    """How long a dropped push may take to come back as the same broadcast."""
    return timedelta(seconds=current_app.config["LIVE_RECONNECT_SECONDS"])


def hash_key(key):
    return hashlib.sha256(key.encode()).hexdigest()


# --- keys --------------------------------------------------------------------------


def key_in_force(session_id):
    """The session's key that works now (not revoked), or None."""
    return db.session.scalar(
        sa.select(StreamKey).where(
            StreamKey.session_id == session_id, StreamKey.revoked_dt.is_(None)
        )
    )


def _lock_to_manage(session, actor):
    session = queries.lock_session(session.id)
    if not is_host(actor, queries.facts_of(session)):
        raise LiveError(
            "forbidden",
            "Only the session's hosts or the office manage its stream key.",
            Kind.FORBIDDEN,
        )
    return session


def _revoke(key, actor, now):
    key.revoked_dt = now
    key.revoked_by_id = getattr(actor, "id", None)
    db.session.flush()
    record_audit(
        actor,
        AuditAction.STREAM_KEY_REVOKED,
        key.session,
        before={"key_hint": key.hint},
        label=key.session.title_zh,
    )


def issue_key(session, actor, now):
    """A new stream key for a broadcast session that has not ended or been
    cancelled, for its hosts (the office, its owner, its lecturers); the key in
    force stops working. Returns ``(StreamKey, key)``: the key is shown once."""
    session = _lock_to_manage(session, actor)
    if session.kind != SessionKind.BROADCAST:
        raise LiveError(
            "not_broadcast", "Only a broadcast session is pushed live.", Kind.CONFLICT
        )
    if session.state in (SessionState.ENDED, SessionState.CANCELLED):
        raise LiveError(
            "session_over",
            "The session has ended or was cancelled: it takes no more pushes.",
        )
    current = key_in_force(session.id)
    if current is not None:
        _revoke(current, actor, now)
    plaintext = secrets.token_urlsafe(KEY_BYTES)
    key = StreamKey(
        session_id=session.id,
        key_hash=hash_key(plaintext),
        hint=plaintext[-HINT_LENGTH:],
        created_by_id=actor.id,
        created_dt=now,
    )
    db.session.add(key)
    db.session.flush()
    record_audit(
        actor,
        AuditAction.STREAM_KEY_ISSUED,
        session,
        after={"key_hint": key.hint},
        label=session.title_zh,
    )
    return key, plaintext


def revoke_key(session, actor, now):
    """Stop the session's key (a push under way is cut at nginx's next
    ``on_update``); returns the revoked key, or None when none was in force."""
    session = _lock_to_manage(session, actor)
    current = key_in_force(session.id)
    if current is not None:
        _revoke(current, actor, now)
    return current


def _stored_key(key):
    """The stored key for a pushed key (revoked ones too), or None."""
    if not isinstance(key, str) or not KEY_FORM.fullmatch(key):
        return None
    return db.session.scalar(
        sa.select(StreamKey)
        .where(StreamKey.key_hash == hash_key(key))
        .execution_options(populate_existing=True)
    )


def _unknown_key():
    return LiveError(
        "unknown_key", "The stream key is wrong or was revoked.", Kind.FORBIDDEN
    )


# --- the broadcast's life ----------------------------------------------------------


def current_broadcast(session_id):
    """The session's broadcast being pushed or reconnecting, or None."""
    return db.session.scalar(
        sa.select(LiveBroadcast)
        .where(
            LiveBroadcast.session_id == session_id,
            LiveBroadcast.state.in_(UNDER_WAY),
        )
        .execution_options(populate_existing=True)
    )


def broadcasts_of(session_id):
    """The session's broadcasts, oldest first."""
    return list(
        db.session.scalars(
            sa.select(LiveBroadcast)
            .where(LiveBroadcast.session_id == session_id)
            .order_by(LiveBroadcast.started_dt, LiveBroadcast.id)
        )
    )


def _publisher(session_id, client_id):
    """The session's live broadcast if ``client_id`` is the one pushing it."""
    broadcast = current_broadcast(session_id)
    if (
        broadcast is None
        or broadcast.state != LiveState.LIVE
        or broadcast.client_id != str(client_id)
    ):
        return None
    return broadcast


def _publisher_gone(broadcast, now):
    """The live publisher has not been heard of for PUBLISHER_SILENT."""
    seen = broadcast.publisher_seen_dt or broadcast.changed_dt
    return seen + PUBLISHER_SILENT <= now


def authorise_push(key, client_id, now):
    """nginx's ``on_publish``: may the encoder push with ``key``? Returns
    ``(broadcast, is_new)``: a reconnecting broadcast continues (its next run);
    otherwise a new broadcast starts. Refuses (``LiveError``) a wrong or revoked
    key, a push outside the session's key hours or to a session not approved,
    ended or cancelled, and a second publisher while one is live (a live one
    nginx has not spoken of for PUBLISHER_SILENT is gone: the push continues
    the broadcast)."""
    stored = _stored_key(key)
    if stored is None or stored.revoked_dt is not None:
        raise _unknown_key()
    session = queries.lock_session(stored.session_id)
    stored = _stored_key(key)  # a revoke committed while we waited for the lock
    if stored.revoked_dt is not None:
        raise _unknown_key()
    refusal = push_refusal(
        session.kind, session.state, queries.days_of(session), now, key_hours()
    )
    if refusal:
        raise LiveError("push_refused", refusal, Kind.CONFLICT)
    client_id = str(client_id)[:32]
    broadcast = current_broadcast(session.id)
    if (
        broadcast is not None
        and broadcast.state == LiveState.LIVE
        and not _publisher_gone(broadcast, now)
    ):
        raise LiveError(
            "already_live", "Another encoder is already pushing this session."
        )
    if broadcast is not None:
        broadcast.state = LiveState.LIVE
        broadcast.runs += 1
        broadcast.client_id = client_id
        broadcast.publisher_seen_dt = now
        broadcast.key_id = stored.id
        broadcast.changed_dt = now
        db.session.flush()
        return broadcast, False
    broadcast = LiveBroadcast(
        session_id=session.id,
        key_id=stored.id,
        state=LiveState.LIVE,
        client_id=client_id,
        publisher_seen_dt=now,
        runs=1,
        started_dt=now,
        changed_dt=now,
    )
    db.session.add(broadcast)
    db.session.flush()
    return broadcast, True


def push_stopped(key, client_id, now):
    """nginx's ``on_publish_done``: the live push stopped, and the broadcast
    waits for it to come back (reconnecting). Only the live publisher's end
    counts (nginx also reports the end of a refused second publisher); returns
    the broadcast, or None when nothing changed."""
    stored = _stored_key(key)
    if stored is None:
        return None
    queries.lock_session(stored.session_id)
    broadcast = _publisher(stored.session_id, client_id)
    if broadcast is None:
        return None
    broadcast.state = LiveState.RECONNECTING
    broadcast.changed_dt = now
    db.session.flush()
    return broadcast


def push_may_continue(key, client_id, now):
    """nginx's ``on_update``: False cuts the push. It goes on while its key is
    in force, the session neither ended nor was cancelled (else the broadcast
    ends: session_ended) and its day's key hours last (else it ends:
    time_limit)."""
    stored = _stored_key(key)
    if stored is None:
        return False
    session = queries.lock_session(stored.session_id)
    broadcast = _publisher(session.id, client_id)
    if broadcast is None:
        return False
    if session.state in (SessionState.ENDED, SessionState.CANCELLED):
        end_broadcast(broadcast.id, BroadcastEnd.SESSION_ENDED, now)
        return False
    deadline = push_deadline(queries.days_of(session), now, key_hours())
    if deadline is None or now > deadline:
        end_broadcast(broadcast.id, BroadcastEnd.TIME_LIMIT, now)
        return False
    if stored.revoked_dt is not None:
        return False
    broadcast.publisher_seen_dt = now
    db.session.flush()
    return True


def _lock_broadcast(broadcast_id):
    broadcast = db.session.get(LiveBroadcast, broadcast_id)
    if broadcast is None:
        return None
    queries.lock_session(broadcast.session_id)
    db.session.refresh(broadcast)
    return broadcast


def _end(broadcast, reason, now):
    broadcast.state = LiveState.ENDED
    broadcast.end_reason = reason
    broadcast.ended_dt = now
    broadcast.changed_dt = now
    db.session.flush()
    return broadcast


def end_broadcast(broadcast_id, reason, now):
    """End a broadcast (stopped, time limit, session ended, failed). Returns it
    when this call ended it; None when there is none or it had already ended,
    so ending twice at once ends it once."""
    broadcast = _lock_broadcast(broadcast_id)
    if broadcast is None or broadcast.state == LiveState.ENDED:
        return None
    return _end(broadcast, BroadcastEnd(reason), now)


def end_if_idle(broadcast_id, now, window):
    """The live ladder's worker, once a push stopped: end the broadcast
    (stopped) if it is still reconnecting ``window`` after the push stopped.
    None when a reconnect won the race (or it had ended already)."""
    broadcast = _lock_broadcast(broadcast_id)
    if broadcast is None or broadcast.state != LiveState.RECONNECTING:
        return None
    if broadcast.changed_dt + window > now:
        return None
    return _end(broadcast, BroadcastEnd.STOPPED, now)


def live_state(session, now):
    """What viewers are told: ``(LiveView, broadcast)``, the broadcast being the
    one under way, else the latest (None before the first push)."""
    broadcasts = broadcasts_of(session.id)
    view = live_view(
        [broadcast.state for broadcast in broadcasts],
        queries.days_of(session),
        now,
        key_hours(),
    )
    current = next(
        (broadcast for broadcast in broadcasts if broadcast.state in UNDER_WAY), None
    )
    if current is None and broadcasts:
        current = broadcasts[-1]
    return view, current


__all__ = [
    "LiveError",
    "LiveView",
    "authorise_push",
    "broadcasts_of",
    "current_broadcast",
    "end_broadcast",
    "end_if_idle",
    "issue_key",
    "key_hours",
    "key_in_force",
    "live_state",
    "push_may_continue",
    "push_stopped",
    "reconnect_window",
    "revoke_key",
]
