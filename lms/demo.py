"""Demo data for ``flask --app lms seed-demo``: a hub, ~30 alliance hospitals, people,
courses and scheduled sessions."""

import sqlalchemy as sa

from lms.accounts.models import User
from lms.accounts.operations import create_user
from lms.accounts.roles import Profession, Role
from lms.db import db, utcnow
from lms.demo_courses import seed_demo_courses
from lms.demo_sessions import seed_demo_sessions
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital

DEMO_PASSWORD = "demo-password"

#: (code, name_zh, name_en, tier, province code, city)
HOSPITALS = (
    (
        "HUB-001",
        "西部医科大学附属华川医院",
        "Huachuan Hospital of Western Medical University",
        Tier.HUB,
        "51",
        "成都",
    ),
    (
        "SC-M-01",
        "绵阳市中心医院",
        "Mianyang Central Hospital",
        Tier.MUNICIPAL,
        "51",
        "绵阳",
    ),
    (
        "SC-M-02",
        "南充市第一人民医院",
        "Nanchong First People's Hospital",
        Tier.MUNICIPAL,
        "51",
        "南充",
    ),
    (
        "SC-C-01",
        "三台县人民医院",
        "Santai County People's Hospital",
        Tier.COUNTY,
        "51",
        "绵阳",
    ),
    (
        "SC-C-02",
        "仪陇县人民医院",
        "Yilong County People's Hospital",
        Tier.COUNTY,
        "51",
        "南充",
    ),
    (
        "SC-T-01",
        "三台县芦溪镇卫生院",
        "Luxi Township Health Centre, Santai",
        Tier.TOWNSHIP,
        "51",
        "绵阳",
    ),
    (
        "SC-T-02",
        "仪陇县马鞍镇卫生院",
        "Ma'an Township Health Centre, Yilong",
        Tier.TOWNSHIP,
        "51",
        "南充",
    ),
    (
        "CQ-M-01",
        "万州区人民医院",
        "Wanzhou District People's Hospital",
        Tier.MUNICIPAL,
        "50",
        "重庆",
    ),
    (
        "CQ-C-01",
        "巫山县人民医院",
        "Wushan County People's Hospital",
        Tier.COUNTY,
        "50",
        "重庆",
    ),
    (
        "GZ-M-01",
        "遵义市第一人民医院",
        "Zunyi First People's Hospital",
        Tier.MUNICIPAL,
        "52",
        "遵义",
    ),
    (
        "GZ-C-01",
        "湄潭县人民医院",
        "Meitan County People's Hospital",
        Tier.COUNTY,
        "52",
        "遵义",
    ),
    (
        "GZ-T-01",
        "湄潭县永兴镇卫生院",
        "Yongxing Township Health Centre, Meitan",
        Tier.TOWNSHIP,
        "52",
        "遵义",
    ),
    (
        "YN-M-01",
        "曲靖市第一人民医院",
        "Qujing First People's Hospital",
        Tier.MUNICIPAL,
        "53",
        "曲靖",
    ),
    (
        "YN-C-01",
        "会泽县人民医院",
        "Huize County People's Hospital",
        Tier.COUNTY,
        "53",
        "曲靖",
    ),
    (
        "YN-C-02",
        "大理州宾川县人民医院",
        "Binchuan County People's Hospital",
        Tier.COUNTY,
        "53",
        "大理",
    ),
    (
        "YN-T-01",
        "会泽县娜姑镇卫生院",
        "Nagu Township Health Centre, Huize",
        Tier.TOWNSHIP,
        "53",
        "曲靖",
    ),
    (
        "XZ-M-01",
        "昌都市人民医院",
        "Qamdo People's Hospital",
        Tier.MUNICIPAL,
        "54",
        "昌都",
    ),
    (
        "XZ-C-01",
        "林芝市米林县人民医院",
        "Mainling County People's Hospital",
        Tier.COUNTY,
        "54",
        "林芝",
    ),
    (
        "SN-M-01",
        "汉中市中心医院",
        "Hanzhong Central Hospital",
        Tier.MUNICIPAL,
        "61",
        "汉中",
    ),
    ("SN-C-01", "城固县医院", "Chenggu County Hospital", Tier.COUNTY, "61", "汉中"),
    (
        "GS-M-01",
        "天水市第一人民医院",
        "Tianshui First People's Hospital",
        Tier.MUNICIPAL,
        "62",
        "天水",
    ),
    (
        "GS-C-01",
        "甘谷县人民医院",
        "Gangu County People's Hospital",
        Tier.COUNTY,
        "62",
        "天水",
    ),
    (
        "GS-T-01",
        "甘谷县大像山镇卫生院",
        "Daxiangshan Township Health Centre, Gangu",
        Tier.TOWNSHIP,
        "62",
        "天水",
    ),
    (
        "QH-M-01",
        "海东市第一人民医院",
        "Haidong First People's Hospital",
        Tier.MUNICIPAL,
        "63",
        "海东",
    ),
    (
        "QH-C-01",
        "互助县人民医院",
        "Huzhu County People's Hospital",
        Tier.COUNTY,
        "63",
        "海东",
    ),
    (
        "NX-C-01",
        "固原市西吉县人民医院",
        "Xiji County People's Hospital",
        Tier.COUNTY,
        "64",
        "固原",
    ),
    (
        "XJ-M-01",
        "喀什地区第一人民医院",
        "Kashgar First People's Hospital",
        Tier.MUNICIPAL,
        "65",
        "喀什",
    ),
    (
        "XJ-C-01",
        "疏勒县人民医院",
        "Shule County People's Hospital",
        Tier.COUNTY,
        "65",
        "喀什",
    ),
    (
        "GX-C-01",
        "百色市田东县人民医院",
        "Tiandong County People's Hospital",
        Tier.COUNTY,
        "45",
        "百色",
    ),
    (
        "NM-C-01",
        "鄂托克旗人民医院",
        "Otog Banner People's Hospital",
        Tier.COUNTY,
        "15",
        "鄂尔多斯",
    ),
    (
        "NM-T-01",
        "鄂托克旗乌兰镇卫生院",
        "Ulan Township Health Centre, Otog",
        Tier.TOWNSHIP,
        "15",
        "鄂尔多斯",
    ),
)

#: (login, name, role, hospital code, profession, title)
PEOPLE = (
    (
        "admin@example.com",
        "王敏",
        Role.ADMINISTRATOR,
        "HUB-001",
        Profession.OTHER,
        "继续教育办公室",
    ),
    (
        "lecturer@example.com",
        "李建国",
        Role.LECTURER,
        "HUB-001",
        Profession.DOCTOR,
        "主任医师",
    ),
    (
        "lecturer2@example.com",
        "陈淑华",
        Role.LECTURER,
        "HUB-001",
        Profession.NURSE,
        "主任护师",
    ),
    (
        "lecturer3@example.com",
        "赵志强",
        Role.LECTURER,
        "HUB-001",
        Profession.PHARMACIST,
        "主任药师",
    ),
    (
        "learner@example.com",
        "张晓燕",
        Role.LEARNER,
        "SC-C-01",
        Profession.DOCTOR,
        "主治医师",
    ),
    (
        "coordinator@example.com",
        "刘德华",
        Role.SITE_COORDINATOR,
        "SC-C-01",
        Profession.DOCTOR,
        "副主任医师",
    ),
    ("learner2@example.com", "杨丽", Role.LEARNER, "SC-C-01", Profession.NURSE, "护师"),
    (
        "learner3@example.com",
        "扎西多吉",
        Role.LEARNER,
        "XZ-C-01",
        Profession.DOCTOR,
        "住院医师",
    ),
    (
        "learner4@example.com",
        "马晓军",
        Role.LEARNER,
        "NX-C-01",
        Profession.TECHNICIAN,
        "检验技师",
    ),
    (
        "learner5@example.com",
        "阿依古丽",
        Role.LEARNER,
        "XJ-C-01",
        Profession.NURSE,
        "主管护师",
    ),
    (
        "learner6@example.com",
        "黄明",
        Role.LEARNER,
        "YN-T-01",
        Profession.DOCTOR,
        "乡村医生",
    ),
)


def is_empty():
    """True when the database holds no people and no hospitals yet."""
    users = db.session.scalar(sa.select(sa.func.count()).select_from(User))
    hospitals = db.session.scalar(sa.select(sa.func.count()).select_from(Hospital))
    return users == 0 and hospitals == 0


def seed_demo():
    """Create the demo network, people and courses; the caller commits."""
    by_code = {}
    for code, name_zh, name_en, tier, province, city in HOSPITALS:
        by_code[code] = create_hospital(
            code=code,
            name_zh=name_zh,
            name_en=name_en,
            tier=tier,
            province_code=province,
            city=city,
        )
    people = {}
    for login, name, role, hospital_code, profession, title in PEOPLE:
        people[login] = create_user(
            login=login,
            name=name,
            password=DEMO_PASSWORD,
            role=role,
            hospital=by_code[hospital_code],
            profession=profession,
            professional_title=title,
        )
    now = utcnow()
    courses = seed_demo_courses(people, now)
    seed_demo_sessions(people, now)
    return len(HOSPITALS), len(PEOPLE), courses
