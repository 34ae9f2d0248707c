"""Who may see and do what with a course and its learners' records.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

from dataclasses import dataclass

from courses.workflow import CourseStatus
from lms.accounts.roles import Role


@dataclass(frozen=True)
class Actor:
    id: int
    role: Role
    hospital_id: int | None


def can_view_course(actor, status, is_lecturer_of_course):
    """Learners see only approved courses; lecturers their own; the office all."""
    if status == CourseStatus.APPROVED:
        return True
    if actor is None:
        return False
    return actor.role == Role.ADMINISTRATOR or is_lecturer_of_course


def can_manage_course(actor, is_lecturer_of_course):
    """Edit content, see the course's learners and statistics."""
    return actor.role == Role.ADMINISTRATOR or (
        actor.role == Role.LECTURER and is_lecturer_of_course
    )


def can_view_learner_record(
    actor, learner_id, learner_hospital_id, is_lecturer_of_course
):
    """A learner sees their own; lecturers their course's; coordinators their
    hospital's; the office everyone's."""
    if actor.id == learner_id or actor.role == Role.ADMINISTRATOR:
        return True
    if actor.role == Role.LECTURER:
        return is_lecturer_of_course
    return (
        actor.role == Role.SITE_COORDINATOR and actor.hospital_id == learner_hospital_id
    )


def can_enrol_others(actor, hospital_id):
    """Coordinators enrol their own hospital's learners; the office anyone."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    return actor.role == Role.SITE_COORDINATOR and actor.hospital_id == hospital_id


def can_record_attendance(actor, learner_hospital_id):
    """Coordinators record their own hospital's rooms; the office anyone's."""
    return can_enrol_others(actor, learner_hospital_id)


def can_see_certificate(actor, owner_id):
    """A certificate's facts: its learner's and the office's."""
    return actor.id == owner_id or actor.role == Role.ADMINISTRATOR


def can_download_certificate(actor, owner_id, is_current):
    """Its PDF: the learner only while it is current; the office every version."""
    return actor.role == Role.ADMINISTRATOR or (actor.id == owner_id and is_current)


def can_review_media(actor, uploader_id):
    """A published lecture's new media: the office passes it, never its uploader
    (a lecturer cannot approve their own recording, nor an officer theirs)."""
    return actor.role == Role.ADMINISTRATOR and actor.id != uploader_id
