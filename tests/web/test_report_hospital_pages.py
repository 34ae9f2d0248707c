"""A hospital's report page, the coordinator's page, a lecturer's teaching
record, the evaluation results by course and the home page's figures (issue 15):
who may read which, and the figures shown are the report's."""

import re
from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from courses import operations as ops
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from lms.reports import summaries
from lms.reports.pages import period_messages
from lms.reports.queries import Scope, home_figures, network_report
from lms.reports.rules import Period, PeriodError, parse_period
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
YEAR_2026 = Period(202601, 202612)
EN = {"Accept-Language": "en"}


def figure(html, name):
    """The headline figure ``name`` as the page shows it."""
    found = re.search(rf'data-figure="{name}"><dt>[^<]*</dt><dd>([^<]*)<', html)
    assert found, f"no figure {name} on the page"
    return found[1].strip()


def month_cells(html, month):
    """The cells of the monthly table's row for ``month`` ("2026-06")."""
    row = re.search(rf'<tr data-month="{month}">(.*?)</tr>', html, re.S)
    assert row, f"no row for {month}"
    return [c.strip() for c in re.findall(r"<td[^>]*>([^<]*)</td>", row[1])]


@pytest.fixture
def network(db, create_hospital, create_user, create_course):
    """Two hospitals of our own with some activity in June 2026 (refreshed)."""
    county = create_hospital(tier=Tier.COUNTY, province_code="51", name_en="Yanting")
    township = create_hospital(tier=Tier.TOWNSHIP, province_code="52")
    lecturer = create_user(role=Role.LECTURER, name="王教授")
    course = create_course(durations=(3600.0, 5400.0), questions=1, lecturer=lecturer)
    a = create_user(name="张医生", hospital=county)
    b = create_user(name="李护士", hospital=county)
    c = create_user(name="赵药师", hospital=township)
    complete_course(course, a, NOW)
    ops.enrol(course, b, NOW)
    ops.enrol(course, c, NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    return {
        "county": county,
        "township": township,
        "lecturer": lecturer,
        "course": course,
        "learners": (a, b, c),
    }


# --- who may read what ---------------------------------------------------------


def test_the_office_reads_any_hospital_and_a_coordinator_only_their_own(
    client, auth, create_user, network
):
    county, township = network["county"], network["township"]
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    assert client.get(f"/reports/hospitals/{county.id}").status_code == 200
    assert client.get(f"/reports/hospitals/{township.id}").status_code == 200
    auth.logout()

    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    auth.login(coordinator.login)
    assert client.get(f"/reports/hospitals/{county.id}").status_code == 200
    assert client.get(f"/reports/hospitals/{township.id}").status_code == 403
    # An id nobody has answers as any other hospital's: nothing learned.
    assert client.get("/reports/hospitals/2147483000").status_code == 403


@pytest.mark.parametrize("role", [Role.LEARNER, Role.LECTURER])
def test_learners_and_lecturers_read_no_hospital_page(
    client, auth, create_user, network, role
):
    county = network["county"]
    person = create_user(role=role, hospital=county)
    auth.login(person.login)
    assert client.get(f"/reports/hospitals/{county.id}").status_code == 403
    assert client.get("/reports/my-hospital").status_code == 403
    assert client.get("/reports/courses").status_code == 403


def test_signed_out_people_are_sent_to_sign_in(client, network):
    response = client.get(f"/reports/hospitals/{network['county'].id}")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_coordinators_page_is_their_hospitals_for_the_same_period(
    client, auth, create_user, network
):
    county = network["county"]
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    auth.login(coordinator.login)
    response = client.get("/reports/my-hospital?year=2026&junk=1")
    assert response.status_code == 302
    assert response.headers["Location"].endswith(
        f"/reports/hospitals/{county.id}?year=2026"
    )
    dashboard = client.get("/dashboard").text
    assert 'href="/reports/my-hospital"' in dashboard


def test_a_lecturer_reads_only_their_own_teaching_record(
    client, auth, create_user, network
):
    lecturer = network["lecturer"]
    other = create_user(role=Role.LECTURER, name="另一位专家")
    auth.login(lecturer.login)
    assert client.get(f"/reports/lecturers/{lecturer.id}").status_code == 200
    assert client.get(f"/reports/lecturers/{other.id}").status_code == 403
    response = client.get("/reports/my-teaching?year=2026")
    assert response.headers["Location"].endswith(
        f"/reports/lecturers/{lecturer.id}?year=2026"
    )
    assert 'href="/reports/my-teaching"' in client.get("/dashboard").text
    auth.logout()

    learner = network["learners"][0]
    auth.login(learner.login)
    assert client.get(f"/reports/lecturers/{lecturer.id}").status_code == 403
    assert client.get("/reports/my-teaching").status_code == 403
    auth.logout()

    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    assert client.get(f"/reports/lecturers/{other.id}").status_code == 200
    # A learner has no teaching record.
    assert client.get(f"/reports/lecturers/{learner.id}").status_code == 404


# --- the figures shown are the report's ---------------------------------------------


def test_a_hospitals_page_shows_its_report(client, auth, create_user, network):
    county = network["county"]
    report = network_report(YEAR_2026, "month", Scope(hospital_ids=(county.id,)))
    totals = report.totals
    assert (totals.person_times, totals.learners, totals.completions) == (2, 2, 1)

    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    auth.login(coordinator.login)
    html = client.get(f"/reports/hospitals/{county.id}?year=2026", headers=EN).get_data(
        as_text=True
    )
    assert "Yanting · 2026" in html
    assert figure(html, "person_times") == "2"
    assert figure(html, "learners") == "2"
    assert figure(html, "completions") == "1"
    assert (
        figure(html, "class_hours_delivered") == f"{totals.class_hours_delivered:.1f}"
    )
    assert totals.credits > 0
    assert Decimal(figure(html, "credits")) == totals.credits
    # Compliance: the three registered learners of the county (none met 25 credits).
    assert totals.staff == 2 and totals.staff_met == 0
    assert figure(html, "compliance") == "0%"
    assert "0 of 2 registered learners have met the 2026 requirement." in html
    june = month_cells(html, "2026-06")
    assert june[:3] == ["2", "2", "1"]  # person-times, learners, completions
    assert month_cells(html, "2026-05")[:3] == ["0", "0", "0"]
    for category in totals.credits_by_category:
        assert f'data-category="{category}"' in html
    # The trend chart's data is the monthly table's.
    assert '"categories": ["2026-01"' in html
    assert 'data-key="cardiology"' in html  # by specialty
    assert 'data-key="other"' in html  # by profession (none given: other)


def test_a_range_of_months_has_no_compliance_across_years(
    client, auth, create_user, network
):
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    html = client.get(
        f"/reports/hospitals/{network['county'].id}?start=2025-11&end=2026-06",
        headers=EN,
    ).get_data(as_text=True)
    assert "2025-11 – 2026-06" in html
    assert figure(html, "person_times") == "2"
    assert figure(html, "compliance") == "—"
    assert "Compliance is counted for one calendar year" in html
    assert html.count("<tr data-month=") == 8 + 1  # eight months and the total


@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("start=2026-06&end=2026-01", "The end month is before the start month."),
        ("year=26", "The year must be four digits, such as 2026."),
        ("year=1850", "The year must lie between 2000 and 2100."),
        ("start=2026-13", "The start month must be written YYYY-MM"),
        ("start=2010-01&end=2026-01", "A report covers at most 120 months."),
        ("year=2026&start=2026-01", "Give a year, or a start and end month, not both."),
    ],
)
def test_a_period_that_cannot_be_reported_is_refused_with_its_reason(
    client, auth, create_user, network, query, message
):
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    for path in (
        f"/reports/hospitals/{network['county'].id}",
        f"/reports/lecturers/{network['lecturer'].id}",
        "/reports/courses",
    ):
        response = client.get(f"{path}?{query}", headers=EN)
        assert response.status_code == 400, path
        assert message in response.text
        assert 'id="period-problem"' in response.text
        assert 'data-figure="' not in response.text


@pytest.mark.parametrize(
    ("year", "start", "end"),
    [
        ("2026", "2026-01", None),
        (None, "2026-06", "2026-01"),
        (None, "2010-01", "2026-01"),
        ("26", None, None),
        ("1850", None, None),
        (None, "2026-13", None),
        (None, "2026-01", "2026-1"),
    ],
)
def test_every_refused_period_is_said_in_the_readers_language(app, year, start, end):
    with app.test_request_context(), pytest.raises(PeriodError) as refused:
        parse_period(year, start, end, today=date(2026, 6, 1))
    with app.test_request_context():
        assert str(refused.value) in period_messages()


def test_a_teaching_record_shows_the_lecturers_workload(
    client, auth, network, create_course
):
    lecturer = network["lecturer"]
    # A second course of theirs that nobody took shows with zeros.
    idle = create_course(title_zh="无人选修", lecturer=lecturer)
    auth.login(lecturer.login)
    html = client.get(
        f"/reports/lecturers/{lecturer.id}?year=2026", headers=EN
    ).get_data(as_text=True)
    assert "Teaching record · 王教授 · 2026" in html
    assert figure(html, "courses") == "2"
    assert figure(html, "completions") == "1"
    assert figure(html, "hospitals") == "2"  # the county and the township
    assert re.search(r'data-figure="lecturer_quality">.*?<td class="num">5.00<', html)
    assert re.search(r'data-tier="county">.*?<td class="num">1<', html)
    assert re.search(r'data-tier="township">.*?<td class="num">1<', html)
    taken = re.search(
        rf'<tr data-course="{network["course"].id}">(.*?)</tr>', html, re.S
    )[1]
    assert re.findall(r'<td class="num">([^<]*)</td>', taken) == [
        "3", "1", "1", "5.00", "5.00", "4.00"
    ]  # fmt: skip
    untaken = re.search(rf'<tr data-course="{idle.id}">(.*?)</tr>', html, re.S)[1]
    assert re.findall(r'<td class="num">([^<]*)</td>', untaken)[:3] == ["0"] * 3


def test_the_evaluation_results_sort_by_any_column(
    client, auth, db, create_user, create_course, network
):
    lecturer = network["lecturer"]
    second = create_course(
        title_zh="糖尿病足护理", title_en="Diabetic foot", lecturer=lecturer
    )
    learner = create_user(hospital=network["county"])
    complete_course(second, learner, NOW)  # rated 5, 5, 4 as the first
    for person in network["learners"][1:]:
        ops.enrol(second, person, NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)

    def order(query):
        html = client.get(f"/reports/courses?year=2026&{query}", headers=EN).text
        ids = [int(i) for i in re.findall(r'<tr data-course="(\d+)">', html)]
        return [i for i in ids if i in (network["course"].id, second.id)], html

    mine, html = order("sort=enrolments&dir=desc")
    assert mine == [network["course"].id, second.id] or mine == [
        second.id,
        network["course"].id,
    ]  # both have three enrolments: ties by id
    mine, html = order("sort=title&dir=asc")
    assert mine == [second.id, network["course"].id]  # Diabetic < Hypertension
    assert 'aria-sort="ascending"' in html
    mine, _ = order("sort=title&dir=desc")
    assert mine == [network["course"].id, second.id]
    assert client.get("/reports/courses?sort=password").status_code == 400
    assert client.get("/reports/courses?dir=sideways").status_code == 400


# --- the home page ----------------------------------------------------------------


def home_numbers(client):
    html = client.get("/", headers=EN).text
    return {
        name: int(value.replace(",", ""))
        for name, value in re.findall(
            r'data-figure="([a-z_]+)">\s*<p class="number">([\d,]+)</p>', html
        )
    }, html


def test_the_home_pages_figures_follow_the_data(
    client, db, create_hospital, create_user, create_course, network
):
    before, html = home_numbers(client)
    figures = home_figures()
    assert before["hospitals"] == sum(figures.hospitals_by_tier.values())
    assert before["person_times"] == figures.person_times
    assert before["learners"] == figures.learners
    assert before["provinces"] == figures.provinces
    for text in ("hospitals in the network", "registered learners"):
        assert text in html

    create_hospital(tier=Tier.TOWNSHIP, province_code="51")
    newcomer = create_user(hospital=network["township"])
    ops.enrol(network["course"], newcomer, NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    after, _ = home_numbers(client)
    assert after["hospitals"] == before["hospitals"] + 1
    assert after["learners"] == before["learners"] + 1
    assert after["person_times"] == before["person_times"] + 1
    assert after["provinces"] == before["provinces"]


def test_the_office_finds_the_pages_from_its_own(client, auth, create_user, network):
    county, lecturer = network["county"], network["lecturer"]
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    staff = client.get(f"/admin/hospitals/{county.id}/staff?year=2026").text
    assert f'href="/reports/hospitals/{county.id}?year=2026"' in staff
    person = client.get(f"/admin/users/{lecturer.id}").text
    assert f'href="/reports/lecturers/{lecturer.id}"' in person
    assert 'href="/reports/courses"' in client.get("/dashboard").text
