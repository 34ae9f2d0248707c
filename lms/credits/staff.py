"""A hospital's staff with this year's standing and their courses: the rows the
office's hospital page and the coordinator's staff page show, read in a bounded
number of queries whatever the number of people."""

from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from certificates.queries import get_transcripts
from certificates.rules import Transcript
from courses.gates import EnrolmentFacts, Step, next_step
from courses.models import Enrolment
from courses.queries import enrolment_facts_of
from lms.accounts.models import User
from lms.accounts.queries import list_users
from lms.accounts.roles import Role
from lms.db import db


@dataclass(frozen=True)
class CourseProgress:
    enrolment: Enrolment
    facts: EnrolmentFacts
    step: Step


@dataclass(frozen=True)
class StaffRow:
    person: User
    transcript: Transcript
    courses: tuple[CourseProgress, ...]

    @property
    def is_behind(self):
        return not self.transcript.is_met


def staff_rows(people, year):
    """One row per person: their ``year`` and their progress in each course."""
    people = list(people)
    ids = [p.id for p in people]
    enrolments = (
        db.session.scalars(
            sa.select(Enrolment)
            .where(Enrolment.user_id.in_(ids))
            .options(selectinload(Enrolment.course))
            .order_by(Enrolment.enrolled_dt.desc())
        ).all()
        if ids
        else []
    )
    facts = enrolment_facts_of(enrolments)
    transcripts = get_transcripts(people, year)
    courses = {i: [] for i in ids}
    for e in enrolments:
        f = facts[e.id]
        courses[e.user_id].append(CourseProgress(e, f, next_step(f)))
    return [StaffRow(p, transcripts[p.id], tuple(courses[p.id])) for p in people]


def staff_page(hospital_id, year, *, q="", page=1, per_page=50):
    """(a page of the hospital's people, their rows)."""
    people = list_users(q=q, hospital_id=hospital_id, page=page, per_page=per_page)
    return people, staff_rows(people.items, year)


def list_staff_behind(hospital_id, year):
    """Active learners of the hospital who have not yet met ``year``'s requirement."""
    people = db.session.scalars(
        sa.select(User)
        .where(
            User.hospital_id == hospital_id,
            User.role == Role.LEARNER,
            User.is_active.is_(True),
        )
        .options(selectinload(User.hospital))
        .order_by(User.id)
    ).all()
    transcripts = get_transcripts(people, year)
    return [p for p in people if not transcripts[p.id].is_met]
