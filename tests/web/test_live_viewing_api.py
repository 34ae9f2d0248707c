"""Watching a broadcast live through the API and the pages (issue 14): who is
told of the stream, a learner's viewing and beats, the watch page."""

from datetime import timedelta

import pytest

from courses.sessions.models import LiveViewing
from lms.db import db, utcnow
from tests.integration.test_live_viewing import on_air


@pytest.fixture
def under_way(create_scheduled_session):
    """A broadcast session whose day began ten minutes ago."""

    def factory(**fields):
        start = utcnow().replace(microsecond=0) - timedelta(minutes=10)
        return create_scheduled_session(
            days=[(start, start + timedelta(hours=2))], **fields
        )

    return factory


def test_the_session_tells_viewers_of_the_stream_and_no_one_else(
    client, under_way, create_user, create_hospital, api_token
):
    ours = create_hospital()
    session = under_way(audience_hospital_ids=[ours.id])
    learner, outsider = create_user(hospital=ours), create_user()
    url = f"/api/v1/sessions/{session.id}"

    assert client.get(url, headers=api_token(learner)).json["live"] == {
        "state": "idle",
        "hls_url": None,
        "audio_url": None,
        "broadcast": None,
        "run": None,
    }
    broadcast = on_air(session, utcnow() - timedelta(minutes=1))
    live = client.get(url, headers=api_token(learner)).json["live"]
    base = f"/media/live/{session.id}/b{broadcast.id}/r1"
    assert live == {
        "state": "live",
        "hls_url": f"{base}/master.m3u8",
        "audio_url": f"{base}/audio/index.m3u8",
        "broadcast": broadcast.id,
        "run": 1,
    }
    assert client.get(url, headers=api_token(session.owner)).json["live"] == live
    assert client.get(url, headers=api_token(outsider)).json["live"] is None
    # ...and the outsider's request for the playlist itself is a 404.
    assert client.get(live["hls_url"], headers=api_token(outsider)).status_code == 404


def test_a_learner_views_and_beats_for_presence(
    client, under_way, create_user, api_token
):
    session = under_way()
    on_air(session, utcnow() - timedelta(minutes=5))
    learner = create_user()
    headers = api_token(learner)
    started = client.post(f"/api/v1/sessions/{session.id}/viewings", headers=headers)
    assert started.status_code == 201, started.json
    assert started.json["beat_seconds"] == 15
    assert started.json["live"]["state"] == "live"
    token = started.json["viewing"]
    beat_url = f"/api/v1/sessions/{session.id}/viewings/beat"

    first = client.post(beat_url, json={"viewing": token, "seq": 1}, headers=headers)
    assert first.status_code == 200, first.json
    assert first.json["counted_seconds"] == 0 and first.json["presence"] is None
    viewing = db.session.query(LiveViewing).filter_by(token=token).one()
    viewing.last_beat_dt -= timedelta(seconds=15)  # as if a beat interval passed
    db.session.flush()
    second = client.post(beat_url, json={"viewing": token, "seq": 2}, headers=headers)
    assert 15 <= second.json["counted_seconds"] < 17
    assert second.json["presence"]["source"] == "live"
    assert second.json["presence"]["minutes"] == 0

    replayed = client.post(beat_url, json={"viewing": token, "seq": 2}, headers=headers)
    assert replayed.json["counted_seconds"] == 0

    client.post(f"/api/v1/sessions/{session.id}/viewings", headers=headers)
    superseded = client.post(
        beat_url, json={"viewing": token, "seq": 3}, headers=headers
    )
    assert superseded.status_code == 409
    assert superseded.json["error"]["code"] == "viewing_superseded"


@pytest.mark.parametrize(
    ("body", "status"),
    [
        ({"viewing": "x", "seq": 0}, 422),
        ({"viewing": "", "seq": 1}, 422),
        ({"viewing": "no-such-viewing", "seq": 1}, 404),
        ({"seq": 1}, 422),
    ],
)
def test_bad_beats_are_refused_clearly(
    client, under_way, create_user, api_token, body, status
):
    session = under_way()
    headers = api_token(create_user())
    response = client.post(
        f"/api/v1/sessions/{session.id}/viewings/beat", json=body, headers=headers
    )
    assert response.status_code == status
    assert response.json["error"]["code"]


def test_only_learners_of_the_audience_start_a_viewing(
    client, under_way, create_user, create_hospital, api_token
):
    session = under_way(audience_hospital_ids=[create_hospital().id])
    url = f"/api/v1/sessions/{session.id}/viewings"
    outsider = client.post(url, headers=api_token(create_user()))
    assert outsider.status_code == 403
    assert outsider.json["error"]["code"] == "may_not_watch"
    host = client.post(url, headers=api_token(session.owner))
    assert host.status_code == 403


def test_the_watch_page_plays_for_the_audience_and_says_why_not(
    client, auth, under_way, create_user, create_hospital, create_scheduled_session
):
    ours = create_hospital()
    session = under_way(audience_hospital_ids=[ours.id])
    learner = create_user(hospital=ours)
    auth.login(learner.login)
    page = client.get(f"/sessions/{session.id}/watch")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="player"' in html and "js/live.js" in html
    shown = client.get(f"/sessions/{session.id}").get_data(as_text=True)
    assert f'href="/sessions/{session.id}/watch"' in shown
    auth.logout()

    auth.login(create_user().login)
    refused = client.get(f"/sessions/{session.id}/watch")
    assert refused.status_code == 403
    assert 'id="player"' not in refused.get_data(as_text=True)
    onsite = create_scheduled_session(kind="onsite")
    assert client.get(f"/sessions/{onsite.id}/watch").status_code == 404
    assert client.get("/sessions/999999/watch").status_code == 404


def test_the_session_page_says_a_presence_was_watched_live(
    client, auth, under_way, create_user
):
    from tests.integration.test_live_viewing import watch

    session = under_way()
    start = session.days[0].starts_dt
    on_air(session, start)
    learner = create_user()
    watch(session, learner, start, 3)
    auth.login(learner.login)
    html = client.get(f"/sessions/{session.id}", headers={"Accept-Language": "en"})
    text = html.get_data(as_text=True)
    assert "Watched live" in text and "3 of 120 minutes" in text
