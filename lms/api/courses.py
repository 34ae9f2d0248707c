"""Courses, lectures, enrolment, watch progress, post-tests and evaluations."""

import random

from flask import abort, jsonify, request
from flask_login import current_user

from courses import operations as ops
from courses import queries
from courses.access import can_view_learner_record
from courses.gates import Step
from courses.models import Course, Lecture
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api import (
    ApiError,
    api_route,
    json_body,
    optional_json_body,
    require_user,
)
from lms.api.openapi import OBJ, created, ok
from lms.api.serializers import (
    serialize_attempt,
    serialize_course,
    serialize_lecture,
    serialize_progress,
)
from lms.db import db, utcnow
from lms.edge import (
    aware_datetime_field,
    catalog_filters,
    check_json_ints,
    int_arg,
    page_arg,
)
from lms.i18n import current_language
from lms.search.documents import search_published
from lms.search.query import clean_query
from lms.search.tasks import course_changed


def course_error(error):
    return ApiError(error.status, error.code, str(error))


def load_course(course_id):
    """The course if the requester may see it; a 404 otherwise (no existence leak)."""
    course = db.session.get(Course, course_id)
    if course is None or not queries.may_view(course, current_user):
        abort(404)
    return course


def load_managed_course(course_id):
    user = require_user()
    course = load_course(course_id)
    if not queries.may_manage(course, user):
        abort(403)
    return course


def load_lecture(lecture_id):
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None:
        abort(404)
    load_course(lecture.course_id)
    return lecture


def require_enrolment(course):
    user = require_user()
    enrolment = queries.get_enrolment(course.id, user.id)
    if enrolment is None:
        raise ApiError(403, "not_enrolled", "Enrol in the course first.")
    return enrolment


def course_json(course, enrolments=None):
    """The course as JSON with the requester's step; ``enrolments`` (course id →
    enrolment) saves a query per course in lists."""
    step = None
    if current_user.is_authenticated:
        if enrolments is None:
            enrolment = queries.get_enrolment(course.id, current_user.id)
        else:
            enrolment = enrolments.get(course.id)
        step = queries.enrolment_step(enrolment).value if enrolment else None
    return serialize_course(
        course,
        language=current_language(),
        class_hours=queries.class_hours(course),
        credits=float(queries.course_credits(course)),
        step=step,
    )


def my_enrolments(courses):
    if not current_user.is_authenticated:
        return {}
    return queries.get_enrolments(current_user.id, [c.id for c in courses])


def course_fields(data):
    """The course's own fields from a body: never ``owner``, ``actor`` or ``id``
    (they would reach the operation as arguments), dates parsed."""
    fields = {k: v for k, v in data.items() if k in ops.COURSE_FIELDS}
    for key in ("enrol_opens_dt", "enrol_closes_dt"):
        if key in fields:
            fields[key] = aware_datetime_field(key, fields[key])
    return fields


def call(operation, *args, **kwargs):
    try:
        return operation(*args, **kwargs)
    except ops.CourseError as error:
        raise course_error(error) from None


# --- catalog and course editing ---------------------------------------------------


@api_route(
    "/courses",
    ["GET"],
    summary="The published catalog",
    auth="none",
    parameters=[
        {"name": name, "in": "query", "schema": {"type": "string"}}
        for name in (
            "q",
            "specialty",
            "profession",
            "format",
            "credit_category",
            "page",
        )
    ],
    responses=ok("A page of approved courses"),
)
def list_courses():
    q = request.args.get("q", "")
    if clean_query(q):
        return jsonify(search_catalog(q))
    page = queries.list_catalog(page=page_arg(), **catalog_filters())
    enrolments = my_enrolments(page.items)
    return jsonify(
        {
            "items": [course_json(c, enrolments) for c in page.items],
            "page": page.page,
            "pages": page.pages,
            "total": page.total,
        }
    )


def search_catalog(q):
    """A page of search results with highlights and facet counts."""
    found, results = search_published(q, catalog_filters(), page=page_arg())
    enrolments = my_enrolments([course for course, _ in results])
    items = [
        course_json(course, enrolments)
        | {
            "score": round(hit.score, 3),
            "title_html": hit.title_html,
            "title_en_html": hit.title_en_html,
            "snippet_html": hit.snippet_html,
        }
        for course, hit in results
    ]
    return {
        "items": items,
        "page": found.page,
        "pages": found.pages,
        "total": found.total,
        "facets": found.facets,
    }


@api_route(
    "/courses",
    ["POST"],
    summary="Create a draft course (lecturers)",
    request_body=OBJ,
    responses=created("The new draft"),
)
def create_course():
    user = require_user()
    if user.role not in (Role.LECTURER, Role.ADMINISTRATOR):
        abort(403)
    course = call(ops.create_course, user, **course_fields(json_body()))
    db.session.commit()
    return jsonify(course_json(course)), 201


@api_route(
    "/courses/<int:course_id>",
    ["GET"],
    summary="A course, with the credits completing it awards",
    auth="none",
    responses=ok("The course", {"$ref": "#/components/schemas/Course"}),
)
def get_course(course_id):
    return jsonify(course_json(load_course(course_id)))


@api_route(
    "/courses/<int:course_id>",
    ["PATCH"],
    summary="Edit a draft course",
    request_body=OBJ,
    responses=ok("The course"),
)
def edit_course(course_id):
    course = load_managed_course(course_id)
    call(ops.update_course, course, current_user, **course_fields(json_body()))
    db.session.commit()
    course_changed(course.id)
    return jsonify(course_json(course))


@api_route(
    "/courses/<int:course_id>/lectures",
    ["POST"],
    summary="Add a lecture",
    request_body={
        "type": "object",
        "required": ["title_zh"],
        "properties": {
            "title_zh": {"type": "string"},
            "title_en": {"type": "string"},
            "duration": {"type": "number"},
        },
    },
    responses=created("The lecture"),
)
def add_lecture(course_id):
    course = load_managed_course(course_id)
    data = json_body()
    lecture = call(
        ops.add_lecture,
        course,
        current_user,
        title_zh=data.get("title_zh"),
        title_en=data.get("title_en", ""),
        duration_seconds=data.get("duration"),
    )
    db.session.commit()
    return jsonify(serialize_lecture(lecture)), 201


@api_route(
    "/courses/<int:course_id>/questions",
    ["POST"],
    summary="Add a post-test question with its options",
    request_body={"type": "object", "required": ["text_zh", "options"]},
    responses=created("The question (with its answer key, for its authors)"),
)
def add_question(course_id):
    course = load_managed_course(course_id)
    data = json_body()
    question = call(
        ops.add_question,
        course,
        current_user,
        text_zh=data.get("text_zh"),
        text_en=data.get("text_en", ""),
        kind=data.get("kind", "single"),
        options=data.get("options"),
        explanation_zh=data.get("explanation_zh", ""),
        explanation_en=data.get("explanation_en", ""),
    )
    db.session.commit()
    return jsonify(
        {
            "id": question.id,
            "kind": question.kind.value,
            "options": [
                {"id": o.id, "text_zh": o.text_zh, "is_correct": o.is_correct}
                for o in question.options
            ],
        }
    ), 201


def _status_change(course_id, action):
    user = require_user()
    course = load_course(course_id)
    data = optional_json_body()
    call(
        ops.change_course_status,
        course,
        user,
        action,
        utcnow(),
        comment=str(data.get("comment") or ""),
        approval=data,
    )
    db.session.commit()
    course_changed(course.id)
    return jsonify(course_json(course))


@api_route(
    "/courses/<int:course_id>/submit",
    ["POST"],
    summary="Submit for approval (its lecturers)",
    responses=ok("The course"),
)
def submit_course(course_id):
    return _status_change(course_id, "submit")


@api_route(
    "/courses/<int:course_id>/approve",
    ["POST"],
    summary="Approve and publish (administrators); may set project number, "
    "credit category and class hours with a reason",
    request_body=OBJ,
    responses=ok("The course"),
)
def approve_course(course_id):
    return _status_change(course_id, "approve")


@api_route(
    "/courses/<int:course_id>/return",
    ["POST"],
    summary="Return to its lecturers with a comment (administrators)",
    request_body=OBJ,
    responses=ok("The course"),
)
def return_course(course_id):
    return _status_change(course_id, "return")


@api_route(
    "/courses/<int:course_id>/archive",
    ["POST"],
    summary="Archive (administrators)",
    responses=ok("The course"),
)
def archive_course(course_id):
    return _status_change(course_id, "archive")


# --- enrolment and progress ---------------------------------------------------------


@api_route(
    "/courses/<int:course_id>/enrol",
    ["POST"],
    summary="Enrol (learners)",
    responses=ok("The enrolment"),
)
def enrol(course_id):
    user = require_user()
    course = load_course(course_id)
    enrolment = call(ops.enrol, course, user, utcnow())
    db.session.commit()
    return jsonify(
        {
            "course_id": course.id,
            "enrolled_at": enrolment.enrolled_dt.isoformat(),
            "step": queries.enrolment_step(enrolment).value,
        }
    )


@api_route(
    "/lectures/<int:lecture_id>",
    ["GET"],
    summary="A lecture",
    auth="none",
    responses=ok("The lecture"),
)
def get_lecture(lecture_id):
    return jsonify(serialize_lecture(load_lecture(lecture_id)))


@api_route(
    "/lectures/<int:lecture_id>/play-sessions",
    ["POST"],
    summary="Start watching (enrolled learners); returns the play session id "
    "and where to resume",
    description="The new play session is the learner's one credit-earning "
    "stream: their earlier play sessions (other tabs, devices, lectures) stop "
    "counting. No request body.",
    responses=created("The play session and the learner's progress"),
)
def start_play_session(lecture_id):
    user = require_user()
    lecture = load_lecture(lecture_id)
    session, state = call(ops.start_play_session, user, lecture, utcnow())
    db.session.commit()
    return jsonify(
        {
            "play_session": session.token,
            "heartbeat_seconds": 15,
            "progress": serialize_progress(state),
        }
    ), 201


@api_route(
    "/lectures/<int:lecture_id>/progress",
    ["POST"],
    summary="A heartbeat: the media ranges played since the last one",
    request_body={
        "type": "object",
        "required": ["play_session", "seq", "ranges"],
        "properties": {
            "play_session": {"type": "string"},
            "seq": {"type": "integer", "minimum": 1},
            "ranges": {
                "type": "array",
                "items": {
                    "type": "array",
                    "items": {"type": "number"},
                    "minItems": 2,
                    "maxItems": 2,
                },
            },
            "position": {"type": "number"},
        },
    },
    description="Media time is limited per learner across all their play "
    "sessions (wall time x 2 + slack). 409 `play_session_superseded` when a "
    "newer play session of the learner counts now: the beat counts nothing; "
    "start a new play session to count here.",
    responses=ok("The learner's coverage of the lecture"),
)
def post_progress(lecture_id):
    user = require_user()
    lecture = load_lecture(lecture_id)
    data = check_json_ints(json_body(), "seq")
    # Only these fields are read: a client's "completed" or "credits" is ignored.
    state = call(
        ops.record_heartbeat,
        user,
        lecture,
        data.get("play_session"),
        data.get("seq"),
        data.get("ranges"),
        utcnow(),
        position=data.get("position"),
    )
    db.session.commit()
    return jsonify(serialize_progress(state))


@api_route(
    "/lectures/<int:lecture_id>/progress",
    ["GET"],
    summary="A learner's progress in a lecture (their own by default)",
    parameters=[{"name": "user_id", "in": "query", "schema": {"type": "integer"}}],
    responses=ok("Coverage, completion and the resume position"),
)
def get_progress(lecture_id):
    require_user()
    lecture = load_lecture(lecture_id)
    learner = _learner_for_record(lecture.course, int_arg("user_id"))
    progress = queries.get_progress(learner.id, lecture.id)
    state = ops.progress_state(progress, lecture)
    return jsonify(serialize_progress(state) | {"user_id": learner.id})


@api_route(
    "/courses/<int:course_id>/progress",
    ["GET"],
    summary="A learner's progress in a course: each lecture and the next step",
    parameters=[{"name": "user_id", "in": "query", "schema": {"type": "integer"}}],
    responses=ok("Per-lecture progress and the next gate"),
)
def get_course_progress(course_id):
    require_user()
    course = load_course(course_id)
    learner = _learner_for_record(course, int_arg("user_id"))
    enrolment = queries.get_enrolment(course.id, learner.id)
    if enrolment is None:
        raise ApiError(404, "not_enrolled", "Not enrolled in this course.")
    progress = queries.progress_by_lecture(learner.id, course)
    return jsonify(
        {
            "user_id": learner.id,
            "step": queries.enrolment_step(enrolment).value,
            "completed_at": enrolment.completed_dt.isoformat()
            if enrolment.completed_dt
            else None,
            "lectures": [
                serialize_progress(ops.progress_state(progress.get(lec.id), lec))
                for lec in course.lectures
            ],
        }
    )


def _learner_for_record(course, user_id):
    """The learner whose record is asked for, if the requester may read it."""
    if user_id is None or user_id == current_user.id:
        return current_user._get_current_object()
    learner = db.session.get(User, user_id)
    if learner is None or not can_view_learner_record(
        queries.actor_of(current_user),
        learner.id,
        learner.hospital_id,
        queries.is_lecturer_of(course, current_user),
    ):
        abort(404)
    return learner


# --- post-test and evaluation ---------------------------------------------------------


ATTEMPT = {
    "type": "object",
    "description": "An attempt's questions with shuffled options, no answer key. "
    "Option ids are this attempt's own random keys: answer with them.",
    "properties": {
        "attempt_id": {"type": "integer"},
        "number": {"type": "integer"},
        "submitted": {"type": "boolean"},
        "attempts_left": {"type": "integer"},
        "questions": {
            "type": "array",
            "items": {
                "type": "object",
                "properties": {
                    "id": {"type": "integer"},
                    "kind": {"type": "string", "enum": ["single", "multiple"]},
                    "text": {"type": "string"},
                    "options": {
                        "type": "array",
                        "items": {
                            "type": "object",
                            "properties": {
                                "id": {"type": "string"},
                                "text": {"type": "string"},
                            },
                        },
                    },
                },
            },
        },
    },
}


def attempt_json(course, attempt):
    questions = {q.id: q for q in course.questions}
    return serialize_attempt(attempt, questions, current_language()) | {
        "attempts_left": attempt.enrolment.max_attempts - attempt.number + 1
    }


@api_route(
    "/courses/<int:course_id>/post-test",
    ["GET"],
    summary="The learner's open attempt (reads only: start one with "
    "POST .../post-test/attempts)",
    responses=ok("The open attempt", ATTEMPT),
    description="404 `no_open_attempt` when none is open; 403 `test_locked`, "
    "409 `already_passed` or `no_attempts_left` when none can be.",
)
def get_post_test(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    attempt = queries.get_open_attempt(enrolment)
    if attempt is not None and ops.has_option_keys(attempt):
        return jsonify(attempt_json(course, attempt))
    status, code, message = {
        Step.WATCH: (403, "test_locked", "Watch every lecture before the post-test."),
        Step.FAILED: (409, "no_attempts_left", "No attempts are left."),
        Step.EVALUATE: (409, "already_passed", "You have passed this post-test."),
        Step.COMPLETE: (409, "already_passed", "You have passed this post-test."),
    }.get(
        queries.enrolment_step(enrolment),
        (
            404,
            "no_open_attempt",
            "No attempt is open: start one with POST "
            f"/api/v1/courses/{course.id}/post-test/attempts.",
        ),
    )
    raise ApiError(status, code, message)


@api_route(
    "/courses/<int:course_id>/post-test/attempts",
    ["POST"],
    summary="Start a post-test attempt, or resume the open one",
    responses=ok("The open attempt, resumed", ATTEMPT)
    | created("A new attempt", ATTEMPT),
)
def start_post_test_attempt(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    attempt, is_new = call(ops.open_attempt, enrolment, random.SystemRandom(), utcnow())
    db.session.commit()
    return jsonify(attempt_json(course, attempt)), 201 if is_new else 200


@api_route(
    "/courses/<int:course_id>/post-test",
    ["POST"],
    summary="Submit an attempt's answers",
    request_body={
        "type": "object",
        "required": ["attempt_id", "answers"],
        "properties": {
            "attempt_id": {"type": "integer"},
            "answers": {
                "type": "object",
                "description": "question id → the option ids (keys) this "
                "attempt shows, one or a list",
                "additionalProperties": {
                    "oneOf": [
                        {"type": "string"},
                        {"type": "array", "items": {"type": "string"}},
                    ]
                },
            },
        },
    },
    responses=ok("The result"),
)
def submit_post_test(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    data = check_json_ints(json_body(), "attempt_id")
    attempt, grade = call(
        ops.submit_attempt,
        enrolment,
        data.get("attempt_id"),
        data.get("answers"),
        utcnow(),
    )
    db.session.commit()
    used = len([a for a in queries.list_attempts(enrolment) if a.submitted_dt])
    return jsonify(
        {
            "attempt_id": attempt.id,
            "score": grade.score,
            "correct": grade.correct,
            "total": grade.total,
            "passed": grade.passed,
            "pass_mark": course.pass_mark,
            "attempts_left": max(0, course.max_attempts - used),
            "step": queries.enrolment_step(enrolment).value,
        }
    )


@api_route(
    "/courses/<int:course_id>/evaluation",
    ["POST"],
    summary="The course evaluation (after passing the post-test)",
    request_body={
        "type": "object",
        "required": ["course_quality", "lecturer_quality", "relevance"],
    },
    responses=ok("The course is complete"),
)
def submit_evaluation(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    data = json_body()
    call(
        ops.submit_evaluation,
        enrolment,
        utcnow(),
        course_quality=data.get("course_quality"),
        lecturer_quality=data.get("lecturer_quality"),
        relevance=data.get("relevance"),
        comments=data.get("comments", ""),
    )
    db.session.commit()
    return jsonify(
        {
            "step": queries.enrolment_step(enrolment).value,
            "completed_at": enrolment.completed_dt.isoformat(),
        }
    )
