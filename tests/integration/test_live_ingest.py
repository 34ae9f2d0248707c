"""The live ingest for real: nginx with the RTMP module asks the app about
every push (``on_publish``, ``on_update``, ``on_publish_done``), and ffmpeg
pushes a generated stream the way a studio encoder would."""

import secrets
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest

from lms.db import utcnow
from tests.conftest import unique

#: A small, cheap picture and a tone: enough for nginx and the ladder.
PUSH = [
    "ffmpeg",
    "-nostdin",
    "-loglevel",
    "error",
    "-re",
    "-f",
    "lavfi",
    "-i",
    "testsrc2=size=320x180:rate=25",
    "-f",
    "lavfi",
    "-i",
    "sine=frequency=440",
    "-c:v",
    "libx264",
    "-preset",
    "ultrafast",
    "-tune",
    "zerolatency",
    "-g",
    "50",
    "-c:a",
    "aac",
    "-f",
    "flv",
]


def wait_for(predicate, timeout, what):
    """Poll ``predicate`` until it is truthy (its value) or fail after ``timeout``."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.2)
    pytest.fail(f"gave up waiting for {what}")


@pytest.fixture
def pushes(rtmp_ingest):
    """Start ffmpeg pushes (``video_only`` without the tone); all are killed."""
    started = []

    def push(key, seconds=60, video_only=False):
        command = _without_audio(seconds) if video_only else [*PUSH, "-t", str(seconds)]
        process = subprocess.Popen(
            [*command, rtmp_ingest.push_url(key)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
        )
        started.append(process)
        return process

    yield push
    for process in started:
        if process.poll() is None:
            process.kill()
        process.wait(10)


def _without_audio(seconds):
    """The same generated stream without its tone."""
    command = list(PUSH)
    at = command.index("sine=frequency=440")
    del command[at - 3 : at + 1]  # -f lavfi -i sine
    at = command.index("-c:a")
    del command[at : at + 2]
    return [*command, "-an", "-t", str(seconds)]


@pytest.fixture
def committed(app):
    """Run a function in an app context of its own and commit (what nginx's
    callbacks, served by the live server, can see)."""
    from lms.db import begin_write_transaction, db

    def run(function, *args, **kwargs):
        with app.app_context():
            begin_write_transaction()
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    return run


def _make_session(day_starts, day_ends, state="open"):
    """A broadcast session with a host and a key in force: (session id, key,
    host id)."""
    from courses.sessions import live
    from courses.sessions.models import ScheduledSession, SessionDay
    from courses.sessions.states import SessionKind, SessionState
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Role
    from lms.db import db, utcnow
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    venue = create_hospital(
        code=unique("H"), name_zh="演播中心", tier=Tier.HUB, province_code="51"
    )
    host = create_user(
        login=f"{unique('host')}@example.org",
        name="授课专家",
        password="correct-horse-battery",
        role=Role.LECTURER,
        hospital=venue,
    )
    session = ScheduledSession(
        kind=SessionKind.BROADCAST,
        state=SessionState.OPEN,
        title_zh="直播测试",
        owner_id=host.id,
        venue_hospital_id=venue.id,
        capacity=30,
        code_secret=secrets.token_hex(32),
        rule_set_code="CN-2024",
        approved_dt=utcnow(),
    )
    session.lecturers = [host]
    session.days = [SessionDay(starts_dt=day_starts, ends_dt=day_ends)]
    db.session.add(session)
    db.session.flush()
    _, key = live.issue_key(session, host, utcnow())
    session.state = SessionState(state)
    db.session.flush()
    return session.id, key, host.id


@pytest.fixture
def broadcast_session(app, committed):
    """A broadcast session under way (its day began ten minutes ago). Its
    broadcasts are ended afterwards and their ladders (threads of this process
    with QUEUE_IMMEDIATE) waited for, so none outlives the test."""
    from lms.db import utcnow

    made = []

    def make(*, starts=None, ends=None, state="open"):
        now = utcnow()
        starts = starts or now - timedelta(minutes=10)
        ends = ends or now + timedelta(hours=1)
        result = committed(_make_session, starts, ends, state)
        made.append(result[0])
        return result

    yield make
    _end_broadcasts(app, committed, made)


def _end_broadcasts(app, committed, session_ids):
    from courses.sessions import live
    from courses.sessions.states import BroadcastEnd

    ids = [row[0] for session_id in session_ids for row in broadcasts(app, session_id)]
    for broadcast_id in ids:
        committed(live.end_broadcast, broadcast_id, BroadcastEnd.STOPPED, utcnow())
    names = {f"live-ladder-b{broadcast_id}" for broadcast_id in ids}
    for thread in threading.enumerate():
        if thread.name in names:
            thread.join(120)
            assert not thread.is_alive(), f"{thread.name} did not stop"


def broadcasts(app, session_id):
    """The session's broadcasts as plain tuples, read afresh."""
    from courses.sessions import live
    from lms.db import db

    with app.app_context():
        rows = [
            (b.id, b.state.value, b.runs, b.client_id, b.end_reason)
            for b in live.broadcasts_of(session_id)
        ]
        db.session.remove()
        return rows


def probe(rtmp_ingest, name):
    """Can the stream be pulled under ``name`` (as the ladder pulls it)?"""
    result = subprocess.run(
        [
            "ffprobe",
            "-v",
            "error",
            "-rw_timeout",
            "5000000",
            "-show_entries",
            "stream=codec_type",
            "-of",
            "csv=p=0",
            f"rtmp://127.0.0.1:{rtmp_ingest.port}/live/{name}",
        ],
        capture_output=True,
        text=True,
        timeout=20,
    )
    return result.returncode == 0 and "video" in result.stdout


def refused(process):
    """The push ended with an error (nginx refused or cut it)."""
    process.wait(30)
    return process.returncode != 0


# --- keys nginx refuses --------------------------------------------------------


def test_a_wrong_key_is_refused_and_starts_nothing(
    app, rtmp_ingest, pushes, broadcast_session
):
    session_id, key, _ = broadcast_session()
    push = pushes("x" + key[1:] if key[0] != "x" else "y" + key[1:])
    assert refused(push)
    assert broadcasts(app, session_id) == []


def test_a_revoked_key_is_refused(
    app, rtmp_ingest, pushes, broadcast_session, committed
):
    from courses.sessions import live
    from courses.sessions.queries import get_session
    from lms.accounts.models import User
    from lms.db import db, utcnow

    session_id, key, host_id = broadcast_session()
    committed(
        lambda: live.revoke_key(
            get_session(session_id), db.session.get(User, host_id), utcnow()
        )
    )
    assert refused(pushes(key))
    assert broadcasts(app, session_id) == []


def test_a_key_is_refused_before_the_doors_open(
    app, rtmp_ingest, pushes, broadcast_session
):
    from lms.db import utcnow

    starts = utcnow() + timedelta(hours=2)
    session_id, key, _ = broadcast_session(
        starts=starts, ends=starts + timedelta(hours=1)
    )
    assert refused(pushes(key))
    assert broadcasts(app, session_id) == []


# --- a broadcast's life ---------------------------------------------------------


def test_a_push_starts_a_broadcast_under_its_own_name_and_a_drop_continues_it(
    app, rtmp_ingest, pushes, broadcast_session
):
    """The key never names the stream: on_publish renames it b<id>; a push that
    stops leaves the broadcast reconnecting, and the next push is its run 2."""
    session_id, key, _ = broadcast_session()
    push = pushes(key)
    rows = wait_for(lambda: broadcasts(app, session_id), 20, "the broadcast")
    (broadcast_id, state, runs, client_id, _) = rows[0]
    assert (state, runs) == ("live", 1) and client_id
    assert probe(rtmp_ingest, f"b{broadcast_id}")
    assert not probe(rtmp_ingest, key)

    push.kill()
    push.wait(10)
    wait_for(
        lambda: broadcasts(app, session_id)[0][1] == "reconnecting",
        20,
        "on_publish_done",
    )
    # nginx's access log has the push, not its key.
    access_log = (rtmp_ingest.prefix / "logs" / "rtmp-access.log").read_text()
    assert "PUBLISH" in access_log and key not in access_log

    pushes(key)
    wait_for(lambda: broadcasts(app, session_id)[0][1:3] == ("live", 2), 20, "run 2")
    assert [row[0] for row in broadcasts(app, session_id)] == [broadcast_id]


VIDEO_ONLY = [
    "ffmpeg", "-nostdin", "-loglevel", "error", "-re",
    "-f", "lavfi", "-i", "testsrc2=size=320x180:rate=25",
    "-c:v", "libx264", "-preset", "ultrafast", "-tune", "zerolatency", "-g", "50",
    "-f", "flv",
]  # fmt: skip
AUDIO_ONLY = [
    "ffmpeg", "-nostdin", "-loglevel", "error", "-re",
    "-f", "lavfi", "-i", "sine=frequency=440", "-c:a", "aac", "-f", "flv",
]  # fmt: skip


# nginx's and ffmpeg's work: its database side runs on PostgreSQL in other tests.
@pytest.mark.once
@pytest.mark.parametrize(
    ("command", "carries"),
    [(VIDEO_ONLY, (True, False)), (AUDIO_ONLY, (False, True))],
    ids=["no-audio", "no-video"],
)
def test_a_push_without_audio_or_video_is_a_broadcast_too(
    app, rtmp_ingest, broadcast_session, command, carries
):
    """The ingest takes it like any push; the ladder records what it carries."""
    from courses.sessions.models import LiveBroadcast
    from lms.db import db

    session_id, key, _ = broadcast_session()
    push = subprocess.Popen(
        [*command, "-t", "60", rtmp_ingest.push_url(key)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        rows = wait_for(lambda: broadcasts(app, session_id), 20, "the broadcast")
        assert rows[0][1:3] == ("live", 1)

        def probed():
            with app.app_context():
                broadcast = db.session.get(LiveBroadcast, rows[0][0])
                found = (broadcast.has_video, broadcast.has_audio)
                db.session.remove()
            return found if None not in found else None

        assert wait_for(probed, 30, "the ladder's probe") == carries
    finally:
        push.kill()
        push.wait(10)


def test_a_second_publisher_is_refused_and_the_first_goes_on(
    app, rtmp_ingest, pushes, broadcast_session
):
    session_id, key, _ = broadcast_session()
    first = pushes(key)
    rows = wait_for(lambda: broadcasts(app, session_id), 20, "the broadcast")
    second = pushes(key)
    assert refused(second)
    assert broadcasts(app, session_id) == rows
    assert first.poll() is None
    assert probe(rtmp_ingest, f"b{rows[0][0]}")


def test_a_push_that_never_stops_is_cut_after_the_grace(
    app, rtmp_ingest, pushes, broadcast_session
):
    """The day's end plus the grace (30 minutes) ends the broadcast: nginx's
    next on_update (every LIVE_UPDATE_SECONDS) is answered 403 and the push is cut."""
    from lms.db import utcnow

    now = utcnow()
    ends = now - timedelta(minutes=30) + timedelta(seconds=4)
    session_id, key, _ = broadcast_session(starts=ends - timedelta(hours=1), ends=ends)
    push = pushes(key, seconds=120)
    wait_for(lambda: broadcasts(app, session_id), 20, "the broadcast")
    assert refused(push)
    [(_, state, _, _, reason)] = broadcasts(app, session_id)
    assert (state, reason) == ("ended", "time_limit")


def test_revoking_the_key_cuts_the_push_under_way(
    app, rtmp_ingest, pushes, broadcast_session, committed
):
    from courses.sessions import live
    from courses.sessions.queries import get_session
    from lms.accounts.models import User
    from lms.db import db, utcnow

    session_id, key, host_id = broadcast_session()
    push = pushes(key, seconds=120)
    wait_for(lambda: broadcasts(app, session_id), 20, "the broadcast")
    committed(
        lambda: live.revoke_key(
            get_session(session_id), db.session.get(User, host_id), utcnow()
        )
    )
    assert refused(push)
    # The push stopped; the broadcast waits for a push with a new key.
    wait_for(
        lambda: broadcasts(app, session_id)[0][1] == "reconnecting",
        20,
        "on_publish_done",
    )


# --- the callbacks' door --------------------------------------------------------


def test_callbacks_answer_only_with_the_secret(client):
    response = client.post(
        "/live-ingest/" + "0" * 32 + "/on_publish",
        data={"name": "k" * 32, "clientid": "1"},
    )
    assert response.status_code == 404


def test_the_cli_writes_a_configuration_nginx_accepts(app, runner):
    """``flask --app lms live ingest-config`` (what serve.sh starts nginx with)."""
    from media_pipeline import ingest

    result = runner.invoke(args=["live", "ingest-config"])
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    text = path.read_text()
    secret = ingest.callback_secret(app.config["SECRET_KEY"])
    assert f"/live-ingest/{secret}/on_publish;" in text
    assert f"listen {app.config['RTMP_HOST']}:{app.config['RTMP_PORT']};" in text
    assert f"notify_update_timeout {app.config['LIVE_UPDATE_SECONDS']}s;" in text
    prefix = path.parent
    checked = subprocess.run(
        [*ingest.nginx_command(prefix), "-t"], capture_output=True, text=True
    )
    assert checked.returncode == 0, checked.stderr


@pytest.mark.parametrize("seconds", [0, 11, "soon"])
def test_an_update_period_nginx_must_not_have_is_refused(app, runner, seconds):
    """Longer than ten seconds, a live publisher would be taken for gone
    (live.PUBLISHER_SILENT) between two of nginx's updates."""
    before = app.config["LIVE_UPDATE_SECONDS"]
    app.config["LIVE_UPDATE_SECONDS"] = seconds
    try:
        result = runner.invoke(args=["live", "ingest-config"])
    finally:
        app.config["LIVE_UPDATE_SECONDS"] = before
    assert result.exit_code == 1
    assert "LIVE_UPDATE_SECONDS must be 1 to 10" in result.output
