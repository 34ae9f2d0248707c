"""Credit rules, one row per rule (DESIGN §2.1)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from certificates.rule_sets import AMA_PRA_1, ANCC, CN_2006, CN_2024
from certificates.rules import (
    Activity,
    LedgerLine,
    ManualKind,
    RuleSetError,
    Source,
    calculate_credits,
    calculate_transcript,
    choose_requirement,
    plan_variant,
)

DAY = date(2026, 5, 1)


def online(minutes, level="national", category="CME", **kw):
    values = {"test_passed": True, "on": DAY}
    values.update(kw)
    return Activity(
        Source.ONLINE,
        category=category,
        project_level=level,
        minutes=D(minutes),
        **values,
    )


@pytest.mark.parametrize(
    ("rule", "activity", "rule_set", "eligible", "credits", "hours"),
    [
        # CN: a class hour is 45 minutes; hours count in halves, rounded down.
        ("CN-2024: 3 class hours = 1 credit", online(135), CN_2024, True, "1", "3"),
        ("CN-2024: 4.5 h = 1.5 credits", online(205), CN_2024, True, "1.5", "4.5"),
        ("CN-2024: too short for a credit", online(60), CN_2024, False, "0", "1"),
        (
            "CN-2024: same scale at every level",
            online(270, "hospital"),
            CN_2024,
            True,
            "2",
            "6",
        ),
        (
            "CN-2006: national 3 h = 1 Class I",
            online(270, category="I"),
            CN_2006,
            True,
            "2",
            "6",
        ),
        (
            "CN-2006: provincial 6 h = 1",
            online(270, "provincial", "I"),
            CN_2006,
            True,
            "1",
            "6",
        ),
        (
            "CN-2006: distance national 5 a project",
            online(45 * 24, category="I", is_distance=True),
            CN_2006,
            True,
            "5",
            "24",
        ),
        (
            "CN-2006: a project gives at most 10",
            online(45 * 45, category="I"),
            CN_2006,
            True,
            "10",
            "45",
        ),
        (
            "CN-2006: Class II is a category",
            online(270, "hospital", "II"),
            CN_2006,
            True,
            "1",
            "6",
        ),
        (
            "AMA: 60 min = 1 credit",
            online(60, category="AMA-1"),
            AMA_PRA_1,
            True,
            "1",
            "1",
        ),
        (
            "AMA: 50 min rounds to the nearest quarter (0.75)",
            online(50, category="AMA-1"),
            AMA_PRA_1,
            True,
            "0.75",
            "0.75",
        ),
        (
            "AMA: 55 min rounds up to 1",
            online(55, category="AMA-1"),
            AMA_PRA_1,
            True,
            "1",
            "1",
        ),
        (
            "AMA: 97 min is 1.5",
            online(97, category="AMA-1"),
            AMA_PRA_1,
            True,
            "1.5",
            "1.5",
        ),
        (
            "AMA: enduring material needs a passed post-test",
            online(60, category="AMA-1", test_passed=None),
            AMA_PRA_1,
            False,
            "0",
            "1",
        ),
        (
            "AMA: attending a live session needs no post-test",
            replace(
                online(60, category="AMA-1", test_passed=None),
                source=Source.ATTENDANCE,
            ),
            AMA_PRA_1,
            True,
            "1",
            "1",
        ),
        (
            "attendance at a broadcast counts like the course online",
            replace(online(270, test_passed=None), source=Source.ATTENDANCE),
            CN_2024,
            True,
            "2",
            "6",
        ),
        (
            "a failed post-test earns nothing",
            online(270, test_passed=False),
            CN_2024,
            False,
            "0",
            "6",
        ),
        (
            "ANCC: 60 min = 1 contact hour",
            online(90, category="contact-hour"),
            ANCC,
            True,
            "1.5",
            "1.5",
        ),
        (
            "an unknown category is refused",
            online(270, category="I"),
            CN_2024,
            False,
            "0",
            "0",
        ),
        (
            "a rule set not yet in force",
            online(270, on=date(2024, 1, 1)),
            CN_2024,
            False,
            "0",
            "0",
        ),
        (
            "the office's class hours replace minutes",
            online(0, class_hours=D(9)),
            CN_2024,
            True,
            "3",
            "9",
        ),
    ],
)
def test_learner_credit(rule, activity, rule_set, eligible, credits, hours):
    decision = calculate_credits(activity, rule_set)
    assert decision.is_eligible is eligible, decision.reasons
    assert decision.credits == D(credits)
    assert decision.class_hours == D(hours)


def test_a_capped_award_says_why():
    decision = calculate_credits(
        online(45 * 24, category="I", is_distance=True), CN_2006
    )
    assert decision.reasons == ("capped at 5 for a distance project",)


def teaching(minutes, level="national", category="I"):
    return Activity(
        Source.TEACHING,
        on=DAY,
        category=category,
        project_level=level,
        minutes=D(minutes),
    )


@pytest.mark.parametrize(
    ("rule", "activity", "rule_set", "eligible", "credits"),
    [
        ("CN-2006: national lecturer 2 per hour", teaching(90), CN_2006, True, "4"),
        (
            "CN-2006: provincial lecturer 1 per hour",
            teaching(90, "provincial"),
            CN_2006,
            True,
            "2",
        ),
        (
            "CN-2006: lecturers are not capped at 10",
            teaching(45 * 8),
            CN_2006,
            True,
            "16",
        ),
        (
            "AMA: 2 credits per hour presented",
            teaching(60, category="AMA-1"),
            AMA_PRA_1,
            True,
            "2",
        ),
        (
            "ANCC: no lecturer credit",
            teaching(60, category="contact-hour"),
            ANCC,
            False,
            "0",
        ),
    ],
)
def test_lecturer_credit(rule, activity, rule_set, eligible, credits):
    decision = calculate_credits(activity, rule_set)
    assert decision.is_eligible is eligible
    assert decision.credits == D(credits)


@pytest.mark.parametrize(
    ("credits", "eligible"), [(D(3), True), (D(0), False), (None, False)]
)
def test_manual_awards_need_positive_credits(credits, eligible):
    activity = Activity(
        Source.MANUAL, on=DAY, category="CME", credits=credits, class_hours=D(9)
    )
    assert calculate_credits(activity, CN_2024).is_eligible is eligible


def line(award_id, credits, category="CME", hours=None, **kw):
    values = {"on": DAY, "source": Source.ONLINE, "scale": "CN"}
    values.update(kw)
    return LedgerLine(
        award_id,
        category=category,
        credits=D(credits),
        class_hours=D(hours if hours is not None else credits * 3),
        **values,
    )


@pytest.mark.parametrize(
    ("rule", "rule_set", "lines", "counted", "met", "reasons"),
    [
        (
            "CN-2024: 25 credits and 90 class hours met",
            CN_2024,
            [line(1, 15, hours=50), line(2, 10, hours=40)],
            "25",
            True,
            ["", ""],
        ),
        (
            "CN-2024: 25 credits but 75 class hours is not met",
            CN_2024,
            [line(1, 25, hours=75)],
            "25",
            False,
            [""],
        ),
        (
            "CN-2024: self-study counts at most 10 a year",
            CN_2024,
            [
                line(1, 8, source=Source.MANUAL, manual_kind=ManualKind.SELF_STUDY),
                line(2, 6, source=Source.MANUAL, manual_kind=ManualKind.SELF_STUDY),
            ],
            "10",
            False,
            ["", "self-study cap reached"],
        ),
        (
            "a revoked award counts nothing",
            CN_2024,
            [line(1, 30, hours=90, is_revoked=True)],
            "0",
            False,
            ["revoked"],
        ),
        (
            "another credit system counts nothing",
            CN_2024,
            [line(1, 30, "AMA-1", hours=30, scale="AMA")],
            "0",
            False,
            ["another credit system"],
        ),
        (
            "CN-2006: Class I counts at most 10",
            CN_2006,
            [line(1, 8, "I"), line(2, 4, "I"), line(3, 15, "II")],
            "25",
            True,
            ["", "category full", ""],
        ),
        (
            "CN-2006: Class II cannot stand in for Class I",
            CN_2006,
            [line(1, 2, "I"), line(2, 23, "II")],
            "25",
            False,
            ["", ""],
        ),
        (
            "other years are not on this year's transcript",
            CN_2024,
            [line(1, 30, hours=90, on=date(2025, 12, 31))],
            "0",
            False,
            [],
        ),
    ],
)
def test_transcript(rule, rule_set, lines, counted, met, reasons):
    transcript = calculate_transcript(lines, rule_set, 2026)
    assert transcript.counted_credits == D(counted)
    assert transcript.is_met is met
    assert [c.reason for c in transcript.lines] == reasons


def test_class_i_requirement_is_reported_per_category():
    transcript = calculate_transcript([line(1, 2, "I")], CN_2006, 2026)
    assert {(i.key, i.required, i.achieved) for i in transcript.requirement} == {
        ("credits", D(25), D(2)),
        ("category:I", D(5), D(2)),
        ("category:II", D(15), D(0)),
    }


COUNTY = plan_variant(
    CN_2024,
    code="cn-2024-sc-county",
    version=1,
    name_zh="四川县级",
    name_en="Sichuan county staff",
    valid_from=date(2025, 1, 1),
    province_code="51",
    tier="county",
    yearly_credits="20",
)


@pytest.mark.parametrize(
    ("province", "tier", "expected"),
    [
        ("51", "county", "CN-2024-SC-COUNTY"),
        ("51", "municipal", "CN-2024"),
        ("62", "county", "CN-2024"),
    ],
)
def test_the_most_specific_requirement_applies(province, tier, expected):
    chosen = choose_requirement(
        [CN_2006, CN_2024, COUNTY, AMA_PRA_1], DAY, province_code=province, tier=tier
    )
    assert chosen.code == expected


def test_a_county_variant_needs_20_credits():
    transcript = calculate_transcript([line(1, 20, hours=90)], COUNTY, 2026)
    assert transcript.is_met
    assert COUNTY.based_on == "CN-2024" and COUNTY.categories == ("CME",)


@pytest.mark.parametrize(
    ("values", "message"),
    [
        ({"yearly_credits": "-1"}, "between 0 and 1000"),
        ({"yearly_credits": "0"}, "more than 0"),
        ({"yearly_credits": "lots"}, "must be a number"),
        ({"project_cap": "NaN"}, "between 0 and 1000"),
        ({"bonus": "5"}, "Unknown rule set values: bonus"),
        ({"code": "有 空格"}, "The code is"),
        ({"name_en": " "}, "English name"),
        ({"valid_until": date(2020, 1, 1)}, "end after it starts"),
    ],
)
def test_an_invalid_variant_is_rejected_with_a_message(values, message):
    arguments = {
        "code": "X-1",
        "version": 1,
        "name_zh": "变体",
        "name_en": "Variant",
        "valid_from": date(2025, 1, 1),
    }
    arguments.update(values)
    with pytest.raises(RuleSetError, match=message):
        plan_variant(CN_2024, **arguments)


def test_a_variant_keeps_the_base_rules():
    variant = replace(COUNTY, yearly_credits=D(20))
    decision = calculate_credits(online(270), variant)
    assert decision.credits == D(2)
