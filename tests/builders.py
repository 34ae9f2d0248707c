"""A whole scene for tests and benchmarks that run outside the ``db`` fixture:
a hospital, its people and an approved course, made with the app's operations."""

from dataclasses import dataclass

from courses import operations as ops
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from media_pipeline.states import MediaStatus
from tests.conftest import sample_questions, unique

PASSWORD = "scene-password"


@dataclass
class Scene:
    hospital: object
    lecturer: object
    admin: object
    learners: list
    course: object


def build_scene(
    *,
    durations=(120.0,),
    questions=1,
    learners=1,
    enrol=False,
    title_zh="急性脑卒中的早期识别",
):
    """Build the scene in the current app context (the caller commits)."""
    hospital = create_hospital(
        code=unique("S"), name_zh="测试县人民医院", tier=Tier.COUNTY, province_code="51"
    )
    lecturer = create_user(
        login=f"{unique('lec')}@example.cn",
        name="李建国",
        password=PASSWORD,
        role=Role.LECTURER,
        hospital=hospital,
    )
    admin = create_user(
        login=f"{unique('adm')}@example.cn",
        name="王敏",
        password=PASSWORD,
        role=Role.ADMINISTRATOR,
    )
    people = [
        create_user(
            login=f"{unique('stu')}@example.cn",
            name=f"张晓燕{i or ''}",
            password=PASSWORD,
            hospital=hospital,
        )
        for i in range(learners)
    ]
    course = ops.create_course(
        lecturer,
        title_zh=f"{title_zh}{unique('')}",
        title_en="Early recognition of stroke",
        specialty="neurology",
    )
    for i, duration in enumerate(durations):
        lecture = ops.add_lecture(
            course, lecturer, title_zh=f"第{i + 1}讲", duration_seconds=duration
        )
        # As if its recording were transcoded: only ready media is playable.
        lecture.media_status = MediaStatus.READY
    for question in sample_questions(questions):
        ops.add_question(course, lecturer, **question)
    ops.change_course_status(course, lecturer, "submit", utcnow())
    ops.change_course_status(course, admin, "approve", utcnow())
    if enrol:
        for learner in people:
            ops.enrol(course, learner, utcnow())
    return Scene(hospital, lecturer, admin, people, course)


def complete_course(course, learner, now=None, *, score_right=True, watched=1.0):
    """Take ``learner`` through every gate of ``course`` with the app's operations:
    each lecture watched (whole, or the ``watched`` share of it), the post-test
    passed, the evaluation sent."""
    import random

    from courses.models import LectureProgress
    from courses.queries import get_enrolment
    from lms.db import db

    now = now or utcnow()
    enrolment = get_enrolment(course.id, learner.id) or ops.enrol(course, learner, now)
    for lecture in course.lectures:
        db.session.add(
            LectureProgress(
                user_id=learner.id,
                lecture_id=lecture.id,
                coverage=[[0.0, lecture.duration_seconds * watched]],
                covered_seconds=lecture.duration_seconds * watched,
                completed_dt=now,
                updated_dt=now,
            )
        )
    db.session.flush()
    if course.questions:
        attempt, _ = ops.open_attempt(enrolment, random.Random(1), now)
        keys = ops.option_keys(attempt)  # the attempt names options by key
        answers = {
            q.id: [
                keys[q.id][next(o.id for o in q.options if o.is_correct is score_right)]
            ]
            for q in course.questions
            if q.id in keys
        }
        ops.submit_attempt(enrolment, attempt.id, answers, now)
    ops.submit_evaluation(
        enrolment, now, course_quality=5, lecturer_quality=5, relevance=4
    )
    return enrolment
