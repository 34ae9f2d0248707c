"""The live ladder for real: ffmpeg pushes to nginx with the RTMP module, the
app's on_publish starts the broadcast's ladder (a thread with QUEUE_IMMEDIATE),
which pulls the stream into live HLS that the media route serves to those who
may watch it; a drop continues into the next run, and the reconnect window's
end ends the broadcast and hands its recordings to the replay."""

import json
import os
import subprocess
import threading
import time
from datetime import timedelta
from pathlib import Path

import pytest
import sqlalchemy as sa

from media_pipeline import live as ladder
from tests.conftest import AuthActions, unique
from tests.integration import test_live_ingest as ingest_tests
from tests.integration.test_live_ingest import PUSH, broadcasts, wait_for

#: The ingest tests' fixtures: a broadcast session with a key, and committing.
broadcast_session = ingest_tests.broadcast_session
committed = ingest_tests.committed
pushes = ingest_tests.pushes


@pytest.fixture
def short_reconnect(app):
    """A reconnect window of three seconds (60 by default)."""
    before = app.config["LIVE_RECONNECT_SECONDS"]
    app.config["LIVE_RECONNECT_SECONDS"] = 3
    yield
    app.config["LIVE_RECONNECT_SECONDS"] = before


def broadcast_row(app, broadcast_id):
    from courses.sessions.models import LiveBroadcast
    from lms.db import db

    with app.app_context():
        broadcast = db.session.get(LiveBroadcast, broadcast_id)
        row = {
            "state": broadcast.state.value,
            "runs": broadcast.runs,
            "beat": broadcast.worker_beat_dt,
            "has_video": broadcast.has_video,
            "has_audio": broadcast.has_audio,
            "recorded": broadcast.recorded_seconds,
            "end_reason": broadcast.end_reason,
            "replay_lecture_id": broadcast.replay_lecture_id,
            "error": broadcast.error,
        }
        db.session.remove()
        return row


def signed_in(app, user_id):
    """A test client signed in as the user (committed data, no test transaction)."""
    from lms.accounts.models import User
    from lms.db import db

    with app.app_context():
        login = db.session.get(User, user_id).login
        db.session.remove()
    client = app.test_client()
    response = AuthActions(client).login(login)
    assert response.status_code == 302
    return client


def outsider(app, committed):
    """A lecturer of another hospital who does not host the session (the
    session's audience is every learner)."""
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Role
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    def make():
        hospital = create_hospital(
            code=unique("H"), name_zh="别处医院", tier=Tier.COUNTY, province_code="52"
        )
        return create_user(
            login=f"{unique('learner')}@example.org",
            name="旁观者",
            password="correct-horse-battery",
            role=Role.LECTURER,
            hospital=hospital,
        ).id

    return signed_in(app, committed(make))


def live_url(session_id, broadcast_id, run, name):
    return f"/media/live/{session_id}/b{broadcast_id}/r{run}/{name}"


def fetched(client, url):
    """The response once the file exists (the ladder writes it a little later)."""
    return wait_for(lambda: (r := client.get(url)).status_code == 200 and r, 40, url)


def variants(master):
    return [line for line in master.splitlines() if line and not line.startswith("#")]


def first_segment(playlist):
    return next(line for line in playlist.splitlines() if line.endswith(".ts"))


def test_a_push_is_laddered_live_and_served_to_hosts_only(
    app,
    rtmp_ingest,
    pushes,
    broadcast_session,
    committed,
):
    session_id, key, host_id = broadcast_session()
    push = pushes(key)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)

    master = fetched(host, live_url(session_id, broadcast_id, 1, "master.m3u8"))
    assert master.headers["Cache-Control"] == "private, no-cache"
    assert master.mimetype == "application/vnd.apple.mpegurl"
    # 320x180 gets its own size only (240p and 360p would upscale it) and audio.
    assert variants(master.get_data(as_text=True)) == [
        "source/index.m3u8",
        "audio/index.m3u8",
    ]
    playlist = fetched(host, live_url(session_id, broadcast_id, 1, "source/index.m3u8"))
    text = playlist.get_data(as_text=True)
    assert "#EXT-X-ENDLIST" not in text  # live: the window slides on
    assert "#EXT-X-TARGETDURATION:2" in text
    segment_name = first_segment(text)
    segment = host.get(live_url(session_id, broadcast_id, 1, f"source/{segment_name}"))
    assert segment.status_code == 200
    assert segment.headers["Cache-Control"].startswith("private, max-age=")
    assert segment.get_data()[:1] == b"\x47"  # an MPEG-TS packet
    app.config["MEDIA_ACCEL"] = "nginx"
    try:
        accel = host.get(live_url(session_id, broadcast_id, 1, "master.m3u8"))
    finally:
        app.config["MEDIA_ACCEL"] = ""
    assert accel.status_code == 200 and accel.data == b""
    assert (
        accel.headers["X-Accel-Redirect"]
        == f"/protected-live/b{broadcast_id}/r1/master.m3u8"
    )
    assert accel.headers["Cache-Control"] == "private, no-cache"

    row = wait_for(
        lambda: (r := broadcast_row(app, broadcast_id))["beat"] and r, 20, "a beat"
    )
    assert (row["has_video"], row["has_audio"]) == (True, True)

    # Someone not in the audience, a run not pushed, another session's path,
    # the recording beside the runs: nothing.
    stranger = outsider(app, committed)
    assert (
        app.test_client()
        .get(live_url(session_id, broadcast_id, 1, "master.m3u8"))
        .status_code
        == 404
    )
    assert (
        stranger.get(live_url(session_id, broadcast_id, 1, "master.m3u8")).status_code
        == 404
    )
    assert (
        host.get(live_url(session_id, broadcast_id, 2, "master.m3u8")).status_code
        == 404
    )
    assert (
        host.get(live_url(session_id + 1, broadcast_id, 1, "master.m3u8")).status_code
        == 404
    )
    assert (
        host.get(
            live_url(session_id, broadcast_id, 1, "../recordings/r1-1.ts")
        ).status_code
        == 404
    )
    assert (
        host.get(
            f"/media/live/{session_id}/b{broadcast_id}/r1/%2E%2E/recordings/r1-1.ts"
        ).status_code
        == 404
    )
    push.kill()


# nginx's and ffmpeg's work: its database side runs on PostgreSQL in other tests.
@pytest.mark.once
def test_a_push_without_audio_is_laddered_as_video_only(
    app,
    rtmp_ingest,
    pushes,
    broadcast_session,
):
    session_id, key, host_id = broadcast_session()
    pushes(key, video_only=True)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)
    master = fetched(host, live_url(session_id, broadcast_id, 1, "master.m3u8"))
    text = master.get_data(as_text=True)
    assert variants(text) == ["source/index.m3u8"]
    assert "mp4a" not in text
    row = broadcast_row(app, broadcast_id)
    assert (row["has_video"], row["has_audio"]) == (True, False)
    fetched(host, live_url(session_id, broadcast_id, 1, "source/index.m3u8"))


def test_a_drop_continues_into_run_two_and_the_window_ends_it_into_a_replay(
    app,
    rtmp_ingest,
    pushes,
    broadcast_session,
    short_reconnect,
):
    from media_pipeline.live_tasks import recordings_of

    session_id, key, host_id = broadcast_session()
    first = pushes(key)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)
    fetched(host, live_url(session_id, broadcast_id, 1, "source/index.m3u8"))
    first.kill()
    first.wait(10)
    wait_for(
        lambda: broadcast_row(app, broadcast_id)["state"] == "reconnecting",
        20,
        "on_publish_done",
    )

    second = pushes(key)  # back within the window: the same broadcast, run 2
    wait_for(lambda: broadcast_row(app, broadcast_id)["runs"] == 2, 20, "run 2")
    fetched(host, live_url(session_id, broadcast_id, 2, "source/index.m3u8"))
    folder = Path(app.config["LIVE_DIR"]) / f"b{broadcast_id}"

    def both_recorded():
        with app.app_context():
            recordings = recordings_of(broadcast_id)
        names = [path.name for path in recordings]
        # Run 1 first; run 2 may have more than one pull by now.
        return recordings if names[:2] == ["r1-1.ts", "r2-1.ts"] else None

    recordings = wait_for(both_recorded, 20, "both runs recorded")
    assert _duration(recordings[0]) > 1  # run 1's copy, complete
    second.kill()
    second.wait(10)

    # No third push: the window passes and the worker ends the broadcast.
    row = wait_for(
        lambda: (r := broadcast_row(app, broadcast_id))["state"] == "ended" and r,
        40,
        "the end of the broadcast",
    )
    assert row["end_reason"].value == "stopped"
    assert row["recorded"] > 2
    # The replay was made from both (B2's make_replay sets the lecture), and
    # the broadcast's folder was given back.
    wait_for(
        lambda: broadcast_row(app, broadcast_id)["replay_lecture_id"],
        30,
        "the replay lecture",
    )
    wait_for(lambda: not folder.exists(), 10, "the live folder removed")


def _duration(path):
    result = subprocess.run(
        ["ffprobe", "-v", "error", "-of", "json", "-show_format", str(path)],
        capture_output=True,
        text=True,
        check=True,
    )
    return float(json.loads(result.stdout)["format"]["duration"])


# --- the ladder's command, from files (no nginx) ------------------------------


def _source(tmp_path, *, audio=True, video=True, size="640x360"):
    path = tmp_path / "source.flv"
    inputs = []
    if video:
        inputs += ["-f", "lavfi", "-i", f"testsrc2=size={size}:rate=25"]
    if audio:
        inputs += ["-f", "lavfi", "-i", "sine=frequency=440"]
    codecs = (["-c:v", "libx264", "-preset", "ultrafast"] if video else []) + (
        ["-c:a", "aac"] if audio else []
    )
    subprocess.run(
        ["ffmpeg", "-loglevel", "error", *inputs, "-t", "5", *codecs, str(path)],
        check=True,
    )
    return path


@pytest.mark.parametrize(
    ("audio", "video", "folders"),
    [
        (True, True, ["source", "240p", "audio"]),
        (False, True, ["source", "240p"]),
        (True, False, ["audio"]),
    ],
)
def test_the_ladder_command_writes_every_variant_and_a_recording(
    tmp_path, audio, video, folders
):
    source = _source(tmp_path, audio=audio, video=video)
    stream = ladder.PushedStream(has_video=video, has_audio=audio, height=360)
    out, recording = tmp_path / "r1", tmp_path / "r1.ts"
    for name in ladder.rung_names(stream):
        (out / name).mkdir(parents=True)
    args = ladder.ladder_args(source, out, recording, stream, protocols="file")
    result = subprocess.run(args, capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert "out_time_us=" in result.stdout  # the progress the worker beats on
    assert variants((out / ladder.MASTER).read_text()) == [
        f"{name}/index.m3u8" for name in folders
    ]
    for name in folders:
        playlist = (out / name / "index.m3u8").read_text()
        durations = [
            float(line.split(":")[1].rstrip(","))
            for line in playlist.splitlines()
            if line.startswith("#EXTINF")
        ]
        assert len(durations) >= 2 and all(d <= 2.1 for d in durations[:-1])
        assert abs(sum(durations) - 5) < 0.5
    assert abs(_duration(recording) - 5) < 0.5
    assert Path(recording).stat().st_size > 0


@pytest.fixture
def dead_live_lane(app, tmp_path):
    """The live lane's tasks queued for a worker that never comes (as when the
    worker died): a broadcast's ladder does not start with its push."""
    from huey.storage import SqliteStorage

    from lms.queue import live_huey

    app.config["QUEUE_IMMEDIATE"] = False
    live_huey.immediate = False
    live_huey.storage = SqliteStorage(
        live_huey.name, filename=str(tmp_path / "queue.sqlite3")
    )
    yield
    live_huey.flush()
    live_huey.immediate = True
    app.config["QUEUE_IMMEDIATE"] = True


def test_a_live_broadcast_whose_ladder_died_is_laddered_again(
    app, rtmp_ingest, pushes, broadcast_session, committed, dead_live_lane
):
    import sqlalchemy as sa

    from courses.sessions.models import LiveBroadcast
    from lms.db import db, utcnow
    from lms.queue import live_huey
    from media_pipeline.live_tasks import restart_stale_ladders

    session_id, key, host_id = broadcast_session()
    pushes(key)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    assert len(live_huey) == 1  # queued, never run
    host = signed_in(app, host_id)
    master = live_url(session_id, broadcast_id, 1, "master.m3u8")
    assert host.get(master).status_code == 404
    # A minute on, nothing beat: the periodic task starts the ladder again.
    committed(
        lambda: db.session.execute(
            sa.update(LiveBroadcast)
            .where(LiveBroadcast.id == broadcast_id)
            .values(changed_dt=utcnow() - timedelta(minutes=1))
        )
    )
    app.config["QUEUE_IMMEDIATE"] = True
    with app.app_context():
        restart_stale_ladders.call_local()
    fetched(host, master)
    row = broadcast_row(app, broadcast_id)
    assert row["state"] == "live" and row["beat"]
    # Its beat is fresh now: the next minute leaves it alone.
    with app.app_context():
        restart_stale_ladders.call_local()
    assert len(live_huey) == 1


# --- the real worker's live lane ----------------------------------------------


# Its database is SQLite of its own, whatever --db says.
@pytest.mark.once
def test_the_workers_live_lane_ladders_a_push_and_ends_its_broadcast(tmp_path):
    """As deployed: on_publish queues the ladder, the worker's live lane (a
    process of its own) pulls the push from nginx, and ends the broadcast when
    the push does not come back."""
    import threading

    from werkzeug.serving import make_server

    from courses.sessions.models import LiveBroadcast
    from lms.db import db
    from tests import services
    from tests.conftest import make_app
    from tests.integration.test_worker_lanes import start_worker, stop_worker, until

    database = f"sqlite:///{tmp_path / 'lms.sqlite3'}"
    settings = {
        "MEDIA_DIR": str(tmp_path / "media"),
        "LIVE_DIR": str(tmp_path / "live"),
        "SEARCH_INDEX_DIR": str(tmp_path / "search-index"),
        "LIVE_RECONNECT_SECONDS": 2,
        "WORKER_HEARTBEAT_SECONDS": 1,
    }
    app = make_app(tmp_path, database, QUEUE_IMMEDIATE=False, **settings)
    server = make_server("127.0.0.1", 0, app, threaded=True)
    serving = threading.Thread(target=server.serve_forever, daemon=True)
    serving.start()
    ingest = services.start_rtmp_ingest(
        app.config["SECRET_KEY"],
        f"http://127.0.0.1:{server.server_port}",
        app.config["LIVE_UPDATE_SECONDS"],
    )
    app.config["RTMP_PORT"] = ingest.port
    env = dict(
        os.environ,
        LMS_SECRET_KEY=app.config["SECRET_KEY"],
        LMS_DATABASE_URL=database,
        LMS_INSTANCE_PATH=str(tmp_path),
        LMS_RTMP_PORT=str(ingest.port),
        **{f"LMS_{key}": str(value) for key, value in settings.items()},
    )
    worker = start_worker(env, tmp_path / "worker.log")
    push = None
    try:
        with app.app_context():
            from lms.db import begin_write_transaction, utcnow

            begin_write_transaction()
            session_id, key, _ = ingest_tests._make_session(
                utcnow() - timedelta(minutes=10), utcnow() + timedelta(hours=1)
            )
            db.session.commit()
        push = subprocess.Popen(
            [*PUSH, "-t", "60", ingest.push_url(key)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )

        def laddered():
            broadcast = db.session.scalar(
                sa.select(LiveBroadcast).where(LiveBroadcast.session_id == session_id)
            )
            if broadcast is None or broadcast.worker_beat_dt is None:
                return None
            master = tmp_path / "live" / f"b{broadcast.id}" / "r1" / ladder.MASTER
            return broadcast.id if master.exists() else None

        broadcast_id = until(app, laddered, 60, "the worker's ladder")
        push.kill()
        push.wait(10)

        def ended():
            broadcast = db.session.get(LiveBroadcast, broadcast_id)
            return broadcast.state.value == "ended" and broadcast

        broadcast = until(app, ended, 60, "the end of the broadcast")
        assert broadcast.end_reason.value == "stopped"
        assert broadcast.has_video and broadcast.has_audio
        # Its one run's recording became the replay; the live folder is gone.
        assert until(
            app,
            lambda: db.session.get(LiveBroadcast, broadcast_id).replay_lecture_id,
            30,
            "the replay lecture",
        )
        until(
            app,
            lambda: not (tmp_path / "live" / f"b{broadcast_id}").exists(),
            10,
            "the live folder removed",
        )
    finally:
        if push is not None and push.poll() is None:
            push.kill()
            push.wait(10)
        stop_worker(worker)
        ingest.stop()
        server.shutdown()
        with app.app_context():
            db.engine.dispose()


def test_a_replay_left_undone_is_made_by_the_periodic_task(
    app, broadcast_session, committed
):
    """A broadcast that ended with a recording but no replay (its worker died
    between the two) gets its replay a few minutes on."""
    import sqlalchemy as sa

    from courses.sessions.models import LiveBroadcast, StreamKey
    from courses.sessions.states import BroadcastEnd, LiveState
    from lms.db import db, utcnow
    from media_pipeline.live_tasks import recordings_dir, restart_stale_ladders

    session_id, _, _ = broadcast_session()

    def ended_broadcast(minutes_ago):
        key = db.session.scalar(
            sa.select(StreamKey).where(StreamKey.session_id == session_id)
        )
        when = utcnow() - timedelta(minutes=minutes_ago)
        broadcast = LiveBroadcast(
            session_id=session_id,
            key_id=key.id,
            state=LiveState.ENDED,
            runs=1,
            started_dt=when - timedelta(minutes=5),
            changed_dt=when,
            ended_dt=when,
            end_reason=BroadcastEnd.STOPPED,
        )
        db.session.add(broadcast)
        db.session.flush()
        return broadcast.id

    broadcast_id = committed(ended_broadcast, 10)
    with app.app_context():
        folder = recordings_dir(broadcast_id)
    folder.mkdir(parents=True)
    recorded = [
        *("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i"),
        *("testsrc2=size=320x180:rate=25", "-f", "lavfi", "-i", "sine", "-t", "3"),
        *("-c:v", "libx264", "-preset", "ultrafast", "-c:a", "aac"),
        *("-f", "mpegts", str(folder / "r1-1.ts")),
    ]
    subprocess.run(recorded, check=True)
    with app.app_context():
        restart_stale_ladders.call_local()
    row = broadcast_row(app, broadcast_id)
    assert row["replay_lecture_id"] is not None
    assert not folder.parent.exists()


def _ladder_pids(rtmp_ingest, broadcast_id):
    """The ladder's ffmpeg pulling this broadcast (started by this test's push)."""
    url = ladder.pull_url("127.0.0.1", rtmp_ingest.port, f"b{broadcast_id}")
    pids = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            argv = (entry / "cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        if argv[0].endswith(b"ffmpeg") and url.encode() in argv:
            pids.append(int(entry.name))
    return pids


def _sequence(playlist):
    return int(playlist.split("#EXT-X-MEDIA-SEQUENCE:")[1].split()[0])


def _newest(playlist):
    """The number of the newest segment listed (the window's first is the
    media sequence; it moves only once the window is full)."""
    listed = [line for line in playlist.splitlines() if line.endswith(".ts")]
    return _sequence(playlist) + len(listed) - 1


# nginx's and ffmpeg's work: its database side runs on PostgreSQL in other tests.
@pytest.mark.once
def test_a_ladder_that_dies_mid_push_pulls_again_without_reusing_a_segment_name(
    app, rtmp_ingest, pushes, broadcast_session
):
    import os
    import signal

    session_id, key, host_id = broadcast_session()
    pushes(key)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)
    url = live_url(session_id, broadcast_id, 1, "source/index.m3u8")
    before = fetched(host, url).get_data(as_text=True)
    [pid] = wait_for(lambda: _ladder_pids(rtmp_ingest, broadcast_id), 10, "ffmpeg")
    os.kill(pid, signal.SIGKILL)

    def pulled_again():
        text = host.get(url).get_data(as_text=True)
        return text if _sequence(text) > _sequence(before) + 3 else None

    after = wait_for(pulled_again, 40, "the second pull's playlist")
    assert [p for p in _ladder_pids(rtmp_ingest, broadcast_id) if p != pid]
    assert not set(_segments(before)) & set(_segments(after))
    assert broadcast_row(app, broadcast_id)["state"] == "live"


def _segments(playlist):
    return [line for line in playlist.splitlines() if line.endswith(".ts")]


@pytest.fixture
def quick_beats(app):
    """A beat period of three seconds (the pull beats every second)."""
    before = app.config["LIVE_BEAT_SECONDS"]
    app.config["LIVE_BEAT_SECONDS"] = 3
    yield
    app.config["LIVE_BEAT_SECONDS"] = before


# nginx's and ffmpeg's work: its database side runs on PostgreSQL in other tests.
@pytest.mark.once
def test_a_newer_run_stops_the_pull_of_the_old_one(
    app, rtmp_ingest, pushes, broadcast_session, committed, quick_beats
):
    """The encoder came back as run 2 while run 1 was still pulled (a takeover,
    or an on_publish_done that came late; a real takeover needs the publisher
    silent for 35 s, so the test makes the broadcast's row what
    authorise_push makes it): viewers are sent to r2, and the ladder must
    write r2, not go on writing r1 for the rest of the push."""
    from courses.sessions.models import LiveBroadcast
    from lms.db import db
    from media_pipeline.live_tasks import pull_run, recordings_dir

    session_id, key, host_id = broadcast_session()
    pushes(key, seconds=30)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)
    fetched(host, live_url(session_id, broadcast_id, 1, "source/index.m3u8"))

    def take_over():
        db.session.execute(
            sa.update(LiveBroadcast)
            .where(LiveBroadcast.id == broadcast_id)
            .values(runs=LiveBroadcast.runs + 1)
        )

    committed(take_over)
    fetched(host, live_url(session_id, broadcast_id, 2, "source/index.m3u8"))
    # A pull of run 1 whose probe (real, through nginx) ended after run 2
    # began writes nothing of run 1 and returns at once.
    with app.app_context():
        assert pull_run(broadcast_id, 1, 9) == 0.0
        assert not (recordings_dir(broadcast_id) / "r1-9.ts").exists()
        db.session.remove()
    assert not [
        pid for pid in _ladder_pids(rtmp_ingest, broadcast_id) if _pulls_run(pid, 1)
    ]


# nginx's and ffmpeg's work: its database side runs on PostgreSQL in other tests.
@pytest.mark.once
def test_the_ladders_pull_lasts_through_nginxs_updates(
    app, rtmp_ingest, pushes, broadcast_session, caplog
):
    """nginx asks about the ladder's own connection every LIVE_UPDATE_SECONDS
    (on_update, call=update_play): the pull goes on, one ffmpeg for the whole
    push (answered as a push, it was cut at every update and pulled again)."""
    session_id, key, _ = broadcast_session()
    pushes(key, seconds=40)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    [first] = wait_for(
        lambda: _ladder_pids(rtmp_ingest, broadcast_id), 20, "the ladder's pull"
    )
    seen = time.monotonic()
    # Through two of nginx's updates of the pull, the same ffmpeg pulls.
    through = 2 * app.config["LIVE_UPDATE_SECONDS"] + 3

    def same_pull_throughout():
        assert _ladder_pids(rtmp_ingest, broadcast_id) == [first]
        return time.monotonic() - seen >= through

    wait_for(same_pull_throughout, through + 10, "two updates of the pull")
    assert "live push cut" not in caplog.text


def _pulls_run(pid, run):
    try:
        argv = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except OSError:
        return False
    return any(f"/r{run}/".encode() in arg for arg in argv)


@pytest.fixture
def one_locked_beat(app):
    """The database refuses the ladder's next beat once, with the DBAPI's own
    OperationalError ("database is locked"; on PostgreSQL what a dropped
    connection raises). A real lock would take the busy timeout to show."""
    from lms.db import db

    failed = []

    def refuse(conn, cursor, statement, parameters, context, executemany):
        if (
            not failed
            and statement.lstrip().upper().startswith("UPDATE LIVE_BROADCASTS")
            and "worker_beat_dt" in statement
            and threading.current_thread().name.startswith("live-ladder")
        ):
            failed.append(statement)
            raise conn.dialect.loaded_dbapi.OperationalError("database is locked")

    with app.app_context():
        engine = db.engine
    sa.event.listen(engine, "before_cursor_execute", refuse)
    yield failed
    sa.event.remove(engine, "before_cursor_execute", refuse)


def test_a_passing_database_error_in_a_beat_skips_it_and_the_pull_goes_on(
    app, rtmp_ingest, pushes, broadcast_session, quick_beats, one_locked_beat
):
    session_id, key, host_id = broadcast_session()
    pushes(key)
    [(broadcast_id, *_)] = wait_for(
        lambda: broadcasts(app, session_id), 20, "the broadcast"
    )
    host = signed_in(app, host_id)
    url = live_url(session_id, broadcast_id, 1, "source/index.m3u8")
    fetched(host, url)
    wait_for(lambda: one_locked_beat, 20, "a beat refused")
    failed_at = broadcast_row(app, broadcast_id)["beat"]
    before = host.get(url).get_data(as_text=True)

    def went_on():
        text = host.get(url).get_data(as_text=True)
        return _newest(text) > _newest(before) + 2

    # The broadcast's task lives on: segments keep coming, it beats again
    # and the broadcast stays live (the task died with the refused beat).
    wait_for(went_on, 20, "segments after the refused beat")
    row = wait_for(
        lambda: (r := broadcast_row(app, broadcast_id))["beat"] > failed_at and r,
        10,
        "a later beat",
    )
    assert row["state"] == "live"


def test_a_failed_replay_placement_leaves_no_joined_copy_and_is_tried_a_few_times(
    app, broadcast_session, committed
):
    """A placement that fails (a constraint, the database gone; made here by a
    placing step that raises, as a real one cannot be produced on demand)
    gives the joined copy back, keeps the recordings, counts the try on the
    broadcast, and the periodic task stops after REPLAY_ATTEMPTS tries."""
    from courses.sessions import replay
    from courses.sessions.models import LiveBroadcast, StreamKey
    from courses.sessions.states import BroadcastEnd, LiveState
    from lms.db import db, utcnow
    from media_pipeline.live_tasks import (
        _replays_left,
        recordings_dir,
        restart_stale_ladders,
    )

    session_id, _, _ = broadcast_session()

    def ended_broadcast():
        key = db.session.scalar(
            sa.select(StreamKey).where(StreamKey.session_id == session_id)
        )
        when = utcnow() - timedelta(minutes=10)
        broadcast = LiveBroadcast(
            session_id=session_id,
            key_id=key.id,
            state=LiveState.ENDED,
            runs=1,
            started_dt=when - timedelta(minutes=5),
            changed_dt=when,
            ended_dt=when,
            end_reason=BroadcastEnd.FAILED,
            error="the ladder's own failure",
        )
        db.session.add(broadcast)
        db.session.flush()
        return broadcast.id

    broadcast_id = committed(ended_broadcast)
    with app.app_context():
        folder = recordings_dir(broadcast_id)
    folder.mkdir(parents=True)
    recorded = [
        *("ffmpeg", "-loglevel", "error", "-f", "lavfi", "-i"),
        *("testsrc2=size=320x180:rate=25", "-t", "2"),
        *("-c:v", "libx264", "-preset", "ultrafast"),
        *("-f", "mpegts", str(folder / "r1-1.ts")),
    ]
    subprocess.run(recorded, check=True)
    uploads = Path(app.config["MEDIA_DIR"]) / "uploads"
    before = set(uploads.glob("*")) if uploads.is_dir() else set()
    real = replay._provided["media"]

    def place(recording, lecture, uploader, now):
        assert recording.path.is_file()  # really joined
        raise RuntimeError("placement failed")

    replay.provide(
        replay.ReplayMedia(join=real.join, place=place, discard=real.discard)
    )
    try:
        for _ in range(ladder.REPLAY_ATTEMPTS + 2):
            with app.app_context():
                restart_stale_ladders.call_local()
    finally:
        replay.provide(real)
    left = set(uploads.glob("*")) if uploads.is_dir() else set()
    assert left == before
    assert (folder / "r1-1.ts").is_file()
    row = broadcast_row(app, broadcast_id)
    assert row["replay_lecture_id"] is None
    assert row["error"].startswith("the ladder's own failure\n")
    assert ladder.replay_attempts(row["error"]) == ladder.REPLAY_ATTEMPTS
    assert "RuntimeError: placement failed" in row["error"]
    with app.app_context():
        assert broadcast_id not in _replays_left(utcnow())
        db.session.remove()
