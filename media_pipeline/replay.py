"""The media part of a broadcast's replay (``courses.sessions.replay``): the
runs' recordings joined into one completed upload, as if a lecturer had sent
it by tus, and its transcode job."""

import secrets
from dataclasses import dataclass
from pathlib import Path

from flask import current_app

from courses.sessions import replay
from lms.db import db
from media_pipeline.models import MediaUpload
from media_pipeline.operations import create_job
from media_pipeline.runner import join_recordings
from media_pipeline.storage import Storage


@dataclass(frozen=True)
class JoinedRecording:
    token: str
    path: Path
    size: int
    sha256: str


def join(paths):
    """The parts joined into a new upload file (no database access)."""
    token = secrets.token_urlsafe(32)
    store = Storage(current_app.config["MEDIA_DIR"])
    path = join_recordings(paths, store.upload_path(token))
    return JoinedRecording(
        token=token,
        path=path,
        size=path.stat().st_size,
        sha256=store.path_sha256(path),
    )


def place(recording, lecture, uploader, now):
    """A completed upload of ``lecture`` holding the joined file, and its job."""
    upload = MediaUpload(
        token=recording.token,
        lecture_id=lecture.id,
        user_id=uploader.id,
        filename=f"lecture-{lecture.id}-replay.ts",
        size=recording.size,
        received=recording.size,
        expected_sha256=recording.sha256,
        sha256=recording.sha256,
        created_dt=now,
        completed_dt=now,
    )
    db.session.add(upload)
    db.session.flush()
    return create_job(upload, now)


def discard(recording):
    recording.path.unlink(missing_ok=True)


def connect():
    """Give courses' replays their media part (the app factory calls this)."""
    replay.provide(replay.ReplayMedia(join=join, place=place, discard=discard))
