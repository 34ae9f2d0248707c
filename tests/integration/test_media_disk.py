"""The media disk: a full disk fails a transcode with a clear error and keeps
the previous media (a real 4 MiB tmpfs as the media folder), and the periodic
sweep gives back what interrupted uploads and dead jobs left behind."""

import io
import os
import subprocess
import time
from datetime import timedelta

import pytest

from lms.db import db, utcnow
from media_pipeline import operations as ops
from media_pipeline.models import MediaUpload, TranscodeJob
from media_pipeline.states import JobState, MediaStatus
from media_pipeline.storage import Storage
from media_pipeline.tasks import enqueue, sweep_media_disk
from tests.media.clips import make_clip

#: Room left on the disk for the second transcode: its ladder needs far more.
LEFT_FREE = 48 * 1024


@pytest.fixture
def small_disk(app, tmp_path):
    """A 4 MiB tmpfs mounted as the media folder (the tests run as root)."""
    mount = tmp_path / "media"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4M", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.fail(f"cannot mount a tmpfs here: {result.stderr.strip()}")
    app.config["MEDIA_DIR"] = str(mount)
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=True)


def upload(lecture, user, data, media):
    started = ops.start_upload(
        lecture, user, filename="talk.mp4", size=len(data), max_bytes=len(data)
    )
    job = ops.receive_chunk(
        started, 0, io.BytesIO(data), Storage(media), utcnow(), chunk_limit=len(data)
    )
    db.session.commit()
    return job


def fill(disk, leave):
    """Write a ballast file that leaves ``leave`` bytes free on ``disk``."""
    stats = os.statvfs(disk)
    free = stats.f_bavail * stats.f_frsize
    (disk / "ballast").write_bytes(b"\0" * max(0, free - leave))


def test_a_full_disk_fails_the_job_clearly_and_keeps_the_previous_media(
    small_disk, create_course, client, api_token, tmp_path
):
    course = create_course(status="draft", durations=(60.0,))
    lecture, lecturer = course.lectures[0], course.owner
    first = make_clip(tmp_path / "first.mp4", seconds=2, size="320x180").read_bytes()
    second = make_clip(tmp_path / "second.mp4", seconds=8, size="640x360").read_bytes()
    job = upload(lecture, lecturer, first, small_disk)
    enqueue(job)
    db.session.refresh(job)
    assert job.state == JobState.SUCCEEDED
    published = Storage(small_disk).published(lecture.id)
    version = published.resolve()
    playlists = sorted(p.name for p in version.rglob("*.m3u8"))

    job = upload(lecture, lecturer, second, small_disk)
    fill(small_disk, LEFT_FREE)
    enqueue(job)
    db.session.refresh(job)
    assert job.state == JobState.FAILED and job.error_code == "disk_full"
    assert "No space left on device" in job.error
    # The previous media still plays, whole; the failed attempt gave its room back.
    db.session.refresh(lecture)
    assert lecture.media_status == MediaStatus.READY
    assert published.resolve() == version
    assert sorted(p.name for p in version.rglob("*.m3u8")) == playlists
    leftovers = [
        p.name for p in published.parent.iterdir() if p.name.startswith("job-")
    ]
    assert leftovers == [version.name]
    shown = client.get(
        f"/api/v1/jobs/{job.id}",
        headers=api_token(lecturer) | {"Accept-Language": "en"},
    ).json
    assert shown["state"] == "failed" and shown["error_code"] == "disk_full"
    assert shown["error_message"].startswith("Disk full")


def backdate(path, age):
    then = time.time() - age.total_seconds()
    os.utime(path, (then, then))


def test_the_sweep_expires_abandoned_uploads_and_clears_dead_work_folders(
    app, create_course, tmp_path
):
    media = tmp_path / "media"
    storage = Storage(media)
    course = create_course(status="draft", durations=(60.0, 60.0))
    lecture, lecturer = course.lectures[0], course.owner
    two_days = timedelta(days=2)

    def half_upload(age_of_row, age_of_file):
        started = ops.start_upload(
            lecture, lecturer, filename="x.mp4", size=1000, max_bytes=1000
        )
        ops.receive_chunk(
            started, 0, io.BytesIO(b"a" * 400), storage, utcnow(), chunk_limit=1000
        )
        started.created_dt = utcnow() - age_of_row
        backdate(storage.upload_path(started.token), age_of_file)
        return started.token

    abandoned = half_upload(two_days, two_days)
    resumed_today = half_upload(two_days, timedelta(minutes=5))
    started_today = half_upload(timedelta(hours=1), timedelta(hours=1))
    stray, fresh_stray = (
        media / "uploads" / "stray.part",
        media / "uploads" / "new.part",
    )
    stray.write_bytes(b"b" * 10)  # a one-request upload whose request died
    fresh_stray.write_bytes(b"b" * 10)  # one still arriving
    backdate(stray, two_days)

    states = [JobState.FAILED, JobState.CANCELLED, JobState.RUNNING]
    states += [JobState.SUCCEEDED, JobState.SUCCEEDED]  # kept for review; published
    jobs = [upload(lecture, lecturer, b"c" * 10, media) for _ in states]
    folders = []
    for job, state in zip(jobs, states, strict=True):
        job.state = state  # set last: each new upload cancels the unfinished ones
        folder = storage.work_dir(lecture.id, job.id, 1)
        folder.mkdir(parents=True)
        (folder / "seg_00000.m4s").write_bytes(b"d" * 100)
        folders.append(folder)
    failed, cancelled, running, kept, published = folders
    storage.published(lecture.id).symlink_to(published, target_is_directory=True)
    orphan = storage.work_dir(lecture.id, 999_999, 1)
    orphan.mkdir()
    db.session.commit()

    sweep_media_disk()

    tokens = {
        u.token for u in db.session.query(MediaUpload).filter_by(lecture_id=lecture.id)
    }
    assert abandoned not in tokens and not storage.upload_path(abandoned).exists()
    assert {resumed_today, started_today} <= tokens
    assert storage.upload_path(resumed_today).exists()
    assert not stray.exists() and fresh_stray.exists()
    assert not failed.exists() and not cancelled.exists() and not orphan.exists()
    assert running.exists() and kept.exists() and published.exists()
    assert (storage.published(lecture.id) / "seg_00000.m4s").exists()
    assert db.session.query(TranscodeJob).filter_by(lecture_id=lecture.id).count() == 5
