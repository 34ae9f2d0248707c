"""Post-tests: drawing an attempt from a course's bank, and grading it.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass

DEFAULT_PASS_MARK = 0.6
DEFAULT_MAX_ATTEMPTS = 3


class QuestionKind(enum.StrEnum):
    SINGLE = "single"
    MULTIPLE = "multiple"


class AnswerRejected(ValueError):
    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


@dataclass(frozen=True)
class BankQuestion:
    id: int
    kind: QuestionKind
    option_ids: tuple[int, ...]
    correct_ids: frozenset[int]


@dataclass(frozen=True)
class DrawnQuestion:
    """One question of an attempt, its options in the order this attempt shows."""

    question_id: int
    option_ids: tuple[int, ...]


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: float
    passed: bool
    #: question id → answered correctly
    results: dict


def draw_attempt(bank, count, rng):
    """Draw ``count`` questions (all when ``count`` is None) with shuffled options.

    ``rng`` is a ``random.Random``; the caller seeds it (or passes a system one).
    """
    if not bank:
        raise ValueError("the question bank is empty")
    count = len(bank) if count is None else min(count, len(bank))
    chosen = rng.sample(list(bank), count)
    drawn = []
    for question in chosen:
        options = list(question.option_ids)
        rng.shuffle(options)
        drawn.append(DrawnQuestion(question.id, tuple(options)))
    return tuple(drawn)


def grade_attempt(drawn, bank, answers, pass_mark):
    """Grade ``answers`` ({question id: [option ids]}) for the ``drawn`` attempt.

    Unanswered questions count as wrong; a multiple-choice question is right only
    when exactly its correct options are chosen. Answers to questions outside the
    attempt, or options outside a question, are refused (nothing is graded).
    """
    by_id = {q.id: q for q in bank}
    drawn_options = {d.question_id: set(d.option_ids) for d in drawn}
    for question_id, chosen in answers.items():
        if question_id not in drawn_options:
            raise AnswerRejected(
                "unknown_question", f"question {question_id} is not in this attempt"
            )
        if not set(chosen) <= drawn_options[question_id]:
            raise AnswerRejected(
                "unknown_option",
                f"an answer to question {question_id} is not one of its options",
            )
        if by_id[question_id].kind == QuestionKind.SINGLE and len(set(chosen)) > 1:
            raise AnswerRejected(
                "too_many_options", f"question {question_id} takes one answer"
            )
    results = {
        d.question_id: set(answers.get(d.question_id, ()))
        == by_id[d.question_id].correct_ids
        for d in drawn
    }
    correct = sum(results.values())
    total = len(drawn)
    score = correct / total if total else 0.0
    return Grade(
        correct=correct,
        total=total,
        score=score,
        passed=score >= pass_mark - 1e-9,
        results=results,
    )
