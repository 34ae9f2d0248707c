"""Queue tasks of the live lane: a broadcast's ladder, run for as long as it is
pushed, and what happens when it ends (DESIGN §2.8).

One task per broadcast. For each push (run N) one ffmpeg pulls the stream
from nginx into ``LIVE_DIR/b<id>/r<N>/`` and copies it into
``LIVE_DIR/b<id>/recordings/``; when the push stops the task waits for the
encoder to come back (the next run) or ends the broadcast once the reconnect
window passed, then hands the recordings to the replay.
"""

import json
import shutil
import threading
import time
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa
from flask import current_app
from huey import crontab
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from courses.sessions import live
from courses.sessions import queries as session_queries
from courses.sessions.live_rules import push_deadline, run_folder, stream_name
from courses.sessions.models import LiveBroadcast
from courses.sessions.states import BroadcastEnd, LiveState
from lms.db import begin_write_transaction, db, utcnow
from lms.queue import periodic_task, task
from media_pipeline import live as ladder
from media_pipeline import runner

UNDER_WAY = (LiveState.LIVE, LiveState.RECONNECTING)
#: Seconds between two looks at the broadcast while waiting.
POLL_SECONDS = 0.5
#: How long a pull that ended waits for nginx's on_publish_done before it takes
#: the push for still going (and pulls it again).
SETTLE_SECONDS = 5.0
#: Pulls of one run that may fail in a row before the broadcast fails.
MAX_FAILED_PULLS = 3


class BroadcastOver(Exception):
    """The run being pulled is over: the broadcast ended (or is gone), or the
    encoder came back as a newer run while its ladder ran."""

    #: ffmpeg is stopped by SIGINT (the runner), so the run's recording is
    #: written out (killed, its last hundreds of kilobytes were lost).
    stop_gently = True


def _transient(error):
    """Whether a database error is a passing one (SQLite's "database is
    locked", a PostgreSQL connection dropped), not a fault of the statement."""
    return isinstance(error, (OperationalError, InterfaceError)) or bool(
        getattr(error, "connection_invalidated", False)
    )


def _hiccup(what, broadcast_id, error):
    """Log a passing database error and give the session back (rolled back)."""
    try:
        db.session.rollback()
    except DBAPIError:
        db.session.remove()
    current_app.logger.warning(
        "live ladder b%s: %s skipped, the database failed: %s",
        broadcast_id,
        what,
        str(error).splitlines()[0][:300],
    )


def _steadily(what, broadcast_id, step):
    """``step()`` tried again through passing database errors for up to three
    beat periods (the time after which the ladder counts as dead anyway and
    the periodic task starts it again); then the error is raised."""
    patience = 3 * current_app.config["LIVE_BEAT_SECONDS"]
    until = time.monotonic() + patience
    while True:
        try:
            return step()
        except DBAPIError as error:
            if not _transient(error) or time.monotonic() >= until:
                raise
            _hiccup(what, broadcast_id, error)
        time.sleep(POLL_SECONDS)


def start_ladder(broadcast_id):
    """Start the live ladder of a new broadcast (after the commit that created it).

    On the live lane of the worker; with ``QUEUE_IMMEDIATE`` (tests, a single
    process) the same task body runs in a daemon thread of this process with an
    app context of its own: a request never waits for a broadcast's length.
    """
    if current_app.config.get("QUEUE_IMMEDIATE"):
        app = current_app._get_current_object()

        def run():
            with app.app_context():
                try:
                    run_broadcast.call_local(broadcast_id)
                except Exception:
                    app.logger.exception("live ladder of broadcast %s", broadcast_id)

        thread = threading.Thread(
            target=run, name=f"live-ladder-b{broadcast_id}", daemon=True
        )
        thread.start()
        return thread
    return run_broadcast(broadcast_id)


def live_dir():
    return Path(current_app.config["LIVE_DIR"])


def recordings_dir(broadcast_id):
    """Where a broadcast's recordings are kept (not under any run: never served)."""
    return live_dir() / f"b{broadcast_id}" / "recordings"


def recordings_of(broadcast_id):
    """The broadcast's recordings in the order they were made (run, then pull)."""

    def order(path):
        run, _, pull = path.stem.removeprefix("r").partition("-")
        return int(run), int(pull or 0)

    folder = recordings_dir(broadcast_id)
    files = [p for p in folder.glob("r*.ts") if p.stat().st_size > 0]
    return sorted(files, key=order)


def _beat(broadcast_id, run=None, **values):
    """Write the worker's beat (and ``values``); False when the broadcast is no
    longer under way or (``run`` given) a newer run began."""
    query = (
        sa.update(LiveBroadcast)
        .where(LiveBroadcast.id == broadcast_id)
        .where(LiveBroadcast.state.in_(UNDER_WAY))
        .values(worker_beat_dt=utcnow(), **values)
    )
    if run is not None:
        query = query.where(LiveBroadcast.runs == run)
    db.session.rollback()
    begin_write_transaction()
    beating = db.session.execute(query).rowcount
    db.session.commit()
    return bool(beating)


def _beat_once(broadcast_id, run=None, **values):
    """:func:`_beat`, or None when the database failed this once: the beat is
    skipped and the pull goes on (a reader allows three beat periods)."""
    try:
        return _beat(broadcast_id, run=run, **values)
    except DBAPIError as error:
        if not _transient(error):
            raise
        _hiccup("a beat", broadcast_id, error)
        return None


def _look(broadcast_id):
    """``(state, runs, changed_dt)`` of the broadcast as committed now, or None."""

    def look():
        db.session.rollback()
        row = db.session.execute(
            sa.select(
                LiveBroadcast.state, LiveBroadcast.runs, LiveBroadcast.changed_dt
            ).where(LiveBroadcast.id == broadcast_id)
        ).first()
        db.session.commit()
        return row

    return _steadily("a look", broadcast_id, look)


def _deadline(broadcast_id, now):
    def deadline():
        db.session.rollback()
        broadcast = db.session.get(LiveBroadcast, broadcast_id)
        session = broadcast.session
        days = session_queries.days_of(session)
        db.session.commit()
        return push_deadline(days, now, live.key_hours())

    return _steadily("reading the deadline", broadcast_id, deadline)


def _probe(url):
    finished = runner.run(
        ladder.probe_args(url),
        time_limit=ladder.READ_TIMEOUT_SECONDS + 10,
        keep_stdout=True,
    )
    if finished.returncode != 0 or not finished.stdout:
        raise runner.TranscodeFailed(
            finished.error_tail or "the pushed stream could not be read"
        )
    stream = ladder.parse_stream_probe(json.loads(finished.stdout))
    if not (stream.has_video or stream.has_audio):
        raise runner.TranscodeFailed("the pushed stream has neither video nor audio")
    return stream


def pull_run(broadcast_id, run, pull):
    """Pull run ``run`` of the broadcast into its folder until the push stops,
    its time limit passes or the broadcast ends. Returns the seconds recorded;
    raises ``TranscodeFailed`` when the pull could not start or failed."""
    config = current_app.config
    url = ladder.pull_url(
        config["RTMP_HOST"], config["RTMP_PORT"], stream_name(broadcast_id)
    )
    stream = _probe(url)
    # The probe may have waited long for the stream (nginx holds a player of
    # an idle stream): the encoder may have come back as a newer run meanwhile,
    # whose folder viewers are sent to. Then this run is over (the caller
    # moves on to the run being pushed now).
    pending = {"has_video": stream.has_video, "has_audio": stream.has_audio}
    beating = _beat_once(broadcast_id, run=run, **pending)
    if beating is False:
        return 0.0
    if beating:
        pending = {}
    out_dir = live_dir() / run_folder(broadcast_id, run)
    for name in ladder.rung_names(stream):
        (out_dir / name).mkdir(parents=True, exist_ok=True)
    recordings_dir(broadcast_id).mkdir(parents=True, exist_ok=True)
    recording = recordings_dir(broadcast_id) / f"r{run}-{pull}.ts"
    args = ladder.ladder_args(url, out_dir, recording, stream)
    beat_seconds = config["LIVE_BEAT_SECONDS"]
    state = {"beat": utcnow(), "seconds": 0.0, "pending": pending}

    def on_line(line):
        item = ladder.parse_progress(line)
        if item and item[0] == "out_time_us":
            seconds = ladder.out_time_seconds(item[1])
            if seconds is not None:
                state["seconds"] = seconds
        now = utcnow()
        if ladder.beat_due(state["beat"], now, beat_seconds):
            state["beat"] = now
            beating = _beat_once(broadcast_id, run=run, **state["pending"])
            if beating is False:
                raise BroadcastOver()  # stops ffmpeg at once
            if beating:
                state["pending"] = {}

    now = utcnow()
    limit = ladder.ladder_seconds(_deadline(broadcast_id, now), now)
    try:
        finished = runner.run(args, time_limit=limit, on_line=on_line)
    except BroadcastOver:
        return state["seconds"]
    if not state["seconds"] and not finished.timed_out:
        # Nothing came through: a failure (counted while the push stays live).
        raise runner.TranscodeFailed(
            finished.error_tail or f"ffmpeg exited with {finished.returncode}"
        )
    current_app.logger.info(
        "live ladder b%s r%s pull %s ended (%s) after %.1f s",
        broadcast_id,
        run,
        pull,
        "time limit" if finished.timed_out else f"exit {finished.returncode}",
        state["seconds"],
    )
    return state["seconds"]


def _add_recorded(broadcast_id, seconds):
    def add():
        db.session.rollback()
        begin_write_transaction()
        db.session.execute(
            sa.update(LiveBroadcast)
            .where(LiveBroadcast.id == broadcast_id)
            .values(recorded_seconds=LiveBroadcast.recorded_seconds + seconds)
        )
        db.session.commit()

    _steadily("adding the recorded seconds", broadcast_id, add)


def _end(broadcast_id, reason, error=""):
    def end():
        db.session.rollback()
        begin_write_transaction()
        broadcast = live.end_broadcast(broadcast_id, reason, utcnow())
        if broadcast is not None and error:
            broadcast.error = error[-2000:]
        db.session.commit()

    _steadily("ending the broadcast", broadcast_id, end)


def _wait(broadcast_id, run):
    """After run ``run``'s pull ended: the next run, or None once the broadcast
    ended (this worker ends it when the reconnect window passes). Returns
    ``run`` itself when the push still seems live (pull it again)."""
    window = live.reconnect_window()
    settle_until = time.monotonic() + SETTLE_SECONDS
    last_beat = utcnow()
    while True:
        row = _look(broadcast_id)
        if row is None or row.state == LiveState.ENDED:
            return None
        if row.runs > run:
            return row.runs
        now = utcnow()
        if row.state == LiveState.LIVE and time.monotonic() >= settle_until:
            return run
        if row.state == LiveState.RECONNECTING and row.changed_dt + window <= now:
            try:
                begin_write_transaction()
                live.end_if_idle(broadcast_id, now, window)
                db.session.commit()
            except DBAPIError as error:
                if not _transient(error):
                    raise
                _hiccup("ending an idle broadcast", broadcast_id, error)
                time.sleep(POLL_SECONDS)
            continue  # ended, or a reconnect won: look again
        if ladder.beat_due(last_beat, now, current_app.config["LIVE_BEAT_SECONDS"]):
            last_beat = now
            _beat_once(broadcast_id)
        time.sleep(POLL_SECONDS)


def _make_replay(broadcast_id):
    """Hand the recordings to the replay once (the broadcast has ended), then
    give the broadcast's folder back (the replay joined the recordings into
    an upload of its own). The join runs outside every transaction (on
    SQLite a write transaction held for it would stop every writer for
    seconds per broadcast hour). A replay that failed keeps the folder for
    the periodic task to try again (up to ``REPLAY_ATTEMPTS`` tries, counted
    in the broadcast's ``error``), and never the joined copy."""
    try:
        return _place_replay(broadcast_id)
    except Exception as error:
        _replay_failed(broadcast_id, error)
        raise


def _place_replay(broadcast_id):
    from courses.sessions import replay
    from media_pipeline.models import TranscodeJob

    recordings = recordings_of(broadcast_id)
    db.session.rollback()
    needed = replay.needs_replay(broadcast_id)
    db.session.rollback()  # end the read: nothing is held while ffmpeg joins
    recording = replay.join_recordings(recordings) if needed else None
    if recording is None:
        _discard_folder(broadcast_id)
        return None
    try:
        begin_write_transaction()
        job = replay.place_replay(broadcast_id, recording, utcnow())
        db.session.commit()
    except BaseException:
        db.session.rollback()
        replay.discard_recording(recording)
        raise
    if isinstance(job, TranscodeJob):
        from media_pipeline.tasks import enqueue

        enqueue(job)
    _discard_folder(broadcast_id)
    return job


def _replay_failed(broadcast_id, error):
    """Count a failed try at the replay on the broadcast (and log it; loudly
    when it was the last)."""
    message = f"{type(error).__name__}: {error}"
    attempts = 0
    try:
        db.session.rollback()
        begin_write_transaction()
        broadcast = db.session.get(LiveBroadcast, broadcast_id)
        if broadcast is not None:
            broadcast.error = ladder.replay_failed(broadcast.error, message)
            attempts = ladder.replay_attempts(broadcast.error)
        db.session.commit()
    except DBAPIError:
        db.session.rollback()
        current_app.logger.exception(
            "replay of broadcast %s: its failure could not be recorded", broadcast_id
        )
    if attempts >= ladder.REPLAY_ATTEMPTS:
        current_app.logger.error(
            "replay of broadcast %s given up after %s tries (its recordings are "
            "kept in %s): %s",
            broadcast_id,
            attempts,
            recordings_dir(broadcast_id),
            message,
        )
    else:
        current_app.logger.warning(
            "replay of broadcast %s failed (try %s of %s): %s",
            broadcast_id,
            attempts,
            ladder.REPLAY_ATTEMPTS,
            message,
        )


def _discard_folder(broadcast_id):
    shutil.rmtree(live_dir() / f"b{broadcast_id}", ignore_errors=True)


#: Broadcasts whose ladder runs in this process (a restarted task that finds
#: its broadcast already running here leaves it alone).
_running = set()
_running_lock = threading.Lock()


@task(lane="live")
def run_broadcast(broadcast_id):
    """Run the ladder of every push of the broadcast until it ends, then make
    its replay. Started for a new broadcast, and again for one whose worker
    died (it picks up at the run being pushed now)."""
    with _running_lock:
        if broadcast_id in _running:
            return
        _running.add(broadcast_id)
    try:
        _run_broadcast(broadcast_id)
    finally:
        with _running_lock:
            _running.discard(broadcast_id)


def _run_broadcast(broadcast_id):
    row = _look(broadcast_id)
    if row is None:
        return
    run, pull, failures = row.runs, 0, 0
    while run:
        row = _look(broadcast_id)
        if row is None or row.state == LiveState.ENDED:
            break
        if row.state == LiveState.LIVE and row.runs == run:
            pull = max(
                pull, len(list(recordings_dir(broadcast_id).glob(f"r{run}-*.ts")))
            )
            pull += 1
            try:
                seconds = pull_run(broadcast_id, run, pull)
            except runner.TranscodeFailed as error:
                failures += 1
                current_app.logger.warning(
                    "live ladder b%s r%s pull %s failed: %s",
                    broadcast_id,
                    run,
                    pull,
                    error,
                )
                if failures >= MAX_FAILED_PULLS:
                    _end(broadcast_id, BroadcastEnd.FAILED, str(error))
                    break
                seconds = 0.0
            else:
                failures = 0
            if seconds:
                _add_recorded(broadcast_id, seconds)
        next_run = _wait(broadcast_id, run)
        if next_run is None:
            break
        if next_run != run:
            run, pull, failures = next_run, 0, 0
    _make_replay(broadcast_id)


@periodic_task(crontab(minute="*"))
def restart_stale_ladders():
    """Start the ladder again of a broadcast under way whose worker stopped
    beating (killed with its worker process)."""
    now = utcnow()
    beat_seconds = current_app.config["LIVE_BEAT_SECONDS"]
    begin_write_transaction()
    stale = [
        broadcast.id
        for broadcast in db.session.scalars(
            sa.select(LiveBroadcast).where(LiveBroadcast.state.in_(UNDER_WAY))
        )
        if ladder.beat_is_stale(
            broadcast.worker_beat_dt, broadcast.changed_dt, now, beat_seconds
        )
    ]
    if stale:
        # Claimed by a fresh beat, so the next minute does not start it again.
        db.session.execute(
            sa.update(LiveBroadcast)
            .where(LiveBroadcast.id.in_(stale))
            .values(worker_beat_dt=now)
        )
    db.session.commit()
    for broadcast_id in stale:
        current_app.logger.warning(
            "live ladder of broadcast %s restarted", broadcast_id
        )
        start_ladder(broadcast_id)
    for broadcast_id in _replays_left(now):
        make_replay_again(broadcast_id)


@task(lane="live")
def make_replay_again(broadcast_id):
    """A replay left undone, on the live lane (joining hours of recordings
    must not hold up the fast lane)."""
    with _running_lock:
        if broadcast_id in _running:
            return  # its ladder is still finishing here
    _make_replay(broadcast_id)


#: How long after a broadcast's end its replay counts as left undone.
REPLAY_GRACE = timedelta(minutes=5)


def _replays_left(now):
    """Broadcasts that ended a while ago with recordings but no replay (the
    replay failed, or the worker died before making it)."""
    ended = db.session.execute(
        sa.select(LiveBroadcast.id, LiveBroadcast.error)
        .where(LiveBroadcast.state == LiveState.ENDED)
        .where(LiveBroadcast.replay_lecture_id.is_(None))
        .where(LiveBroadcast.ended_dt <= now - REPLAY_GRACE)
    ).all()
    db.session.commit()
    return [
        b.id
        for b in ended
        if ladder.replay_attempts(b.error) < ladder.REPLAY_ATTEMPTS
        and recordings_dir(b.id).is_dir()
    ]
