"""Demo courses for ``seed-demo``: approved courses with questions, and learners at
different stages, built with the same operations the app uses."""

import random
from datetime import timedelta

from certificates import operations as credit_ops
from certificates.keys import current_issuer
from courses import operations as ops
from media_pipeline.states import MediaStatus

#: (title_zh, title_en, specialty, rule set, category, level, lectures, questions)
COURSES = (
    (
        "高血压的基层规范化管理",
        "Hypertension management in primary care",
        "cardiology",
        "CN-2024",
        "CME",
        "national",
        [
            ("高血压的诊断与评估", "Diagnosis and assessment", 20),
            ("生活方式干预", "Lifestyle intervention", 25),
            ("降压药物的选择", "Choosing antihypertensive drugs", 15),
        ],
        [
            (
                "诊室血压诊断高血压的标准是？",
                "The office blood pressure threshold for hypertension?",
                ["≥140/90 mmHg", "≥130/80 mmHg", "≥160/100 mmHg"],
                0,
                "《中国高血压防治指南》以诊室血压≥140/90 mmHg 为诊断标准。",
            ),
            (
                "每日食盐摄入建议不超过？",
                "Daily salt intake should not exceed?",
                ["5 克", "10 克", "15 克"],
                0,
                "WHO 与我国指南均建议每日食盐少于 5 克。",
            ),
            (
                "合并糖尿病的高血压患者首选哪类药物？",
                "First choice for hypertension with diabetes?",
                ["ACEI 或 ARB", "β 受体阻滞剂", "利尿剂"],
                0,
                "ACEI/ARB 兼有肾脏保护作用。",
            ),
        ],
    ),
    (
        "2 型糖尿病的胰岛素治疗",
        "Insulin therapy for type 2 diabetes",
        "endocrinology",
        "CN-2024",
        "CME",
        "provincial",
        [
            ("起始胰岛素治疗的时机", "When to start insulin", 18),
            ("低血糖的识别与处理", "Recognising and treating hypoglycaemia", 22),
        ],
        [
            (
                "血糖低于多少即为低血糖（非糖尿病患者除外）？",
                "Hypoglycaemia in people with diabetes is glucose below?",
                ["3.9 mmol/L", "5.6 mmol/L", "2.2 mmol/L"],
                0,
                "",
            ),
            (
                "基础胰岛素的起始剂量通常为？",
                "The usual starting dose of basal insulin?",
                ["0.1–0.2 U/kg/d", "1 U/kg/d", "2 U/kg/d"],
                0,
                "",
            ),
            (
                "口服葡萄糖处理低血糖一般给予？",
                "Oral glucose for hypoglycaemia is usually?",
                ["15–20 g", "50 g", "100 g"],
                0,
                "",
            ),
        ],
    ),
    (
        "急性脑卒中的早期识别与转诊",
        "Early recognition and referral of acute stroke",
        "neurology",
        "CN-2006",
        "I",
        "national",
        [
            ("BE FAST 识别法", "The BE FAST signs", 95),
            ("溶栓时间窗与转诊", "Thrombolysis windows and referral", 85),
        ],
        [
            (
                "静脉溶栓的时间窗一般为发病后？",
                "The usual window for IV thrombolysis?",
                ["4.5 小时内", "12 小时内", "24 小时内"],
                0,
                "",
            ),
            (
                "BE FAST 中的 “F” 指？",
                "In BE FAST, F stands for?",
                ["面部歪斜", "发热", "跌倒"],
                0,
                "",
            ),
        ],
    ),
    (
        "静脉输液治疗护理规范",
        "Intravenous therapy nursing practice",
        "nursing",
        "CN-2006",
        "II",
        "hospital",  # Class II: a unit's own project (issue 10)
        [
            ("外周静脉留置针的维护", "Caring for peripheral cannulas", 35),
            ("输液反应的处理", "Managing infusion reactions", 30),
        ],
        [
            (
                "外周留置针一般建议留置时间为？",
                "Peripheral cannulas usually stay in for?",
                ["72–96 小时", "7 天", "14 天"],
                0,
                "",
            ),
            (
                "发生输液反应时首先应？",
                "The first step in an infusion reaction?",
                ["立即停止输液", "加快滴速", "继续观察"],
                0,
                "",
            ),
        ],
    ),
)


def _build(course_spec, lecturer, admin, now):
    title_zh, title_en, specialty, rule_set, category, level, lectures, questions = (
        course_spec
    )
    course = ops.create_course(
        lecturer,
        title_zh=title_zh,
        title_en=title_en,
        specialty=specialty,
        rule_set_code=rule_set,
        credit_category=category,
        project_level=level,
        target_professions=["doctor", "nurse"] if specialty != "nursing" else ["nurse"],
        description_zh=f"本课程面向基层医务人员，讲解{title_zh}的要点与实践。",
        description_en=f"For primary-care staff: the essentials of {title_en.lower()}.",
    )
    for lecture_zh, lecture_en, minutes in lectures:
        lecture = ops.add_lecture(
            course,
            lecturer,
            title_zh=lecture_zh,
            title_en=lecture_en,
            duration_seconds=minutes * 60.0,
        )
        # A stand-in for a transcoded recording (seed_demo_media gives the nursing
        # course real ones): only ready media is playable, submitted or approved.
        lecture.media_status = MediaStatus.READY
    for text_zh, text_en, options, right, explanation in questions:
        ops.add_question(
            course,
            lecturer,
            text_zh=text_zh,
            text_en=text_en,
            explanation_zh=explanation,
            options=[
                {"text_zh": o, "is_correct": i == right} for i, o in enumerate(options)
            ],
        )
    ops.change_course_status(course, lecturer, "submit", now)
    return course


def _watch(learner, lecture, share, start):
    """Watch ``share`` of a lecture in real time from ``start``; returns the end time."""
    session, _ = ops.start_play_session(learner, lecture, start)
    seconds = lecture.duration_seconds * share
    end = start + timedelta(seconds=seconds)
    ops.record_heartbeat(learner, lecture, session.token, 1, [[0, seconds]], end)
    return end


def _pass_test(enrolment, now):
    attempt, _ = ops.open_attempt(enrolment, random.Random(7), now)
    keys = ops.option_keys(attempt)  # the attempt names options by key
    answers = {
        q.id: [keys[q.id][o.id] for o in q.options if o.is_correct]
        for q in enrolment.course.questions
        if q.id in keys
    }
    ops.submit_attempt(enrolment, attempt.id, answers, now)


def seed_demo_courses(people, now):
    """Create the demo courses; ``people`` maps logins to users. Returns the count."""
    lecturer, admin = people["lecturer@example.com"], people["admin@example.com"]
    start = now - timedelta(days=30)
    courses = [_build(spec, lecturer, admin, start) for spec in COURSES]
    for course in courses:
        ops.change_course_status(
            course,
            admin,
            "approve",
            start,
            approval={"project_number": f"2026-{course.id:02d}-01-{course.id:03d}"},
        )
    # One course waiting for the office, one draft in the lecturer's hands.
    waiting = ops.create_course(
        people["lecturer2@example.com"],
        title_zh="压力性损伤的预防",
        title_en="Preventing pressure injuries",
        specialty="nursing",
    )
    ops.add_lecture(
        waiting, waiting.owner, title_zh="风险评估", duration_seconds=900.0
    ).media_status = MediaStatus.READY
    ops.add_question(
        waiting,
        waiting.owner,
        text_zh="Braden 量表评估的是？",
        options=[
            {"text_zh": "压力性损伤风险", "is_correct": True},
            {"text_zh": "跌倒风险"},
        ],
    )
    ops.change_course_status(waiting, waiting.owner, "submit", start)
    ops.create_course(
        lecturer,
        title_zh="社区获得性肺炎的抗菌治疗（草稿）",
        title_en="Antibiotics for community-acquired pneumonia (draft)",
        specialty="respiratory",
    )

    hypertension, diabetes, stroke, nursing = courses
    clock = start + timedelta(days=1)
    # 张晓燕: stroke course complete; hypertension half-way.
    zhang = people["learner@example.com"]
    enrolment = ops.enrol(stroke, zhang, clock)
    for lecture in stroke.lectures:
        clock = _watch(zhang, lecture, 1.0, clock)
    _pass_test(enrolment, clock)
    ops.submit_evaluation(
        enrolment,
        clock,
        course_quality=5,
        lecturer_quality=5,
        relevance=5,
        comments="转诊流程讲得很清楚。",
    )
    credit_ops.issue_certificate(enrolment, current_issuer(), clock)
    credit_ops.record_manual_award(
        zhang,
        admin,
        clock,
        title="四川省神经病学学术年会",
        rule_set_code="CN-2024",
        category="CME",
        credits="5",
        class_hours="15",
        kind="external",
        on=(clock - timedelta(days=20)).date(),
        reason="会议学分证书原件已核验",
    )
    credit_ops.record_manual_award(
        zhang,
        admin,
        clock,
        title="华西医院神经内科进修（3 个月）",
        rule_set_code="CN-2024",
        category="CME",
        credits="10",
        class_hours="30",
        kind="visiting",
        on=(clock - timedelta(days=10)).date(),
        reason="进修结业证明",
        study_months=3,  # CN-2024: 3 months, assessment passed: the year is met
        assessment_passed=True,
    )
    ops.enrol(hypertension, zhang, clock)
    clock = _watch(zhang, hypertension.lectures[0], 1.0, clock)
    clock = _watch(zhang, hypertension.lectures[1], 0.4, clock)
    # 杨丽: every hypertension lecture watched, the post-test is next.
    yang = people["learner2@example.com"]
    ops.enrol(hypertension, yang, clock)
    for lecture in hypertension.lectures:
        clock = _watch(yang, lecture, 0.97, clock)
    # 张晓燕 has also just enrolled in the nursing course, whose lectures have video.
    ops.enrol(nursing, zhang, clock)
    # Others: enrolled, some watching.
    for login, course, share in (
        ("learner3@example.com", diabetes, 0.6),
        ("learner5@example.com", hypertension, 0.3),
        ("learner6@example.com", stroke, 0.8),
    ):
        ops.enrol(course, people[login], clock)
        clock = _watch(people[login], course.lectures[0], share, clock)
    return len(courses) + 2


def seed_demo_media(
    media_dir, lecturer_login="lecturer@example.com", admin_login="admin@example.com"
):
    """Give the nursing course's lectures real recordings, transcoded now.

    Call after the demo data is committed; returns the number of lectures.
    """
    import tempfile
    from pathlib import Path

    import sqlalchemy as sa

    from courses.models import Course
    from lms.accounts.models import User
    from lms.db import db, utcnow
    from media_pipeline import operations as media_ops
    from media_pipeline.runner import generate_demo_recording
    from media_pipeline.states import ReviewState
    from media_pipeline.storage import Storage
    from media_pipeline.tasks import transcode_job

    course = db.session.scalar(
        sa.select(Course).filter_by(specialty="nursing", title_zh=COURSES[3][0])
    )
    lecturer = db.session.scalar(sa.select(User).filter_by(login=lecturer_login))
    storage = Storage(media_dir)
    jobs = []
    with tempfile.TemporaryDirectory() as folder:
        for lecture in course.lectures:
            clip = generate_demo_recording(Path(folder) / f"{lecture.id}.mp4")
            size = clip.stat().st_size
            upload = media_ops.start_upload(
                lecture, lecturer, filename=clip.name, size=size, max_bytes=size
            )
            with clip.open("rb") as stream:
                job = media_ops.receive_chunk(
                    upload, 0, stream, storage, utcnow(), chunk_limit=size
                )
            jobs.append(job.id)
        db.session.commit()
    for job_id in jobs:
        transcode_job.call_local(job_id)
    # The course is published: its new recordings wait for the office, who passes them.
    admin = db.session.scalar(sa.select(User).filter_by(login=admin_login))
    for job_id in jobs:
        job = media_ops.get_version_for_review(job_id)
        if job.review_state == ReviewState.PENDING:
            media_ops.approve_version(job, admin, utcnow(), storage)
    db.session.commit()
    return len(jobs)
