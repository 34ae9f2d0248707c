"""The built-in credit rule sets (DESIGN §2.1), as data.

Administrators add variants of these (a province, a tier) in the database;
``certificates.queries`` lists both. A set is never edited once awards cite it:
a change is a new version with a new start date.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from datetime import date
from decimal import Decimal as D

from certificates.rules import LEVELS, Rounding, RuleSet

#: Lecturers under the 2006 measures: 2 credits per hour at a national project,
#: 1 elsewhere. CN-2024 leaves the rates "as configured"; this network keeps them.
CN_LECTURER_RATES = {
    "national": D(2),
    "provincial": D(1),
    "municipal": D(1),
    "hospital": D(1),
}

CN_2006 = RuleSet(
    code="CN-2006",
    version=1,
    name_zh="继续医学教育学分授予与管理办法（2006）",
    name_en="CN CME credit measures (2006)",
    scale="CN",
    valid_from=date(2006, 12, 1),
    valid_until=None,  # still live: certificates under it stay valid
    minutes_per_class_hour=45,
    categories=("I", "II"),
    # National project: 3 class hours = 1 Class I credit; provincial 6 = 1.
    hours_per_credit={
        "national": D(3),
        "provincial": D(6),
        "municipal": D(6),
        "hospital": D(6),
    },
    step=D("0.5"),
    rounding=Rounding.DOWN,
    distance_cap=D(5),
    project_cap=D(10),
    lecturer_credits_per_hour=CN_LECTURER_RATES,
    yearly_credits=D(25),
    category_limits={"I": (D(5), D(10)), "II": (D(15), None)},
)

CN_2024 = RuleSet(
    code="CN-2024",
    version=1,
    name_zh="继续医学教育学分管理办法（2024 试行）",
    name_en="CN CME measures (trial, 2024)",
    scale="CN",
    valid_from=date(2024, 10, 1),
    valid_until=None,
    minutes_per_class_hour=45,
    categories=("CME",),
    # One scale, no Class I/II: 3 class hours = 1 credit at every level.
    hours_per_credit=dict.fromkeys(LEVELS, D(3)),
    step=D("0.5"),
    rounding=Rounding.DOWN,
    lecturer_credits_per_hour=CN_LECTURER_RATES,
    yearly_credits=D(25),
    yearly_class_hours=D(90),
    self_study_cap=D(10),
)

AMA_PRA_1 = RuleSet(
    code="AMA-PRA-1",
    version=1,
    name_zh="AMA PRA 一类学分",
    name_en="AMA PRA Category 1 Credit",
    scale="AMA",
    valid_from=date(2000, 1, 1),
    valid_until=None,
    minutes_per_class_hour=60,
    categories=("AMA-1",),
    # 60 minutes = 1 credit, to the nearest quarter hour.
    hours_per_credit=dict.fromkeys(LEVELS, D(1)),
    step=D("0.25"),
    rounding=Rounding.NEAREST,
    lecturer_credits_per_hour=dict.fromkeys(LEVELS, D(2)),
    # Enduring (online) material: a post-test with a pass mark set in advance.
    requires_passed_test=True,
    credits_by_participation=True,
)

ANCC = RuleSet(
    code="ANCC",
    version=1,
    name_zh="ANCC 护理继续教育学时",
    name_en="ANCC nursing contact hours",
    scale="ANCC",
    valid_from=date(2000, 1, 1),
    valid_until=None,
    minutes_per_class_hour=60,
    categories=("contact-hour",),
    hours_per_credit=dict.fromkeys(LEVELS, D(1)),
    step=D("0.01"),
    rounding=Rounding.DOWN,
    credits_by_participation=True,
)

BUILT_IN = (CN_2024, CN_2006, AMA_PRA_1, ANCC)
RULE_SETS = BUILT_IN
RULE_SETS_BY_CODE = {r.code: r for r in BUILT_IN}
DEFAULT_RULE_SET = "CN-2024"
