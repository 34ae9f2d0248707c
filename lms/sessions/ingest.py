"""nginx's RTMP callbacks (``on_publish``, ``on_update``, ``on_publish_done``):
form POSTs from the ingest, authenticated by the secret in their URL
(``media_pipeline.ingest.callback_secret``), never by a login.

nginx reads only the status: any 2xx lets a push go on, anything else refuses
it (``on_publish``) or cuts it (``on_update``); a 3xx with ``Location`` renames
the stream, so the ladder pulls ``b<id>`` and the key never appears in a path.
Every form field nginx sends: ``app``, ``flashver``, ``swfurl``, ``tcurl``,
``pageurl``, ``addr``, ``clientid``, ``call``, ``name`` (the key), ``type``;
``on_update`` comes for publishers (``call=update_publish``) and for players
(``update_play``: the live ladders' pulls).
"""

import hmac

from flask import Blueprint, abort, current_app, request

from courses.sessions import live
from courses.sessions.live_rules import stream_name
from lms.db import db, utcnow
from lms.extensions import csrf
from media_pipeline.ingest import callback_secret

bp = Blueprint("live_ingest", __name__, url_prefix="/live-ingest")
csrf.exempt(bp)

#: nginx's client ids are small numbers; anything longer is not nginx.
CLIENT_ID_MAX = 32


@bp.before_request
def _only_the_ingest():
    """The secret in the URL proves the caller is our nginx (a 404 otherwise, as
    for any unknown path)."""
    secret = (request.view_args or {}).get("secret", "")
    expected = callback_secret(current_app.config["SECRET_KEY"])
    if not hmac.compare_digest(secret.encode(), expected.encode()):
        abort(404)


def _push():
    """The pushed key and nginx's id of the publisher, from the form."""
    key = request.form.get("name", "")
    client_id = request.form.get("clientid", "")[:CLIENT_ID_MAX]
    return key, client_id


def _answer(text, status):
    return current_app.response_class(text, status=status, mimetype="text/plain")


@bp.route("/<secret>/on_publish", methods=["POST"])
def on_publish(secret):
    key, client_id = _push()
    try:
        broadcast, is_new = live.authorise_push(key, client_id, utcnow())
    except live.LiveError as error:
        db.session.rollback()
        current_app.logger.info(
            "live push refused: %s (client %s from %s)",
            error.code,
            client_id,
            request.form.get("addr", ""),
        )
        return _answer(error.code, 403)
    db.session.commit()
    current_app.logger.info(
        "live push accepted: broadcast %s run %s (client %s)",
        broadcast.id,
        broadcast.runs,
        client_id,
    )
    if is_new:
        from media_pipeline.live_tasks import start_ladder

        try:
            start_ladder(broadcast.id)
        except Exception:
            # The broadcast is committed live: refusing the push now would lock
            # the encoder out as a second publisher. The periodic check of stale
            # ladders starts it again.
            current_app.logger.exception(
                "the live ladder of broadcast %s did not start", broadcast.id
            )
    response = _answer("", 302)
    response.headers["Location"] = stream_name(broadcast.id)
    return response


@bp.route("/<secret>/on_publish_done", methods=["POST"])
def on_publish_done(secret):
    key, client_id = _push()
    broadcast = live.push_stopped(key, client_id, utcnow())
    db.session.commit()
    if broadcast is not None:
        current_app.logger.info(
            "live push stopped: broadcast %s run %s", broadcast.id, broadcast.runs
        )
    return _answer("", 200)


@bp.route("/<secret>/on_update", methods=["POST"])
def on_update(secret):
    if request.form.get("call") == "update_play":
        # nginx asks about players too: the live ladders pulling ``b<id>``
        # (only RTMP_PLAY_ALLOW may play). Deciding them as pushes cut every
        # ladder's pull ten seconds in.
        return _answer("", 200)
    key, client_id = _push()
    try:
        go_on = live.push_may_continue(key, client_id, utcnow())
        db.session.commit()
    except Exception:
        # A hiccup of ours (a locked database) must not cut a live broadcast:
        # the next update, ten seconds on, decides again.
        db.session.rollback()
        current_app.logger.exception("on_update failed; the push goes on")
        return _answer("", 200)
    if not go_on:
        current_app.logger.info("live push cut (client %s)", client_id)
        return _answer("cut", 403)
    return _answer("", 200)
