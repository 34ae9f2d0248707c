"""certificates acts on courses' events (the credits of a completed course, or
the office's queue; the teaching credits of a published one) and gives courses
the credit terms it needs (``courses.credit_terms``), so courses never imports
certificates."""

from certificates import queries
from certificates.operations import (
    award_completion,
    award_session_attendance,
    award_session_teaching,
    award_teaching,
)
from certificates.rule_sets import DEFAULT_RULE_SET
from certificates.rules import approval_problems, calculate_class_hours
from courses.credit_terms import CreditTerms, provide
from courses.events import course_completed, course_published

TERMS = CreditTerms(
    default_rule_set=DEFAULT_RULE_SET,
    get_rule_set=queries.get_rule_set,
    approval_problems=approval_problems,
    calculate_class_hours=calculate_class_hours,
    course_award=queries.course_award,
    award_session_attendance=award_session_attendance,
    award_session_teaching=award_session_teaching,
)


def _on_course_completed(enrolment, *, now):
    award_completion(enrolment, now)


def _on_course_published(course, *, now):
    award_teaching(course, now)  # a published course is a delivered one


def connect():
    """Listen to courses' events and provide its credit terms (the app factory
    calls this; calling it twice changes nothing)."""
    course_completed.connect(_on_course_completed)
    course_published.connect(_on_course_published)
    provide(TERMS)
