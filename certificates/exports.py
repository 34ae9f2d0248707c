"""Credit exports: a provincial registry's columns and a PARS-style learner list,
and the masked name a public verification shows.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

#: How a line was entered, in a registry's words.
ENTRY_WAY = {
    "online": ("线上", "online"),
    "attendance": ("现场签到", "attendance"),
    "teaching": ("授课", "teaching"),
    "manual": ("手工录入", "manual"),
}


@dataclass(frozen=True)
class ExportRecord:
    award_id: int
    learner_number: str
    learner_name: str
    login: str
    profession: str
    hospital_code: str
    hospital_name: str
    province_code: str
    source: str
    project_number: str
    title: str
    category: str
    class_hours: Decimal
    credits: Decimal
    awarding_unit: str
    activity_date: date
    rule_set: str
    #: Set on a revocation line: the line it cancels.
    revokes_id: int | None = None


REGISTRY_HEADER = (
    "项目编号 Project number",
    "项目名称 Project name",
    "学分类别 Credit category",
    "学时 Class hours",
    "学分 Credits",
    "授予单位 Awarding unit",
    "录入方式 How entered",
    "学员编号 Learner number",
    "姓名 Name",
    "单位 Hospital",
    "单位编码 Hospital code",
    "日期 Date",
    "学分规则 Rule set",
    "撤销 Revokes line",
)


def plan_registry_rows(records):
    """Rows in the shape provincial CME registries import (revocations included,
    with negative credits, so a registry's sums stay right)."""
    for r in records:
        way_zh, way_en = ENTRY_WAY.get(r.source, (r.source, r.source))
        yield (
            protect_cell(r.project_number),
            protect_cell(r.title),
            protect_cell(r.category),
            _number(r.class_hours),
            _number(r.credits),
            protect_cell(r.awarding_unit),
            f"{way_zh} {way_en}",
            protect_cell(r.learner_number),
            protect_cell(r.learner_name),
            protect_cell(r.hospital_name),
            protect_cell(r.hospital_code),
            r.activity_date.isoformat(),
            protect_cell(r.rule_set),
            str(r.revokes_id or ""),
        )


PARS_HEADER = (
    "Learner ID",
    "Learner Name",
    "Email",
    "Profession",
    "Activity ID",
    "Activity Title",
    "Completion Date",
    "Credit Type",
    "Credits Awarded",
)


def plan_pars_rows(records):
    """A learner list shaped like the ACCME PARS learner upload (one row per
    standing award; revoked awards are left out)."""
    revoked = {r.revokes_id for r in records if r.revokes_id}
    for r in records:
        if r.revokes_id or r.award_id in revoked:
            continue
        yield (
            protect_cell(r.learner_number),
            protect_cell(r.learner_name),
            protect_cell(r.login if "@" in r.login else ""),
            protect_cell(r.profession),
            protect_cell(r.project_number or f"TC-{r.award_id}"),
            protect_cell(r.title),
            r.activity_date.strftime("%m/%d/%Y"),
            protect_cell(r.category),
            _number(r.credits),
        )


def _number(value):
    return format(Decimal(value).normalize(), "f")


def protect_cell(text):
    """A cell a spreadsheet will not run as a formula (CSV injection), even after
    the spaces a spreadsheet strips."""
    text = str(text)
    first = text.lstrip(" ")[:1]
    return "'" + text if first in ("=", "+", "-", "@", "\t", "\r", "\n") else text


def mask_name(name):
    """A name as a public page shows it: enough to recognise, not to harvest.

    张三 → 张*; 欧阳娜娜 → 欧**娜; Alice Smith → A**** S****.
    """
    name = str(name or "").strip()
    if not name:
        return ""
    if name.isascii():
        return " ".join(w[0] + "*" * (len(w) - 1) for w in name.split())
    if len(name) <= 2:
        return name[0] + "*" * (len(name) - 1)
    return name[0] + "*" * (len(name) - 2) + name[-1]
