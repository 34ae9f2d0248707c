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


def k(option_id):
    """This test attempt's key for an option (real keys are random tokens)."""
    return f"key-{option_id}"


DRAWN = tuple(
    DrawnQuestion(q.id, q.option_ids, tuple(k(o) for o in q.option_ids)) for q in BANK
)


def counter_keys(prefix="x"):
    numbers = iter(range(1_000_000))
    return lambda: f"{prefix}{next(numbers)}"


def test_an_attempt_draws_the_asked_number_with_each_questions_own_options():
    drawn = draw_attempt(BANK, 3, random.Random(1), counter_keys())
    assert len(drawn) == 3 and len({d.question_id for d in drawn}) == 3
    by_id = {q.id: q for q in BANK}
    for d in drawn:
        assert sorted(d.option_ids) == sorted(by_id[d.question_id].option_ids)


def test_options_are_shuffled_per_attempt():
    orders = {
        draw_attempt(BANK, None, random.Random(seed), counter_keys())[0].option_ids
        for seed in range(20)
    }
    assert len(orders) > 1


def test_count_none_or_too_large_draws_the_whole_bank():
    assert len(draw_attempt(BANK, None, random.Random(0), counter_keys())) == 5
    assert len(draw_attempt(BANK, 50, random.Random(0), counter_keys())) == 5


@pytest.mark.parametrize(
    ("answers", "correct", "passed"),
    [
        ({1: [k(12)], 2: [k(21), k(23)], 3: [k(31)], 4: [k(43)], 5: [k(52)]}, 5, True),
        ({1: [k(12)], 2: [k(21), k(23)], 3: [k(31)]}, 3, True),  # 60 % is the pass mark
        # multiple choice: all or nothing
        ({1: [k(12)], 2: [k(21)], 3: [k(31)]}, 2, False),
        ({1: [k(12)], 2: [k(21), k(22), k(23)], 3: [k(31)]}, 2, False),
        ({}, 0, False),
    ],
)
def test_grading(answers, correct, passed):
    grade = grade_attempt(DRAWN, BANK, answers, 0.6)
    assert (grade.correct, grade.total, grade.passed) == (correct, 5, passed)


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({99: [k(12)]}, "unknown_question"),
        ({1: [k(21)]}, "unknown_option"),  # an option of another question
        ({1: [k(11), k(12)]}, "too_many_options"),
        ({1: [12]}, "unknown_option"),  # an option's id, not this attempt's key
        ({1: ["12"]}, "unknown_option"),
        ({1: ["x0"]}, "unknown_option"),  # a key of another attempt
    ],
)
def test_answers_outside_the_attempt_are_refused(answers, code):
    with pytest.raises(AnswerRejected) as info:
        grade_attempt(DRAWN, BANK, answers, 0.6)
    assert info.value.code == code


def test_questions_not_drawn_in_this_attempt_are_refused():
    drawn = DRAWN[:2]
    with pytest.raises(AnswerRejected):
        grade_attempt(drawn, BANK, {3: [k(31)]}, 0.6)


def test_every_option_shown_gets_a_key_of_its_own_from_the_callers_source():
    keys = iter(["dup", "dup", *"bcdefghijklmnopq"])
    drawn = draw_attempt(BANK, None, random.Random(3), lambda: next(keys))
    shown = [key for d in drawn for key in d.option_keys]
    assert len(shown) == len(set(shown)) == sum(len(q.option_ids) for q in BANK)
    assert not {str(o) for q in BANK for o in q.option_ids} & set(shown)
    for d in drawn:
        assert [d.option_of(key) for key in d.option_keys] == list(d.option_ids)


def test_grading_maps_keys_back_to_the_options_chosen():
    grade = grade_attempt(DRAWN, BANK, {2: [k(23), k(21)]}, 0.6)
    assert grade.chosen == {2: {21, 23}} and grade.results[2] is True
