"""The credit rule sets a course can be approved under, as data.

This holds what courses need today (the class-hour length and the credit
categories of each set); the credit calculation itself builds on it.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class RuleSetSummary:
    code: str
    name_zh: str
    name_en: str
    #: Minutes in one class hour (学时) under this rule set.
    minutes_per_class_hour: int
    #: Credit categories a course may award; the first is the default.
    categories: tuple[str, ...]


RULE_SETS = (
    RuleSetSummary(
        "CN-2024",
        "继续医学教育学分管理办法（2024 试行）",
        "CN CME measures (trial, 2024)",
        45,
        ("CME",),
    ),
    RuleSetSummary(
        "CN-2006",
        "继续医学教育学分授予与管理办法（2006）",
        "CN CME credit measures (2006)",
        45,
        ("I", "II"),
    ),
    RuleSetSummary(
        "AMA-PRA-1", "AMA PRA 一类学分", "AMA PRA Category 1 Credit", 60, ("AMA-1",)
    ),
    RuleSetSummary(
        "ANCC",
        "ANCC 护理继续教育学时",
        "ANCC nursing contact hours",
        60,
        ("contact-hour",),
    ),
)

RULE_SETS_BY_CODE = {r.code: r for r in RULE_SETS}
DEFAULT_RULE_SET = "CN-2024"
