"""Class II award standards, one row per standard (issue 10 item 7)."""

from datetime import date
from decimal import Decimal as D

import pytest

from certificates.class_ii import (
    STANDARDS,
    ClassIIFacts,
    ClassIIKind,
    calculate_class_ii,
)
from certificates.rule_sets import CN_2006, CN_2024
from certificates.rules import (
    Cite,
    LedgerLine,
    RuleSetError,
    Source,
    calculate_transcript,
)

K = ClassIIKind


@pytest.mark.parametrize(
    ("rule", "kind", "facts", "credits"),
    [
        ("7: 每次可授予主讲人2学分", K.LECTURE_PRESENTER, {"sessions": 3}, "6"),
        (
            "参加者授予0.5学分 (secondary)",
            K.LECTURE_PARTICIPANT,
            {"sessions": 3},
            "1.5",
        ),
        ("8: 大查房…每次主讲人可授予1学分", K.ROUNDS_PRESENTER, {"sessions": 2}, "2"),
        # 0.2 a session, in CN-2006's half credits rounded down.
        ("参加者授予0.2学分 (secondary)", K.ROUNDS_PARTICIPANT, {"sessions": 5}, "1"),
        (
            "参加者授予0.2学分 - 4 rounds are 0.5",
            K.ROUNDS_PARTICIPANT,
            {"sessions": 4},
            "0.5",
        ),
        ("4: 每编写1000字授予1学分", K.BOOK, {"characters": 12000}, "12"),
        ("6: 每1500汉字授予1学分", K.TRANSLATION, {"characters": 4500}, "3"),
        ("5: 调研报告，每3000字授予1学分", K.REPORT, {"characters": 7500}, "2.5"),
        (
            "1: 写出综述…每2000字可授予1学分",
            K.SELF_STUDY_REVIEW,
            {"characters": 5000},
            "2.5",
        ),
        (
            "3: 国家级课题 10 9 8 7 6 - second member",
            K.RESEARCH,
            {"rank": 2, "venue": "national"},
            "9",
        ),
        (
            "3: 市、厅级课题 6 5 4 3 2 - 余类推, never below 1",
            K.RESEARCH,
            {"rank": 9, "venue": "municipal"},
            "1",
        ),
        (
            "论文: ISSN 和 CN 刊物 6、5、4 - first author (secondary)",
            K.PAPER,
            {"rank": 1, "venue": "issn-cn"},
            "6",
        ),
        (
            "论文: 国外刊物 10、9、8 - 余类推, fourth author 7",
            K.PAPER,
            {"rank": 4, "venue": "foreign"},
            "7",
        ),
    ],
)
def test_a_class_ii_standard_computes_the_credits(rule, kind, facts, credits):
    assert calculate_class_ii(kind, ClassIIFacts(**facts), CN_2006) == D(credits)


@pytest.mark.parametrize(
    ("kind", "facts", "message"),
    [
        (K.PAPER, {"rank": 1, "venue": "blog"}, "venue is one of"),
        (K.PAPER, {"venue": "foreign"}, "rank is a whole number"),
        (K.BOOK, {"characters": 0}, "characters is a whole number"),
        (K.LECTURE_PRESENTER, {}, "sessions is a whole number"),
    ],
)
def test_missing_or_bad_evidence_is_refused(kind, facts, message):
    with pytest.raises(RuleSetError, match=message):
        calculate_class_ii(kind, ClassIIFacts(**facts), CN_2006)


def test_cn_2024_has_no_class_ii_standards():
    with pytest.raises(RuleSetError, match="no award standard"):
        calculate_class_ii(K.BOOK, ClassIIFacts(characters=1000), CN_2024)


def test_every_standard_says_what_it_rests_on():
    for standard in STANDARDS.values():
        assert isinstance(standard.cite, Cite) and standard.cite.source


def manual(award_id, kind, credits):
    return LedgerLine(
        award_id,
        on=date(2024, 3, award_id),
        source=Source.MANUAL,
        scale="CN",
        category="II",
        class_hours=D(0),
        credits=D(credits),
        manual_kind=kind,
    )


@pytest.mark.parametrize(
    ("rule", "lines", "counted", "reasons"),
    [
        (
            "7: 参加者全年所获得的该类学分最多不超过10学分 (lectures and rounds)",
            [
                manual(1, K.LECTURE_PARTICIPANT, 8),
                manual(2, K.ROUNDS_PARTICIPANT, 4),
            ],
            "10",
            ["", "yearly cap reached"],
        ),
        (
            "1: 此类学分每年最多不超过5学分 (self-study reviews)",
            [manual(1, K.SELF_STUDY_REVIEW, 3), manual(2, "self-study", 3)],
            "5",
            ["", "self-study cap reached"],
        ),
        (
            "a presenter's sessions are not capped",
            [manual(1, K.LECTURE_PRESENTER, 12)],
            "12",
            [""],
        ),
    ],
)
def test_class_ii_yearly_caps(rule, lines, counted, reasons):
    transcript = calculate_transcript(lines, CN_2006, 2024)
    assert transcript.counted_credits == D(counted)
    assert [c.reason for c in transcript.lines] == reasons
