"""Uploading recordings (resumable) and following their transcode jobs."""

import secrets

from flask import abort, current_app, jsonify, request
from flask_login import current_user

from courses import queries as course_queries
from courses.models import Lecture
from courses.workflow import media_needs_review
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api import ApiError, api_route, require_user, streams_body
from lms.api import schemas as s
from lms.api.openapi import header_parameter
from lms.db import begin_write_transaction, db, utcnow
from lms.labels import job_error_label
from lms.logs import request_id
from lms.media.views import preview_url
from media_pipeline import operations as ops
from media_pipeline import queries
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState
from media_pipeline.storage import Storage
from media_pipeline.tasks import enqueue
from media_pipeline.tus import TusHeaderError, parse_length

#: What a lecturer's media endpoints can answer besides their result.
MANAGE = {403: "Not its lecturer or the office", 404: "Not found"}


def storage():
    return Storage(current_app.config["MEDIA_DIR"])


def load_managed_lecture(lecture_id):
    """The lecture if the requester teaches its course or is the office."""
    from lms.api.courses import load_lecture

    user = require_user()
    lecture = load_lecture(lecture_id)
    if not course_queries.may_manage(lecture.course, user):
        abort(403)
    return lecture


def job_json(job):
    return {
        "id": job.id,
        "lecture_id": job.lecture_id,
        "state": job.state.value,
        "progress": round(job.progress, 4),
        "attempts": job.attempts,
        "error": job.error or None,
        #: Why it failed (``disk_full``, ``timeout``...) and that in the reader's words.
        "error_code": job.error_code or None,
        "error_message": (
            str(job_error_label(job.error_code))
            if job.error_code or job.state == JobState.FAILED
            else None
        ),
        #: The ladder asked for ("auto"), the one used, what the analysis found.
        "policy": job.policy,
        "used_policy": job.used_policy,
        "content_class": job.content_class,
        #: pending / approved / rejected / superseded, or None (no review needed)
        "review": job.review_state.value if job.review_state else None,
        "review_comment": job.review_comment or None,
        "preview_url": preview_url(job),
    }


def upload_json(upload, job=None):
    return {
        "upload": upload.token,
        "offset": upload.received,
        "size": upload.size,
        "complete": upload.completed_dt is not None,
        "chunk_size": current_app.config["UPLOAD_CHUNK_BYTES"],
        "job": job_json(job) if job else None,
        #: True when the recording will wait for the CME office (published course)
        "review_required": media_needs_review(
            db.session.get(Lecture, upload.lecture_id).course.status
        ),
    }


def raw_body_limit(limit):
    """Let this request's body be up to ``limit`` bytes (streamed, never in memory)."""
    request.max_content_length = limit


@api_route(
    "/lectures/<int:lecture_id>/uploads",
    ["POST"],
    summary="Start a resumable upload of a lecture's recording",
    body=s.UploadIn,
    example={"size": 734003200, "filename": "lecture-1.mp4"},
    responses={
        201: s.UploadOut,
        413: "Larger than recordings may be",
        409: "Not editable now",
        **MANAGE,
    },
)
def start_upload(lecture_id, body):
    lecture = load_managed_lecture(lecture_id)
    upload = ops.start_upload(
        lecture,
        current_user,
        filename=body.filename,
        size=body.size,
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
        sha256=body.sha256,
    )
    db.session.commit()
    return upload_json(upload), 201


def load_own_upload(token, *, for_update=False):
    user = require_user()
    upload = ops.get_upload(token, for_update=for_update)
    if upload is None or upload.user_id != user.id:
        abort(404)
    return upload


@api_route(
    "/uploads/<token>",
    ["GET"],
    summary="Where to resume an upload",
    responses={200: s.UploadOut, 404: "Not your upload, or expired"},
)
def upload_status(token):
    return upload_json(load_own_upload(token))


def append_chunk(store, token, offset, chunk_limit, *, checksum, file_sha256=None):
    """Append the request's body to an upload at ``offset``: ``(upload, job)``.

    Checked, written and recorded under the upload's lock (a retry of a slow
    chunk cannot write over what that chunk recorded), with no transaction open
    while the body streams in; the record starts as a writer. Raises
    :class:`~media_pipeline.operations.MediaError` with nothing recorded,
    ``BlockingIOError`` while another chunk of the upload is arriving, and 404
    when the upload expired meanwhile. Commits (an edge: the chunk endpoints and
    tus's PATCH share it).
    """
    db.session.commit()  # hold no transaction while the body streams in
    with store.locked(token):
        upload = ops.get_upload(token)
        if upload is None:
            abort(404)
        try:
            limit = ops.check_chunk(upload, offset, chunk_limit)
            db.session.commit()
            written = ops.write_chunk(
                store, token, offset, request.stream, limit, sha256=checksum
            )
            digest = ops.check_file(store, upload, offset, written, sha256=file_sha256)
            db.session.commit()  # end that read: the record starts as a writer
            begin_write_transaction()
            upload = ops.get_upload(token, for_update=True)
            job = ops.record_chunk(upload, offset, written, utcnow(), sha256=digest)
        except ops.MediaError:
            db.session.rollback()
            raise
        db.session.commit()
    return upload, job


def chunk_refused(error, upload):
    """A refused chunk's error, with the offset to resume from (tus's header too)."""
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
    response.status_code = error.status
    response.headers["Upload-Offset"] = str(upload.received)
    return response


@api_route(
    "/uploads/<token>",
    ["PATCH"],
    summary="Append a chunk (raw body) at the Upload-Offset header",
    description=(
        "One chunk at a time per upload: the offset is checked, the chunk written "
        "and recorded under one lock, and a chunk whose offset no longer matches is "
        "refused with 409 and the offset to resume from (in the body and the "
        "Upload-Offset header); 409 upload_busy while another chunk of the same "
        "upload is still arriving. Upload-Checksum: sha256 <base64> checks the "
        "chunk (460 checksum_mismatch, nothing kept). On the chunk that completes "
        "the file, its SHA-256 is compared with the one declared at the start or "
        "in Upload-File-Sha256 (hex); a mismatch keeps nothing of the chunk and "
        "nothing is transcoded."
    ),
    parameters=[
        header_parameter(
            "Upload-Offset",
            "Where this chunk starts",
            required=True,
            schema={"type": "integer", "minimum": 0},
        ),
        header_parameter("Upload-Checksum", "sha256 <base64 digest of the chunk>"),
        header_parameter("Upload-File-Sha256", "The whole file's SHA-256 (hex)"),
    ],
    raw_body=s.RAW_BODY,
    responses={
        200: s.UploadOut,
        404: "Not your upload, or expired",
        409: "The offset does not match (resume from the one answered), or "
        "another chunk of the upload is still arriving",
        413: "Larger than a chunk may be",
        422: "Not a chunk this upload takes",
        460: "The chunk or the file does not match its checksum",
    },
)
@streams_body
def upload_chunk(token):
    raw_body_limit(current_app.config["UPLOAD_CHUNK_BYTES"] + 1)
    load_own_upload(token)
    try:
        offset = parse_length(request.headers.get("Upload-Offset"), "Upload-Offset")
    except TusHeaderError:
        raise ApiError(400, "bad_offset", "Send the Upload-Offset header.") from None
    checksum = ops.parse_chunk_checksum(request.headers.get("Upload-Checksum"))
    file_sha256 = request.headers.get("Upload-File-Sha256")
    store = storage()
    try:
        upload, job = append_chunk(
            store,
            token,
            offset,
            current_app.config["UPLOAD_CHUNK_BYTES"],
            checksum=checksum,
            file_sha256=file_sha256,
        )
    except ops.MediaError as error:
        return chunk_refused(error, ops.get_upload(token))
    except BlockingIOError:
        upload = load_own_upload(token)
        busy = ops.MediaError(
            "upload_busy",
            "Another chunk of this upload is still arriving; "
            f"resume from offset {upload.received} once it ends.",
        )
        response = chunk_refused(busy, upload)
        response.headers["Retry-After"] = "1"
        return response
    if job is not None:
        enqueue(job)
        db.session.refresh(job)
    return upload_json(upload, job)


@api_route(
    "/lectures/<int:lecture_id>/media",
    ["PUT"],
    summary="Upload a whole recording in one request (raw body)",
    description=(
        "Upload-Checksum: sha256 <base64> checks the whole body (460 "
        "checksum_mismatch, nothing kept). For a published course the recording "
        "becomes a new version that waits for the CME office's review "
        "(the job's review is then 'pending')."
    ),
    parameters=[
        header_parameter("Upload-Checksum", "sha256 <base64 digest of the body>"),
        header_parameter("X-Filename", "The file's name, for display"),
    ],
    raw_body=s.RAW_BODY,
    responses={
        202: s.JobEnvelopeOut,
        409: "Not editable now",
        411: "Content-Length is required",
        413: "Larger than recordings may be",
        422: "Not a recording this lecture takes",
        460: "The body does not match its checksum",
        **MANAGE,
    },
)
@streams_body
def put_media(lecture_id):
    lecture = load_managed_lecture(lecture_id)
    limit = current_app.config["MAX_UPLOAD_BYTES"]
    raw_body_limit(limit)
    size = request.content_length
    if not size:
        raise ApiError(
            411, "length_required", "Send Content-Length with the recording."
        )
    if size > limit:
        raise ApiError(413, "too_large", f"Recordings may be at most {limit} bytes.")
    checksum = ops.parse_chunk_checksum(request.headers.get("Upload-Checksum"))
    user_id = current_user.id
    db.session.commit()  # hold no transaction while the body streams in
    token, store = secrets.token_urlsafe(32), storage()
    try:
        written = ops.write_chunk(
            store, token, 0, request.stream, size, sha256=checksum
        )
        if written != size:
            raise ApiError(
                400, "incomplete", "The body was shorter than Content-Length."
            )
    except (ApiError, ops.MediaError):
        store.upload_path(token).unlink(missing_ok=True)
        raise
    digest = store.file_sha256(token)
    begin_write_transaction()
    upload = ops.start_upload(
        db.session.get(Lecture, lecture.id),
        db.session.get(User, user_id),
        filename=request.headers.get("X-Filename", ""),
        size=size,
        max_bytes=limit,
        token=token,
    )
    job = ops.record_chunk(upload, 0, written, utcnow(), sha256=digest)
    db.session.commit()
    enqueue(job)
    db.session.refresh(job)
    return {"job": job_json(job)}, 202


def load_visible_job(job_id):
    user = require_user()
    job = db.session.get(TranscodeJob, job_id)
    if job is None or not course_queries.may_manage(job.lecture.course, user):
        abort(404)
    return job


@api_route(
    "/jobs/<int:job_id>",
    ["GET"],
    summary="A transcode job's state and progress",
    responses={200: s.JobOut},
)
def get_job(job_id):
    return job_json(load_visible_job(job_id))


@api_route(
    "/jobs/<int:job_id>/cancel",
    ["POST"],
    summary="Cancel a transcode job",
    responses={200: s.JobOut, 409: "Finished already"},
)
def cancel_job(job_id):
    job = load_visible_job(job_id)
    ops.cancel_job(job, utcnow())
    db.session.commit()
    return job_json(job)


@api_route(
    "/jobs/<int:job_id>/retry",
    ["POST"],
    summary="Run a failed or cancelled job again (as a new job)",
    responses={200: s.JobOut, 409: "Not failed or cancelled"},
)
def retry_job(job_id):
    job = load_visible_job(job_id)
    new = ops.retry_job(job, utcnow())
    db.session.commit()
    enqueue(new)
    db.session.refresh(new)
    return job_json(new)


@api_route(
    "/media-reviews",
    ["GET"],
    roles=(Role.ADMINISTRATOR,),
    summary="The office: new media of published lectures waiting for review",
    responses={200: s.MediaReviewsOut, 403: "Not the office"},
)
def list_media_reviews():
    user = require_user()
    if user.role != Role.ADMINISTRATOR:
        abort(403)
    versions = [
        job_json(job) | {"course_id": job.lecture.course_id}
        for job in queries.list_versions_awaiting_review()
    ]
    return {"versions": versions}


def load_version_for_review(job_id):
    require_user()
    job = ops.get_version_for_review(job_id)
    if job is None or not course_queries.may_manage(job.lecture.course, current_user):
        abort(404)
    return job


@api_route(
    "/jobs/<int:job_id>/approve",
    ["POST"],
    summary="The office: a new version becomes the lecture's media",
    description="Not by the person who uploaded it (403); 409 when not pending.",
    responses={200: s.JobOut, 403: "Not the office, or its uploader", 409: "Decided"},
)
def approve_version(job_id):
    job = load_version_for_review(job_id)
    ops.approve_version(job, current_user, utcnow(), storage())
    db.session.commit()
    return job_json(job)


@api_route(
    "/jobs/<int:job_id>/reject",
    ["POST"],
    summary="The office: a new version is discarded; the lecture keeps its media",
    body=s.RejectIn,
    responses={200: s.JobOut, 403: "Not the office, or its uploader", 409: "Decided"},
)
def reject_version(job_id, body):
    job = load_version_for_review(job_id)
    ops.reject_version(job, current_user, utcnow(), storage(), comment=body.comment)
    db.session.commit()
    return job_json(job)
