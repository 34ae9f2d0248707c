"""Watching a broadcast live: the player in live mode, and the viewer's
heartbeats that count as presence."""

from flask import abort, render_template, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from courses.sessions import live, queries
from courses.sessions.live_rules import LiveView
from courses.sessions.live_viewing import may_watch_live
from courses.sessions.states import SessionKind
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.i18n import current_language
from lms.sessions import bp
from lms.sessions.messages import audience_reason

#: ``live_presence.watch_refusal``'s reasons, for the pages.
WATCH_REASONS = {
    "only a broadcast session is watched live": _l(
        "Only a broadcast session is watched live."
    ),
    "the session is not approved yet": _l("This session is not open yet."),
    "the session was cancelled": _l("This session was cancelled."),
    "only the session's audience watches it live": _l(
        "Only the session's audience watches it live."
    ),
    "this session needs a booking: you have no seat of your own and your "
    "hospital has booked no room": _l(
        "This session needs a booking: you have no seat of your own and your "
        "hospital has booked no room."
    ),
    "this account is not active": _l("This account is not active."),
}


def watch_reason(refusal):
    """Why someone may not watch live, in the reader's language."""
    if refusal in WATCH_REASONS:
        return str(WATCH_REASONS[refusal])
    return str(audience_reason(refusal))


def live_json(session, user, now):
    """What a viewer is told of the broadcast (``live`` of ``GET
    /api/v1/sessions/{id}`` and the watch page): None for those who may not
    watch it."""
    if may_watch_live(user, session):
        return None
    view, broadcast = live.live_state(session, now)
    on_air = view == LiveView.LIVE and broadcast is not None and broadcast.runs >= 1

    def url(name):
        return url_for(
            "media.live_file",
            session_id=session.id,
            broadcast_id=broadcast.id,
            run=broadcast.runs,
            name=name,
        )

    return {
        "state": view,
        "hls_url": url("master.m3u8") if on_air else None,
        "audio_url": url("audio/index.m3u8") if on_air else None,
        "broadcast": broadcast.id if broadcast else None,
        "run": broadcast.runs if on_air else None,
    }


@bp.app_template_global()
def live_watch(session):
    """The session page's "Watch live" card: whether the reader may watch, and
    the stream's state."""
    refusal = may_watch_live(current_user, session)
    if refusal:
        return {"may_watch": False, "reason": watch_reason(refusal)}
    view, _broadcast = live.live_state(session, utcnow())
    return {
        "may_watch": True,
        "state": view.value,
        "url": url_for("sessions.watch", session_id=session.id),
    }


def player_text():
    return {
        "reconnecting": _("Reconnecting…"),
        "offline": _("Offline: your presence is counted again when the link is back."),
        "live": _("LIVE"),
        "behind": _("%s s behind"),
        "idle": _("Nothing is on air now; it plays here when the broadcast starts."),
        "ended": _("The broadcast has ended."),
        "present": _("Present: %s min"),
        "not_counted": _("Your watching here no longer counts."),
        # A beat's refusals, by code (the API's messages are English).
        "errors": {
            "session_ended": _("This session has ended."),
            "session_cancelled": _("This session was cancelled."),
            "present_elsewhere": _(
                "You are present at another session at these hours; your "
                "watching here does not count."
            ),
            "may_not_watch": _("Only the session's audience watches it live."),
        },
    }


@bp.route("/sessions/<int:session_id>/watch")
@login_required
def watch(session_id):
    session = queries.visible_session(session_id, current_user)
    if session is None or session.kind != SessionKind.BROADCAST:
        abort(404)
    refusal = may_watch_live(current_user, session)
    if refusal:
        return render_template(
            "sessions/live/watch.html", session=session, refusal=watch_reason(refusal)
        ), 403
    now = utcnow()
    state = live_json(session, current_user, now)
    tracked = current_user.role == Role.LEARNER and session.state.value in (
        "open",
        "under_way",
    )
    config = {
        "live": True,
        "tracked": tracked,
        "userId": current_user.id,
        "hlsUrl": state["hls_url"],
        "audioUrl": state["audio_url"],
        "state": state,
        "viewingUrl": url_for("api.start_viewing", session_id=session.id),
        "beatUrl": url_for("api.beat", session_id=session.id),
        "sessionUrl": url_for("api.get_session", session_id=session.id),
        "poster": "",
        "text": player_text(),
    }
    return render_template(
        "sessions/live/watch.html",
        session=session,
        refusal="",
        config=config,
        state=state["state"].value,
        language=current_language(),
    )
