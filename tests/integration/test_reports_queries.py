"""The reports beside the network figures: reach, silent sites, topics, courses'
evaluations, lecturers' teaching and the home page's numbers (issue 15)."""

from datetime import UTC, datetime, timedelta

import pytest

from courses import operations as ops
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from lms.reports import queries, summaries
from lms.reports.queries import Scope
from lms.reports.rules import Period
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
JUNE = Period(202606, 202606)


@pytest.fixture
def network(db, create_hospital, create_user, create_course):
    busy = create_hospital(tier=Tier.TOWNSHIP, province_code="51", name_en="Busy")
    quiet = create_hospital(tier=Tier.TOWNSHIP, province_code="51", name_en="Quiet")
    county = create_hospital(tier=Tier.COUNTY, province_code="52", name_en="County")
    lecturer = create_user(role=Role.LECTURER, name="授课专家")
    course = create_course(
        durations=(3600.0, 5400.0),
        questions=1,
        lecturer=lecturer,
        specialty="cardiology",
    )
    nurse = create_user(hospital=busy, profession="nurse")
    doctor = create_user(hospital=county, profession="doctor")
    complete_course(course, nurse, NOW)
    ops.enrol(course, doctor, NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    scope = Scope(hospital_ids=(busy.id, quiet.id, county.id))
    return busy, quiet, county, lecturer, course, scope


def test_reach_counts_the_hospitals_of_each_tier_with_any_activity(network):
    _busy, _quiet, _county, *_, scope = network
    reach = {r.tier: r for r in queries.reach(JUNE, scope)}
    assert (reach["township"].hospitals, reach["township"].reached) == (2, 1)
    assert reach["township"].share == 0.5
    assert (reach["county"].hospitals, reach["county"].reached) == (1, 1)
    assert queries.reach(Period(202501, 202512), scope)[0].reached == 0


def test_silent_sites_are_those_with_nothing_in_the_last_90_days(network):
    busy, quiet, county, *_, scope = network
    silent = queries.inactive_sites(NOW + timedelta(days=1), scope=scope)
    assert [s.hospital_id for s in silent] == [quiet.id]
    assert silent[0].last_active_month is None
    later = queries.inactive_sites(NOW + timedelta(days=120), scope=scope)
    assert {s.hospital_id for s in later} == {busy.id, quiet.id, county.id}
    assert {s.last_active_month for s in later if s.hospital_id == busy.id} == {202606}


def test_topics_split_person_times_by_specialty_and_profession(network):
    *_, scope = network
    by_profession = {
        r.key: r for r in queries.topic_breakdown(JUNE, "profession", scope)
    }
    assert by_profession["nurse"].completions == 1
    assert by_profession["doctor"].enrolments == 1
    assert by_profession["doctor"].completions == 0
    by_specialty = queries.topic_breakdown(JUNE, "specialty", scope)
    assert [(r.key, r.person_times) for r in by_specialty] == [("cardiology", 2)]


def test_a_course_and_its_lecturer_show_their_evaluations_and_reach(network):
    _busy, _quiet, _county, lecturer, course, _ = network
    [row] = queries.evaluations_by_course(JUNE, course_ids=(course.id,))
    assert (row.enrolments, row.completions, row.evaluations) == (2, 1, 1)
    assert 1 <= row.course_quality <= 5
    [work] = queries.lecturer_workload(JUNE, lecturer_ids=(lecturer.id,))
    assert (work.courses, work.completions, work.evaluations) == (1, 1, 1)
    assert work.hospitals == 2
    assert work.tiers == {"county": 1, "township": 1}
    assert work.sessions == 0


def test_the_home_figures_follow_the_data(db, network, create_user, create_course):
    before = queries.home_figures()
    busy = network[0]
    course = create_course(durations=(3600.0,), questions=1)
    complete_course(course, create_user(hospital=busy), NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    after = queries.home_figures()
    # At least: on PostgreSQL other tests may commit learners meanwhile.
    assert after.person_times >= before.person_times + 1
    assert after.learners >= before.learners + 1
    assert after.class_hours_delivered > before.class_hours_delivered
