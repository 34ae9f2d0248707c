"""The office's page shows each worker lane's health and warns when the media
disk runs short."""

import re
from datetime import timedelta

import pytest

from lms.accounts.roles import Role
from lms.db import utcnow
from lms.workers.operations import record_heartbeat


@pytest.fixture
def office(create_user, auth):
    user = create_user(login="office-health@example.cn", role=Role.ADMINISTRATOR)
    auth.login("office-health@example.cn")
    return user


def lane_row(html, lane):
    match = re.search(rf'<tr data-lane="{lane}"[^>]*>.*?</tr>', html, re.S)
    assert match, f"no row for the {lane} lane"
    return match.group(0)


def test_the_office_sees_which_lane_beats_and_which_is_not_seen(
    app, client, office, db
):
    now = utcnow()
    record_heartbeat("worker-1", "fast", 4242, 0, now - timedelta(seconds=5))
    record_heartbeat("worker-1", "media", 4343, 3, now - timedelta(minutes=10))
    db.session.commit()
    html = client.get("/dashboard").text
    fast, media = lane_row(html, "fast"), lane_row(html, "media")
    assert 'data-healthy="yes"' in fast and "pid 4242" in fast
    assert 'data-healthy="no"' in media and 'data-unseen-minutes="10"' in media
    assert "pid 4343" in media and "worker-1" in media


def test_a_lane_never_seen_is_shown_as_such(client, office):
    html = client.get("/dashboard").text
    for lane in ("fast", "media"):
        row = lane_row(html, lane)
        assert 'data-healthy="no"' in row and 'data-unseen-minutes=""' in row


@pytest.mark.parametrize(("threshold", "low"), [(2**62, "yes"), (0, "no")])
def test_the_office_is_warned_when_the_media_disk_is_short(
    app, client, office, threshold, low
):
    app.config["MEDIA_LOW_SPACE_BYTES"] = threshold
    try:
        html = client.get("/dashboard").text
    finally:
        app.config["MEDIA_LOW_SPACE_BYTES"] = 10 * 1024**3
    assert f'id="media-space" data-low="{low}"' in html


def test_other_roles_see_no_worker_health(client, create_user, auth):
    create_user(login="lecturer-health@example.cn", role=Role.LECTURER)
    auth.login("lecturer-health@example.cn")
    assert "worker-health" not in client.get("/dashboard").text
