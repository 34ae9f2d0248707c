"""A broadcast session's stream key through the API (issued, shown once,
revoked; hosts and the office only), and the life of a broadcast through
nginx's callbacks as the app answers them (the real nginx: in
tests/integration/test_live_ingest.py)."""

import hashlib
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.sessions import live
from courses.sessions.models import LiveBroadcast, StreamKey
from courses.sessions.states import BroadcastEnd, LiveState, SessionKind, SessionState
from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.models import AuditEntry
from lms.db import utcnow
from media_pipeline.ingest import callback_secret


@pytest.fixture
def scene(db, create_scheduled_session, create_user, api_token):
    """A broadcast session under way (its day began ten minutes ago), its
    lecturer (the owner), the office, another lecturer and a learner."""

    class Scene:
        pass

    s = Scene()
    now = utcnow().replace(microsecond=0)
    s.session = create_scheduled_session(
        days=[(now - timedelta(minutes=10), now + timedelta(hours=1))]
    )
    s.host = s.session.owner
    s.office = create_user(role=Role.ADMINISTRATOR)
    s.stranger = create_user(role=Role.LECTURER)
    s.learner = create_user()
    s.headers = api_token
    s.url = f"/api/v1/sessions/{s.session.id}/stream"
    return s


def issue(client, scene, user=None):
    return client.post(scene.url, headers=scene.headers(user or scene.host))


def audits(db, scene, action):
    """The session's audit entries of ``action`` (the database holds other
    tests' committed rows too)."""
    return db.session.scalars(
        sa.select(AuditEntry).where(
            AuditEntry.action == action,
            AuditEntry.target_type == "scheduled_sessions",
            AuditEntry.target_id == scene.session.id,
        )
    ).all()


def keys_of(db, scene):
    return db.session.scalars(
        sa.select(StreamKey).where(StreamKey.session_id == scene.session.id)
    ).all()


def broadcasts_of(db, scene):
    return db.session.scalars(
        sa.select(LiveBroadcast).where(LiveBroadcast.session_id == scene.session.id)
    ).all()


# --- keys ------------------------------------------------------------------------


def test_a_host_gets_a_key_once_and_only_its_hash_is_kept(client, db, scene):
    response = issue(client, scene)
    assert response.status_code == 201, response.json
    data = response.json
    assert response.headers["Cache-Control"] == "no-store"
    assert data["push_url"] == f"{data['ingest_url']}/{data['stream_key']}"
    assert data["ingest_url"].startswith("rtmp://")
    stored = keys_of(db, scene)
    assert [k.key_hash for k in stored] == [
        hashlib.sha256(data["stream_key"].encode()).hexdigest()
    ]
    assert data["key_hint"] == data["stream_key"][-4:] == stored[0].hint
    [entry] = audits(db, scene, AuditAction.STREAM_KEY_ISSUED)
    assert entry.actor_id == scene.host.id and data["stream_key"] not in str(
        entry.after
    )

    shown = client.get(scene.url, headers=scene.headers(scene.host))
    assert shown.status_code == 200
    assert shown.json["key_hint"] == data["key_hint"]
    assert data["stream_key"] not in shown.get_data(as_text=True)


def test_the_office_manages_keys_too(client, scene):
    assert issue(client, scene, scene.office).status_code == 201
    assert client.get(scene.url, headers=scene.headers(scene.office)).status_code == 200


@pytest.mark.parametrize("who", ["stranger", "learner"])
def test_only_hosts_and_the_office_touch_the_stream(client, db, scene, who):
    user = getattr(scene, who)
    assert issue(client, scene, user).status_code == 403
    assert client.get(scene.url, headers=scene.headers(user)).status_code == 403
    assert client.delete(scene.url, headers=scene.headers(user)).status_code == 403
    assert keys_of(db, scene) == []


def test_a_planned_session_is_not_found_by_others(
    client, scene, create_scheduled_session
):
    planned = create_scheduled_session(state=SessionState.PLANNED)
    url = f"/api/v1/sessions/{planned.id}/stream"
    assert client.post(url, headers=scene.headers(scene.stranger)).status_code == 404


@pytest.mark.parametrize(
    ("fields", "code"),
    [
        ({"kind": SessionKind.ONSITE}, "not_broadcast"),
        ({"state": SessionState.ENDED}, "session_over"),
        ({"state": SessionState.CANCELLED}, "session_over"),
    ],
    ids=["onsite", "ended", "cancelled"],
)
def test_keys_only_for_a_broadcast_still_to_come(
    client, scene, create_scheduled_session, fields, code
):
    session = create_scheduled_session(owner=scene.host, **fields)
    response = client.post(
        f"/api/v1/sessions/{session.id}/stream", headers=scene.headers(scene.host)
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == code


def test_a_new_key_retires_the_old_one(client, db, scene):
    old = issue(client, scene).json["stream_key"]
    new = issue(client, scene).json["stream_key"]
    with pytest.raises(live.LiveError) as refused:
        live.authorise_push(old, "1", utcnow())
    assert refused.value.code == "unknown_key"
    broadcast, is_new = live.authorise_push(new, "2", utcnow())
    assert is_new and broadcast.runs == 1
    assert len(audits(db, scene, AuditAction.STREAM_KEY_REVOKED)) == 1


def test_a_revoked_key_is_refused_and_revoking_again_changes_nothing(client, db, scene):
    key = issue(client, scene).json["stream_key"]
    response = client.delete(scene.url, headers=scene.headers(scene.host))
    assert response.json == {"revoked": True, "key_hint": key[-4:]}
    with pytest.raises(live.LiveError):
        live.authorise_push(key, "1", utcnow())
    again = client.delete(scene.url, headers=scene.headers(scene.host))
    assert again.json == {"revoked": False, "key_hint": None}
    assert len(audits(db, scene, AuditAction.STREAM_KEY_REVOKED)) == 1
    assert (
        client.get(scene.url, headers=scene.headers(scene.host)).json["key_hint"]
        is None
    )


# --- nginx's callbacks, as the app answers them -------------------------------------


@pytest.fixture
def ladders(monkeypatch):
    """The broadcasts whose live ladder the edge started. Here it is only
    recorded: the ladder (a thread pulling from nginx, tested with the real
    nginx in tests/integration) cannot share this test's rolled-back
    connection."""
    from media_pipeline import live_tasks

    started = []
    monkeypatch.setattr(live_tasks, "start_ladder", started.append)
    return started


@pytest.fixture
def callbacks(client, app, ladders):
    secret = callback_secret(app.config["SECRET_KEY"])

    def call(event, key, client_id="7"):
        return client.post(
            f"/live-ingest/{secret}/{event}",
            data={"name": key, "clientid": client_id, "call": event, "app": "live"},
        )

    return call


@pytest.fixture
def key(client, scene):
    return issue(client, scene).json["stream_key"]


def current(db, scene):
    db.session.expire_all()
    return live.current_broadcast(scene.session.id)


def test_on_publish_renames_the_stream_and_the_host_sees_it_live(
    client, db, scene, key, callbacks
):
    response = callbacks("on_publish", key)
    broadcast = current(db, scene)
    assert response.status_code == 302
    assert response.headers["Location"] == f"b{broadcast.id}"
    stream = client.get(scene.url, headers=scene.headers(scene.host)).json
    assert stream["state"] == "live"
    assert [(b["id"], b["state"], b["runs"]) for b in stream["broadcasts"]] == [
        (broadcast.id, "live", 1)
    ]


@pytest.mark.parametrize(
    "pushed",
    ["", "short", "k" * 32, "é" * 32, "../" * 11],
    ids=["empty", "short", "unknown", "not-ascii", "path"],
)
def test_on_publish_refuses_a_wrong_key(db, scene, key, callbacks, pushed):
    assert callbacks("on_publish", pushed).status_code == 403
    assert broadcasts_of(db, scene) == []


def test_a_ladder_that_fails_to_start_does_not_refuse_the_push(
    db, scene, key, callbacks, monkeypatch, caplog
):
    """The queue is down: the push still goes on (the periodic check of stale
    ladders starts it later); refusing it would leave a live broadcast that
    refuses the encoder's retry."""
    from media_pipeline import live_tasks

    def broken(broadcast_id):
        raise ConnectionError("the queue is down")

    monkeypatch.setattr(live_tasks, "start_ladder", broken)
    assert callbacks("on_publish", key, "7").status_code == 302
    assert current(db, scene).state == LiveState.LIVE
    assert "did not start" in caplog.text


def test_a_refused_second_publishers_end_ends_nothing(db, scene, key, callbacks):
    """nginx reports the end of a second publisher it refused itself: only the
    live client's end counts."""
    callbacks("on_publish", key, "7")
    assert callbacks("on_publish", key, "8").status_code == 403
    callbacks("on_publish_done", key, "8")
    broadcast = current(db, scene)
    assert (broadcast.state, broadcast.client_id) == (LiveState.LIVE, "7")
    assert callbacks("on_update", key, "7").status_code == 200


def test_updates_of_the_ladders_pull_never_cut_it(
    db, scene, key, callbacks, client, app
):
    """nginx sends on_update for players too (the live ladder pulling b<id>,
    call=update_play): answered as a push of an unknown key, every pull was cut
    ten seconds in."""
    callbacks("on_publish", key, "7")
    broadcast = current(db, scene)
    secret = callback_secret(app.config["SECRET_KEY"])
    response = client.post(
        f"/live-ingest/{secret}/on_update",
        data={"name": f"b{broadcast.id}", "clientid": "9", "call": "update_play"},
    )
    assert response.status_code == 200
    assert callbacks("on_update", key, "7").status_code == 200
    assert current(db, scene).state == LiveState.LIVE


def test_a_live_publisher_is_silent_only_after_three_missed_updates():
    from media_pipeline.ingest import UPDATE_SECONDS

    assert timedelta(seconds=3 * UPDATE_SECONDS) < live.PUBLISHER_SILENT


def test_a_publisher_whose_end_was_never_reported_is_taken_over(
    db, scene, key, callbacks
):
    """nginx (or the app) restarted mid-push: no on_publish_done ever came, and
    the broadcast still says live. The encoder's next push is not refused as a
    second publisher once nginx has not spoken of the live one for
    PUBLISHER_SILENT; it continues the broadcast as its next run."""
    callbacks("on_publish", key, "7")
    broadcast = current(db, scene)
    silent = live.PUBLISHER_SILENT + timedelta(seconds=1)
    broadcast.publisher_seen_dt -= silent
    db.session.flush()
    assert callbacks("on_update", key, "7").status_code == 200  # heard again
    assert callbacks("on_publish", key, "8").status_code == 403

    broadcast = current(db, scene)
    broadcast.publisher_seen_dt -= silent
    db.session.flush()
    response = callbacks("on_publish", key, "8")
    assert response.headers["Location"] == f"b{broadcast.id}"
    broadcast = current(db, scene)
    assert (broadcast.state, broadcast.runs, broadcast.client_id) == (
        LiveState.LIVE,
        2,
        "8",
    )
    callbacks("on_publish_done", key, "7")  # the lost one's late end: nothing
    assert current(db, scene).state == LiveState.LIVE


def test_a_drop_and_return_is_one_broadcast_with_two_runs(
    db, scene, key, callbacks, ladders
):
    callbacks("on_publish", key, "7")
    first = current(db, scene).id
    assert ladders == [first]
    callbacks("on_publish_done", key, "7")
    assert current(db, scene).state == LiveState.RECONNECTING
    assert callbacks("on_update", key, "7").status_code == 403  # not live any more
    response = callbacks("on_publish", key, "9")
    assert response.headers["Location"] == f"b{first}"
    broadcast = current(db, scene)
    assert (broadcast.id, broadcast.runs, broadcast.client_id) == (first, 2, "9")
    assert ladders == [first]  # the running ladder pulls run 2 itself


def test_ending_the_session_ends_the_broadcast_at_the_next_update(
    db, scene, key, callbacks
):
    callbacks("on_publish", key)
    broadcast = current(db, scene)
    scene.session.state = SessionState.ENDED
    db.session.flush()
    assert callbacks("on_update", key).status_code == 403
    db.session.refresh(broadcast)
    assert (broadcast.state, broadcast.end_reason) == (
        LiveState.ENDED,
        BroadcastEnd.SESSION_ENDED,
    )


def test_the_idle_check_loses_to_a_reconnect(db, scene, key, callbacks):
    """The ladder's worker ends a broadcast only if it is still reconnecting
    when the window has passed; a push back in time keeps it going."""
    callbacks("on_publish", key, "7")
    callbacks("on_publish_done", key, "7")
    broadcast = current(db, scene)
    window = timedelta(seconds=60)
    stopped = broadcast.changed_dt
    assert (
        live.end_if_idle(broadcast.id, stopped + timedelta(seconds=59), window) is None
    )
    callbacks("on_publish", key, "8")
    later = stopped + timedelta(seconds=61)
    assert live.end_if_idle(broadcast.id, later, window) is None
    assert current(db, scene).state == LiveState.LIVE
    callbacks("on_publish_done", key, "8")
    stopped = current(db, scene).changed_dt
    ended = live.end_if_idle(broadcast.id, stopped + window, window)
    assert (ended.state, ended.end_reason) == (LiveState.ENDED, BroadcastEnd.STOPPED)
    assert live.end_broadcast(broadcast.id, BroadcastEnd.FAILED, later) is None
    # The next push starts a new broadcast.
    callbacks("on_publish", key, "10")
    assert current(db, scene).id != broadcast.id


def test_viewers_are_told_idle_live_then_ended(db, scene, key, callbacks):
    now = utcnow()
    assert live.live_state(scene.session, now) == (live.LiveView.IDLE, None)
    callbacks("on_publish", key)
    view, broadcast = live.live_state(scene.session, now)
    assert view == live.LiveView.LIVE and broadcast.state == LiveState.LIVE
    live.end_broadcast(broadcast.id, BroadcastEnd.STOPPED, now)
    after_grace = scene.session.ends_dt + timedelta(minutes=31)
    assert live.live_state(scene.session, after_grace) == (
        live.LiveView.ENDED,
        broadcast,
    )


# --- the studio panel on the session page ------------------------------------------


def test_the_studio_panel_shows_a_new_key_once(client, auth, scene):
    from tests.conftest import csrf_token_from

    page_url = f"/sessions/{scene.session.id}"
    auth.login(scene.host.login)
    page = client.get(page_url).get_data(as_text=True)
    assert f'action="/sessions/{scene.session.id}/stream"' in page
    token = csrf_token_from(page)
    shown = client.post(
        f"/sessions/{scene.session.id}/stream", data={"csrf_token": token}
    )
    assert shown.status_code == 200
    assert shown.headers["Cache-Control"] == "no-store"
    key = live.key_in_force(scene.session.id)
    html = shown.get_data(as_text=True)
    [plaintext] = [
        word
        for word in html.split('"')
        if len(word) == 32 and live.hash_key(word) == key.key_hash
    ]
    again = client.get(page_url).get_data(as_text=True)
    assert plaintext not in again and key.hint in again

    revoked = client.post(
        f"/sessions/{scene.session.id}/stream/revoke",
        data={"csrf_token": token},
        follow_redirects=True,
    )
    assert revoked.status_code == 200
    assert live.key_in_force(scene.session.id) is None


@pytest.mark.parametrize("who", ["stranger", "learner"])
def test_others_get_no_studio(client, db, auth, scene, who):
    from tests.conftest import csrf_token_from

    auth.login(getattr(scene, who).login)
    page = client.get(f"/sessions/{scene.session.id}").get_data(as_text=True)
    assert "studio-heading" not in page
    token = csrf_token_from(page)
    for path in ("stream", "stream/revoke"):
        response = client.post(
            f"/sessions/{scene.session.id}/{path}", data={"csrf_token": token}
        )
        assert response.status_code == 403
    assert keys_of(db, scene) == []
