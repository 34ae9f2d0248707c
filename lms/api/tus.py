"""Resumable uploads of recordings in tus 1.0, so any standard client can send one
(tus-js-client on the lecturer's page, tuspy, the iOS and Android clients).

``POST /lectures/{id}/tus-uploads`` with ``Upload-Length`` (and ``Upload-Metadata``
with the ``filename``) creates an upload at ``Location: /api/v1/tus-uploads/{token}``;
``HEAD`` tells its offset, ``PATCH`` appends at ``Upload-Offset`` (body
``application/offset+octet-stream``, at most UPLOAD_CHUNK_BYTES, optional
``Upload-Checksum: sha256 <base64>``: 460 on a mismatch), ``DELETE`` gives it up.
``OPTIONS`` on either URL tells the version, extensions and the largest upload.

It is the same upload as the JSON chunk protocol's (``lms.api.media``: the same
rows, files, lock, checks and office review of a published course's media), so
``GET /tus-uploads/{token}`` answers that protocol's JSON, the job included.
"""

from datetime import UTC, datetime, timedelta

from flask import current_app, jsonify, request, url_for

from lms.api import ApiError, api_route, bp, require_user, streams_body
from lms.api.media import (
    append_chunk,
    load_managed_lecture,
    load_own_upload,
    storage,
    upload_json,
)
from lms.api.openapi import error_response, header_parameter
from lms.db import db
from lms.logs import request_id
from media_pipeline import operations as ops
from media_pipeline import queries
from media_pipeline.tasks import enqueue
from media_pipeline.tus import (
    OFFSET_CONTENT_TYPE,
    TUS_VERSION,
    TusHeaderError,
    discovery_headers,
    expires_at,
    format_metadata,
    http_date,
    parse_length,
    parse_metadata,
    speaks_tus,
)

TAGS = ["tus"]
ENDPOINTS = frozenset(
    f"api.{name}"
    for name in ("tus_create", "tus_status", "tus_patch", "tus_delete", "tus_options")
)
TUS_ERRORS = {
    "400": error_response("A tus header does not read as the protocol says"),
    "401": error_response("Not signed in"),
    "403": error_response("Not allowed (the lecture is not yours to manage)"),
    "404": error_response("No such upload (or it expired)"),
    "412": error_response("Tus-Resumable is missing or names another version"),
}
TUS_RESUMABLE = header_parameter(
    "Tus-Resumable", f"The protocol version: {TUS_VERSION}", required=True
)
NO_CONTENT = {"description": "Done (no body)"}


class TusError(Exception):
    """A request that breaks the protocol itself (its framing, not the domain):
    answered ``{error: {code, message}}`` with its own status (400, 412, 415, 423)."""

    def __init__(self, status, code, message):
        super().__init__(message)
        self.status, self.code, self.message = status, code, message


@bp.errorhandler(TusError)
def _handle_tus_error(error):
    from lms.errors import json_error

    return json_error(error.status, error.code, error.message)


@bp.after_request
def _every_tus_answer_names_the_version(response):
    if request.endpoint in ENDPOINTS:
        response.headers["Tus-Resumable"] = TUS_VERSION
        if response.status_code == 412:
            response.headers["Tus-Version"] = TUS_VERSION
    return response


def require_tus():
    if not speaks_tus(request.headers.get("Tus-Resumable")):
        raise TusError(
            412,
            "tus_version",
            f"Send Tus-Resumable: {TUS_VERSION} (the only version spoken here).",
        )


def tus_header(name, parse):
    try:
        return parse(request.headers.get(name))
    except TusHeaderError as error:
        raise TusError(400, "bad_tus_header", str(error)) from None


def last_activity(upload):
    """The upload's last chunk (its file's time) or its start, as the sweep reads it."""
    path = storage().upload_path(upload.token)
    try:
        modified = datetime.fromtimestamp(path.stat().st_mtime, UTC)
    except FileNotFoundError:
        return upload.created_dt
    return max(modified, upload.created_dt)


def state_headers(upload):
    headers = {"Upload-Offset": str(upload.received), "Cache-Control": "no-store"}
    if upload.completed_dt is None:
        expire_after = timedelta(seconds=current_app.config["UPLOAD_EXPIRE_SECONDS"])
        expires = expires_at(last_activity(upload), expire_after)
        headers["Upload-Expires"] = http_date(expires)
    return headers


def tus_options(lecture_id=None, token=None):
    """tus discovery: the version, extensions and largest upload (no sign-in)."""
    response = current_app.response_class(status=204)
    response.headers.update(discovery_headers(current_app.config["MAX_UPLOAD_BYTES"]))
    return response


# OPTIONS (like HEAD) is left out of the OpenAPI document, which lists neither.
for _rule in ("/lectures/<int:lecture_id>/tus-uploads", "/tus-uploads/<token>"):
    bp.add_url_rule(_rule, "tus_options", tus_options, methods=["OPTIONS"])


@api_route(
    "/lectures/<int:lecture_id>/tus-uploads",
    ["POST"],
    summary="tus creation: a new upload of the lecture's recording",
    description=(
        "Upload-Length is the file's size in bytes (Upload-Defer-Length is not "
        "supported); Upload-Metadata may carry filename (shown, never a path) and "
        "sha256 (the whole file's hex digest, checked on completion). The body is "
        "empty. A published course's recording waits for the CME office's review."
    ),
    tags=TAGS,
    parameters=[
        TUS_RESUMABLE,
        header_parameter("Upload-Length", "The file's size in bytes", required=True),
        header_parameter("Upload-Metadata", "filename <base64>,sha256 <base64>"),
    ],
    responses={
        "201": {
            "description": "Created; Location names the upload",
            "headers": {
                "Location": {"schema": {"type": "string"}},
                "Upload-Expires": {"schema": {"type": "string"}},
            },
        },
        "409": error_response("The course is not editable now"),
        "413": error_response("Larger than Tus-Max-Size"),
        "422": error_response("An empty file or a malformed sha256"),
        **TUS_ERRORS,
    },
)
def tus_create(lecture_id):
    require_tus()
    lecture = load_managed_lecture(lecture_id)
    length = tus_header("Upload-Length", parse_length)
    metadata = tus_header("Upload-Metadata", parse_metadata)
    try:
        upload = ops.start_upload(
            lecture,
            require_user(),
            filename=metadata.get("filename") or metadata.get("name", ""),
            size=length,
            max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
            sha256=metadata.get("sha256") or None,
        )
    except ops.MediaError as error:
        raise ApiError(error.status, error.code, str(error)) from None
    db.session.commit()
    response = current_app.response_class(status=201)
    response.headers["Location"] = url_for("api.tus_status", token=upload.token)
    response.headers.update(state_headers(upload))
    return response


@api_route(
    "/tus-uploads/<token>",
    ["GET"],
    summary="Where to resume, as JSON (the job included); tus's HEAD too",
    description=(
        "HEAD (tus, with Tus-Resumable) answers the same headers without the "
        "body: Upload-Offset, Upload-Length, Upload-Expires while unfinished, "
        "Upload-Metadata, Cache-Control: no-store."
    ),
    tags=TAGS,
    responses={
        "200": {
            "description": "The upload as JSON; Upload-Offset and Upload-Length",
            "content": {
                "application/json": {
                    "schema": {"$ref": "#/components/schemas/UploadOut"}
                }
            },
        },
        **TUS_ERRORS,
    },
)
def tus_status(token):
    if request.method == "HEAD":
        require_tus()
    upload = load_own_upload(token)
    job = queries.get_upload_job(upload.id)
    response = jsonify(upload_json(upload, job))
    response.headers.update(state_headers(upload))
    response.headers["Upload-Length"] = str(upload.size)
    if upload.filename:
        response.headers["Upload-Metadata"] = format_metadata(
            {"filename": upload.filename}
        )
    return response


def refused(error, upload, status=None):
    """A refused PATCH: the error, and the offset to resume from in Upload-Offset."""
    response = jsonify(
        {
            "error": {
                "code": error.code,
                "message": str(error),
                "offset": upload.received,
                "request_id": request_id(),
            }
        }
    )
    response.status_code = status or error.status
    response.headers.update(state_headers(upload))
    return response


@api_route(
    "/tus-uploads/<token>",
    ["PATCH"],
    summary="tus PATCH: append the body at Upload-Offset",
    description=(
        "The offset is checked, the bytes written and recorded under the upload's "
        "lock; a wrong offset is a 409 (Upload-Offset names the right one), a PATCH "
        "while another of the same upload still arrives a 423 (retry), a body "
        "longer than the chunk limit or the declared length a 413 with nothing "
        "kept. Upload-Checksum: sha256 <base64> checks the body (460, nothing "
        "kept). The PATCH that completes the file starts its transcode."
    ),
    tags=TAGS,
    parameters=[
        TUS_RESUMABLE,
        header_parameter("Upload-Offset", "Where this body starts", required=True),
        header_parameter("Upload-Checksum", "sha256 <base64 digest of the body>"),
    ],
    responses={
        "204": {"description": "Appended; Upload-Offset is the new offset"},
        "409": error_response("The offset is not the upload's (or it is complete)"),
        "413": error_response("The body goes past the chunk limit or the length"),
        "415": error_response("The body is not application/offset+octet-stream"),
        "423": error_response("Another PATCH of this upload is still arriving"),
        "460": error_response("The body does not match its Upload-Checksum"),
        **TUS_ERRORS,
    },
)
@streams_body
def tus_patch(token):
    chunk_limit = current_app.config["UPLOAD_CHUNK_BYTES"]
    request.max_content_length = chunk_limit + 1  # streamed, never in memory
    require_tus()
    load_own_upload(token)
    if request.mimetype != OFFSET_CONTENT_TYPE:
        raise TusError(
            415, "unsupported_media_type", f"Send the body as {OFFSET_CONTENT_TYPE}."
        )
    offset = tus_header("Upload-Offset", lambda v: parse_length(v, "Upload-Offset"))
    try:
        checksum = ops.parse_chunk_checksum(request.headers.get("Upload-Checksum"))
    except ops.MediaError as error:
        raise ApiError(error.status, error.code, str(error)) from None
    store = storage()
    try:
        upload, job = append_chunk(store, token, offset, chunk_limit, checksum=checksum)
    except ops.MediaError as error:
        return refused(error, ops.get_upload(token))
    except BlockingIOError:
        upload = load_own_upload(token)
        busy = ops.MediaError(
            "upload_busy",
            "Another PATCH of this upload is still arriving; "
            f"resume from offset {upload.received} once it ends.",
        )
        response = refused(busy, upload, status=423)
        response.headers["Retry-After"] = "1"
        return response
    if job is not None:
        enqueue(job)
    response = current_app.response_class(status=204)
    response.headers.update(state_headers(upload))
    return response


@api_route(
    "/tus-uploads/<token>",
    ["DELETE"],
    summary="tus termination: give up an unfinished upload (its bytes are deleted)",
    tags=TAGS,
    parameters=[TUS_RESUMABLE],
    responses={
        "204": NO_CONTENT,
        "409": error_response("The upload is complete (its job owns it)"),
        "423": error_response("A PATCH of this upload is still arriving"),
        **TUS_ERRORS,
    },
)
def tus_delete(token):
    require_tus()
    upload, store = load_own_upload(token, for_update=True), storage()
    try:
        if upload.completed_dt is not None:
            ops.terminate_upload(store, upload)  # refused: its job owns the file
        with store.locked(token):
            ops.terminate_upload(store, upload)
    except BlockingIOError:
        raise TusError(
            423, "upload_busy", "A PATCH of this upload is still arriving."
        ) from None
    except ops.MediaError as error:
        raise ApiError(error.status, error.code, str(error)) from None
    db.session.commit()
    return current_app.response_class(status=204)
