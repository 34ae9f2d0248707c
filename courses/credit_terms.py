"""The credit terms courses need (rule sets, what a course awards) without
importing certificates: certificates provides them when the app starts
(``certificates.events.connect``), so the only arrow is certificates → courses.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


@dataclass(frozen=True)
class CreditTerms:
    #: The code of the rule set a new course falls under.
    default_rule_set: str
    #: ``get_rule_set(code, on=None)``: the rule set in force, or None.
    get_rule_set: Callable[..., Any]
    #: ``approval_problems(class_hours=, project_level=, project_number=,
    #: category=, rule_set=)``: why a course cannot be approved yet.
    approval_problems: Callable[..., list]
    #: ``calculate_class_hours(minutes, rule_set)``: clock hours in its steps.
    calculate_class_hours: Callable[..., Any]
    #: ``course_award(course)``: what completing the course awards today.
    course_award: Callable[..., Any]
    #: ``award_session_attendance(session, user_id, on, *, minutes,
    #: is_distance)`` and ``award_session_teaching(session, user_id, on, *,
    #: minutes)``: a session's ledger line, ``(award or None, reason)``.
    award_session_attendance: Callable[..., Any] = None
    award_session_teaching: Callable[..., Any] = None


_provided = []


def provide(terms):
    """Install the terms (the app factory, through certificates.events)."""
    _provided[:] = [terms]


def credit_terms():
    if not _provided:
        raise RuntimeError(
            "No credit terms: create the app first (it connects certificates.events)."
        )
    return _provided[0]
