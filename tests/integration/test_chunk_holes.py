"""Holes found in the chunked transcode of long recordings (issue 16, item 5):
an MPEG-TS replay whose chunks overlapped and left the job running forever, a
join failing with an unexpected error, long steps with no heartbeat, and a
worker taken back during its analysis. Real ffmpeg on tiny clips, a real
queue run inline, SQLite."""

import subprocess
import time
from datetime import timedelta

import pytest
import sqlalchemy as sa

from lms.db import db, utcnow
from media_pipeline import chunk_tasks, tasks
from media_pipeline.models import TranscodeChunk, TranscodeJob
from media_pipeline.playlists import parse_media_playlist
from media_pipeline.states import JobState
from media_pipeline.storage import Storage
from tests.conftest import make_app
from tests.integration.test_chunked_worker import upload_recording


@pytest.fixture
def inline(tmp_path):
    """An app whose queue runs tasks at once; chunks of 6 s over 10 s."""
    media = tmp_path / "media"
    app = make_app(
        tmp_path,
        f"sqlite:///{tmp_path / 'lms.sqlite3'}",
        QUEUE_IMMEDIATE=True,
        MEDIA_DIR=str(media),
        MEDIA_CHUNK_THRESHOLD_SECONDS=10,
        MEDIA_CHUNK_SECONDS=6,
    )
    yield app, media
    with app.app_context():
        db.engine.dispose()


def clip(path, seconds=20, container="mp4"):
    mp4 = path.with_suffix(".src.mp4")
    subprocess.run(
        [
            "ffmpeg", "-v", "error", "-y",
            "-f", "lavfi", "-i", f"testsrc2=size=160x120:rate=30:duration={seconds}",
            "-f", "lavfi", "-i", f"sine=frequency=300:duration={seconds}",
            "-c:v", "libx264", "-c:a", "aac", "-pix_fmt", "yuv420p", str(mp4),
        ],
        check=True,
    )  # fmt: skip
    if container == "mp4":
        return mp4
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-i", str(mp4), "-c", "copy",
         "-f", "mpegts", str(path)],
        check=True,
    )  # fmt: skip
    return path


def run_job(app, media, recording):
    job_id, lecture_id = upload_recording(app, media, recording)
    with app.app_context():
        tasks.transcode_job(job_id)
    with app.app_context():
        job = db.session.get(TranscodeJob, job_id)
        rows = db.session.scalars(
            sa.select(TranscodeChunk)
            .filter_by(job_id=job_id)
            .order_by(TranscodeChunk.position)
        ).all()
        db.session.expunge_all()
    return job, rows, lecture_id


def test_an_mpegts_replay_is_remuxed_then_chunked_and_published(inline, tmp_path):
    app, media = inline
    job, rows, lecture_id = run_job(
        app, media, clip(tmp_path / "replay.ts", container="mpegts")
    )
    assert (job.state, job.error) == (JobState.SUCCEEDED, "")
    assert len(rows) == 4  # still chunked: three of video and the audio
    assert all(r.state == JobState.SUCCEEDED for r in rows)
    published = Storage(media).published(lecture_id)
    segments = parse_media_playlist((published / "120p" / "index.m3u8").read_text())
    assert [uri for _, uri in segments] == [f"seg_{n:05d}.m4s" for n in range(4)]
    assert sum(d for d, _ in segments) == pytest.approx(20, abs=0.1)
    assert not (published / "chunks").exists()


def test_any_error_in_the_join_fails_the_job(inline, tmp_path, monkeypatch):
    app, media = inline

    def broken_join(*args, **kwargs):
        raise PermissionError(13, "Permission denied", "seg_00002.m4s")

    monkeypatch.setattr(chunk_tasks, "join_pieces", broken_join)
    job, _rows, _ = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert job.state == JobState.FAILED
    assert job.error_code == "join_failed"
    assert "Permission denied" in job.error


def wait_for_a_beat(app, read_beat, since, seconds=20):
    """Until the heartbeat ``read_beat()`` gives is newer than ``since``."""
    deadline = time.monotonic() + seconds
    with app.app_context():
        while time.monotonic() < deadline:
            beat = read_beat()
            db.session.rollback()
            if beat is not None and beat > since:
                return beat
            time.sleep(0.05)
    raise AssertionError("no heartbeat while the step ran")


def test_the_audio_piece_beats_while_its_stills_are_made(inline, tmp_path, monkeypatch):
    """The stills decode the whole recording (minutes for an hour of 1080p)
    and report nothing: the chunk and its job must keep beating meanwhile."""
    app, media = inline
    monkeypatch.setattr(chunk_tasks, "BEAT_SECONDS", 0.2)
    real = chunk_tasks.make_stills
    beats = []

    def long_stills(source_path, source, out_dir, **kwargs):
        real(source_path, source, out_dir, **kwargs)
        since = utcnow()
        audio = db.session.scalar(sa.select(TranscodeChunk.id).filter_by(is_audio=True))
        db.session.commit()
        beats.append(
            wait_for_a_beat(
                app,
                lambda: db.session.get(TranscodeChunk, audio).heartbeat_dt,
                since,
            )
        )

    monkeypatch.setattr(chunk_tasks, "make_stills", long_stills)
    job, rows, _ = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert job.state == JobState.SUCCEEDED
    assert len(beats) == 1 and rows[-1].is_audio and rows[-1].attempts == 1


def test_the_job_beats_while_its_content_is_analysed(inline, tmp_path, monkeypatch):
    app, media = inline
    monkeypatch.setattr(tasks, "BEAT_SECONDS", 0.2)
    real = tasks.choose_policy
    beats = []

    def long_analysis(*args, **kwargs):
        choice = real(*args, **kwargs)
        since = utcnow()
        job_id = db.session.scalar(sa.select(TranscodeJob.id))
        db.session.commit()
        beats.append(
            wait_for_a_beat(
                app, lambda: db.session.get(TranscodeJob, job_id).heartbeat_dt, since
            )
        )
        return choice

    monkeypatch.setattr(tasks, "choose_policy", long_analysis)
    job, _rows, _ = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert job.state == JobState.SUCCEEDED
    assert len(beats) == 1


def test_a_chunk_attempt_writes_a_folder_of_its_own(inline, tmp_path, monkeypatch):
    """A taken-back attempt's ffmpeg may still write: the next attempt of the
    chunk never removes or shares its folder."""
    app, media = inline
    folders = []
    real = chunk_tasks.transcode_piece

    def recording_piece(source_path, source, ladder, out_dir, **kwargs):
        folders.append(out_dir.name)
        return real(source_path, source, ladder, out_dir, **kwargs)

    monkeypatch.setattr(chunk_tasks, "transcode_piece", recording_piece)
    job, _rows, _ = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert job.state == JobState.SUCCEEDED
    assert sorted(folders) == ["0-a1", "1-a1", "2-a1", "3-a1"]


def test_a_stale_sweep_meanwhile_does_not_take_back_a_beating_job(
    inline, tmp_path, monkeypatch
):
    """The sweep runs while the analysis works (stale after 1 s): the job is
    not taken back and chunked once."""
    app, media = inline
    app.config["JOB_STALE_SECONDS"] = 1
    monkeypatch.setattr(tasks, "BEAT_SECONDS", 0.2)
    real = tasks.choose_policy

    def analysis_then_sweep(*args, **kwargs):
        choice = real(*args, **kwargs)
        since = utcnow()
        job_id = db.session.scalar(sa.select(TranscodeJob.id))
        db.session.commit()
        wait_for_a_beat(
            app,
            lambda: db.session.get(TranscodeJob, job_id).heartbeat_dt,
            since + timedelta(seconds=1),
        )
        tasks.requeue_stale_jobs()
        return choice

    monkeypatch.setattr(tasks, "choose_policy", analysis_then_sweep)
    job, rows, _ = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert (job.state, job.attempts) == (JobState.SUCCEEDED, 1)
    assert len(rows) == 4


def test_a_joiner_killed_after_publishing_is_not_undone_by_the_next(
    inline, tmp_path, monkeypatch
):
    """The joiner publishes, then dies before its commit: the job is still
    running and the sweep runs its last chunk again. That joiner neither
    rebuilds the folder learners see nor removes it when its join would fail:
    it records the end."""
    app, media = inline
    real_publish = chunk_tasks.publish

    def publish_then_die(work, link):
        real_publish(work, link)
        raise RuntimeError("the worker was killed")

    monkeypatch.setattr(chunk_tasks, "publish", publish_then_die)
    job, _rows, lecture_id = run_job(app, media, clip(tmp_path / "long.mp4"))
    assert job.state == JobState.RUNNING
    published = Storage(media).published(lecture_id)
    assert (published / "master.m3u8").exists()

    def broken_join(*args, **kwargs):
        raise RuntimeError("the join would fail now")

    monkeypatch.setattr(chunk_tasks, "publish", real_publish)
    monkeypatch.setattr(chunk_tasks, "join_pieces", broken_join)
    app.config["JOB_STALE_SECONDS"] = 0
    with app.app_context():
        tasks.requeue_stale_jobs()  # the last chunk again, then its join
        job = db.session.get(TranscodeJob, job.id)
        assert (job.state, job.error) == (JobState.SUCCEEDED, "")
    assert (published / "master.m3u8").exists()
    assert (published / "120p" / "index.m3u8").exists()
