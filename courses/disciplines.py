"""Specialties a course can belong to (学科), as data.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass


@dataclass(frozen=True)
class Discipline:
    code: str
    name_zh: str
    name_en: str


DISCIPLINES = (
    Discipline("internal", "内科学", "Internal medicine"),
    Discipline("cardiology", "心血管病学", "Cardiology"),
    Discipline("respiratory", "呼吸病学", "Respiratory medicine"),
    Discipline("endocrinology", "内分泌学", "Endocrinology"),
    Discipline("neurology", "神经病学", "Neurology"),
    Discipline("surgery", "外科学", "Surgery"),
    Discipline("orthopaedics", "骨科学", "Orthopaedics"),
    Discipline("obstetrics", "妇产科学", "Obstetrics and gynaecology"),
    Discipline("paediatrics", "儿科学", "Paediatrics"),
    Discipline("emergency", "急诊医学", "Emergency medicine"),
    Discipline("critical_care", "重症医学", "Critical care"),
    Discipline("infectious", "感染病学", "Infectious diseases"),
    Discipline("oncology", "肿瘤学", "Oncology"),
    Discipline("radiology", "医学影像学", "Radiology"),
    Discipline("laboratory", "检验医学", "Laboratory medicine"),
    Discipline("pharmacy", "药学", "Pharmacy"),
    Discipline("nursing", "护理学", "Nursing"),
    Discipline("general_practice", "全科医学", "General practice"),
    Discipline("public_health", "公共卫生", "Public health"),
    Discipline("tcm", "中医学", "Traditional Chinese medicine"),
    Discipline("rehabilitation", "康复医学", "Rehabilitation"),
    Discipline("anaesthesiology", "麻醉学", "Anaesthesiology"),
)

DISCIPLINES_BY_CODE = {d.code: d for d in DISCIPLINES}
