"""The host's studio panel of a broadcast session: its stream key and the
state of the push. The key is shown once, on the page that answers issuing it
(never in a flash message: those travel in the session cookie)."""

from flask import abort, current_app, flash, make_response, render_template
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from courses.sessions import live
from courses.sessions import queries as q
from courses.sessions.schedule import is_host
from courses.sessions.states import BroadcastEnd, LiveState, SessionState
from lms.db import db, utcnow
from lms.i18n import current_language
from lms.sessions import bp
from lms.sessions.forms import ActionForm
from lms.sessions.pages import back_to, load_session
from media_pipeline.ingest import ingest_url

#: ``courses.sessions.live.LiveError`` codes, for the pages.
LIVE_ERRORS = {
    "forbidden": _l("Only the session's hosts or the office manage its stream key."),
    "not_broadcast": _l("Only a broadcast session is pushed live."),
    "session_over": _l(
        "The session has ended or was cancelled: it takes no more pushes."
    ),
}

BROADCAST_STATES = {
    LiveState.LIVE: _l("Live"),
    LiveState.RECONNECTING: _l("Reconnecting"),
    LiveState.ENDED: _l("Ended"),
}

END_REASONS = {
    BroadcastEnd.STOPPED: _l("the push stopped"),
    BroadcastEnd.TIME_LIMIT: _l("the session's hours and grace were over"),
    BroadcastEnd.SESSION_ENDED: _l("the session ended"),
    BroadcastEnd.FAILED: _l("the live ladder failed"),
}


def live_error_message(error):
    return str(LIVE_ERRORS.get(error.code, error.message))


def key_hours_in_minutes():
    """The key's hours and the reconnect window, as the pages say them."""
    hours = live.key_hours()
    return {
        "early": int(hours.early.total_seconds() // 60),
        "grace": int(hours.grace.total_seconds() // 60),
        "reconnect": int(live.reconnect_window().total_seconds()),
    }


@bp.app_template_global()
def live_studio(session):
    """The studio panel inside the hosts' card: the key in force (its hint), the
    encoder's server, the broadcasts and whether a key may be issued now."""
    if not is_host(current_user, q.facts_of(session)):
        return None
    key = live.key_in_force(session.id)
    view, _current = live.live_state(session, utcnow())
    return {
        "ingest_url": ingest_url(current_app.config),
        "key": key,
        "view": view.value,
        "broadcasts": [
            {
                "broadcast": broadcast,
                "state": str(BROADCAST_STATES[broadcast.state]),
                "end_reason": (
                    str(END_REASONS[broadcast.end_reason])
                    if broadcast.end_reason
                    else ""
                ),
            }
            for broadcast in live.broadcasts_of(session.id)
        ],
        "may_issue": session.state not in (SessionState.ENDED, SessionState.CANCELLED),
        "form": ActionForm(formdata=None),
        "hours": key_hours_in_minutes(),
    }


@bp.route("/sessions/<int:session_id>/stream", methods=["POST"])
@login_required
def issue_stream_key(session_id):
    session = load_session(session_id)
    if not is_host(current_user, q.facts_of(session)):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        key, plaintext = live.issue_key(session, current_user, utcnow())
    except live.LiveError as error:
        db.session.rollback()
        flash(live_error_message(error), "error")
        return back_to(session)
    db.session.commit()
    server = ingest_url(current_app.config)
    response = make_response(
        render_template(
            "sessions/live/stream_key.html",
            session=session,
            language=current_language(),
            server=server,
            stream_key=plaintext,
            push_url=f"{server}/{plaintext}",
            hint=key.hint,
            hours=key_hours_in_minutes(),
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/sessions/<int:session_id>/stream/revoke", methods=["POST"])
@login_required
def revoke_stream_key(session_id):
    session = load_session(session_id)
    if not is_host(current_user, q.facts_of(session)):
        abort(403)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        key = live.revoke_key(session, current_user, utcnow())
    except live.LiveError as error:
        db.session.rollback()
        flash(live_error_message(error), "error")
        return back_to(session)
    db.session.commit()
    if key is None:
        flash(_("No stream key was in force."), "info")
    else:
        flash(
            _(
                "The stream key …%(hint)s no longer works; a push with it is cut.",
                hint=key.hint,
            ),
            "success",
        )
    return back_to(session)
