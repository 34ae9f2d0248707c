"""The built-in credit rule sets (DESIGN §2.1), as data.

Administrators add variants of these (a province, a tier) in the database;
``certificates.queries`` lists both. A set is never edited once awards cite it:
a change is a new version (version 2 of the Chinese sets and AMA reads the texts
to the letter, issue 10; lines issued under version 1 stay as issued).

Every rule carries its source sentence and how sure we are of it (``sources``),
so the office can see what each number rests on.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from datetime import date
from decimal import Decimal as D

from certificates.class_ii import STANDARDS
from certificates.rules import LEVELS, Cite, Rounding, RuleSet
from certificates.rules import Confidence as C

#: The 2006 measures as reposted (https://m.lw881.com/yxlw/228135.html).
CN_2006_TEXT = "继续医学教育学分授予与管理办法（2006）"
#: The 2024 notice as carried by https://wjw.fujian.gov.cn/xxgk/fgwj/gjwj/
#: 202411/t20241108_6563549.htm.
CN_2024_TEXT = "继续医学教育学分管理办法（试行）（2024-10-23 通知）"
#: AMA faculty and learner rules, e.g. http://www.bumc.bu.edu/cme/
#: activity-planning/cme-credit/.
AMA_TEXT = "AMA PRA booklet, as summarised by Boston University CME"

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
    version=2,
    name_zh="继续医学教育学分授予与管理办法（2006）",
    name_en="CN CME credit measures (2006)",
    scale="CN",
    valid_from=date(2006, 12, 1),
    # Still live for courses approved under it (certificates under it stay
    # valid); the yearly requirement follows CN-2024 from 2025-01-01, because
    # the national set in force on a date decides (``rules.national_rule_set``).
    valid_until=None,
    categories=("I", "II"),
    hours_per_credit={
        "national": D(3),
        "provincial": D(6),
        "municipal": D(6),
        "hospital": D(6),
    },
    step=D("0.5"),
    rounding=Rounding.DOWN,
    distance_cap=D(5),
    distance_cap_levels=("national",),
    project_cap=D(10),
    category_levels={
        "I": ("national", "provincial"),
        "II": ("municipal", "hospital"),
    },
    lecturer_credits_per_hour=CN_LECTURER_RATES,
    yearly_credits=D(25),
    category_limits={"I": (D(5), D(10)), "II": (D(15), None)},
    class_hour_minutes=60,
    advanced_study_months=6,
    self_study_cap=D(5),
    class_ii_standards=STANDARDS,
    yearly_caps={"unit-activities": D(10)},
    sources={
        "hours_per_credit": Cite(
            f"{CN_2006_TEXT}: 国家级项目“参加者经考核合格，按3小时授予1学分”；"
            "省级项目“按6小时授予1学分”（市级、单位项目按6小时：省级细则）",
            C.PRIMARY,
        ),
        "lecturer_credits_per_hour": Cite(
            f"{CN_2006_TEXT}: 国家级“主讲人每小时授予2学分”；"
            "省级“主讲人按每小时授予1学分”",
            C.PRIMARY,
        ),
        "class_hour_minutes": Cite(
            f"{CN_2006_TEXT}: hours are 小时 (60 minutes); 1学时 = 1小时 in the "
            "provinces' tables (“按3小时授予1学分(3学时)”)",
            C.SECONDARY,
        ),
        "project_cap": Cite(
            f"{CN_2006_TEXT}: “…按3小时授予1学分；主讲人每小时授予2学分。"
            "每个项目所授学分数最多不超过10学分” - after both the participant "
            "and the lecturer rates, so it binds lecturers too; other reposts "
            "read 25 (m.lw881.com/wenda/309992.html): the office to confirm",
            C.PRIMARY,
        ),
        "distance_cap": Cite(
            f"{CN_2006_TEXT}: “国家级远程继续医学教育项目…每个项目所授学分数最多"
            "不超过5学分” (national distance projects only)",
            C.PRIMARY,
        ),
        "category_levels": Cite(
            f"{CN_2006_TEXT}: “国家级继续医学教育项目和省级继续医学教育项目可授予I类"
            "学分”；“自学、发表论文、科研立项、单位组织的学术活动等…授予Ⅱ类学分”",
            C.PRIMARY,
        ),
        "yearly_credits": Cite(
            f"{CN_2006_TEXT}: “每年参加继续医学教育活动，所获得的学分不低于25学分”",
            C.PRIMARY,
        ),
        "category_limits": Cite(
            f"{CN_2006_TEXT}: “其中Ⅰ类学分5-10学分，Ⅱ类学分不低于15-20学分…"
            "两类学分不可相互替代”",
            C.PRIMARY,
        ),
        "step": Cite(
            "House rule: class hours and credits in halves, rounded down (a course "
            "never claims time it did not teach)",
            C.ASSUMPTION,
        ),
        "valid_from": Cite(f"{CN_2006_TEXT}: in force from 2006-12-01", C.SECONDARY),
        "self_study_cap": Cite(
            f"{CN_2006_TEXT}: 自学…此类学分每年最多不超过5学分", C.PRIMARY
        ),
        "class_ii_standards": Cite(
            f"{CN_2006_TEXT}: Ⅱ类学分计算方法 (each standard cites its sentence)",
            C.PRIMARY,
        ),
        "yearly_caps": Cite(
            f"{CN_2006_TEXT}: 单位组织的学术活动…参加者全年所获得的该类学分最多不超过"
            "10学分",
            C.PRIMARY,
        ),
        "advanced_study_months": Cite(
            f"{CN_2006_TEXT}: 进修半年以上、经考核合格者，视为达到当年继续医学教育"
            "学分要求 (as provinces repeat it)",
            C.SECONDARY,
        ),
    },
)

CN_2024 = RuleSet(
    code="CN-2024",
    version=2,
    name_zh="继续医学教育学分管理办法（2024 试行）",
    name_en="CN CME measures (trial, 2024)",
    scale="CN",
    valid_from=date(2025, 1, 1),
    valid_until=None,
    categories=("CME",),
    # One scale, no Class I/II: 3 clock hours = 1 credit at every level.
    hours_per_credit=dict.fromkeys(LEVELS, D(3)),
    step=D("0.5"),
    rounding=Rounding.DOWN,
    lecturer_credits_per_hour=CN_LECTURER_RATES,
    yearly_credits=D(25),
    yearly_class_hours_equivalent=D(90),
    class_hour_minutes=50,
    self_study_cap=D(10),
    advanced_study_months=3,
    sources={
        "valid_from": Cite(
            f"{CN_2024_TEXT}: notice of 2024-10-23, in force from 2025-01-01; "
            "CN-2006 governs activities before",
            C.PRIMARY,
        ),
        "yearly_credits": Cite(
            f"{CN_2024_TEXT}: “每年所获得学分累计不低于25学分(不少于90学时)”: one "
            "requirement, 90 学时 its equivalent, not a second test",
            C.PRIMARY,
        ),
        "yearly_class_hours_equivalent": Cite(
            f"{CN_2024_TEXT}: “(不少于90学时)”, shown beside the 25 credits",
            C.PRIMARY,
        ),
        "class_hour_minutes": Cite(
            "Our reading: 25 credits at 3 clock hours each are 75 hours = 90 学时, "
            "so one 学时 is 50 minutes (display only; credits count clock hours)",
            C.ASSUMPTION,
        ),
        "hours_per_credit": Cite(
            f"{CN_2024_TEXT}: 3 hours = 1 credit at every level, no Class I/II "
            "(secondary sources summarising the notice)",
            C.SECONDARY,
        ),
        "lecturer_credits_per_hour": Cite(
            "Rates “as configured”: this network keeps the 2006 rates", C.ASSUMPTION
        ),
        "self_study_cap": Cite(
            f"{CN_2024_TEXT}: self-study at most 10 credits a year (secondary source)",
            C.SECONDARY,
        ),
        "advanced_study_months": Cite(
            f"{CN_2024_TEXT}: 进修 of 3 months or more with a passed assessment "
            "counts as the year met (secondary source)",
            C.SECONDARY,
        ),
        "step": Cite(
            "House rule: class hours and credits in halves, rounded down",
            C.ASSUMPTION,
        ),
    },
)

AMA_PRA_1 = RuleSet(
    code="AMA-PRA-1",
    version=2,
    name_zh="AMA PRA 一类学分",
    name_en="AMA PRA Category 1 Credit",
    scale="AMA",
    valid_from=date(2000, 1, 1),
    valid_until=None,
    categories=("AMA-1",),
    # 60 minutes = 1 credit, to the nearest quarter hour.
    hours_per_credit=dict.fromkeys(LEVELS, D(1)),
    step=D("0.25"),
    rounding=Rounding.NEAREST,
    lecturer_credits_per_hour=dict.fromkeys(LEVELS, D(2)),
    lecturer_credit_live_only=True,
    # Enduring (online) material: a post-test with a pass mark set in advance.
    requires_passed_test=True,
    credits_by_participation=True,
    sources={
        "hours_per_credit": Cite(
            f"{AMA_TEXT}: one credit per 60-minute hour, in quarter-hour increments "
            "rounded to the nearest quarter",
            C.SECONDARY,
        ),
        "lecturer_credits_per_hour": Cite(
            f"{AMA_TEXT}: faculty may claim 2 credits per hour of presentation",
            C.SECONDARY,
        ),
        "lecturer_credit_live_only": Cite(
            f"{AMA_TEXT}: faculty credit is for presenting at a live activity; "
            "none for enduring material",
            C.SECONDARY,
        ),
        "requires_passed_test": Cite(
            f"{AMA_TEXT}: enduring material needs an assessment with a pass mark "
            "announced in advance",
            C.SECONDARY,
        ),
        "credits_by_participation": Cite(
            f"{AMA_TEXT}: “claim only the credit commensurate with the extent of "
            "their participation”",
            C.SECONDARY,
        ),
    },
)

ANCC = RuleSet(
    code="ANCC",
    version=1,
    name_zh="ANCC 护理继续教育学时",
    name_en="ANCC nursing contact hours",
    scale="ANCC",
    valid_from=date(2000, 1, 1),
    valid_until=None,
    categories=("contact-hour",),
    hours_per_credit=dict.fromkeys(LEVELS, D(1)),
    step=D("0.01"),
    rounding=Rounding.DOWN,
    credits_by_participation=True,
    sources={
        "hours_per_credit": Cite(
            "ANCC accreditation manual: 60 minutes = 1 contact hour", C.SECONDARY
        ),
    },
)

BUILT_IN = (CN_2024, CN_2006, AMA_PRA_1, ANCC)
RULE_SETS = BUILT_IN
RULE_SETS_BY_CODE = {r.code: r for r in BUILT_IN}
DEFAULT_RULE_SET = "CN-2024"
