"""Resumable uploads in tus 1.0 (issue 12, item 5): the protocol's answers, its
errors and who may use it, through the test client. tests/integration/
test_tus_uploads.py uploads with tuspy over a real socket."""

import base64
import hashlib
from email.utils import parsedate_to_datetime

import pytest

from lms.accounts.roles import Role
from media_pipeline import operations as ops
from media_pipeline.storage import Storage
from media_pipeline.tus import TUS_VERSION

TUS = {"Tus-Resumable": TUS_VERSION}
BODY = bytes(range(256)) * 64  # 16 KiB


def metadata(**values):
    return ",".join(
        f"{key} {base64.b64encode(value.encode()).decode()}"
        for key, value in values.items()
    )


def sha256_header(data):
    return "sha256 " + base64.b64encode(hashlib.sha256(data).digest()).decode()


@pytest.fixture
def draft(create_course, api_token):
    """A draft course's lecture and its lecturer's token headers."""
    course = create_course(status="draft")
    return course.lectures[0], api_token(course.owner) | TUS


def create(client, lecture, headers, size=None, **meta):
    return client.post(
        f"/api/v1/lectures/{lecture.id}/tus-uploads",
        headers=headers
        | {
            "Upload-Length": str(len(BODY) if size is None else size),
            "Upload-Metadata": metadata(**meta),
        },
    )


def patch(client, location, headers, offset, body, **extra):
    return client.patch(
        location,
        data=body,
        headers=headers
        | {
            "Upload-Offset": str(offset),
            "Content-Type": "application/offset+octet-stream",
        }
        | extra,
    )


def test_discovery_names_the_version_extensions_and_largest_upload(app, client):
    for path in ("/api/v1/lectures/1/tus-uploads", "/api/v1/tus-uploads/anything"):
        response = client.options(path)
        assert response.status_code == 204, path
        assert response.headers["Tus-Resumable"] == "1.0.0"
        assert response.headers["Tus-Version"] == "1.0.0"
        assert set(response.headers["Tus-Extension"].split(",")) == {
            "creation",
            "checksum",
            "expiration",
            "termination",
        }
        assert response.headers["Tus-Max-Size"] == str(app.config["MAX_UPLOAD_BYTES"])
        assert response.headers["Tus-Checksum-Algorithm"] == "sha256"
        assert "Content-Type" not in response.headers


def test_creation_head_patch_to_the_end(client, draft, db):
    lecture, headers = draft
    created = create(client, lecture, headers, filename="讲座 ../../x.mp4")
    assert created.status_code == 201, created.json
    location = created.headers["Location"]
    assert location.startswith("/api/v1/tus-uploads/")
    assert created.headers["Tus-Resumable"] == "1.0.0"
    assert created.headers["Upload-Offset"] == "0"
    expires = parsedate_to_datetime(created.headers["Upload-Expires"])
    assert expires.tzinfo is not None

    head = client.head(location, headers=headers)
    assert head.status_code == 200
    assert head.headers["Upload-Offset"] == "0"
    assert head.headers["Upload-Length"] == str(len(BODY))
    assert head.headers["Cache-Control"] == "no-store"
    assert "filename" in head.headers["Upload-Metadata"]

    half = len(BODY) // 2
    first = patch(client, location, headers, 0, BODY[:half])
    assert first.status_code == 204
    assert first.headers["Upload-Offset"] == str(half)
    assert "Content-Type" not in first.headers
    assert client.head(location, headers=headers).headers["Upload-Offset"] == str(half)
    last = patch(client, location, headers, half, BODY[half:])
    assert last.status_code == 204
    assert last.headers["Upload-Offset"] == str(len(BODY))
    assert "Upload-Expires" not in last.headers  # complete: it no longer expires

    status = client.get(location, headers=headers).json
    assert status["complete"] and status["job"]["lecture_id"] == lecture.id
    upload = ops.get_upload(location.rsplit("/", 1)[1])
    assert upload.filename and "/" not in upload.filename
    assert upload.sha256 == hashlib.sha256(BODY).hexdigest()


def test_a_wrong_offset_is_409_with_the_right_one(client, draft):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    patch(client, location, headers, 0, BODY[:100])
    response = patch(client, location, headers, 50, BODY[50:200])
    assert response.status_code == 409
    assert response.headers["Upload-Offset"] == "100"
    assert response.json["error"]["code"] == "offset_mismatch"


def test_a_checksum_mismatch_is_460_and_keeps_nothing(client, draft, app):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    wrong = sha256_header(b"something else")
    response = patch(
        client, location, headers, 0, BODY[:100], **{"Upload-Checksum": wrong}
    )
    assert response.status_code == 460
    assert response.json["error"]["code"] == "checksum_mismatch"
    assert response.headers["Upload-Offset"] == "0"
    token = location.rsplit("/", 1)[1]
    assert Storage(app.config["MEDIA_DIR"]).upload_path(token).stat().st_size == 0
    right = sha256_header(BODY[:100])
    ok = patch(client, location, headers, 0, BODY[:100], **{"Upload-Checksum": right})
    assert ok.status_code == 204 and ok.headers["Upload-Offset"] == "100"


def test_an_unsupported_checksum_algorithm_is_400(client, draft):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    sha1 = "sha1 " + base64.b64encode(hashlib.sha1(BODY).digest()).decode()
    response = patch(client, location, headers, 0, BODY, **{"Upload-Checksum": sha1})
    assert response.status_code == 400


@pytest.mark.parametrize(
    "change, status",
    [
        ({"Tus-Resumable": None}, 412),
        ({"Tus-Resumable": "0.2.2"}, 412),
        ({"Content-Type": "application/octet-stream"}, 415),
        ({"Upload-Offset": "-1"}, 400),
        ({"Upload-Offset": "ten"}, 400),
        ({"Upload-Offset": "9" * 30}, 400),
    ],
    ids=["no-version", "old-version", "wrong-type", "negative", "text", "huge"],
)
def test_a_patch_that_breaks_the_protocol_changes_nothing(
    client, draft, change, status
):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    request_headers = headers | {
        "Upload-Offset": "0",
        "Content-Type": "application/offset+octet-stream",
    }
    for name, value in change.items():
        if value is None:
            request_headers.pop(name)
        else:
            request_headers[name] = value
    response = client.patch(location, data=BODY[:10], headers=request_headers)
    assert response.status_code == status, response.json
    assert response.headers["Tus-Resumable"] == "1.0.0"
    if status == 412:
        assert response.headers["Tus-Version"] == "1.0.0"
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


@pytest.mark.parametrize(
    "length, meta, status",
    [
        (None, {}, 400),
        ("0", {}, 422),
        ("-5", {}, 400),
        (str(10**20), {}, 400),
        ("TOO_LARGE", {}, 413),
        ("100", {"sha256": "not-hex"}, 422),
    ],
    ids=["no-length", "empty", "negative", "huge", "over-max", "bad-sha256"],
)
def test_a_creation_that_breaks_the_protocol_creates_nothing(
    app, client, draft, length, meta, status
):
    lecture, headers = draft
    request_headers = headers | {"Upload-Metadata": metadata(**meta)}
    if length == "TOO_LARGE":
        length = str(app.config["MAX_UPLOAD_BYTES"] + 1)
    if length is not None:
        request_headers["Upload-Length"] = length
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/tus-uploads", headers=request_headers
    )
    assert response.status_code == status, response.json
    assert "Location" not in response.headers


def test_malformed_metadata_is_400(client, draft):
    lecture, headers = draft
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/tus-uploads",
        headers=headers | {"Upload-Length": "10", "Upload-Metadata": "filename ***"},
    )
    assert response.status_code == 400


def test_termination_deletes_the_upload_and_its_bytes(client, draft, app):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    patch(client, location, headers, 0, BODY[:100])
    token = location.rsplit("/", 1)[1]
    path = Storage(app.config["MEDIA_DIR"]).upload_path(token)
    assert path.exists()
    response = client.delete(location, headers=headers)
    assert response.status_code == 204
    assert not path.exists()
    assert client.head(location, headers=headers).status_code == 404
    assert patch(client, location, headers, 100, BODY[100:]).status_code == 404


def test_a_complete_upload_cannot_be_terminated(client, draft):
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    assert patch(client, location, headers, 0, BODY).status_code == 204
    response = client.delete(location, headers=headers)
    assert response.status_code == 409
    assert client.head(location, headers=headers).headers["Upload-Offset"] == str(
        len(BODY)
    )


def test_only_the_lectures_managers_create_and_only_the_sender_continues(
    client, draft, create_user, api_token
):
    lecture, headers = draft
    learner = api_token(create_user(role=Role.LEARNER)) | TUS
    other_lecturer = api_token(create_user(role=Role.LECTURER)) | TUS
    # A draft's lecture is not even visible to a learner (404).
    assert create(client, lecture, learner).status_code in (403, 404)
    assert create(client, lecture, other_lecturer).status_code in (403, 404)
    assert create(client, lecture, TUS).status_code == 401
    location = create(client, lecture, headers).headers["Location"]
    for who in (learner, other_lecturer):
        assert client.head(location, headers=who).status_code == 404
        assert patch(client, location, who, 0, BODY).status_code == 404
        assert client.delete(location, headers=who).status_code == 404
    assert client.head(location, headers=headers).headers["Upload-Offset"] == "0"


def test_a_browser_session_needs_the_csrf_header(client, auth, create_course):
    course = create_course(status="draft")
    lecture = course.lectures[0]
    auth.login(course.owner.login)
    request_headers = TUS | {"Upload-Length": "10"}
    path = f"/api/v1/lectures/{lecture.id}/tus-uploads"
    refused = client.post(path, headers=request_headers)
    assert refused.status_code == 400
    assert refused.json["error"]["code"] == "csrf_failed"
    token = auth.csrf_token("/")
    created = client.post(path, headers=request_headers | {"X-CSRFToken": token})
    assert created.status_code == 201


def test_a_published_courses_recording_waits_for_review(
    client, create_course, api_token
):
    course = create_course()  # published
    lecture = course.lectures[0]
    headers = api_token(course.owner) | TUS
    location = create(client, lecture, headers).headers["Location"]
    status = client.get(location, headers=headers).json
    assert status["review_required"] is True


def test_a_patch_or_termination_while_another_patch_arrives_is_423(client, draft, app):
    """tus-js-client and tusd's clients retry a 423 (Locked) after Retry-After."""
    lecture, headers = draft
    location = create(client, lecture, headers).headers["Location"]
    token = location.rsplit("/", 1)[1]
    with Storage(app.config["MEDIA_DIR"]).locked(token):  # a PATCH still arriving
        busy = patch(client, location, headers, 0, BODY[:100])
        assert busy.status_code == 423
        assert busy.headers["Retry-After"] == "1"
        assert busy.headers["Upload-Offset"] == "0"
        assert busy.json["error"]["code"] == "upload_busy"
        assert client.delete(location, headers=headers).status_code == 423
    assert patch(client, location, headers, 0, BODY[:100]).status_code == 204
