"""Giving the media disk back: uploads abandoned half-way, and the work folders
of failed and cancelled jobs. Operations flush; the periodic task commits."""

import re
import shutil
from datetime import UTC, datetime

import sqlalchemy as sa

from lms.db import db
from media_pipeline.limits import is_upload_abandoned
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.states import JobState

WORK_FOLDER = re.compile(r"^job-(\d+)-(\d+)$")
UPLOAD_FILE = re.compile(r"^([A-Za-z0-9_-]{1,64})\.part$")
#: Jobs whose output nobody will ever play.
DEAD_STATES = (JobState.FAILED, JobState.CANCELLED)


def _modified(path):
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return None


def expire_uploads(storage, now, expire_after):
    """Delete unfinished uploads that received nothing for ``expire_after`` (row
    and file), and upload files no row knows of that are as old. Returns how many."""
    expired = 0
    for upload in db.session.scalars(
        sa.select(MediaUpload)
        .where(
            MediaUpload.completed_dt.is_(None),
            MediaUpload.created_dt < now - expire_after,
        )
        .with_for_update()
    ):
        path = storage.upload_path(upload.token)
        last_chunk = _modified(path) or upload.created_dt
        if not is_upload_abandoned(
            max(last_chunk, upload.created_dt), now, expire_after
        ):
            continue
        path.unlink(missing_ok=True)
        db.session.delete(upload)
        expired += 1
    db.session.flush()
    folder = storage.root / "uploads"
    files = {
        match.group(1): path
        for path in (folder.iterdir() if folder.is_dir() else ())
        if (match := UPLOAD_FILE.match(path.name))
    }
    known = set(
        db.session.scalars(
            sa.select(MediaUpload.token).where(MediaUpload.token.in_(list(files)))
        )
    )
    for token, path in files.items():
        modified = _modified(path)
        if token in known or modified is None:
            continue
        if is_upload_abandoned(modified, now, expire_after):
            path.unlink(missing_ok=True)  # a one-request upload that never finished
            expired += 1
    return expired


def clean_work_folders(storage):
    """Remove the work folders of failed and cancelled jobs, and of jobs that no
    longer exist; never the published one. Returns the folders removed."""
    lectures = storage.root / "lectures"
    folders = {}
    for lecture_dir in lectures.iterdir() if lectures.is_dir() else ():
        if not lecture_dir.is_dir() or lecture_dir.is_symlink():
            continue
        for folder in lecture_dir.iterdir():
            match = WORK_FOLDER.match(folder.name)
            if match and folder.is_dir() and not folder.is_symlink():
                folders[folder] = int(match.group(1))
    states = dict(
        db.session.execute(
            sa.select(TranscodeJob.id, TranscodeJob.state).where(
                TranscodeJob.id.in_(set(folders.values()))
            )
        ).all()
    )
    removed = []
    for folder, job_id in sorted(folders.items()):
        current = folder.parent / "current"
        if current.is_symlink() and current.resolve() == folder.resolve():
            continue
        if job_id in states and states[job_id] not in DEAD_STATES:
            continue  # running, waiting, or kept for review
        shutil.rmtree(folder, ignore_errors=True)
        removed.append(folder)
    return removed
