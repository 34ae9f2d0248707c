"""The completion gates of a course, in order (DESIGN §2.2).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass


class Step(enum.StrEnum):
    WATCH = "watch"
    TEST = "test"
    EVALUATE = "evaluate"
    COMPLETE = "complete"
    #: Every attempt used without a pass: an administrator may grant another.
    FAILED = "failed"


@dataclass(frozen=True)
class EnrolmentFacts:
    lectures_total: int
    lectures_complete: int
    has_passed: bool
    attempts_used: int
    max_attempts: int
    has_evaluated: bool


def next_step(facts):
    """Where a learner stands: each gate opens only when the one before is passed."""
    if facts.lectures_total == 0 or facts.lectures_complete < facts.lectures_total:
        return Step.WATCH
    if not facts.has_passed:
        return Step.FAILED if facts.attempts_used >= facts.max_attempts else Step.TEST
    if not facts.has_evaluated:
        return Step.EVALUATE
    return Step.COMPLETE


def next_lecture(lecture_ids, completed_ids, *, after=None):
    """The lecture a learner goes on with: the first one in course order not yet
    completed (after ``after`` when given: the one following a lecture just
    watched, else the first unwatched before it), or None when every one is.

    ``lecture_ids`` are in course order; ``completed_ids`` a set.
    """
    order = list(lecture_ids)
    if after in order:
        index = order.index(after)
        order = order[index + 1 :] + order[:index]
    for lecture_id in order:
        if lecture_id not in completed_ids:
            return lecture_id
    return None


def may_review_answers(step):
    """Right and wrong answers are shown once they can no longer help pass: after
    the pass (evaluation or completion next) or after the last attempt."""
    return step in (Step.EVALUATE, Step.COMPLETE, Step.FAILED)
