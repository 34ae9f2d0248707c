"""A slow chunk and its retry at the same offset, over real sockets against a
threaded server, on SQLite and PostgreSQL (issue 9, item 8).

Before the fix the retry waited for the slow chunk's file lock, then cut the
file back to its offset and wrote its own (shorter) bytes: the record said one
length, the file held another, and the next chunk padded the gap with zeros.
"""

import fcntl
import hashlib
import http.client
import json
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from werkzeug.serving import make_server

from lms.accounts.operations import issue_api_token
from lms.db import db
from media_pipeline import operations as ops
from media_pipeline.states import MediaStatus
from media_pipeline.storage import Storage
from tests.builders import build_scene
from tests.conftest import make_app, unique
from tests.media.clips import make_clip

CHUNK = 64 * 1024


@pytest.fixture(params=["sqlite", "postgresql"])
def served(request, tmp_path):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'uploads.sqlite3'}"
    else:
        url = request.getfixturevalue("postgres").create_database(unique("uploads_"))
    app = make_app(
        tmp_path,
        url,
        MEDIA_DIR=str(tmp_path / "media"),
        UPLOAD_CHUNK_BYTES=CHUNK,
    )
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    thread.join(10)
    with app.app_context():
        db.engine.dispose()


def lecturer_of_a_draft(app):
    with app.app_context():
        scene = build_scene()
        course, lecture = scene.course, scene.course.lectures[0]
        course.status = "draft"  # the office's review of new media is not tested here
        lecture.media_status = MediaStatus.NONE
        token = issue_api_token(scene.lecturer, lifetime=timedelta(hours=1)).token
        db.session.commit()
        return lecture.id, {"Authorization": f"Bearer {token}"}


def request(port, method, path, headers, body=None):
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    connection.request(method, path, body=body, headers=headers)
    response = connection.getresponse()
    data = json.loads(response.read() or b"{}")
    connection.close()
    return response.status, data, dict(response.getheaders())


class SlowChunk:
    """A PATCH whose body arrives in two halves; the second waits for ``go``."""

    def __init__(self, port, path, headers, body):
        self.go = threading.Event()
        self.connection = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        self.connection.putrequest("PATCH", path)
        for name, value in (headers | {"Content-Length": str(len(body))}).items():
            self.connection.putheader(name, value)
        self.connection.endheaders()
        self.body = body

    def run(self):
        half = len(self.body) // 2
        self.connection.send(self.body[:half])
        self.go.wait(60)
        self.connection.send(self.body[half:])
        response = self.connection.getresponse()
        return response.status, json.loads(response.read())


def is_locked(path):
    """Whether another open file holds the upload's lock (the slow chunk does)."""
    if not path.exists():
        return False
    with path.open("ab") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        fcntl.flock(handle, fcntl.LOCK_UN)
        return False


def wait_until(condition, seconds=20):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return
        time.sleep(0.01)
    raise AssertionError("the condition did not hold in time")


def test_a_slow_chunk_and_its_retry_leave_the_file_byte_identical(served, tmp_path):
    app, port = served
    source = make_clip(tmp_path / "talk.mp4", seconds=3, size="320x180").read_bytes()
    assert len(source) > 2 * CHUNK
    lecture_id, auth = lecturer_of_a_draft(app)
    json_headers = auth | {"Content-Type": "application/json"}
    status, started, _ = request(
        port,
        "POST",
        f"/api/v1/lectures/{lecture_id}/uploads",
        json_headers,
        json.dumps({"size": len(source), "filename": "talk.mp4"}),
    )
    assert status == 201
    token = started["upload"]
    path = f"/api/v1/uploads/{token}"
    part = Storage(app.config["MEDIA_DIR"]).upload_path(token)
    chunk_headers = auth | {
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
    }

    slow = SlowChunk(port, path, chunk_headers, source[:CHUNK])
    with ThreadPoolExecutor(max_workers=2) as pool:
        slow_result = pool.submit(slow.run)
        try:
            wait_until(lambda: is_locked(part))  # the slow chunk is being written
            # The client gave up on it and retries with a smaller chunk.
            retry = pool.submit(
                request, port, "PATCH", path, chunk_headers, source[: CHUNK // 2]
            )
            status, body, headers = retry.result(timeout=20)
        finally:
            slow.go.set()
        assert status == 409 and body["error"]["code"] == "upload_busy"
        assert headers["Upload-Offset"] == "0"
        assert slow_result.result(timeout=60)[0] == 200

    # The retry comes again late: refused with where to resume, nothing written.
    status, body, headers = request(
        port, "PATCH", path, chunk_headers, source[: CHUNK // 2]
    )
    assert status == 409 and body["error"]["code"] == "offset_mismatch"
    assert body["error"]["offset"] == CHUNK and headers["Upload-Offset"] == str(CHUNK)
    assert part.read_bytes() == source[:CHUNK]

    offset = CHUNK
    while offset < len(source):
        piece = source[offset : offset + CHUNK]
        status, body, _ = request(
            port, "PATCH", path, chunk_headers | {"Upload-Offset": str(offset)}, piece
        )
        assert status == 200, body
        offset = body["offset"]
    assert body["complete"] is True and body["job"]["state"] == "succeeded"
    assert part.read_bytes() == source
    with app.app_context():
        upload = ops.get_upload(token)
        assert upload.received == upload.size == len(source)
        assert upload.sha256 == hashlib.sha256(source).hexdigest()
