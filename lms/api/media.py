"""Uploading recordings (resumable) and following their transcode jobs."""

import secrets

from flask import abort, current_app, jsonify, request
from flask_login import current_user

from courses import queries as course_queries
from courses.models import Lecture
from lms.accounts.models import User
from lms.api import ApiError, api_route, json_body, require_user, streams_body
from lms.api.openapi import error_response, json_response
from lms.db import begin_write_transaction, db, utcnow
from lms.labels import job_error_label
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.storage import Storage
from media_pipeline.tasks import enqueue

OBJ = {"type": "object"}
ERRORS = {
    "401": error_response("Not signed in"),
    "403": error_response("Not allowed"),
    "404": error_response("Not found"),
    "409": error_response("Conflicts with the current state (e.g. the offset)"),
    "413": error_response("Too large"),
    "422": error_response("Invalid data"),
}


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


def media_call(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except ops.MediaError as error:
        raise ApiError(error.status, error.code, str(error)) from None


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
            str(job_error_label(job.error_code)) if job.error_code else None
        ),
    }


def upload_json(upload, job=None):
    return {
        "upload": upload.token,
        "offset": upload.received,
        "size": upload.size,
        "complete": upload.completed_dt is not None,
        "chunk_size": current_app.config["UPLOAD_CHUNK_BYTES"],
        "job": job_json(job) if job else None,
    }


def raw_body_limit(limit):
    """Let this request's body be up to ``limit`` bytes (streamed, never in memory)."""
    request.max_content_length = limit


@api_route(
    "/lectures/<int:lecture_id>/uploads",
    ["POST"],
    summary="Start a resumable upload of a lecture's recording",
    request_body={
        "type": "object",
        "required": ["size"],
        "properties": {"size": {"type": "integer"}, "filename": {"type": "string"}},
    },
    responses={"201": json_response("The upload and its offset", OBJ), **ERRORS},
)
def start_upload(lecture_id):
    lecture = load_managed_lecture(lecture_id)
    data = json_body()
    upload = media_call(
        ops.start_upload,
        lecture,
        current_user,
        filename=data.get("filename"),
        size=data.get("size"),
        max_bytes=current_app.config["MAX_UPLOAD_BYTES"],
    )
    db.session.commit()
    return jsonify(upload_json(upload)), 201


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
    responses={"200": json_response("The offset", OBJ), **ERRORS},
)
def upload_status(token):
    return jsonify(upload_json(load_own_upload(token)))


@api_route(
    "/uploads/<token>",
    ["PATCH"],
    summary="Append a chunk (raw body) at the Upload-Offset header",
    responses={
        "200": json_response("The new offset (and the job when done)", OBJ),
        **ERRORS,
    },
)
@streams_body
def upload_chunk(token):
    raw_body_limit(current_app.config["UPLOAD_CHUNK_BYTES"] + 1)
    upload = load_own_upload(token)
    try:
        offset = int(request.headers.get("Upload-Offset", ""))
    except ValueError:
        raise ApiError(400, "bad_offset", "Send the Upload-Offset header.") from None
    limit = media_call(
        ops.check_chunk, upload, offset, current_app.config["UPLOAD_CHUNK_BYTES"]
    )
    db.session.commit()  # hold no transaction while the body streams in
    written = media_call(
        ops.write_chunk, storage(), token, offset, request.stream, limit
    )
    begin_write_transaction()
    upload = ops.get_upload(token, for_update=True)
    job = media_call(ops.record_chunk, upload, offset, written, utcnow())
    db.session.commit()
    if job is not None:
        enqueue(job)
        db.session.refresh(job)
    return jsonify(upload_json(upload, job))


@api_route(
    "/lectures/<int:lecture_id>/media",
    ["PUT"],
    summary="Upload a whole recording in one request (raw body)",
    responses={"202": json_response("The transcode job", OBJ), **ERRORS},
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
    user_id = current_user.id
    db.session.commit()  # hold no transaction while the body streams in
    token = secrets.token_urlsafe(32)
    written = media_call(ops.write_chunk, storage(), token, 0, request.stream, size)
    if written != size:
        raise ApiError(400, "incomplete", "The body was shorter than Content-Length.")
    begin_write_transaction()
    upload = media_call(
        ops.start_upload,
        db.session.get(Lecture, lecture.id),
        db.session.get(User, user_id),
        filename=request.headers.get("X-Filename", ""),
        size=size,
        max_bytes=limit,
        token=token,
    )
    job = ops.record_chunk(upload, 0, written, utcnow())
    db.session.commit()
    enqueue(job)
    db.session.refresh(job)
    return jsonify({"job": job_json(job)}), 202


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
    responses={"200": json_response("The job", OBJ), **ERRORS},
)
def get_job(job_id):
    return jsonify(job_json(load_visible_job(job_id)))


@api_route(
    "/jobs/<int:job_id>/cancel",
    ["POST"],
    summary="Cancel a transcode job",
    responses={"200": json_response("The job", OBJ), **ERRORS},
)
def cancel_job(job_id):
    job = load_visible_job(job_id)
    media_call(ops.cancel_job, job, utcnow())
    db.session.commit()
    return jsonify(job_json(job))


@api_route(
    "/jobs/<int:job_id>/retry",
    ["POST"],
    summary="Run a failed or cancelled job again (as a new job)",
    responses={"200": json_response("The new job", OBJ), **ERRORS},
)
def retry_job(job_id):
    job = load_visible_job(job_id)
    new = media_call(ops.retry_job, job, utcnow())
    db.session.commit()
    enqueue(new)
    db.session.refresh(new)
    return jsonify(job_json(new))
