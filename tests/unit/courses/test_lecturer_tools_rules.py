"""Pure rules of the lecturers' and learners' tools: the question sheet, the
per-question statistics and the lecture a learner goes on with."""

import pytest

from courses.gates import next_lecture
from courses.posttest import BankQuestion, QuestionKind, question_statistics
from courses.question_sheet import EXAMPLE, HEADERS, MAX_ROWS, parse_question_rows


def row(kind="single", zh="题目", en="", answer="A", options=("甲", "乙")):
    cells = [kind, zh, en, answer, "", ""]
    for option in options:
        cells += list(option) if isinstance(option, tuple) else [option, ""]
    return tuple(cells)


@pytest.mark.parametrize(
    ("cells", "codes"),
    [
        pytest.param(row(), [], id="two-options-one-right"),
        pytest.param(row(kind="单选"), [], id="chinese-kind"),
        pytest.param(row(kind="multiple", answer="A,B"), [], id="multiple-with-comma"),
        pytest.param(row(kind="quiz"), ["kind"], id="unknown-kind"),
        pytest.param(row(zh=""), ["question"], id="no-question-text"),
        pytest.param(row(answer=""), ["answer"], id="no-answer"),
        pytest.param(row(answer="AA"), ["answer"], id="answer-repeated"),
        pytest.param(row(answer="C"), ["answer_unknown"], id="answer-not-an-option"),
        pytest.param(row(answer="AB"), ["answer_single"], id="single-with-two-right"),
        pytest.param(row(options=("甲",)), ["options"], id="one-option"),
        pytest.param(
            row(options=("甲", "", "丙")), ["options_gap"], id="gap-between-options"
        ),
        pytest.param(
            row(options=("甲", ("", "beta"))),
            ["option_without_chinese", "options"],
            id="english-option-without-chinese",
        ),
        pytest.param(row(zh="长" * 2001), ["too_long"], id="question-too-long"),
        pytest.param(
            row(options=("甲", "乙" * 501)), ["too_long"], id="option-too-long"
        ),
    ],
)
def test_a_sheet_row_is_read_or_refused_with_its_reasons(cells, codes):
    questions, errors = parse_question_rows([cells])
    assert [e.code for e in errors] == codes
    assert all(e.row == 2 for e in errors)
    assert len(questions) == (0 if codes else 1)


def test_the_template_example_row_reads_as_a_bilingual_question():
    assert len(EXAMPLE) == len(HEADERS)
    (question,), errors = parse_question_rows([EXAMPLE])
    assert errors == ()
    assert question.kind == QuestionKind.SINGLE
    assert question.text_en == "What defines hypertension in adults?"
    assert [o.is_correct for o in question.options] == [False, True, False]
    assert question.options[1].text_en == "≥140/90 mmHg"


def test_blank_rows_are_skipped_and_errors_name_the_sheet_row():
    questions, errors = parse_question_rows(
        [row(), (None,) * 8, (), row(answer="Z"), row(kind="multiple", answer="AB")]
    )
    assert len(questions) == 2
    assert [(e.row, e.code) for e in errors] == [(5, "answer_unknown")]


def test_a_sheet_longer_than_the_limit_is_refused():
    _, errors = parse_question_rows([row()] * (MAX_ROWS + 1))
    assert [(e.row, e.code) for e in errors] == [(MAX_ROWS + 2, "too_many_rows")]


def test_numbers_in_cells_read_as_text():
    (question,), errors = parse_question_rows([row(options=(1.0, 2.5))])
    assert not errors
    assert [o.text_zh for o in question.options] == ["1", "2.5"]


BANK = (
    BankQuestion(1, QuestionKind.SINGLE, (11, 12, 13), frozenset({11})),
    BankQuestion(2, QuestionKind.MULTIPLE, (21, 22, 23), frozenset({21, 22})),
    BankQuestion(3, QuestionKind.SINGLE, (31, 32), frozenset({31})),
)


@pytest.mark.parametrize(
    ("attempts", "expected"),
    [
        pytest.param(
            [],
            {1: (0, None, None), 2: (0, None, None), 3: (0, None, None)},
            id="nobody-answered",
        ),
        pytest.param(
            [([1], {1: [11]}), ([1], {1: [13]}), ([1], {1: [13]}), ([1], {1: [12]})],
            {1: (4, 0.25, 13), 2: (0, None, None), 3: (0, None, None)},
            id="the-wrong-option-chosen-most",
        ),
        pytest.param(
            [([2], {2: [21]}), ([2], {2: [21, 22]}), ([2], {2: [21, 22, 23]})],
            {1: (0, None, None), 2: (3, 1 / 3, 23), 3: (0, None, None)},
            id="multiple-needs-exactly-the-right-set",
        ),
        pytest.param(
            [([3, 1], {1: [11]}), ([3], {})],
            {1: (1, 1.0, None), 2: (0, None, None), 3: (2, 0.0, None)},
            id="unanswered-counts-wrong-without-a-wrong-option",
        ),
        pytest.param(
            [([1], {1: [12]}), ([1], {1: [13]})],
            {1: (2, 0.0, 12), 2: (0, None, None), 3: (0, None, None)},
            id="a-tie-goes-to-the-option-written-first",
        ),
        pytest.param(
            [([9, 1], {9: [91], 1: [11]})],
            {1: (1, 1.0, None), 2: (0, None, None), 3: (0, None, None)},
            id="a-deleted-question-is-ignored",
        ),
    ],
)
def test_question_statistics(attempts, expected):
    stats = {s.question_id: s for s in question_statistics(BANK, attempts)}
    assert {
        qid: (s.answered, s.right_share, s.common_wrong_option)
        for qid, s in stats.items()
    } == expected


@pytest.mark.parametrize(
    ("done", "after", "expected"),
    [
        pytest.param(set(), None, 1, id="nothing-watched-starts-at-the-first"),
        pytest.param({1}, None, 2, id="the-first-unwatched"),
        pytest.param({1, 3}, None, 2, id="a-skipped-lecture-comes-first"),
        pytest.param({1, 2, 3}, None, None, id="all-watched"),
        pytest.param(set(), 1, 2, id="after-a-lecture-the-next-one"),
        pytest.param({2}, 1, 3, id="after-a-lecture-the-next-unwatched"),
        pytest.param({3}, 3, 1, id="after-the-last-the-first-unwatched-before"),
        pytest.param({1, 2}, 3, None, id="after-the-last-with-all-watched"),
    ],
)
def test_next_lecture(done, after, expected):
    assert next_lecture([1, 2, 3], done, after=after) == expected
