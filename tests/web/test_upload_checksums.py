"""Checksums of uploads: a chunk that does not match its ``Upload-Checksum`` is
refused and changes nothing; a whole file whose SHA-256 does not match never
reaches the transcoder (issue 9, item 8)."""

import base64
import hashlib

import pytest
import sqlalchemy as sa

from lms.db import utcnow
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, parse_upload_checksum
from media_pipeline.storage import Storage
from media_pipeline.tasks import transcode_job
from tests.media.clips import make_clip
from tests.web.test_media_api import patch, start


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    return make_clip(
        tmp_path_factory.mktemp("sum-clips") / "talk.mp4", seconds=2, size="320x180"
    ).read_bytes()


@pytest.fixture
def draft_lecture(create_course, api_token):
    course = create_course(status="draft", durations=(60.0,))
    return course.lectures[0], api_token(course.owner)


def checksum(data):
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


def jobs(db, lecture):
    """The lecture's transcode jobs (other tests' committed jobs may share the
    database on PostgreSQL)."""
    return db.session.scalar(
        sa.select(sa.func.count())
        .select_from(TranscodeJob)
        .where(TranscodeJob.lecture_id == lecture.id)
    )


def on_disk(app, token):
    return Storage(app.config["MEDIA_DIR"]).upload_path(token).read_bytes()


@pytest.mark.parametrize(
    "header",
    [
        "sha256",
        "sha256 ",
        "md5 " + base64.b64encode(b"x" * 16).decode(),
        "sha256 not*base64",
        "sha256 " + base64.b64encode(b"short").decode(),
        "sha256 " + "A" * 400,
    ],
    ids=["no-digest", "empty", "md5", "not-base64", "short-digest", "huge"],
)
def test_malformed_upload_checksums_are_refused(header):
    with pytest.raises(ValueError):
        parse_upload_checksum(header)


def test_a_corrupted_chunk_is_refused_and_nothing_changes(
    client, draft_lecture, clip, app, db
):
    lecture, lecturer = draft_lecture
    token = start(client, lecture, lecturer, len(clip))
    half = len(clip) // 2
    first = clip[:half]
    ok = client.patch(
        f"/api/v1/uploads/{token}",
        data=first,
        headers=lecturer | {"Upload-Offset": "0", "Upload-Checksum": checksum(first)},
    )
    assert ok.status_code == 200 and ok.json["offset"] == half
    damaged = bytearray(clip[half:])
    damaged[100] ^= 0xFF  # one bit flipped on the way
    refused = client.patch(
        f"/api/v1/uploads/{token}",
        data=bytes(damaged),
        headers=lecturer
        | {"Upload-Offset": str(half), "Upload-Checksum": checksum(clip[half:])},
    )
    assert refused.status_code == 460
    assert refused.json["error"]["code"] == "checksum_mismatch"
    assert refused.json["error"]["offset"] == half
    assert refused.headers["Upload-Offset"] == str(half)
    assert on_disk(app, token) == first
    assert (
        client.get(f"/api/v1/uploads/{token}", headers=lecturer).json["offset"] == half
    )
    assert jobs(db, lecture) == 0
    bad_header = client.patch(
        f"/api/v1/uploads/{token}",
        data=clip[half:],
        headers=lecturer | {"Upload-Offset": str(half), "Upload-Checksum": "crc32 x"},
    )
    assert bad_header.status_code == 400
    assert on_disk(app, token) == first
    done = client.patch(
        f"/api/v1/uploads/{token}",
        data=clip[half:],
        headers=lecturer
        | {"Upload-Offset": str(half), "Upload-Checksum": checksum(clip[half:])},
    )
    assert done.status_code == 200 and done.json["job"]["state"] == "succeeded"
    upload = ops.get_upload(token)
    assert upload.sha256 == hashlib.sha256(clip).hexdigest()


@pytest.mark.parametrize("declared_at", ["start", "last-chunk"])
def test_a_file_whose_sha256_differs_never_reaches_the_transcoder(
    client, draft_lecture, clip, app, db, declared_at
):
    lecture, lecturer = draft_lecture
    wrong = hashlib.sha256(clip + b"!").hexdigest()
    body = {"size": len(clip), "filename": "talk.mp4"}
    if declared_at == "start":
        body["sha256"] = wrong
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads", headers=lecturer, json=body
    )
    token = response.json["upload"]
    half = len(clip) // 2
    assert patch(client, token, lecturer, 0, clip[:half]).status_code == 200
    extra = {"Upload-File-Sha256": wrong} if declared_at == "last-chunk" else {}
    last = client.patch(
        f"/api/v1/uploads/{token}",
        data=clip[half:],
        headers=lecturer | {"Upload-Offset": str(half)} | extra,
    )
    assert last.status_code == 460, last.json
    assert last.json["error"]["code"] == "checksum_mismatch"
    assert jobs(db, lecture) == 0
    status = client.get(f"/api/v1/uploads/{token}", headers=lecturer).json
    assert status["offset"] == half and status["complete"] is False
    assert on_disk(app, token) == clip[:half]


def test_a_declared_sha256_that_matches_lets_the_upload_finish(
    client, draft_lecture, clip
):
    lecture, lecturer = draft_lecture
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads",
        headers=lecturer,
        json={"size": len(clip), "sha256": hashlib.sha256(clip).hexdigest().upper()},
    )
    assert response.status_code == 201
    done = patch(client, response.json["upload"], lecturer, 0, clip)
    assert done.status_code == 200 and done.json["job"]["state"] == "succeeded"
    bad = client.post(
        f"/api/v1/lectures/{lecture.id}/uploads",
        headers=lecturer,
        json={"size": len(clip), "sha256": "abc"},
    )
    assert bad.status_code == 422 and bad.json["error"]["code"] == "invalid_checksum"


def test_a_whole_recording_with_a_wrong_checksum_is_refused(
    client, draft_lecture, clip, app, db
):
    lecture, lecturer = draft_lecture
    response = client.put(
        f"/api/v1/lectures/{lecture.id}/media",
        data=clip,
        headers=lecturer | {"Upload-Checksum": checksum(clip + b"x")},
    )
    assert response.status_code == 460
    assert response.json["error"]["code"] == "checksum_mismatch"
    assert jobs(db, lecture) == 0
    uploads = Storage(app.config["MEDIA_DIR"]).root / "uploads"
    assert not any(uploads.glob("*.part"))
    good = client.put(
        f"/api/v1/lectures/{lecture.id}/media",
        data=clip,
        headers=lecturer | {"Upload-Checksum": checksum(clip)},
    )
    assert good.status_code == 202 and good.json["job"]["state"] == "succeeded"


def test_a_file_changed_after_it_was_received_is_not_transcoded(
    create_course, clip, app, db, tmp_path
):
    course = create_course(status="draft", durations=(60.0,))
    lecture = course.lectures[0]
    storage = Storage(app.config["MEDIA_DIR"])
    upload = ops.start_upload(
        lecture, course.owner, filename="a.mp4", size=len(clip), max_bytes=10**9
    )
    (tmp_path / "a.mp4").write_bytes(clip)
    with (tmp_path / "a.mp4").open("rb") as stream:
        job = ops.receive_chunk(upload, 0, stream, storage, utcnow(), chunk_limit=10**9)
    db.session.flush()
    assert upload.sha256 == hashlib.sha256(clip).hexdigest()
    path = storage.upload_path(upload.token)
    with path.open("r+b") as handle:  # a late write lands after completion
        handle.seek(len(clip) // 2)
        handle.write(b"\0" * 4096)
    transcode_job.call_local(job.id)
    db.session.refresh(job)
    assert job.state == JobState.FAILED and job.error_code == "checksum_mismatch"
    assert not storage.work_dir(lecture.id, job.id, job.attempts).exists()
    assert not storage.published(lecture.id).exists()


def test_the_openapi_document_declares_the_checksums_and_the_review(client):
    paths = client.get("/api/v1/openapi.json").json["paths"]
    patch_chunk = paths["/api/v1/uploads/{token}"]["patch"]
    headers = {p["name"] for p in patch_chunk["parameters"] if p["in"] == "header"}
    assert {"Upload-Offset", "Upload-Checksum", "Upload-File-Sha256"} <= headers
    assert "460" in patch_chunk["responses"] and "409" in patch_chunk["responses"]
    assert "460" in paths["/api/v1/lectures/{lecture_id}/media"]["put"]["responses"]
    for action in ("approve", "reject"):
        assert "post" in paths[f"/api/v1/jobs/{{job_id}}/{action}"]
    assert "get" in paths["/api/v1/media-reviews"]
