import re
from pathlib import Path

from flask import Blueprint, abort, current_app, send_file
from flask_login import current_user

from courses import queries as course_queries
from courses.models import Lecture
from courses.workflow import CourseStatus
from lms.accounts.roles import Role
from lms.db import db
from media_pipeline.states import ReviewState
from media_pipeline.storage import Storage, version_name

bp = Blueprint("media", __name__, url_prefix="/media")

VERSION = re.compile(r"^job-\d+-\d+$")
FILE = re.compile(r"^(?:[a-z0-9]+/)?[A-Za-z0-9_.-]+\.(m3u8|m4s|mp4|jpg)$")
TYPES = {
    "m3u8": "application/vnd.apple.mpegurl",
    "m4s": "video/iso.segment",
    "mp4": "video/mp4",
    "jpg": "image/jpeg",
}
#: A live run's files: the master playlist, a rung's playlist and its segments.
LIVE_FILE = re.compile(r"^(?:[a-z0-9]{1,16}/)?[A-Za-z0-9_-]{1,64}\.(m3u8|ts)$")
LIVE_TYPES = {"m3u8": "application/vnd.apple.mpegurl", "ts": "video/mp2t"}


def may_watch(user, lecture):
    """Enrolled learners of a published course, its lecturers, and the office."""
    if not user.is_authenticated:
        return False
    course = lecture.course
    if user.role == Role.ADMINISTRATOR or course_queries.is_lecturer_of(course, user):
        return True
    return (
        course.status == CourseStatus.APPROVED
        and course_queries.get_enrolment(course.id, user.id) is not None
    )


def published_version(lecture_id):
    """The name of the folder the lecture's ``current`` link points at, or None."""
    link = Storage(current_app.config["MEDIA_DIR"]).published(lecture_id)
    return link.resolve().name if link.is_symlink() else None


def hls_url(lecture):
    version = published_version(lecture.id)
    return f"/media/lectures/{lecture.id}/{version}/master.m3u8" if version else None


def preview_url(job):
    """Where a lecture's managers watch a version waiting for the office's review."""
    if job.review_state != ReviewState.PENDING:
        return None
    name = version_name(job.id, job.attempts)
    return f"/media/lectures/{job.lecture_id}/{name}/master.m3u8"


@bp.route("/lectures/<int:lecture_id>/<version>/<path:name>")
def lecture_file(lecture_id, version, name):
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None or not may_watch(current_user, lecture):
        abort(404)
    match = FILE.match(name)
    if not VERSION.match(version) or not match:
        abort(404)
    if version != published_version(lecture_id) and not course_queries.may_manage(
        lecture.course, current_user
    ):
        abort(404)  # a version waiting for review is for its course's managers only
    folder = Storage(current_app.config["MEDIA_DIR"]).lecture_dir(lecture_id) / version
    path = folder / name
    if not path.is_file():
        abort(404)
    kind = match.group(1)
    if current_app.config.get("MEDIA_ACCEL") == "nginx":
        response = current_app.response_class(mimetype=TYPES[kind])
        response.headers["X-Accel-Redirect"] = (
            f"/protected-media/lectures/{lecture_id}/{version}/{name}"
        )
    else:
        response = send_file(
            Path(path), mimetype=TYPES[kind], conditional=True, max_age=None
        )
    # A version folder never changes: segments can be cached for long, privately.
    response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response


@bp.route("/live/<int:session_id>/b<int:broadcast_id>/r<int:run>/<path:name>")
def live_file(session_id, broadcast_id, run, name):
    """A file of a broadcast's live ladder, for those who may watch it live."""
    from courses.sessions.live_rules import run_folder
    from courses.sessions.live_viewing import may_watch_live
    from courses.sessions.models import LiveBroadcast

    broadcast = db.session.get(LiveBroadcast, broadcast_id)
    match = LIVE_FILE.match(name)
    if (
        broadcast is None
        or broadcast.session_id != session_id
        or not 1 <= run <= broadcast.runs
        or not match
        or may_watch_live(current_user, broadcast.session)
    ):
        abort(404)
    folder = run_folder(broadcast_id, run)
    path = Path(current_app.config["LIVE_DIR"]) / folder / name
    if not path.is_file():
        abort(404)
    kind = match.group(1)
    if current_app.config.get("MEDIA_ACCEL") == "nginx":
        response = current_app.response_class(mimetype=LIVE_TYPES[kind])
        response.headers["X-Accel-Redirect"] = f"/protected-live/{folder}/{name}"
    else:
        response = send_file(path, mimetype=LIVE_TYPES[kind], max_age=None)
    if kind == "m3u8":
        # A live playlist changes every segment: always asked for afresh.
        response.headers["Cache-Control"] = "private, no-cache"
    else:
        # A segment never changes once written.
        response.headers["Cache-Control"] = "private, max-age=31536000, immutable"
    return response
