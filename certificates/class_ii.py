"""Class II credits the CME office enters by hand, computed from award standards
kept as data (issue 10): lectures and rounds by session, papers and research
projects by rank, books, translations, reports and self-study reviews by length.

Each standard carries its source sentence and confidence; a rule set names the
standards it uses (``RuleSet.class_ii_standards``) and the yearly caps of their
groups (``RuleSet.yearly_caps``).

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import enum
from dataclasses import dataclass, field
from decimal import Decimal

from certificates.rules import Cite, RuleSetError, round_to_step
from certificates.rules import Confidence as C

#: The 2006 measures as reposted (https://m.lw881.com/yxlw/228135.html).
REPOST = "继续医学教育学分授予与管理办法（2006），Ⅱ类学分计算方法"
#: A province's summary of the same standards (医学教育网, 进修医生 page).
SUMMARY = "医学教育网：单位审定并组织的继续医学教育活动（Ⅱ类学分）"


class ClassIIKind(enum.StrEnum):
    LECTURE_PRESENTER = "ii-lecture-presenter"
    LECTURE_PARTICIPANT = "ii-lecture-participant"
    ROUNDS_PRESENTER = "ii-rounds-presenter"
    ROUNDS_PARTICIPANT = "ii-rounds-participant"
    PAPER = "ii-paper"
    RESEARCH = "ii-research"
    BOOK = "ii-book"
    TRANSLATION = "ii-translation"
    REPORT = "ii-report"
    SELF_STUDY_REVIEW = "ii-self-study-review"


class Measure(enum.StrEnum):
    SESSIONS = "sessions"
    CHARACTERS = "characters"
    RANK = "rank"


@dataclass(frozen=True)
class AwardStandard:
    kind: ClassIIKind
    measure: Measure
    cite: Cite
    #: Credits per session (``Measure.SESSIONS``).
    per_session: Decimal | None = None
    #: Characters (字) per credit (``Measure.CHARACTERS``).
    characters_per_credit: int | None = None
    #: Credits by venue, then by rank 1, 2, … (``Measure.RANK``); beyond the table
    #: one less per rank ("余类推"), never below 1.
    by_venue: dict = field(default_factory=dict)
    #: The yearly cap this kind counts toward (``RuleSet.yearly_caps``), if any.
    cap_group: str = ""


@dataclass(frozen=True)
class ClassIIFacts:
    """What the office read off the evidence."""

    sessions: int | None = None
    characters: int | None = None
    rank: int | None = None
    venue: str = ""


STANDARDS = {
    s.kind: s
    for s in (
        AwardStandard(
            ClassIIKind.LECTURE_PRESENTER,
            Measure.SESSIONS,
            Cite(
                f"{REPOST} 7: 单位组织的学术报告、专题讲座、技术操作示教、手术示范、"
                "新技术推广等，每次可授予主讲人2学分",
                C.PRIMARY,
            ),
            per_session=Decimal(2),
        ),
        AwardStandard(
            ClassIIKind.LECTURE_PARTICIPANT,
            Measure.SESSIONS,
            Cite(
                f"{SUMMARY}: 参加者授予0.5学分 (the repost leaves the value out); "
                "参加者全年所获得的该类学分最多不超过10学分",
                C.SECONDARY,
            ),
            per_session=Decimal("0.5"),
            cap_group="unit-activities",
        ),
        AwardStandard(
            ClassIIKind.ROUNDS_PRESENTER,
            Measure.SESSIONS,
            Cite(
                f"{REPOST} 8: 临床病理讨论会、多科室组织的案例讨论会、大查房，"
                "每次主讲人可授予1学分",
                C.PRIMARY,
            ),
            per_session=Decimal(1),
        ),
        AwardStandard(
            ClassIIKind.ROUNDS_PARTICIPANT,
            Measure.SESSIONS,
            Cite(
                f"{SUMMARY}: 参加者授予0.2学分；此类学分全年最多不超过10学分",
                C.SECONDARY,
            ),
            per_session=Decimal("0.2"),
            cap_group="unit-activities",
        ),
        AwardStandard(
            ClassIIKind.PAPER,
            Measure.RANK,
            Cite(
                "A province's standard (fymate.net 附件3): 国外刊物 10、9、8学分；"
                "ISSN 和 CN 刊物 6、5、4学分；省级刊物 5、4、3学分 (第一至第三作者，"
                "余类推); the repost's table did not survive",
                C.SECONDARY,
            ),
            by_venue={
                "foreign": (Decimal(10), Decimal(9), Decimal(8)),
                "issn-cn": (Decimal(6), Decimal(5), Decimal(4)),
                "provincial": (Decimal(5), Decimal(4), Decimal(3)),
            },
        ),
        AwardStandard(
            ClassIIKind.RESEARCH,
            Measure.RANK,
            Cite(
                f"{REPOST} 3: 国家级课题 10 9 8 7 6学分；省、部级课题 8 7 6 5 4学分；"
                "市、厅级课题 6 5 4 3 2学分 (课题组成员排序，余类推)",
                C.PRIMARY,
            ),
            by_venue={
                "national": tuple(Decimal(n) for n in (10, 9, 8, 7, 6)),
                "provincial": tuple(Decimal(n) for n in (8, 7, 6, 5, 4)),
                "municipal": tuple(Decimal(n) for n in (6, 5, 4, 3, 2)),
            },
        ),
        AwardStandard(
            ClassIIKind.BOOK,
            Measure.CHARACTERS,
            Cite(f"{REPOST} 4: 出版医学著作，每编写1000字授予1学分", C.PRIMARY),
            characters_per_credit=1000,
        ),
        AwardStandard(
            ClassIIKind.TRANSLATION,
            Measure.CHARACTERS,
            Cite(f"{REPOST} 6: 发表医学译文，每1500汉字授予1学分", C.PRIMARY),
            characters_per_credit=1500,
        ),
        AwardStandard(
            ClassIIKind.REPORT,
            Measure.CHARACTERS,
            Cite(
                f"{REPOST} 5: 出国考察报告、国内专题调研报告，每3000字授予1学分",
                C.PRIMARY,
            ),
            characters_per_credit=3000,
        ),
        AwardStandard(
            ClassIIKind.SELF_STUDY_REVIEW,
            Measure.CHARACTERS,
            Cite(
                f"{REPOST} 1: 写出综述…每2000字可授予1学分；"
                "此类学分每年最多不超过5学分",
                C.PRIMARY,
            ),
            characters_per_credit=2000,
            cap_group="self-study",
        ),
    )
}


def _whole(value, name, low, high):
    if (
        not isinstance(value, int)
        or isinstance(value, bool)
        or not low <= value <= high
    ):
        raise RuleSetError(f"{name} is a whole number {low}–{high}.")
    return value


def calculate_class_ii(kind, facts, rule_set):
    """The credits the standard gives for ``facts``, in the rule set's steps, or
    ``RuleSetError`` with what is missing."""
    standard = rule_set.class_ii_standards.get(kind)
    if standard is None:
        raise RuleSetError(f"{rule_set.code} has no award standard for {kind}.")
    if standard.measure == Measure.SESSIONS:
        sessions = _whole(facts.sessions, "sessions", 1, 500)
        credits = standard.per_session * sessions
    elif standard.measure == Measure.CHARACTERS:
        characters = _whole(facts.characters, "characters", 1, 10_000_000)
        credits = Decimal(characters) / standard.characters_per_credit
    else:
        table = standard.by_venue.get(facts.venue)
        if table is None:
            venues = ", ".join(standard.by_venue)
            raise RuleSetError(f"venue is one of {venues}.")
        rank = _whole(facts.rank, "rank", 1, 50)
        beyond = rank - len(table)
        credits = table[rank - 1] if beyond <= 0 else max(table[-1] - beyond, 1)
        credits = Decimal(credits)
    return round_to_step(credits, rule_set.step, rule_set.rounding)
