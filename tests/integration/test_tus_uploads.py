"""A standard tus client (tuspy) uploads a recording to the live app over a real
socket, on SQLite and PostgreSQL (issue 12, item 5): the whole way to a
transcoded lecture, a resume after a PATCH cut off half-way, and a chunk whose
checksum does not match (460)."""

import hashlib
import socket
import threading
from datetime import timedelta

import pytest
import sqlalchemy as sa
from tusclient.client import TusClient
from tusclient.exceptions import TusUploadFailed
from tusclient.uploader import Uploader
from werkzeug.serving import make_server

from lms.accounts.operations import issue_api_token
from lms.db import db
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState, MediaStatus
from tests.builders import build_scene
from tests.conftest import make_app, unique
from tests.media.clips import make_clip

CHUNK = 64 * 1024


class Sha256Uploader(Uploader):
    """tuspy sends SHA-1 checksums by default; this server takes SHA-256 only."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", hashlib.sha256)


class LyingUploader(Uploader):
    """Every chunk's Upload-Checksum is the digest of other bytes."""

    CHECKSUM_ALGORITHM_PAIR = ("sha256", lambda chunk: hashlib.sha256(chunk + b"!"))


@pytest.fixture(scope="module")
def clip(tmp_path_factory):
    path = make_clip(
        tmp_path_factory.mktemp("tus") / "talk.mp4", seconds=4, size="426x240"
    )
    assert path.stat().st_size > 2 * CHUNK
    return path


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'tus.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("tus_"))
    app = make_app(
        tmp_path, url, MEDIA_DIR=str(tmp_path / "media"), UPLOAD_CHUNK_BYTES=CHUNK
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.engine.dispose()


@pytest.fixture
def tus_client(served):
    """A tus client signed in as the lecturer of a draft course's lecture."""
    app, port = served
    with app.app_context():
        scene = build_scene()
        course, lecture = scene.course, scene.course.lectures[0]
        course.status = "draft"  # the office's review is tested in tests/web
        lecture.media_status = MediaStatus.NONE
        token = issue_api_token(scene.lecturer, lifetime=timedelta(hours=1)).token
        db.session.commit()
        lecture_id = lecture.id
    url = f"http://127.0.0.1:{port}/api/v1/lectures/{lecture_id}/tus-uploads"
    return TusClient(url, headers={"Authorization": f"Bearer {token}"}), lecture_id


def cut_off_patch(port, url, headers, offset, body):
    """A PATCH whose connection ends half-way through its body; returns the status
    the server answered once it noticed."""
    path = url.split(f":{port}", 1)[1]
    lines = [
        f"PATCH {path} HTTP/1.1",
        f"Host: 127.0.0.1:{port}",
        "Tus-Resumable: 1.0.0",
        "Content-Type: application/offset+octet-stream",
        f"Upload-Offset: {offset}",
        f"Content-Length: {len(body)}",
        *(f"{name}: {value}" for name, value in headers.items()),
        "Connection: close",
    ]
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        sock.sendall(body[: len(body) // 2])
        sock.shutdown(socket.SHUT_WR)  # the link drops
        answer = b""
        while chunk := sock.recv(4096):
            answer += chunk
    return int(answer.split(b" ", 2)[1])


def test_tuspy_uploads_a_recording_that_gets_transcoded(served, tus_client, clip):
    app, _ = served
    client, _ = tus_client
    uploader = Sha256Uploader(
        file_path=str(clip),
        client=client,
        chunk_size=CHUNK,
        metadata={"filename": "高血压 第1讲.mp4"},
        upload_checksum=True,
    )
    uploader.upload()
    token = uploader.url.rsplit("/", 1)[1]
    with app.app_context():
        upload = ops.get_upload(token)
        assert upload.received == upload.size == clip.stat().st_size
        assert upload.sha256 == hashlib.sha256(clip.read_bytes()).hexdigest()
        assert upload.filename == "高血压 第1讲.mp4"
        job = db.session.scalar(sa.select(TranscodeJob).filter_by(upload_id=upload.id))
        assert job.state == JobState.SUCCEEDED, job.error
        assert job.lecture.media_status == MediaStatus.READY


def test_a_patch_cut_off_half_way_resumes_from_the_last_whole_one(
    served, tus_client, clip
):
    app, port = served
    client, _ = tus_client
    data = clip.read_bytes()
    first = Sha256Uploader(
        file_path=str(clip), client=client, chunk_size=CHUNK, upload_checksum=True
    )
    first.upload(stop_at=CHUNK)
    assert first.offset == CHUNK

    status = cut_off_patch(
        port, first.url, client.headers, CHUNK, data[CHUNK : 2 * CHUNK]
    )
    assert status == 400  # the server saw the body end early; nothing recorded

    resumed = Sha256Uploader(
        file_path=str(clip),
        url=first.url,
        client=client,
        chunk_size=CHUNK,
        upload_checksum=True,
    )
    assert resumed.offset == CHUNK  # asked with HEAD
    resumed.upload()
    with app.app_context():
        upload = ops.get_upload(first.url.rsplit("/", 1)[1])
        assert upload.completed_dt is not None
        assert upload.sha256 == hashlib.sha256(data).hexdigest()


def test_a_chunk_that_does_not_match_its_checksum_is_refused_with_460(
    served, tus_client, clip
):
    app, _ = served
    client, _ = tus_client
    honest = Sha256Uploader(
        file_path=str(clip), client=client, chunk_size=CHUNK, upload_checksum=True
    )
    honest.upload(stop_at=CHUNK)
    liar = LyingUploader(
        file_path=str(clip),
        url=honest.url,
        client=client,
        chunk_size=CHUNK,
        upload_checksum=True,
    )
    with pytest.raises(TusUploadFailed) as refused:
        liar.upload_chunk()
    assert refused.value.status_code == 460
    assert (
        Sha256Uploader(
            file_path=str(clip), url=honest.url, client=client, chunk_size=CHUNK
        ).offset
        == CHUNK
    )
    with app.app_context():
        assert ops.get_upload(honest.url.rsplit("/", 1)[1]).received == CHUNK
