import pytest

from courses.access import Actor, can_view_course, can_view_learner_record
from courses.gates import EnrolmentFacts, Step, next_step
from courses.workflow import (
    CourseAction,
    CourseStatus,
    can_edit_course,
    next_status,
    submission_problems,
)
from lms.accounts.roles import Role

S, A = CourseStatus, CourseAction


@pytest.mark.parametrize(
    ("status", "action", "role", "own", "result"),
    [
        (S.DRAFT, A.SUBMIT, Role.LECTURER, True, S.SUBMITTED),
        (S.DRAFT, A.SUBMIT, Role.LECTURER, False, None),  # not their course
        (S.RETURNED, A.SUBMIT, Role.LECTURER, True, S.SUBMITTED),
        (S.SUBMITTED, A.APPROVE, Role.ADMINISTRATOR, False, S.APPROVED),
        (S.SUBMITTED, A.APPROVE, Role.LECTURER, True, None),  # no self-approval
        (S.SUBMITTED, A.RETURN, Role.ADMINISTRATOR, False, S.RETURNED),
        (S.APPROVED, A.ARCHIVE, Role.ADMINISTRATOR, False, S.ARCHIVED),
        (S.DRAFT, A.APPROVE, Role.ADMINISTRATOR, False, None),  # must be submitted
        (S.ARCHIVED, A.SUBMIT, Role.LECTURER, True, None),
        (S.DRAFT, A.SUBMIT, Role.LEARNER, True, None),
    ],
)
def test_course_transitions(status, action, role, own, result):
    assert next_status(status, action, role=role, is_lecturer_of_course=own) == result


@pytest.mark.parametrize(
    ("status", "role", "own", "editable"),
    [
        (S.DRAFT, Role.LECTURER, True, True),
        (S.RETURNED, Role.LECTURER, True, True),
        (S.SUBMITTED, Role.LECTURER, True, False),
        (S.APPROVED, Role.LECTURER, True, False),
        (S.DRAFT, Role.LECTURER, False, False),  # another lecturer's course
        (S.APPROVED, Role.ADMINISTRATOR, False, True),
        (S.ARCHIVED, Role.ADMINISTRATOR, False, False),
    ],
)
def test_who_edits_a_course_when(status, role, own, editable):
    assert can_edit_course(status, role=role, is_lecturer_of_course=own) is editable


@pytest.mark.parametrize(
    ("kw", "problems"),
    [
        (
            {
                "lecture_count": 2,
                "playable_lectures": 2,
                "question_count": 5,
                "questions_per_attempt": 5,
            },
            [],
        ),
        (
            {
                "lecture_count": 0,
                "playable_lectures": 0,
                "question_count": 5,
                "questions_per_attempt": None,
            },
            ["no_lectures"],
        ),
        (
            {
                "lecture_count": 2,
                "playable_lectures": 1,
                "question_count": 5,
                "questions_per_attempt": None,
            },
            ["lectures_not_ready"],
        ),
        (
            {
                "lecture_count": 1,
                "playable_lectures": 1,
                "question_count": 0,
                "questions_per_attempt": None,
            },
            ["no_questions"],
        ),
        (
            {
                "lecture_count": 1,
                "playable_lectures": 1,
                "question_count": 3,
                "questions_per_attempt": 5,
            },
            ["too_few_questions"],
        ),
    ],
)
def test_what_keeps_a_course_from_submission(kw, problems):
    assert submission_problems(**kw) == problems


def facts(**kw):
    values = {
        "lectures_total": 2,
        "lectures_complete": 2,
        "has_passed": True,
        "attempts_used": 1,
        "max_attempts": 3,
        "has_evaluated": True,
    }
    values.update(kw)
    return EnrolmentFacts(**values)


@pytest.mark.parametrize(
    ("kw", "step"),
    [
        (
            {"lectures_complete": 1, "has_passed": False, "has_evaluated": False},
            Step.WATCH,
        ),
        ({"lectures_total": 0}, Step.WATCH),
        ({"has_passed": False, "attempts_used": 0, "has_evaluated": False}, Step.TEST),
        ({"has_passed": False, "attempts_used": 2, "has_evaluated": False}, Step.TEST),
        (
            {"has_passed": False, "attempts_used": 3, "has_evaluated": False},
            Step.FAILED,
        ),
        ({"has_evaluated": False}, Step.EVALUATE),
        ({}, Step.COMPLETE),
    ],
)
def test_gates_open_in_order(kw, step):
    assert next_step(facts(**kw)) == step


LEARNER = Actor(1, Role.LEARNER, 10)


@pytest.mark.parametrize(
    ("actor", "learner_id", "hospital", "own_course", "allowed"),
    [
        (LEARNER, 1, 10, False, True),  # own record
        (LEARNER, 2, 10, False, False),  # another learner: no IDOR
        (Actor(3, Role.LECTURER, 1), 2, 10, True, True),
        (Actor(3, Role.LECTURER, 1), 2, 10, False, False),
        (Actor(4, Role.SITE_COORDINATOR, 10), 2, 10, False, True),
        (Actor(4, Role.SITE_COORDINATOR, 11), 2, 10, False, False),
        (Actor(5, Role.ADMINISTRATOR, None), 2, 10, False, True),
    ],
)
def test_who_sees_a_learners_record(actor, learner_id, hospital, own_course, allowed):
    assert can_view_learner_record(actor, learner_id, hospital, own_course) is allowed


@pytest.mark.parametrize(
    ("status", "actor", "own", "visible"),
    [
        (S.APPROVED, None, False, True),
        (S.DRAFT, None, False, False),
        (S.DRAFT, LEARNER, False, False),
        (S.SUBMITTED, Actor(3, Role.LECTURER, 1), True, True),
        (S.SUBMITTED, Actor(3, Role.LECTURER, 1), False, False),
        (S.RETURNED, Actor(5, Role.ADMINISTRATOR, None), False, True),
    ],
)
def test_unpublished_courses_are_hidden(status, actor, own, visible):
    assert can_view_course(actor, status, own) is visible
