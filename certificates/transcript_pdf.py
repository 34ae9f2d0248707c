"""A learner's yearly transcript as a PDF (A4 portrait, the embedded CJK font).

Every text goes through ``escape`` before it reaches a Paragraph: reportlab reads
Paragraph text as markup, and names and titles are the learner's own words.
"""

import io
from decimal import Decimal
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from certificates.facts import learner_number
from certificates.pdf import register_font

LABELS = {
    "zh": {
        "title": "{year} 年度继续医学教育学分登记",
        "learner": "姓名",
        "number": "学员编号",
        "hospital": "单位",
        "rule_set": "学分规则",
        "columns": ("日期", "项目", "类别", "学时", "学分", "计入", "说明"),
        "requirement": "年度要求",
        "met": "已达标",
        "not_met": "未达标",
        "total": "全部学分 {all}，计入要求 {counted}",
        "equivalent": "学时（与学分要求等值，非另一项要求）：{achieved} / {required}",
        "met_by": "进修 {months} 个月以上且考核合格，视为达到本年度要求",
        "issued": "{body} · 生成于 {date}",
        "none": "本年度没有学分记录。",
    },
    "en": {
        "title": "CME credit transcript {year}",
        "learner": "Name",
        "number": "Learner No.",
        "hospital": "Hospital",
        "rule_set": "Rule set",
        "columns": (
            "Date",
            "Activity",
            "Category",
            "Hours",
            "Credits",
            "Counted",
            "Note",
        ),
        "requirement": "Yearly requirement",
        "met": "met",
        "not_met": "not yet met",
        "total": "All credits {all}; counted toward the requirement {counted}",
        "equivalent": "Class hours (学时), the requirement's equivalent, not a "
        "second test: {achieved} / {required}",
        "met_by": "Met by visiting study (进修) of {months} months or more with a "
        "passed assessment",
        "issued": "{body} · generated {date}",
        "none": "No credits this year.",
    },
}


def _number(value):
    """Two places at most, as every surface shows it: 1.50 → "1.5", 2.00 → "2"."""
    text = format(Decimal(value or 0).quantize(Decimal("0.01")), "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


def render_transcript(transcript, awards, *, learner, issuer, language, now, labels):
    """The transcript PDF as bytes. ``labels`` translates categories, reasons and
    requirement keys (the caller's translated label functions)."""
    words = LABELS["en" if language == "en" else "zh"]
    font = register_font()
    body = ParagraphStyle("body", fontName=font, fontSize=9, leading=12)
    small = ParagraphStyle("small", parent=body, fontSize=8, leading=10)
    heading = ParagraphStyle("heading", parent=body, fontSize=16, leading=22)

    def p(text, style=body):
        return Paragraph(escape(str(text)), style)

    hospital = learner.hospital
    hospital_name = "—"
    if hospital is not None:
        hospital_name = hospital.name_zh
        if language == "en" and hospital.name_en:
            hospital_name = hospital.name_en
    story = [
        p(words["title"].format(year=transcript.year), heading),
        Spacer(1, 4 * mm),
        p(
            f"{words['learner']}: {learner.name}    {words['number']}: "
            f"{learner_number(learner.id)}"
        ),
        p(f"{words['hospital']}: {hospital_name}"),
        p(f"{words['rule_set']}: {transcript.rule_set.name(language)}"),
        Spacer(1, 4 * mm),
    ]
    rows = [[p(c, small) for c in words["columns"]]]
    for counted in transcript.lines:
        award = awards[counted.line.award_id]
        rows.append(
            [
                p(award.activity_date.isoformat(), small),
                p(award.title(language), small),
                p(labels["category"](award.category), small),
                p(_number(award.class_hours), small),
                p(_number(award.credits), small),
                p(_number(counted.counted_credits), small),
                p(labels["reason"](counted.reason) if counted.reason else "", small),
            ]
        )
    if len(rows) == 1:
        rows.append([p(words["none"], small)] + [""] * 6)
    table = Table(
        rows,
        colWidths=[22 * mm, 62 * mm, 22 * mm, 14 * mm, 14 * mm, 14 * mm, 32 * mm],
        repeatRows=1,
    )
    table.setStyle(
        TableStyle(
            [
                ("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#b8c4cc")),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#e6eef2")),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ]
        )
    )
    story += [table, Spacer(1, 5 * mm)]
    story.append(
        p(
            words["total"].format(
                all=_number(transcript.total_credits),
                counted=_number(transcript.counted_credits),
            )
        )
    )
    state = words["met"] if transcript.is_met else words["not_met"]
    story.append(p(f"{words['requirement']}: {state}"))
    if transcript.met_by == "advanced_study":
        months = transcript.rule_set.advanced_study_months
        story.append(p(words["met_by"].format(months=months), small))
    for item in transcript.requirement:
        story.append(
            p(
                f"· {labels['requirement'](item.key)}: {_number(item.achieved)} / "
                f"{_number(item.required)}",
                small,
            )
        )
    equivalent = transcript.class_hours_equivalent
    if equivalent is not None:
        story.append(
            p(
                words["equivalent"].format(
                    achieved=_number(equivalent[0]), required=_number(equivalent[1])
                ),
                small,
            )
        )
    story += [
        Spacer(1, 8 * mm),
        p(
            words["issued"].format(
                body=issuer.awarding_body_en
                if language == "en"
                else issuer.awarding_body_zh,
                date=now.date().isoformat(),
            ),
            small,
        ),
    ]
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=15 * mm,
        rightMargin=15 * mm,
        topMargin=15 * mm,
        bottomMargin=15 * mm,
        title=words["title"].format(year=transcript.year),
        author=issuer.awarding_body_en,
        invariant=1,
    )
    document.build(story)
    return buffer.getvalue()
