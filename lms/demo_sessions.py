"""Demo scheduled sessions for ``seed-demo``: a broadcast under way now (push to
it: README), a live broadcast with rooms booked by
county and township hospitals, a group viewing, an on-site training the office
scheduled from a hospital's visit request, a skills training with a waiting
list, a cancelled case conference, one waiting for the office, and one in the
past that ended with presences and credits, all built with the operations the
app uses (the past one with the clock of its day)."""

from datetime import datetime, time, timedelta
from decimal import Decimal

import sqlalchemy as sa

from courses.models import Course
from courses.sessions import attendance, booking, codes, crediting
from courses.sessions.schedule import LOCAL_TZ
from courses.sessions.states import SessionKind
from lms.db import db
from lms.enums import ProjectLevel
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier

STUDIO = "远程教学演播室（门诊楼 5 楼）"
#: The credit terms most demo sessions carry (a provincial CME project).
TERMS = {
    "rule_set_code": "CN-2024",
    "project_level": ProjectLevel.PROVINCIAL,
    "credit_category": "CME",
}


def day(now, days_ahead, start, hours):
    """(start, end) of a day ``days_ahead`` of ``now`` in Asia/Shanghai, starting
    at ``start`` ("HH:MM" local time) and lasting ``hours``."""
    date = now.astimezone(LOCAL_TZ).date() + timedelta(days=days_ahead)
    hour, minute = map(int, start.split(":"))
    starts = datetime.combine(date, time(hour, minute), LOCAL_TZ)
    return starts, starts + timedelta(hours=hours)


def seed_demo_sessions(people, now):
    """Create the demo sessions; ``people`` maps logins to users. Returns the count."""
    hospitals = {h.code: h for h in db.session.scalars(sa.select(Hospital)) if h.code}
    hub = next(h for h in hospitals.values() if h.tier == Tier.HUB)
    admin = people["admin@example.com"]
    lecturer = people["lecturer@example.com"]
    coordinator = people["coordinator@example.com"]
    sessions = [
        _past_broadcast(people, hub, now - timedelta(days=12)),
        _broadcast_under_way(people, hub, now),
    ]

    # A live broadcast from the hub's studio; county and township rooms booked.
    broadcast = booking.create_session(
        lecturer,
        now,
        kind=SessionKind.BROADCAST,
        title_zh="急性缺血性卒中的静脉溶栓：从识别到转诊",
        title_en="Thrombolysis for acute ischaemic stroke: recognition to referral",
        description_zh="华川医院神经内科直播授课，县、乡医院分会场集中收看，课后答疑。",
        description_en="Live from the hub's neurology department to the county and "
        "township rooms, with questions at the end.",
        days=[day(now, 3, "14:30", 2)],
        venue_hospital_id=hub.id,
        venue_room=STUDIO,
        capacity=300,
        room_capacity=60,
        audience_tiers=(Tier.COUNTY.value, Tier.TOWNSHIP.value),
        project_number="2026-51-02-014",
        **TERMS,
    )
    booking.approve_session(broadcast, admin, now)
    booking.book_room(
        broadcast,
        coordinator,
        now,
        hospital_id=coordinator.hospital_id,
        seats=25,
        room="三楼示教室",
        is_equipment_tested=True,
    )
    for code, seats, room, tested in (
        ("YN-C-01", 40, "学术报告厅", True),
        ("GS-T-01", 12, "会议室", False),
        ("NM-T-01", 8, "会议室", True),
    ):
        booking.book_room(
            broadcast,
            admin,
            now,
            hospital_id=hospitals[code].id,
            seats=seats,
            room=room,
            is_equipment_tested=tested,
        )
    sessions.append(broadcast)

    # Staff of 三台县人民医院 watch a recorded course together one evening.
    course = db.session.scalar(
        sa.select(Course).filter_by(title_zh="高血压的基层规范化管理")
    )
    viewing = booking.create_session(
        admin,
        now,
        kind=SessionKind.GROUP_VIEWING,
        title_zh="集中观看：高血压的基层规范化管理",
        title_en="Group viewing: hypertension management in primary care",
        days=[day(now, 6, "19:00", 1.5)],
        venue_hospital_id=coordinator.hospital_id,
        venue_room="三楼示教室",
        course_id=course.id if course else None,
        capacity=30,
        audience_hospital_ids=(coordinator.hospital_id,),
        project_number="2026-51-02-021",
        **TERMS,
    )
    booking.approve_session(viewing, admin, now)
    booking.reserve_seat(viewing, people["learner2@example.com"], now)
    sessions.append(viewing)

    # 三台县人民医院 asked for on-site training; the office scheduled two days.
    visit = booking.request_visit(
        coordinator,
        now - timedelta(days=3),
        hospital_id=coordinator.hospital_id,
        kind=SessionKind.ONSITE,
        topic="基层医院感染防控现场培训与指导",
        details="希望安排在下下周，上午理论、下午病区现场指导，约 30 人参加。",
        expected_attendees=30,
    )
    onsite = booking.schedule_visit(
        visit,
        admin,
        now - timedelta(days=2),
        kind=SessionKind.ONSITE,
        title_zh="医院感染防控现场培训与指导",
        title_en="Infection prevention and control, on site",
        description_zh="第一天理论授课与演练，第二天到病区逐一指导。",
        days=[day(now, 13, "09:00", 3), day(now, 14, "14:00", 3)],
        venue_hospital_id=coordinator.hospital_id,
        venue_room="住院部二楼会议室",
        lecturer_ids=(people["lecturer2@example.com"].id,),
        capacity=40,
        audience_hospital_ids=(coordinator.hospital_id,),
        project_number="2026-51-02-033",
        **TERMS,
    )
    # The demo learner has a seat of her own at her hospital's training.
    booking.reserve_seat(onsite, people["learner@example.com"], now)
    sessions.append(onsite)
    # Another request still waits for the office.
    booking.request_visit(
        coordinator,
        now - timedelta(days=1),
        hospital_id=coordinator.hospital_id,
        kind=SessionKind.SKILLS,
        topic="新生儿复苏技能培训",
        details="产科、儿科护士约 15 人，最好在月底前。",
        expected_attendees=15,
    )

    # Skills training at the hub: three places, two on the waiting list.
    skills = booking.create_session(
        people["lecturer2@example.com"],
        now,
        kind=SessionKind.SKILLS,
        title_zh="成人心肺复苏与 AED 使用技能培训",
        title_en="Adult CPR and AED skills training",
        description_zh="模拟人分组实操，考核合格者授予学分。",
        days=[day(now, 9, "09:00", 3)],
        venue_hospital_id=hub.id,
        venue_room="临床技能培训中心",
        capacity=3,
        is_booking_required=True,
        project_number="2026-51-02-040",
        **TERMS,
    )
    booking.approve_session(skills, admin, now)
    for login in (
        "learner3@example.com",
        "learner4@example.com",
        "learner6@example.com",
    ):
        booking.reserve_seat(skills, people[login], now)
    for login in ("learner5@example.com", "learner2@example.com"):
        booking.reserve_seat(skills, people[login], now, waitlist=True)
    sessions.append(skills)

    # A case conference called off (the one booked on it is told).
    conference = booking.create_session(
        people["lecturer3@example.com"],
        now,
        kind=SessionKind.CASE_CONFERENCE,
        title_zh="疑难病例讨论：不明原因发热",
        title_en="Case conference: fever of unknown origin",
        days=[day(now, 4, "16:00", 1.5)],
        venue_hospital_id=hub.id,
        venue_room=STUDIO,
        capacity=100,
        project_number="2026-51-02-045",
        **TERMS,
    )
    booking.approve_session(conference, admin, now)
    booking.reserve_seat(conference, people["learner3@example.com"], now)
    booking.cancel_session(
        conference,
        people["lecturer3@example.com"],
        now,
        "授课专家临时外出会诊，改期另行通知。",
    )
    sessions.append(conference)

    # Planned by a lecturer, waiting for the office to approve its credit terms.
    sessions.append(
        booking.create_session(
            people["lecturer3@example.com"],
            now,
            kind=SessionKind.BROADCAST,
            title_zh="基层抗菌药物合理使用",
            title_en="Rational use of antibiotics in primary care",
            days=[day(now, 20, "14:30", 2)],
            venue_hospital_id=hub.id,
            venue_room=STUDIO,
            capacity=300,
            project_number="2026-51-02-052",
            **TERMS,
        )
    )
    return len(sessions)


def _broadcast_under_way(people, hub, now):
    """A broadcast under way now (it began a quarter of an hour ago and lasts
    three hours), so its lecturer can issue a stream key on its page and push
    from OBS or ffmpeg at once (README: Live broadcast)."""
    starts = now.replace(second=0, microsecond=0) - timedelta(minutes=15)
    planned = now - timedelta(days=2)
    session = booking.create_session(
        people["lecturer2@example.com"],
        planned,
        kind=SessionKind.BROADCAST,
        title_zh="基层糖尿病足的早期识别（直播中）",
        title_en="Early recognition of the diabetic foot in primary care (on now)",
        description_zh="演播室直播：推流后县、乡医院的学员在线收看，弹幕提问经主持人审核后显示。",
        description_en="Live from the studio: once the push starts, learners of the "
        "county and township hospitals watch online and send questions a host "
        "moderates.",
        days=[(starts, starts + timedelta(hours=3))],
        venue_hospital_id=hub.id,
        venue_room=STUDIO,
        capacity=500,
        audience_tiers=(Tier.COUNTY.value, Tier.TOWNSHIP.value),
        project_number="2026-51-02-031",
        **TERMS,
    )
    booking.approve_session(session, people["admin@example.com"], planned)
    return session


def _past_broadcast(people, hub, then):
    """A broadcast ``then`` (days ago): 三台县人民医院's room booked, the demo
    learner signed in and out by the room's code, a colleague who left early,
    the headcount entered; ended and credited."""
    admin = people["admin@example.com"]
    lecturer = people["lecturer@example.com"]
    coordinator = people["coordinator@example.com"]
    booked = then - timedelta(days=7)
    session = booking.create_session(
        lecturer,
        booked,
        kind=SessionKind.BROADCAST,
        title_zh="基层急性胸痛的识别与转诊",
        title_en="Acute chest pain in primary care: recognition and referral",
        days=[day(then, 0, "14:30", 2)],
        venue_hospital_id=hub.id,
        venue_room=STUDIO,
        capacity=200,
        room_capacity=60,
        audience_tiers=(Tier.COUNTY.value, Tier.TOWNSHIP.value),
        min_presence=Decimal("0.80"),
        project_number="2026-51-02-007",
        **TERMS,
    )
    booking.approve_session(session, admin, booked)
    room = booking.book_room(
        session,
        coordinator,
        booked,
        hospital_id=coordinator.hospital_id,
        seats=20,
        room="三楼示教室",
        is_equipment_tested=True,
    )
    starts, ends = session.days[0].starts_dt, session.days[0].ends_dt
    key = codes.room_key(room.id)

    def code(at):
        return codes.current_code(session.code_secret, key, at)

    for login, came, left in (
        ("learner@example.com", starts - timedelta(minutes=8), ends),
        (
            "learner2@example.com",
            starts + timedelta(minutes=5),
            starts + timedelta(hours=1),
        ),
    ):
        attendance.sign_in(session, people[login], code(came), came)
        attendance.sign_out(session, people[login], code(left), left)
    attendance.enter_headcount(
        session,
        coordinator,
        ends,
        day_id=session.days[0].id,
        reservation_id=room.id,
        headcount=2,
    )
    crediting.end_session(session, lecturer, ends + timedelta(minutes=5))
    crediting.credit_session(session.id, ends + timedelta(minutes=10))
    return session
