"""A project's credit cap holds when two of its activities are credited at the
same moment: each reads what the person already holds from the project before
adding a line, so the read and the insert happen under the person's row lock
(two courses of one national project approved at once paid a lecturer 20
credits where CN-2006 caps a project at 10)."""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from certificates.models import CreditAward
from certificates.rules import Source
from courses import operations as ops
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import begin_write_transaction, utcnow
from lms.db import db as _db
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from media_pipeline.states import MediaStatus
from tests.conftest import sample_questions, unique

SIX_HOURS = 6 * 3600.0


def _two_submitted_courses_of_one_project(app):
    with app.app_context():
        hub = create_hospital(
            code=unique("H"), name_zh="省医院", tier=Tier.HUB, province_code="51"
        )
        lecturer = create_user(
            login=f"{unique('lec')}@example.cn",
            name="专家",
            password="correct-horse-battery",
            role=Role.LECTURER,
            hospital=hub,
        )
        admin = create_user(
            login=f"{unique('adm')}@example.cn",
            name="继教办",
            password="correct-horse-battery",
            role=Role.ADMINISTRATOR,
        )
        course_ids = []
        for n in range(2):
            course = ops.create_course(
                lecturer,
                title_zh=f"国家级项目第{n + 1}部分",
                rule_set_code="CN-2006",
                project_level="national",
                specialty="neurology",
            )
            lecture = ops.add_lecture(
                course, lecturer, title_zh="讲座", duration_seconds=SIX_HOURS
            )
            lecture.media_status = MediaStatus.READY
            for question in sample_questions(1):
                ops.add_question(course, lecturer, **question)
            ops.change_course_status(course, lecturer, "submit", utcnow())
            course_ids.append(course.id)
        _db.session.commit()
        return lecturer.id, admin.id, course_ids


def test_two_courses_of_one_project_approved_at_once_keep_the_lecturers_cap(
    racing_app,
):
    app = racing_app
    lecturer_id, admin_id, course_ids = _two_submitted_courses_of_one_project(app)
    barrier = threading.Barrier(len(course_ids))

    def approve(course_id):
        from courses.models import Course
        from lms.accounts.models import User

        with app.app_context():
            barrier.wait()
            begin_write_transaction()
            ops.change_course_status(
                _db.session.get(Course, course_id),
                _db.session.get(User, admin_id),
                "approve",
                utcnow(),
                approval={"project_number": "2026-00-01-777"},
            )
            _db.session.commit()

    with ThreadPoolExecutor(max_workers=len(course_ids)) as pool:
        list(pool.map(approve, course_ids))
    with app.app_context():
        lines = _db.session.scalars(
            sa.select(CreditAward).where(
                CreditAward.user_id == lecturer_id,
                CreditAward.source == Source.TEACHING,
            )
        ).all()
    # The first approved takes the project's 10; the second finds none left.
    assert sum(line.credits for line in lines) == 10, [
        (line.course_id, line.credits) for line in lines
    ]
