"""A course's life: draft → submitted → approved (published) or returned → archived.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum

from lms.accounts.roles import Role


class CourseStatus(enum.StrEnum):
    DRAFT = "draft"
    SUBMITTED = "submitted"
    APPROVED = "approved"
    RETURNED = "returned"
    ARCHIVED = "archived"


class CourseAction(enum.StrEnum):
    SUBMIT = "submit"
    APPROVE = "approve"
    RETURN = "return"
    ARCHIVE = "archive"


#: (action, from status) → (to status, who may do it: "owner" or "admin")
TRANSITIONS = {
    (CourseAction.SUBMIT, CourseStatus.DRAFT): (CourseStatus.SUBMITTED, "owner"),
    (CourseAction.SUBMIT, CourseStatus.RETURNED): (CourseStatus.SUBMITTED, "owner"),
    (CourseAction.APPROVE, CourseStatus.SUBMITTED): (CourseStatus.APPROVED, "admin"),
    (CourseAction.RETURN, CourseStatus.SUBMITTED): (CourseStatus.RETURNED, "admin"),
    (CourseAction.ARCHIVE, CourseStatus.APPROVED): (CourseStatus.ARCHIVED, "admin"),
}

EDITABLE = frozenset({CourseStatus.DRAFT, CourseStatus.RETURNED})


def next_status(status, action, *, role, is_lecturer_of_course):
    """The status after ``action``, or None when it is not allowed."""
    found = TRANSITIONS.get((CourseAction(action), CourseStatus(status)))
    if found is None:
        return None
    target, who = found
    if role == Role.ADMINISTRATOR:
        return target
    if who == "owner" and role == Role.LECTURER and is_lecturer_of_course:
        return target
    return None


def is_transition(status, action):
    """Whether ``action`` exists for a course in ``status`` (for anyone at all)."""
    return (CourseAction(action), CourseStatus(status)) in TRANSITIONS


def can_edit_course(status, *, role, is_lecturer_of_course):
    """Lecturers edit their own courses while draft or returned; the office always."""
    if role == Role.ADMINISTRATOR:
        return status != CourseStatus.ARCHIVED
    return role == Role.LECTURER and is_lecturer_of_course and status in EDITABLE


def media_problems(*, lecture_count, playable_lectures):
    """What keeps a course from being submitted or approved for its lectures:
    it needs at least one, and every one needs ready (transcoded) media."""
    if lecture_count == 0:
        return ["no_lectures"]
    if playable_lectures < lecture_count:
        return ["lectures_not_ready"]
    return []


def media_needs_review(status):
    """Whether new media for a course's lecture waits for the CME office: once a
    course is submitted, the office watches what it approves, and once published
    (or archived) learners see only what the office passed. A transcode that ends
    while the office is reviewing waits too."""
    return CourseStatus(status) in (
        CourseStatus.SUBMITTED,
        CourseStatus.APPROVED,
        CourseStatus.ARCHIVED,
    )


def may_upload_media(status):
    """Whether a lecture of a course in this state takes a new recording: not
    while the office reviews the course (it would approve what it never saw)."""
    return CourseStatus(status) != CourseStatus.SUBMITTED


def submission_problems(
    *, lecture_count, playable_lectures, question_count, questions_per_attempt
):
    """What keeps a course from being submitted (empty when it is ready)."""
    problems = media_problems(
        lecture_count=lecture_count, playable_lectures=playable_lectures
    )
    if question_count == 0:
        problems.append("no_questions")
    elif questions_per_attempt and question_count < questions_per_attempt:
        problems.append("too_few_questions")
    return problems
