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
    #: What the learner sees instead of ``option_ids``, in the same order: random
    #: keys of this attempt that say nothing of correctness or authoring order.
    option_keys: tuple[str, ...] = ()

    def option_of(self, key):
        """The option id behind one of this attempt's keys, or None."""
        for option_id, option_key in zip(
            self.option_ids, self.option_keys, strict=False
        ):
            if option_key == key:
                return option_id
        return None


@dataclass(frozen=True)
class Grade:
    correct: int
    total: int
    score: float
    passed: bool
    #: question id → answered correctly
    results: dict
    #: question id → the option ids chosen (the keys mapped back)
    chosen: dict


def draw_attempt(bank, count, rng, new_key):
    """Draw ``count`` questions (all when ``count`` is None) with shuffled options.

    ``rng`` is a ``random.Random``; the caller seeds it (or passes a system one).
    ``new_key()`` returns a fresh random key (the caller's source of randomness):
    each option shown gets one, unique in the attempt, so what a learner sees
    reveals neither which option is right nor the order they were written in.
    """
    if not bank:
        raise ValueError("the question bank is empty")
    count = len(bank) if count is None else min(count, len(bank))
    chosen = rng.sample(list(bank), count)
    used = set()
    drawn = []
    for question in chosen:
        options = list(question.option_ids)
        rng.shuffle(options)
        keys = []
        for _ in options:
            key = new_key()
            while key in used:
                key = new_key()
            used.add(key)
            keys.append(key)
        drawn.append(DrawnQuestion(question.id, tuple(options), tuple(keys)))
    return tuple(drawn)


def grade_attempt(drawn, bank, answers, pass_mark):
    """Grade ``answers`` ({question id: [option keys]}) for the ``drawn`` attempt.

    Answers name options by this attempt's keys, never by their ids. Unanswered
    questions count as wrong; a multiple-choice question is right only when
    exactly its correct options are chosen. Answers to questions outside the
    attempt, or keys that are not among a question's options in this attempt,
    are refused (nothing is graded).
    """
    by_id = {q.id: q for q in bank}
    drawn_by_id = {d.question_id: d for d in drawn}
    chosen_ids = {}
    for question_id, keys in answers.items():
        if question_id not in drawn_by_id:
            raise AnswerRejected(
                "unknown_question", f"question {question_id} is not in this attempt"
            )
        options = {drawn_by_id[question_id].option_of(key) for key in keys}
        if None in options:
            raise AnswerRejected(
                "unknown_option",
                f"an answer to question {question_id} is not one of its options "
                "in this attempt",
            )
        if by_id[question_id].kind == QuestionKind.SINGLE and len(options) > 1:
            raise AnswerRejected(
                "too_many_options", f"question {question_id} takes one answer"
            )
        chosen_ids[question_id] = options
    results = {
        d.question_id: chosen_ids.get(d.question_id, set())
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
        chosen=chosen_ids,
    )


@dataclass(frozen=True)
class QuestionStatistics:
    question_id: int
    #: Submitted attempts that showed the question.
    answered: int
    #: Of those, the share answered right (None when nobody answered yet).
    right_share: float | None
    #: The wrong option chosen most often, and how often (None when none was).
    common_wrong_option: int | None
    common_wrong_count: int


def question_statistics(bank, attempts):
    """Per question: how many answered it, the share right, and the wrong option
    chosen most often (the option that misleads).

    ``attempts`` are submitted attempts as ``(drawn question ids, {question id:
    chosen option ids})``; a question shown but left unanswered counts as wrong.
    A tie between wrong options goes to the one written first.
    """
    by_id = {q.id: q for q in bank}
    shown = dict.fromkeys(by_id, 0)
    right = dict.fromkeys(by_id, 0)
    wrong_picks = {q.id: {} for q in bank}
    for drawn_ids, chosen in attempts:
        for question_id in drawn_ids:
            question = by_id.get(question_id)
            if question is None:
                continue  # a question deleted since
            picked = frozenset(chosen.get(question_id, ()))
            shown[question_id] += 1
            if picked == question.correct_ids:
                right[question_id] += 1
            for option_id in picked - question.correct_ids:
                picks = wrong_picks[question_id]
                picks[option_id] = picks.get(option_id, 0) + 1
    result = []
    for question in bank:
        picks = wrong_picks[question.id]
        common = max(
            (o for o in question.option_ids if picks.get(o)),
            key=lambda o: picks[o],
            default=None,
        )
        result.append(
            QuestionStatistics(
                question_id=question.id,
                answered=shown[question.id],
                right_share=(
                    right[question.id] / shown[question.id]
                    if shown[question.id]
                    else None
                ),
                common_wrong_option=common,
                common_wrong_count=picks.get(common, 0),
            )
        )
    return tuple(result)
