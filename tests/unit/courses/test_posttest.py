import random

import pytest

from courses.posttest import (
    AnswerRejected,
    BankQuestion,
    DrawnQuestion,
    QuestionKind,
    draw_attempt,
    grade_attempt,
)

BANK = (
    BankQuestion(1, QuestionKind.SINGLE, (11, 12, 13, 14), frozenset({12})),
    BankQuestion(2, QuestionKind.MULTIPLE, (21, 22, 23), frozenset({21, 23})),
    BankQuestion(3, QuestionKind.SINGLE, (31, 32), frozenset({31})),
    BankQuestion(4, QuestionKind.SINGLE, (41, 42, 43), frozenset({43})),
    BankQuestion(5, QuestionKind.SINGLE, (51, 52), frozenset({52})),
)
DRAWN = tuple(DrawnQuestion(q.id, q.option_ids) for q in BANK)


def test_an_attempt_draws_the_asked_number_with_each_questions_own_options():
    drawn = draw_attempt(BANK, 3, random.Random(1))
    assert len(drawn) == 3 and len({d.question_id for d in drawn}) == 3
    by_id = {q.id: q for q in BANK}
    for d in drawn:
        assert sorted(d.option_ids) == sorted(by_id[d.question_id].option_ids)


def test_options_are_shuffled_per_attempt():
    orders = {
        draw_attempt(BANK, None, random.Random(seed))[0].option_ids
        for seed in range(20)
    }
    assert len(orders) > 1


def test_count_none_or_too_large_draws_the_whole_bank():
    assert len(draw_attempt(BANK, None, random.Random(0))) == 5
    assert len(draw_attempt(BANK, 50, random.Random(0))) == 5


@pytest.mark.parametrize(
    ("answers", "correct", "passed"),
    [
        ({1: [12], 2: [21, 23], 3: [31], 4: [43], 5: [52]}, 5, True),
        ({1: [12], 2: [21, 23], 3: [31]}, 3, True),  # 60 % is the pass mark
        ({1: [12], 2: [21], 3: [31]}, 2, False),  # multiple choice: all or nothing
        ({1: [12], 2: [21, 22, 23], 3: [31]}, 2, False),
        ({}, 0, False),
    ],
)
def test_grading(answers, correct, passed):
    grade = grade_attempt(DRAWN, BANK, answers, 0.6)
    assert (grade.correct, grade.total, grade.passed) == (correct, 5, passed)


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({99: [12]}, "unknown_question"),
        ({1: [21]}, "unknown_option"),  # an option of another question
        ({1: [11, 12]}, "too_many_options"),
    ],
)
def test_answers_outside_the_attempt_are_refused(answers, code):
    with pytest.raises(AnswerRejected) as info:
        grade_attempt(DRAWN, BANK, answers, 0.6)
    assert info.value.code == code


def test_questions_not_drawn_in_this_attempt_are_refused():
    drawn = DRAWN[:2]
    with pytest.raises(AnswerRejected):
        grade_attempt(drawn, BANK, {3: [31]}, 0.6)
