"""Queue tasks of a long recording transcoded in chunks (``media_pipeline.chunks``).

The job's own task (``tasks.transcode_job``) probes the recording and, when it
is longer than ``MEDIA_CHUNK_THRESHOLD_SECONDS``, writes the chunk rows and
queues one :func:`transcode_chunk` per piece on the media lane, so every media
worker takes some. The worker that finishes the last piece joins them into one
ladder, verifies and publishes it as a whole-file transcode does. A chunk whose
worker died (its heartbeat stopped) is run again alone.

The audio rendition is one piece of its own, encoded whole: AAC encoded chunk by
chunk would start every chunk with the encoder's priming (1024 samples of
silence, a click at each seam), and the whole recording's audio costs a few
seconds a hour. The poster and seek thumbnails are made with it.
"""

import logging
import os
import socket

from flask import current_app

from courses.sessions import replay
from lms.db import begin_write_transaction, db, utcnow
from lms.queue import task
from media_pipeline import operations as ops
from media_pipeline.chunks import EXACT_SEEKING, Chunk, plan_chunks, timestamp_lead
from media_pipeline.heartbeat import beating
from media_pipeline.ladder import LECTURE_POLICY, POLICIES, plan_ladder
from media_pipeline.limits import TimeLimits, plan_time_limit
from media_pipeline.models import TranscodeChunk, TranscodeJob
from media_pipeline.probe import ProbeRejected
from media_pipeline.runner import (
    TranscodeFailed,
    join_pieces,
    make_stills,
    probe,
    publish,
    remux_to_mp4,
    transcode_piece,
)
from media_pipeline.states import JobState
from media_pipeline.storage import Storage

#: Seconds between heartbeat writes of a running chunk.
BEAT_SECONDS = 2.0
#: The pieces' folder inside the job's work folder (removed once published).
PIECES = "chunks"
#: A source that seeks inexactly (a live replay's MPEG-TS), remuxed to MP4 into
#: the pieces' folder: the chunks are cut from it, and it goes with the pieces
#: (never left in the published folder).
REMUXED = "source.mp4"

logger = logging.getLogger(__name__)


def _config():
    return current_app.config


def _time_limits():
    config = _config()
    return TimeLimits(
        floor_seconds=config["MEDIA_TIME_LIMIT_FLOOR_SECONDS"],
        per_source_second=config["MEDIA_TIME_LIMIT_PER_SOURCE_SECOND"],
    )


def plan_for(source, ladder):
    """The chunks of ``source`` under the configured threshold (``()``: whole)."""
    if not source.has_video or not ladder.rungs or source.is_variable_frame_rate:
        return ()  # chunks start on frames found from a constant rate
    config = _config()
    return plan_chunks(
        source.duration,
        segment_seconds=ladder.segment_seconds,
        threshold_seconds=config["MEDIA_CHUNK_THRESHOLD_SECONDS"],
        chunk_seconds=config["MEDIA_CHUNK_SECONDS"],
    )


def piece_dir(work, position, attempt):
    """A chunk's folder for one attempt: an attempt taken back (its ffmpeg may
    still be writing) never shares it with the next."""
    return work / PIECES / f"{position}-a{attempt}"


def chunk_source(upload_path, work):
    """The file the chunks are cut from: the remuxed MP4 when there is one."""
    remuxed = work / PIECES / REMUXED
    return remuxed if remuxed.exists() else upload_path


def start_chunks(job_id, attempt, source, policy, work, upload_path):
    """Queue a claimed job's chunks when its recording is long; False when it is
    to be transcoded whole (the caller goes on).

    A source whose container does not seek exactly is first remuxed to MP4 in
    the work folder; when that fails it is transcoded whole.
    """
    ladder = plan_ladder(source, policy)
    plan = plan_for(source, ladder)
    if not plan:
        return False
    (work / PIECES).mkdir(parents=True, exist_ok=True)
    if source.container not in EXACT_SEEKING:
        try:
            source = remux_to_mp4(
                upload_path,
                work / PIECES / REMUXED,
                time_limit=plan_time_limit(source.duration, _time_limits()),
            )
        except (ProbeRejected, TranscodeFailed) as error:
            logger.warning(
                "job %s: remuxing its %s to MP4 failed (%s); transcoded whole",
                job_id,
                source.container,
                error,
            )
            ops.discard_work(work / PIECES)
            return False
        ladder = plan_ladder(source, policy)
        plan = plan_for(source, ladder)
        if not plan:
            ops.discard_work(work / PIECES)
            return False
    begin_write_transaction()
    rows = ops.create_chunks(job_id, plan, policy.name, utcnow(), attempt=attempt)
    # The audio and stills first: they read the whole recording. Read before
    # the commit: a read after it would hold SQLite's shared lock while the
    # heartbeat thread writes.
    ids = [row.id for row in sorted(rows, key=lambda r: not r.is_audio)]
    db.session.commit()
    for chunk_id in ids:
        transcode_chunk(chunk_id)
    return True


def worker_name():
    return f"{socket.gethostname()}:{os.getpid()}"


@task(lane="media")
def transcode_chunk(chunk_id):
    begin_write_transaction()
    chunk = ops.claim_chunk(chunk_id, utcnow(), worker_name())
    db.session.commit()
    if chunk is None:
        return
    job = chunk.job
    job_id, attempt = job.id, chunk.attempts
    store = Storage(_config()["MEDIA_DIR"])
    work = store.work_dir(job.lecture_id, job.id, job.attempts)
    link = store.published(job.lecture_id)
    source_path = chunk_source(store.upload_path(job.upload.token), work)
    policy = POLICIES.get(chunk.policy, LECTURE_POLICY)
    piece = None
    if not chunk.is_audio:
        piece = Chunk(
            chunk.position, chunk.start_seconds, chunk.end_seconds, chunk.first_segment
        )
    out_dir = piece_dir(work, chunk.position, attempt)
    db.session.commit()  # end the read: nothing is held while ffmpeg runs

    def beat():
        return ops.beat_chunk(chunk_id, attempt, job_id, utcnow())

    time_limits = _time_limits()
    try:
        # The beat runs beside the whole step: a seek deep into the recording
        # and the stills report no progress of their own.
        with beating(beat, BEAT_SECONDS) as stopped:

            def on_progress(_fraction):
                if stopped.is_set():  # cancelled, superseded, taken back
                    raise TranscodeFailed("the job was cancelled", code="cancelled")

            source = probe(source_path, time_limit=time_limits.floor_seconds)
            ladder = plan_ladder(source, policy)
            transcode_piece(
                source_path,
                source,
                ladder,
                out_dir,
                chunk=piece,
                lead=timestamp_lead(ladder),
                on_progress=on_progress,
                time_limits=time_limits,
            )
            if piece is None:
                make_stills(source_path, source, work, time_limits=time_limits)
    except (ProbeRejected, TranscodeFailed) as error:
        _fail(chunk_id, attempt, job_id, work, link, error)
        return
    begin_write_transaction()
    last_one = ops.finish_chunk(chunk_id, attempt, job_id, utcnow())
    db.session.commit()
    if last_one:
        _join(job_id, work, source, ladder, time_limits)


def _fail(chunk_id, attempt, job_id, work, link, error):
    code = getattr(error, "code", "ffmpeg_failed")
    begin_write_transaction()
    ops.fail_chunk(chunk_id, attempt, job_id, utcnow(), str(error), code)
    job = db.session.get(TranscodeJob, job_id)
    db.session.refresh(job)
    stopped = job.state != JobState.RUNNING
    db.session.commit()
    if stopped:
        _discard_unless_shown(work, link)  # the previous media stays published


def _join(job_id, work, source, ladder, time_limits):
    """The last piece's worker: join, verify and publish (``tasks.transcode_job``'s
    ending).

    Publishing comes before the commit that records it: a joiner killed in
    between leaves the job running with its work folder already shown. The
    joiner run again (``ops.requeue_stale_chunks``) then does not rebuild that
    folder under the learners, and never removes it: it records the end.
    """
    rows = db.session.scalars(
        db.select(TranscodeChunk)
        .filter_by(job_id=job_id, is_audio=False)
        .order_by(TranscodeChunk.position)
    ).all()
    audio = db.session.scalar(
        db.select(TranscodeChunk).filter_by(job_id=job_id, is_audio=True)
    )
    lecture_id = db.session.get(TranscodeJob, job_id).lecture_id
    pieces = work / PIECES
    folders = [piece_dir(work, r.position, r.attempts) for r in rows]
    audio_folder = piece_dir(work, audio.position, audio.attempts)
    db.session.commit()
    store = Storage(_config()["MEDIA_DIR"])
    link = store.published(lecture_id)
    if not shown(link, work):
        try:
            join_pieces(
                work, folders, audio_folder, ladder, source, time_limits=time_limits
            )
        except Exception as error:
            # Whatever went wrong, the job ends: none stays running, nothing shown.
            logger.exception("job %s: joining its chunks failed", job_id)
            if not isinstance(error, TranscodeFailed):
                error = TranscodeFailed(
                    f"joining the chunks failed: {error!r}", code="join_failed"
                )
            db.session.rollback()
            _discard_unless_shown(work, link)
            begin_write_transaction()
            ops.fail_running_job(job_id, utcnow(), error)
            db.session.commit()
            return
    begin_write_transaction()
    job = db.session.get(TranscodeJob, job_id)
    db.session.refresh(job)
    if not ops.is_latest_job(job):
        _discard_unless_shown(work, link)  # a newer upload won; none of this is shown
        db.session.rollback()
        return
    if ops.finish_job(job, utcnow(), duration=source.duration):
        publish(work, link)  # the same folder again is a no-op
        replay.announce_replay_ready(job.lecture_id, utcnow())
    db.session.commit()
    ops.discard_work(pieces)  # the ladder holds its own links to the segments


def shown(link, work):
    """Whether the published ``link`` points at ``work``."""
    return link.is_symlink() and link.resolve() == work.resolve()


def _discard_unless_shown(work, link):
    if shown(link, work):
        logger.error("work folder %s is published; kept", work)
        return
    ops.discard_work(work)
