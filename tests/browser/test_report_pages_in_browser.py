"""The report pages in Chromium (issue 15): a coordinator opens their hospital's
figures from the dashboard and changes the period, a lecturer reads their
teaching record, the office sorts the evaluation results; charts drawn under the
app's Content-Security-Policy; screenshots in Chinese and English."""

import re
from datetime import UTC, datetime

import pytest
from playwright.sync_api import expect

from courses import operations as ops
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.reports import summaries
from lms.reports.rules import NETWORK_TZ
from tests.builders import PASSWORD, build_scene, complete_course
from tests.conftest import unique


def sign_in(page, login):
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", PASSWORD)
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))


def build_hospital_year():
    """A county hospital whose learners finished a course in four months of this
    year (Beijing time) and enrolled in one more, its coordinator, the summary
    tables refreshed."""
    now = datetime.now(UTC)
    year = now.astimezone(NETWORK_TZ).year
    scene = build_scene(durations=(3 * 3600.0, 1800.0), learners=5)
    months = (3, 5, 8, 11)
    for learner, month in zip(scene.learners, months, strict=False):
        complete_course(scene.course, learner, datetime(year, month, 10, 2, tzinfo=UTC))
    ops.enrol(scene.course, scene.learners[4], datetime(year, 11, 20, 2, tzinfo=UTC))
    coordinator = create_user(
        login=f"{unique('coord')}@example.cn",
        name="赵协调",
        password=PASSWORD,
        role=Role.SITE_COORDINATOR,
        hospital=scene.hospital,
    )
    return {
        "year": year,
        "hospital": scene.hospital.id,
        "coordinator": coordinator.login,
        "lecturer": scene.lecturer.login,
        "lecturer_id": scene.lecturer.id,
        "admin": scene.admin.login,
        "course": scene.course.id,
    }


@pytest.fixture
def hospital_year(app, committed):
    scene = committed(build_hospital_year)
    with app.app_context():
        summaries.refresh_pending()
    return scene


def figure(page, name):
    return page.locator(f'[data-figure="{name}"] dd')


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_coordinator_reads_their_hospitals_figures(
    new_page, screenshot, hospital_year, locale
):
    scene = hospital_year
    page = new_page(locale=locale)
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    sign_in(page, scene["coordinator"])
    page.locator('a[href="/reports/my-hospital"]').click()
    expect(page).to_have_url(re.compile(rf"/reports/hospitals/{scene['hospital']}$"))
    year = scene["year"]
    expect(page.locator("h1")).to_contain_text(f"测试县人民医院 · {year}")
    expect(figure(page, "person_times")).to_have_text("5")
    expect(figure(page, "completions")).to_have_text("4")
    expect(figure(page, "learners")).to_have_text("5")
    expect(page.locator(f'tr[data-month="{year}-05"] td').first).to_have_text("1")
    expect(page.locator("#trend-chart")).to_have_attribute("data-chart-state", "drawn")
    expect(page.locator("#trend-chart canvas")).to_have_count(1)
    screenshot(page, f"report-hospital-{locale}")

    # A range of months: the summer only.
    page.fill("#period-start", f"{year}-05")
    page.fill("#period-end", f"{year}-08")
    page.locator("#period-end").press("Enter")
    expect(page).to_have_url(re.compile(rf"start={year}-05&end={year}-08"))
    expect(figure(page, "completions")).to_have_text("2")
    expect(page.locator("tbody tr[data-month]")).to_have_count(4)
    # Months of one year: the year's compliance (nobody has 25 credits yet).
    expect(figure(page, "compliance")).to_have_text("0%")

    # Months the wrong way round: said so, no figures.
    page.fill("#period-start", f"{year}-08")
    page.fill("#period-end", f"{year}-05")
    page.locator("#period-end").press("Enter")
    problem = page.locator("#period-problem")
    expect(problem).to_be_visible()
    if locale == "en-US":
        expect(problem).to_have_text("The end month is before the start month.")
    expect(page.locator("[data-figure]")).to_have_count(0)
    screenshot(page, f"report-hospital-bad-period-{locale}")
    # On a phone: the figures and the chart fit the screen's width.
    page.set_viewport_size({"width": 390, "height": 844})
    page.goto(f"/reports/hospitals/{scene['hospital']}")
    expect(page.locator("#trend-chart")).to_have_attribute("data-chart-state", "drawn")
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= 390
    screenshot(page, f"report-hospital-phone-{locale}")
    assert errors == []


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_a_lecturer_reads_their_teaching_record(
    new_page, screenshot, hospital_year, locale
):
    scene = hospital_year
    page = new_page(locale=locale)
    sign_in(page, scene["lecturer"])
    page.locator('a[href="/reports/my-teaching"]').click()
    expect(page).to_have_url(re.compile(rf"/reports/lecturers/{scene['lecturer_id']}$"))
    expect(page.locator("h1")).to_contain_text("李建国")
    expect(figure(page, "completions")).to_have_text("4")
    expect(figure(page, "hospitals")).to_have_text("1")
    expect(page.locator('[data-figure="lecturer_quality"] td')).to_have_text("5.00")
    row = page.locator(f'tr[data-course="{scene["course"]}"] td.num')
    expect(row).to_have_text(["5", "4", "4", "5.00", "5.00", "4.00"])
    expect(page.locator('tr[data-tier="county"] td')).to_have_text("1")
    screenshot(page, f"report-teaching-{locale}")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_office_sorts_the_evaluation_results(
    new_page, screenshot, hospital_year, locale
):
    scene = hospital_year
    page = new_page(locale=locale)
    sign_in(page, scene["admin"])
    page.goto(f"/reports/courses?year={scene['year']}")
    ours = page.locator(f'tr[data-course="{scene["course"]}"]')
    expect(ours).to_have_count(1)
    title = page.locator('th[aria-sort] a[data-sort="title"]')
    title.click()
    expect(page.locator("th:has(a[data-sort=title])")).to_have_attribute(
        "aria-sort", "ascending"
    )
    page.locator('a[data-sort="title"]').click()
    expect(page.locator("th:has(a[data-sort=title])")).to_have_attribute(
        "aria-sort", "descending"
    )
    expect(page).to_have_url(re.compile(r"sort=title&dir=desc"))
    screenshot(page, f"report-courses-{locale}")
    page.goto(f"/reports/hospitals/{scene['hospital']}")  # the office reads any
    expect(figure(page, "person_times")).to_have_text("5")
    page.goto(f"/reports/lecturers/{scene['lecturer_id']}")
    expect(figure(page, "completions")).to_have_text("4")


@pytest.mark.parametrize("locale", ["zh-CN", "en-US"])
def test_the_home_page_shows_the_networks_figures(new_page, screenshot, locale):
    page = new_page(locale=locale)
    page.goto("/")
    figures = page.locator("#network-figures [data-figure]")
    expect(figures).to_have_count(6)
    screenshot(page, f"home-figures-{locale}")
