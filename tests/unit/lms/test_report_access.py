"""Who may read which report page (lms/reports/access.py): the office every
page, a coordinator their own hospital's, a lecturer their own teaching record."""

import pytest

from courses.access import Actor
from lms.accounts.roles import Role
from lms.reports.access import (
    can_see_course_evaluations,
    can_see_hospital_report,
    can_see_teaching_record,
)

OFFICE = Actor(1, Role.ADMINISTRATOR, None)
COORDINATOR = Actor(2, Role.SITE_COORDINATOR, 10)
HOMELESS_COORDINATOR = Actor(3, Role.SITE_COORDINATOR, None)
LECTURER = Actor(4, Role.LECTURER, 10)
LEARNER = Actor(5, Role.LEARNER, 10)


@pytest.mark.parametrize(
    ("actor", "hospital_id", "allowed"),
    [
        pytest.param(OFFICE, 10, True, id="office-any-hospital"),
        pytest.param(OFFICE, 99, True, id="office-another-hospital"),
        pytest.param(COORDINATOR, 10, True, id="coordinator-own-hospital"),
        pytest.param(COORDINATOR, 11, False, id="coordinator-another-hospital"),
        pytest.param(HOMELESS_COORDINATOR, None, False, id="coordinator-no-hospital"),
        pytest.param(LECTURER, 10, False, id="lecturer-own-hospital"),
        pytest.param(LEARNER, 10, False, id="learner-own-hospital"),
    ],
)
def test_hospital_report(actor, hospital_id, allowed):
    assert can_see_hospital_report(actor, hospital_id) is allowed


@pytest.mark.parametrize(
    ("actor", "lecturer_id", "allowed"),
    [
        pytest.param(OFFICE, 4, True, id="office-any-lecturer"),
        pytest.param(LECTURER, 4, True, id="lecturer-own-record"),
        pytest.param(LECTURER, 6, False, id="lecturer-another-lecturer"),
        pytest.param(COORDINATOR, 4, False, id="coordinator"),
        pytest.param(Actor(4, Role.LEARNER, 10), 4, False, id="learner-own-id"),
    ],
)
def test_teaching_record(actor, lecturer_id, allowed):
    assert can_see_teaching_record(actor, lecturer_id) is allowed


@pytest.mark.parametrize(
    ("actor", "allowed"),
    [(OFFICE, True), (COORDINATOR, False), (LECTURER, False), (LEARNER, False)],
    ids=["office", "coordinator", "lecturer", "learner"],
)
def test_course_evaluations(actor, allowed):
    assert can_see_course_evaluations(actor) is allowed
