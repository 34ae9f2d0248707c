"""Who may read which report page.

No I/O, no Flask, no SQLAlchemy: an actor (``courses.access.Actor``) and ids in,
a yes or no out.
"""

from lms.accounts.roles import Role


def can_see_hospital_report(actor, hospital_id):
    """The office reads every hospital's figures; a site coordinator only their
    own hospital's; learners and lecturers none."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    return (
        actor.role == Role.SITE_COORDINATOR
        and actor.hospital_id is not None
        and actor.hospital_id == hospital_id
    )


def can_see_teaching_record(actor, lecturer_id):
    """The office reads every lecturer's teaching record; a lecturer only their
    own."""
    if actor.role == Role.ADMINISTRATOR:
        return True
    return actor.role == Role.LECTURER and actor.id == lecturer_id


def can_see_course_evaluations(actor):
    """Evaluation results across every course are the office's."""
    return actor.role == Role.ADMINISTRATOR
