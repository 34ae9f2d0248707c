"""Courses, lectures, enrolment, watch progress, post-tests and evaluations."""

import random

from flask import abort
from flask_login import current_user

from courses import operations as ops
from courses import queries
from courses.access import can_view_learner_record
from courses.gates import Step
from courses.models import Course, Lecture
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api import ApiError, api_route, require_user
from lms.api import schemas as s
from lms.api.serializers import (
    serialize_attempt,
    serialize_course,
    serialize_lecture,
    serialize_progress,
)
from lms.db import db, utcnow
from lms.i18n import current_language
from lms.problems import DomainError, Kind
from lms.search.documents import search_published
from lms.search.query import clean_query
from lms.search.tasks import course_changed

FORBIDDEN, NOT_FOUND = Kind.FORBIDDEN, Kind.NOT_FOUND


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
        raise DomainError("not_enrolled", "Enrol in the course first.", FORBIDDEN)
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


# --- catalog and course editing ---------------------------------------------------


@api_route(
    "/courses",
    ["GET"],
    summary="The published catalog",
    auth="none",
    query=s.CatalogQuery,
    responses={200: s.CourseListOut},
)
def list_courses(query):
    filters = query.model_dump(include=FILTERS)
    if clean_query(query.q):
        return search_catalog(query.q, filters, query.page)
    page = queries.list_catalog(page=query.page, **filters)
    enrolments = my_enrolments(page.items)
    return {
        "items": [course_json(c, enrolments) for c in page.items],
        "page": page.page,
        "pages": page.pages,
        "total": page.total,
    }


FILTERS = {"specialty", "profession", "format", "credit_category"}


def search_catalog(q, filters, page):
    """A page of search results with highlights and facet counts."""
    found, results = search_published(q, filters, page=page)
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
    roles=(Role.LECTURER, Role.ADMINISTRATOR),
    body=s.CourseCreateIn,
    example={"title_zh": "高血压基层管理", "specialty": "cardiology"},
    responses={201: s.CourseOut, 403: "Not a lecturer"},
)
def create_course(body):
    user = require_user()
    course = ops.create_course(user, **body.model_dump(exclude_none=True))
    db.session.commit()
    return course_json(course), 201


@api_route(
    "/courses/<int:course_id>",
    ["GET"],
    summary="A course, with the credits completing it awards",
    auth="none",
    responses={200: s.CourseOut},
)
def get_course(course_id):
    return course_json(load_course(course_id))


@api_route(
    "/courses/<int:course_id>",
    ["PATCH"],
    summary="Edit a draft course",
    body=s.CoursePatchIn,
    example={"max_attempts": 5, "pass_mark": 0.8},
    responses={200: s.CourseOut, 403: "Not its lecturer", 409: "Not editable now"},
)
def edit_course(course_id, body):
    course = load_managed_course(course_id)
    ops.update_course(course, current_user, **body.model_dump(exclude_unset=True))
    db.session.commit()
    course_changed(course.id)
    return course_json(course)


@api_route(
    "/courses/<int:course_id>/lectures",
    ["POST"],
    summary="Add a lecture",
    body=s.LectureIn,
    example={"title_zh": "第1讲 高血压的诊断", "duration": 1800},
    responses={201: s.LectureOut, 403: "Not its lecturer", 409: "Not editable now"},
)
def add_lecture(course_id, body):
    course = load_managed_course(course_id)
    lecture = ops.add_lecture(
        course,
        current_user,
        title_zh=body.title_zh,
        title_en=body.title_en,
        duration_seconds=body.duration,
    )
    db.session.commit()
    return serialize_lecture(lecture), 201


@api_route(
    "/courses/<int:course_id>/questions",
    ["POST"],
    summary="Add a post-test question with its options",
    body=s.QuestionIn,
    responses={201: s.QuestionOut, 403: "Not its lecturer", 409: "Not editable now"},
)
def add_question(course_id, body):
    course = load_managed_course(course_id)
    question = ops.add_question(course, current_user, **body.model_dump())
    db.session.commit()
    return {
        "id": question.id,
        "kind": question.kind,
        "options": [
            {"id": o.id, "text_zh": o.text_zh, "is_correct": o.is_correct}
            for o in question.options
        ],
    }, 201


DECISION = {
    "body": s.CourseDecisionIn,
    "body_optional": True,
    "responses": {200: s.CourseOut, 403: "Not allowed", 409: "Not in this state"},
}


def _status_change(course_id, action, body):
    user = require_user()
    course = load_course(course_id)
    ops.change_course_status(
        course,
        user,
        action,
        utcnow(),
        comment=body.comment,
        approval=body.model_dump(exclude_unset=True, exclude={"comment"}),
    )
    db.session.commit()
    course_changed(course.id)
    return course_json(course)


@api_route(
    "/courses/<int:course_id>/submit",
    ["POST"],
    summary="Submit for approval (its lecturers)",
    **DECISION,
)
def submit_course(course_id, body):
    return _status_change(course_id, "submit", body)


@api_route(
    "/courses/<int:course_id>/approve",
    ["POST"],
    summary="Approve and publish (administrators); may set project number, "
    "credit category and class hours with a reason",
    example={"project_number": "2026-04-01-001", "credit_category": "I"},
    **DECISION,
)
def approve_course(course_id, body):
    return _status_change(course_id, "approve", body)


@api_route(
    "/courses/<int:course_id>/return",
    ["POST"],
    summary="Return to its lecturers with a comment (administrators)",
    **DECISION,
)
def return_course(course_id, body):
    return _status_change(course_id, "return", body)


@api_route(
    "/courses/<int:course_id>/archive",
    ["POST"],
    summary="Archive (administrators)",
    **DECISION,
)
def archive_course(course_id, body):
    return _status_change(course_id, "archive", body)


# --- enrolment and progress ---------------------------------------------------------


@api_route(
    "/courses/<int:course_id>/enrol",
    ["POST"],
    summary="Enrol (learners)",
    responses={200: s.EnrolmentOut, 403: "Not a learner", 409: "Not open"},
)
def enrol(course_id):
    user = require_user()
    course = load_course(course_id)
    enrolment = ops.enrol(course, user, utcnow())
    db.session.commit()
    return {
        "course_id": course.id,
        "enrolled_at": enrolment.enrolled_dt,
        "step": queries.enrolment_step(enrolment),
    }


@api_route(
    "/lectures/<int:lecture_id>",
    ["GET"],
    summary="A lecture",
    auth="none",
    responses={200: s.LectureOut},
)
def get_lecture(lecture_id):
    return serialize_lecture(load_lecture(lecture_id))


@api_route(
    "/lectures/<int:lecture_id>/play-sessions",
    ["POST"],
    summary="Start watching (enrolled learners); returns the play session id "
    "and where to resume",
    description="The new play session is the learner's one credit-earning "
    "stream: their earlier play sessions (other tabs, devices, lectures) stop "
    "counting. No request body.",
    responses={201: s.PlaySessionOut, 403: "Not enrolled", 409: "Not playable"},
)
def start_play_session(lecture_id):
    user = require_user()
    lecture = load_lecture(lecture_id)
    session, state = ops.start_play_session(user, lecture, utcnow())
    db.session.commit()
    return {
        "play_session": session.token,
        "heartbeat_seconds": 15,
        "progress": serialize_progress(state),
    }, 201


@api_route(
    "/lectures/<int:lecture_id>/progress",
    ["POST"],
    summary="A heartbeat: the media ranges played since the last one",
    body=s.HeartbeatIn,
    example={"play_session": "Vq3…", "seq": 1, "ranges": [[0, 15]], "position": 15},
    description="Media time is limited per learner across all their play "
    "sessions (wall time x 2 + slack). 409 `play_session_superseded` when a "
    "newer play session of the learner counts now: the beat counts nothing; "
    "start a new play session to count here.",
    responses={
        200: s.ProgressOut,
        403: "Not enrolled",
        404: "Unknown play session",
        409: "Superseded by a newer play session, or too fast",
    },
)
def post_progress(lecture_id, body):
    user = require_user()
    beat = (body.play_session, body.seq, body.ranges, utcnow())
    try:
        state = ops.record_heartbeat(user, lecture_id, *beat, position=body.position)
    except ops.LectureUnchecked:
        # Not a lecture of an approved course (a lecturer's own draft), or no
        # such play session: the long way, and the same 404 as elsewhere.
        lecture = load_lecture(lecture_id)
        state = ops.record_heartbeat(user, lecture, *beat, position=body.position)
    db.session.commit()
    return serialize_progress(state)


@api_route(
    "/lectures/<int:lecture_id>/progress",
    ["GET"],
    summary="A learner's progress in a lecture (their own by default)",
    query=s.LearnerQuery,
    responses={200: s.ProgressOut},
)
def get_progress(lecture_id, query):
    require_user()
    lecture = load_lecture(lecture_id)
    learner = _learner_for_record(lecture.course, query.user_id)
    progress = queries.get_progress(learner.id, lecture.id)
    state = ops.progress_state(progress, lecture)
    return serialize_progress(state) | {"user_id": learner.id}


@api_route(
    "/courses/<int:course_id>/progress",
    ["GET"],
    summary="A learner's progress in a course: each lecture and the next step",
    query=s.LearnerQuery,
    responses={200: s.CourseProgressOut, 404: "Not enrolled (or not visible)"},
)
def get_course_progress(course_id, query):
    require_user()
    course = load_course(course_id)
    learner = _learner_for_record(course, query.user_id)
    enrolment = queries.get_enrolment(course.id, learner.id)
    if enrolment is None:
        raise DomainError("not_enrolled", "Not enrolled in this course.", NOT_FOUND)
    progress = queries.progress_by_lecture(learner.id, course)
    return {
        "user_id": learner.id,
        "step": queries.enrolment_step(enrolment),
        "completed_at": enrolment.completed_dt,
        "lectures": [
            serialize_progress(ops.progress_state(progress.get(lec.id), lec))
            for lec in course.lectures
        ],
    }


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
    responses={
        200: s.AttemptOut,
        403: "Not enrolled, or the lectures are not watched yet",
        404: "No attempt is open",
        409: "Passed already, or no attempts are left",
    },
    description="404 `no_open_attempt` when none is open; 403 `test_locked`, "
    "409 `already_passed` or `no_attempts_left` when none can be.",
)
def get_post_test(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    attempt = queries.get_open_attempt(enrolment)
    if attempt is not None and ops.has_option_keys(attempt):
        return attempt_json(course, attempt)
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
    responses={
        200: s.AttemptOut,
        201: s.AttemptOut,
        403: "Not enrolled, or the lectures are not watched yet",
        409: "Passed already, or no attempts are left",
    },
)
def start_post_test_attempt(course_id):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    attempt, is_new = ops.open_attempt(enrolment, random.SystemRandom(), utcnow())
    db.session.commit()
    return attempt_json(course, attempt), 201 if is_new else 200


@api_route(
    "/courses/<int:course_id>/post-test",
    ["POST"],
    summary="Submit an attempt's answers",
    body=s.AnswersIn,
    example={"attempt_id": 7, "answers": {"12": "k3Xa", "13": ["p0Qz", "Lm2c"]}},
    responses={
        200: s.GradeOut,
        403: "Not enrolled",
        404: "Unknown attempt",
        409: "Submitted already",
    },
)
def submit_post_test(course_id, body):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    attempt, grade = ops.submit_attempt(
        enrolment, body.attempt_id, body.answers, utcnow()
    )
    db.session.commit()
    used = len([a for a in queries.list_attempts(enrolment) if a.submitted_dt])
    return {
        "attempt_id": attempt.id,
        "score": grade.score,
        "correct": grade.correct,
        "total": grade.total,
        "passed": grade.passed,
        "pass_mark": course.pass_mark,
        "attempts_left": max(0, enrolment.max_attempts - used),
        "step": queries.enrolment_step(enrolment),
    }


@api_route(
    "/courses/<int:course_id>/evaluation",
    ["POST"],
    summary="The course evaluation (after passing the post-test)",
    body=s.EvaluationIn,
    example={"course_quality": 5, "lecturer_quality": 4, "relevance": 5},
    responses={
        200: s.EvaluationOut,
        403: "Not enrolled, or the post-test is not passed",
        409: "Evaluated already",
    },
)
def submit_evaluation(course_id, body):
    course = load_course(course_id)
    enrolment = require_enrolment(course)
    ops.submit_evaluation(enrolment, utcnow(), **body.model_dump())
    db.session.commit()
    return {
        "step": queries.enrolment_step(enrolment),
        "completed_at": enrolment.completed_dt,
    }
