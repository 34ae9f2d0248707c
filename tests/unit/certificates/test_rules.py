"""Credit rules, one row per rule (DESIGN §2.1, issue 10).

A row's id carries the source sentence it follows; rows marked "issue 10"
were corrected from the old reading (45-minute class hours, per-course caps,
CN-2024's class hours as a second test)."""

from dataclasses import replace
from datetime import date
from decimal import Decimal as D

import pytest

from certificates.rule_sets import AMA_PRA_1, ANCC, BUILT_IN, CN_2006, CN_2024
from certificates.rules import (
    Activity,
    Cite,
    Confidence,
    LedgerLine,
    ManualKind,
    RuleSetError,
    Source,
    approval_problems,
    calculate_credits,
    calculate_transcript,
    choose_requirement,
    display_class_hours,
    national_rule_set,
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
        # CN: clock hours (60 minutes), counted in halves, rounded down.
        (
            "issue 10: 按3小时授予1学分 - 180 clock minutes = 1 credit",
            online(180),
            CN_2024,
            True,
            "1",
            "3",
        ),
        (
            "issue 10: 按3小时授予1学分 - 135 minutes is 2 clock hours, not 3",
            online(135),
            CN_2024,
            True,
            "0.5",
            "2",
        ),
        ("CN-2024: 4.5 h = 1.5 credits", online(270), CN_2024, True, "1.5", "4.5"),
        ("CN-2024: too short for a credit", online(60), CN_2024, False, "0", "1"),
        (
            "CN-2024: same scale at every level",
            online(360, "hospital"),
            CN_2024,
            True,
            "2",
            "6",
        ),
        (
            "CN-2006: 国家级…按3小时授予1学分 (national 3 h = 1 Class I)",
            online(360, category="I"),
            CN_2006,
            True,
            "2",
            "6",
        ),
        (
            "CN-2006: 省级…按6小时授予1学分 (provincial 6 h = 1)",
            online(360, "provincial", "I"),
            CN_2006,
            True,
            "1",
            "6",
        ),
        (
            "CN-2006: 国家级远程…每个项目…最多不超过5学分 (national distance)",
            online(60 * 24, category="I", is_distance=True),
            CN_2006,
            True,
            "5",
            "24",
        ),
        (
            "issue 10: 国家级远程…5学分 - a provincial distance project follows its"
            " level (66 h: 10, not 5)",
            online(60 * 66, "provincial", "I", is_distance=True),
            CN_2006,
            True,
            "10",
            "66",
        ),
        (
            "CN-2006: 每个项目所授学分数最多不超过10学分 (a project gives at most 10)",
            online(60 * 45, category="I"),
            CN_2006,
            True,
            "10",
            "45",
        ),
        (
            "issue 10: 每个项目…最多不超过10学分 - shared by the project's courses",
            online(60 * 30, category="I", project_credits_before=D(6)),
            CN_2006,
            True,
            "4",
            "30",
        ),
        (
            "issue 10: 每个项目…最多不超过10学分 - a used-up project gives nothing",
            online(60 * 30, category="I", project_credits_before=D(10)),
            CN_2006,
            False,
            "0",
            "30",
        ),
        (
            "issue 10: 国家级远程…5学分 - the distance cap is per project too",
            online(
                60 * 24, category="I", is_distance=True, project_credits_before=D(3)
            ),
            CN_2006,
            True,
            "2",
            "24",
        ),
        (
            "CN-2006: 单位组织的学术活动…授予Ⅱ类学分 (Class II is a category)",
            online(360, "hospital", "II"),
            CN_2006,
            True,
            "1",
            "6",
        ),
        (
            "issue 10: 国家级和省级项目可授予I类学分 - a hospital project cannot award"
            " Class I",
            online(360, "hospital", "I"),
            CN_2006,
            False,
            "0",
            "6",
        ),
        (
            "issue 10: 国家级和省级项目可授予I类学分 - a national project awards Class"
            " I, not II",
            online(360, "national", "II"),
            CN_2006,
            False,
            "0",
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
            replace(online(360, test_passed=None), source=Source.ATTENDANCE),
            CN_2024,
            True,
            "2",
            "6",
        ),
        (
            "a failed post-test earns nothing",
            online(360, test_passed=False),
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
        online(60 * 24, category="I", is_distance=True), CN_2006
    )
    assert decision.reasons == ("capped at 5 for a distance project",)


def teaching(minutes, level="national", category="I", **kw):
    return Activity(
        Source.TEACHING,
        on=DAY,
        category=category,
        project_level=level,
        minutes=D(minutes),
        **kw,
    )


@pytest.mark.parametrize(
    ("rule", "activity", "rule_set", "eligible", "credits"),
    [
        (
            "issue 10: 主讲人每小时授予2学分 - 90 minutes of lecturing is 3, not 4",
            teaching(90),
            CN_2006,
            True,
            "3",
        ),
        (
            "CN-2006: 主讲人按每小时授予1学分 (provincial lecturer)",
            teaching(90, "provincial"),
            CN_2006,
            True,
            "1.5",
        ),
        (
            "issue 10: 主讲人…每个项目所授学分数最多不超过10学分 - lecturers too",
            teaching(60 * 8),
            CN_2006,
            True,
            "10",
        ),
        (
            "issue 10: 每个项目…最多不超过10学分 - a lecturer's courses of one project",
            teaching(60 * 3, project_credits_before=D(8)),
            CN_2006,
            True,
            "2",
        ),
        (
            "AMA: 2 credits per hour presented at a live activity",
            teaching(60, category="AMA-1"),
            AMA_PRA_1,
            True,
            "2",
        ),
        (
            "issue 10: AMA faculty credit is for live activities - none for a"
            " recorded course",
            teaching(60, category="AMA-1", is_live=False),
            AMA_PRA_1,
            False,
            "0",
        ),
        (
            "issue 10: 国家级和省级项目可授予I类学分 - a hospital lecturer gets no"
            " Class I",
            teaching(60, "hospital"),
            CN_2006,
            False,
            "0",
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
            "issue 10: 不低于25学分(不少于90学时) - one requirement: 25 credits in 75"
            " clock hours is met",
            CN_2024,
            [line(1, 25, hours=75)],
            "25",
            True,
            [""],
        ),
        (
            "issue 10: 不低于25学分(不少于90学时) - 100 hours do not make up 24.5"
            " credits",
            CN_2024,
            [line(1, D("24.5"), hours=100)],
            "24.5",
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
    """CN-2024: 每年所获得学分累计不低于25学分(不少于90学时); CN-2006: Ⅰ类学分5-10学分,
    Ⅱ类学分不低于15学分, 两类学分不可相互替代."""
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
        ({"yearly_credits": "1E-999999999"}, "at most two decimal places"),
        ({"yearly_credits": "0.001"}, "at most two decimal places"),
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
    decision = calculate_credits(online(360), variant)
    assert decision.credits == D(2)


# --- issue 10: dates, rounding, sources ---------------------------------------

SC_2006 = plan_variant(
    CN_2006,
    code="CN-2006-SC",
    version=1,
    name_zh="四川（2006 细则）",
    name_en="Sichuan (2006 rules)",
    valid_from=date(2020, 1, 1),
    province_code="51",
)


@pytest.mark.parametrize(
    ("rule", "on", "expected"),
    [
        (
            "CN-2024 通知 2024-10-23: in force from 2025-01-01",
            date(2025, 1, 1),
            "CN-2024",
        ),
        ("CN-2006 governs activities before 2025", date(2024, 12, 31), "CN-2006"),
        (
            "CN-2006 governs 2024-09-30 (a manual line's date)",
            date(2024, 9, 30),
            "CN-2006",
        ),
    ],
)
def test_the_national_rule_set_in_force_on_a_date(rule, on, expected):
    assert national_rule_set(BUILT_IN, on).code == expected


@pytest.mark.parametrize(
    ("rule", "on", "expected"),
    [
        (
            "a CN-2006 provincial variant applies while CN-2006 governs",
            date(2024, 12, 31),
            "CN-2006-SC",
        ),
        (
            "a CN-2006 provincial variant does not outrank CN-2024 from 2025",
            date(2026, 12, 31),
            "CN-2024",
        ),
    ],
)
def test_a_variant_of_an_older_national_set_gives_way(rule, on, expected):
    chosen = choose_requirement([*BUILT_IN, SC_2006], on, province_code="51")
    assert chosen.code == expected


CLASS_HOURS_VARIANT = replace(CN_2024, yearly_class_hours=D(90))


@pytest.mark.parametrize(
    ("rule", "rule_set", "lines", "hours", "credits", "met"),
    [
        (
            "issue 10: rounded once - 89.9967 hours show as 90 and meet 90",
            CLASS_HOURS_VARIANT,
            [line(1, 25, hours=D("89.9967"))],
            "90.00",
            "25.00",
            True,
        ),
        (
            "issue 10: rounded once - 89.994 hours show as 89.99 and miss 90",
            CLASS_HOURS_VARIANT,
            [line(1, 25, hours=D("89.994"))],
            "89.99",
            "25.00",
            False,
        ),
        (
            "issue 10: a capped line's hours in proportion, to two places",
            CN_2006,
            [line(1, 8, "I", hours=10), line(2, 3, "I", hours=10)],
            "16.67",
            "10.00",
            False,
        ),
    ],
)
def test_met_is_decided_on_the_numbers_shown(
    rule, rule_set, lines, hours, credits, met
):
    """Issue 10: "90 / 90 学时, not met" must not happen: Decimal, two places."""
    transcript = calculate_transcript(lines, rule_set, 2026)
    assert str(transcript.counted_class_hours) == hours
    assert str(transcript.counted_credits) == credits
    assert transcript.is_met is met
    for item in transcript.requirement:
        assert item.achieved == item.achieved.quantize(D("0.01"))
        assert item.is_met is (item.achieved >= item.required)


@pytest.mark.parametrize(
    ("rule", "rule_set", "hours", "shown"),
    [
        (
            "CN-2024: 25学分(不少于90学时) - 75 clock hours are 90 学时",
            CN_2024,
            75,
            "90.00",
        ),
        ("CN-2006: 按3小时授予1学分(3学时) - a 学时 is an hour", CN_2006, 3, "3.00"),
        ("AMA declares no 学时", AMA_PRA_1, 3, None),
    ],
)
def test_a_rule_set_may_declare_its_class_hour_for_display(
    rule, rule_set, hours, shown
):
    value = display_class_hours(D(hours), rule_set)
    assert (None if value is None else str(value)) == shown


def test_cn_2024_has_one_requirement():
    """CN-2024: 每年所获得学分累计不低于25学分(不少于90学时): 90 学时 shown only."""
    transcript = calculate_transcript([line(1, 25, hours=75)], CN_2024, 2026)
    assert [item.key for item in transcript.requirement] == ["credits"]
    assert CN_2024.yearly_class_hours_equivalent == D(90)


RULES_WITH_SOURCES = {
    "CN-2006": (
        "hours_per_credit",
        "lecturer_credits_per_hour",
        "class_hour_minutes",
        "project_cap",
        "distance_cap",
        "category_levels",
        "yearly_credits",
        "category_limits",
        "step",
    ),
    "CN-2024": (
        "valid_from",
        "yearly_credits",
        "yearly_class_hours_equivalent",
        "class_hour_minutes",
        "hours_per_credit",
        "lecturer_credits_per_hour",
        "self_study_cap",
        "step",
    ),
    "AMA-PRA-1": (
        "hours_per_credit",
        "lecturer_credits_per_hour",
        "lecturer_credit_live_only",
        "requires_passed_test",
        "credits_by_participation",
    ),
    "ANCC": ("hours_per_credit",),
}


@pytest.mark.parametrize("rule_set", BUILT_IN, ids=lambda r: r.code)
def test_every_rule_says_what_it_rests_on(rule_set):
    for name in RULES_WITH_SOURCES[rule_set.code]:
        assert hasattr(rule_set, name)
        cite = rule_set.sources[name]
        assert isinstance(cite, Cite) and cite.source
        assert cite.confidence in Confidence


@pytest.mark.parametrize(
    ("rule", "terms", "problems"),
    [
        (
            "issue 10: a course with 0 class hours cannot be approved",
            {"class_hours": D(0), "project_level": "hospital", "category": "CME"},
            ["the course has 0 class hours"],
        ),
        (
            "issue 10: a national project needs its project number",
            {"class_hours": D(3), "project_level": "national", "category": "CME"},
            ["a national project needs its project number"],
        ),
        (
            "issue 10: a provincial project needs its project number",
            {"class_hours": D(3), "project_level": "provincial", "category": "CME"},
            ["a provincial project needs its project number"],
        ),
        (
            "a hospital project needs no project number",
            {"class_hours": D(3), "project_level": "hospital", "category": "CME"},
            [],
        ),
        (
            "CN-2006: 国家级和省级项目可授予I类学分 - not a hospital project",
            {
                "class_hours": D(3),
                "project_level": "hospital",
                "category": "I",
                "rule_set": CN_2006,
            },
            ["a hospital project cannot award category I"],
        ),
    ],
)
def test_a_course_must_say_what_it_awards_to_be_approved(rule, terms, problems):
    values = {"project_number": "", "rule_set": CN_2024, **terms}
    assert approval_problems(**values) == problems


# --- issue 10 item 5: Class I minimums by the learner's unit ----------------------


def cn_2006_variant(tier="", **values):
    return plan_variant(
        CN_2006,
        code=f"CN-2006-SC-{tier or 'ALL'}",
        version=1,
        name_zh="四川细则",
        name_en="Sichuan rules",
        valid_from=date(2020, 1, 1),
        province_code="51",
        tier=tier,
        **values,
    )


PROVINCIAL_UNITS = cn_2006_variant("hub", class_i_min="10")
PREFECTURE_UNITS = cn_2006_variant("municipal", class_i_min="5")


@pytest.mark.parametrize(
    ("rule", "tier", "expected", "class_i_min"),
    [
        ("provincial rules: provincial units 10 Class I a year", "hub", "HUB", 10),
        ("provincial rules: prefecture-level units 5", "municipal", "MUNICIPAL", 5),
    ],
)
def test_the_class_i_minimum_follows_the_learners_unit(
    rule, tier, expected, class_i_min
):
    chosen = choose_requirement(
        [*BUILT_IN, PROVINCIAL_UNITS, PREFECTURE_UNITS],
        date(2024, 6, 30),
        province_code="51",
        tier=tier,
    )
    assert chosen.code == f"CN-2006-SC-{expected}"
    assert chosen.category_limits["I"][0] == class_i_min


@pytest.mark.parametrize(
    ("rule", "values", "message"),
    [
        (
            "issue 10: a 10-credit township variant that still asks I >= 5, II >= 15",
            {"yearly_credits": "10"},
            "cannot be met as stated",
        ),
        (
            "a Class I minimum above its maximum",
            {"class_i_min": "12", "class_i_max": "10"},
            "minimum is above its maximum",
        ),
        (
            "CN-2024 has no Class I/II",
            {"class_i_min": "5", "base": CN_2024},
            "has no Class I/II",
        ),
        ("substitution is yes or no", {"class_i_substitutes": "maybe"}, "yes or no"),
    ],
)
def test_an_impossible_requirement_is_refused_with_a_message(rule, values, message):
    base = values.pop("base", CN_2006)
    with pytest.raises(RuleSetError, match=message):
        plan_variant(
            base,
            code="X",
            version=1,
            name_zh="变体",
            name_en="Variant",
            valid_from=date(2020, 1, 1),
            **values,
        )


def test_a_township_variant_without_the_split_is_accepted():
    """乡镇…最低学分数不得低于10分(不区分I、Ⅱ类学分)."""
    township = cn_2006_variant(
        "township", yearly_credits="10", class_i_min="0", class_ii_min="0"
    )
    transcript = calculate_transcript(
        [line(1, 10, "II", on=date(2024, 5, 1))], township, 2024
    )
    assert transcript.is_met


@pytest.mark.parametrize(
    ("rule", "substitutes", "counted", "credits_met", "reason"),
    [
        (
            "两类学分不可相互替代: Class I beyond 10 does not count",
            "no",
            "22",
            False,
            "category full",
        ),
        (
            "a province allowing substitution: Class I beyond 10 counts in the total",
            "yes",
            "25",
            True,
            "beyond the category, in the total",
        ),
    ],
)
def test_class_i_beyond_its_maximum_counts_only_where_the_province_allows(
    rule, substitutes, counted, credits_met, reason
):
    """Class I beyond its maximum counts toward the total, never toward Class II."""
    variant = cn_2006_variant(class_i_substitutes=substitutes)
    lines = [
        line(1, 13, "I", on=date(2024, 3, 1)),
        line(2, 12, "II", on=date(2024, 4, 1)),
    ]
    transcript = calculate_transcript(lines, variant, 2024)
    assert transcript.counted_credits == D(counted)
    items = {item.key: item for item in transcript.requirement}
    assert items["credits"].is_met is credits_met
    assert not items["category:II"].is_met and not transcript.is_met
    assert transcript.lines[0].reason == reason


# --- issue 10 item 6: 进修 (advanced study) ------------------------------------------


def study(months, passed=True, **kw):
    values = {
        "source": Source.MANUAL,
        "manual_kind": ManualKind.VISITING,
        "study_months": months,
        "has_passed_assessment": passed,
    }
    values.update(kw)
    return line(1, 5, **values)


@pytest.mark.parametrize(
    ("rule", "rule_set", "study_line", "met"),
    [
        ("CN-2006: 进修半年以上、经考核合格 - 6 months", CN_2006, study(6), True),
        ("CN-2006: 进修半年以上 - 5 months are not enough", CN_2006, study(5), False),
        ("CN-2006: 经考核合格 - a failed assessment", CN_2006, study(6, False), False),
        ("CN-2024 (secondary): 进修 3 months", CN_2024, study(3), True),
        ("CN-2024: 2 months count only their credits", CN_2024, study(2), False),
        (
            "a revoked 进修 line meets nothing",
            CN_2024,
            study(6, is_revoked=True),
            False,
        ),
        ("a 进修 line without months counts its credits", CN_2024, study(None), False),
    ],
)
def test_advanced_study_meets_the_year(rule, rule_set, study_line, met):
    on = date(2024, 6, 1) if rule_set is CN_2006 else DAY
    transcript = calculate_transcript([replace(study_line, on=on)], rule_set, on.year)
    assert transcript.is_met is met
    assert transcript.met_by == ("advanced_study" if met else "")
