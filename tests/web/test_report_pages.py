"""The office's network dashboard (issue 15): who may open it, the period it is
asked for, the drill-down to one province's hospitals, and the downloads.

Other tests commit hospitals and figures to the shared PostgreSQL database, so
these look at their own hospitals' rows, and at sums within one download."""

import csv
import io
import re
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from openpyxl import load_workbook

from courses import operations as ops
from lms.accounts.roles import Role
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier
from lms.reports import summaries
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
#: The columns that add up (learners and compliance are counted again).
ADDITIVE = (
    "Person-times",
    "Enrolments",
    "Session attendances",
    "Class hours delivered",
    "Class hours watched",
    "Completions",
    "Credits",
    "Certificates",
    "Sessions held",
    "Rooms connected",
)


@pytest.fixture
def office(client, create_user, auth):
    client.environ_base["HTTP_ACCEPT_LANGUAGE"] = "en"
    admin = create_user(role=Role.ADMINISTRATOR, name="王敏")
    auth.login(admin.login)
    return admin


@pytest.fixture
def network(db, create_hospital, create_user, create_course):
    """A county hospital in Sichuan (51) whose learner completed a course, a
    township hospital in Guizhou (52) whose learner enrolled, in June 2026."""
    sichuan = create_hospital(
        tier=Tier.COUNTY, province_code="51", name_zh="蜀南县医院", name_en="Shunan"
    )
    guizhou = create_hospital(
        tier=Tier.TOWNSHIP,
        province_code="52",
        name_zh="黔东乡卫生院",
        name_en="Qiandong",
    )
    course = create_course(durations=(3600.0, 5400.0), questions=1)
    complete_course(course, create_user(hospital=sichuan), NOW)
    ops.enrol(course, create_user(hospital=guizhou), NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    return sichuan, guizhou


@pytest.mark.parametrize("role", [Role.LEARNER, Role.SITE_COORDINATOR, Role.LECTURER])
def test_only_the_office_opens_the_network_reports(client, auth, create_user, role):
    auth.login(create_user(role=role).login)
    for path in (
        "/reports/",
        "/reports/?province=51",
        "/reports/export.csv?by=hospital",
        "/reports/export.xlsx?by=tier",
    ):
        assert client.get(path).status_code == 403, path


def test_a_visitor_is_sent_to_sign_in(client):
    response = client.get("/reports/")
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_the_dashboard_shows_the_year_with_its_charts_data_and_tables(
    client, office, network
):
    page = client.get("/reports/?year=2026").get_data(as_text=True)
    assert "Network reports · 2026" in page or "2026" in page
    for chart in ('data-chart="map"', 'data-chart="line"', 'data-chart="bar"'):
        assert chart in page
    for table in ("by-province", "by-tier", "by-month"):
        assert f'id="{table}"' in page
    # The charts' data is JSON in the page, never inline script.
    assert re.search(r'<script type="application/json" id="map-data">\{', page)
    assert '"code": "51"' in page or '"code":"51"' in page
    assert "<script>" not in page
    # Without a province picked no hospital is listed, each province links to its own.
    assert 'id="by-hospital"' not in page
    assert "province=51" in page
    # The administrator's dashboard links here.
    dashboard = client.get("/dashboard").get_data(as_text=True)
    assert 'href="/reports/"' in dashboard


def test_a_province_lists_its_own_hospitals_only(client, db, office, network):
    sichuan, guizhou = network
    page = client.get("/reports/?year=2026&province=51").get_data(as_text=True)
    table = page[page.index('id="by-hospital"') :]
    table = table[: table.index("</table>")]
    keys = {int(k) for k in re.findall(r'<tr data-key="(\d+)"', table)}
    assert sichuan.id in keys
    assert guizhou.id not in keys
    provinces = {db.session.get(Hospital, k).province_code for k in keys}
    assert provinces == {"51"}
    assert "Shunan" in table and "Qiandong" not in table
    # Each hospital opens its own page, for the same period.
    assert f'href="/reports/hospitals/{sichuan.id}?year=2026"' in table


@pytest.mark.parametrize(
    "query, message",
    [
        ("year=26", "The year must be four digits"),
        ("year=abcd", "The year must be four digits"),
        ("year=1850", "The year must lie between"),
        ("start=2026-05&end=2026-01", "The end month is before the start month"),
        ("start=2026-13", "The start month must be written YYYY-MM"),
        ("year=2026&start=2026-01", "Give a year, or a start and end month"),
        ("start=2000-01&end=2026-01", "A report covers at most 120 months"),
        ("province=99", "There is no province with the code 99"),
        ("province=%3Cb%3E", "There is no province with the code &lt;b&gt;"),
    ],
)
def test_a_bad_period_or_province_is_named_on_the_page(client, office, query, message):
    response = client.get(f"/reports/?{query}")
    assert response.status_code == 400
    page = response.get_data(as_text=True)
    assert 'id="period-problem"' in page
    assert message in page
    assert 'id="by-province"' not in page  # no figures of some other period
    export = client.get(f"/reports/export.csv?by=tier&{query}")
    assert export.status_code == 400
    assert message in export.get_data(as_text=True)


def test_an_export_needs_a_grouping_it_knows(client, office):
    for by in ("", "lecturer", "tier'"):
        response = client.get(f"/reports/export.csv?year=2026&by={by}")
        assert response.status_code == 400
        assert "Choose what to group by" in response.get_data(as_text=True)
    assert client.get("/reports/export.pdf?by=tier").status_code == 404


def number(text):
    return Decimal(text) if text not in ("", None) else Decimal(0)


def read_csv(response):
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")  # Excel reads UTF-8 only with the BOM
    rows = list(csv.reader(io.StringIO(text[1:])))
    return rows[0], rows[1:-1], rows[-1]


def read_xlsx(response):
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    rows = [list(r) for r in book.active.iter_rows(values_only=True)]
    book.close()
    return rows[0], rows[1:-1], rows[-1]


@pytest.mark.parametrize("by", ["tier", "province", "hospital", "month"])
@pytest.mark.parametrize("kind", ["csv", "xlsx"])
def test_each_download_reads_back_and_its_totals_are_the_sum_of_its_rows(
    client, office, network, by, kind
):
    response = client.get(f"/reports/export.{kind}?by={by}&year=2026")
    assert response.status_code == 200
    assert (
        f'filename="network-by-{by}-2026.{kind}"'
        in response.headers["Content-Disposition"]
    )
    header, rows, totals = (read_csv if kind == "csv" else read_xlsx)(response)
    assert totals[0] == "Total"
    assert rows
    for name in ADDITIVE:
        column = header.index(name)
        assert sum(number(r[column]) for r in rows) == number(totals[column]), name
    learners = header.index("Learners")
    assert number(totals[learners]) <= sum(number(r[learners]) for r in rows)
    if by == "month":
        assert [r[0] for r in rows] == [f"2026-{m:02d}" for m in range(1, 13)]


def test_the_hospital_download_has_each_hospitals_figures(client, office, network):
    sichuan, guizhou = network
    response = client.get("/reports/export.csv?by=hospital&year=2026")
    header, rows, _ = read_csv(response)
    by_id = {row[0]: dict(zip(header, row, strict=True)) for row in rows}
    shunan, qiandong = by_id[str(sichuan.id)], by_id[str(guizhou.id)]
    assert shunan["Hospital"] == "Shunan"
    assert shunan["Province"] == "Sichuan"
    assert (shunan["Person-times"], shunan["Completions"]) == ("1", "1")
    assert Decimal(shunan["Credits"]) > 0
    assert (qiandong["Person-times"], qiandong["Completions"]) == ("1", "0")
    # One province's download lists that province's hospitals only.
    response = client.get("/reports/export.xlsx?by=hospital&year=2026&province=52")
    assert "province-52" in response.headers["Content-Disposition"]
    header, rows, _ = read_xlsx(response)
    ids = {row[0] for row in rows}
    assert guizhou.id in ids and sichuan.id not in ids


def test_a_name_written_as_a_formula_stays_text_in_both_downloads(
    client, db, office, create_hospital
):
    hospital = create_hospital(
        province_code="63", name_zh="青海某医院", name_en='=HYPERLINK("x","y")'
    )
    db.session.commit()
    _, rows, _ = read_csv(
        client.get("/reports/export.csv?by=hospital&year=2026&province=63")
    )
    names = {row[0]: row[1] for row in rows}
    assert names[str(hospital.id)] == '\'=HYPERLINK("x","y")'
    book = load_workbook(
        io.BytesIO(
            client.get("/reports/export.xlsx?by=hospital&year=2026&province=63").data
        )
    )
    cells = {row[0].value: row[1] for row in book.active.iter_rows(min_row=2)}
    assert cells[hospital.id].data_type == "s"
    assert cells[hospital.id].value == '=HYPERLINK("x","y")'


def test_silent_sites_and_township_reach_are_on_the_dashboard(
    client, db, office, network, create_hospital, create_user, create_course
):
    """Sichuan's hospital was busy in June only: more than 90 days ago, it is
    listed with its last month; a new hospital never was; one whose learner
    enrolled today is not listed."""
    sichuan, _ = network
    new = create_hospital(province_code="54", name_en="Silent Clinic")
    busy = create_hospital(province_code="54", name_en="Busy Clinic")
    ops.enrol(create_course(), create_user(hospital=busy), datetime.now(UTC))
    db.session.commit()
    page = client.get("/reports/?year=2026").get_data(as_text=True)
    table = page[page.index('id="inactive-sites"') :]
    table = table[: table.index("</table>")]
    rows = dict(re.findall(r'<tr data-key="(\d+)">(.*?)</tr>', table, re.S))
    assert "2026-06" in rows[str(sichuan.id)]
    assert "never" in rows[str(new.id)]
    assert str(busy.id) not in rows
    assert "Township reach" in page
    reach = page[page.index('id="reach-by-tier"') :]
    assert re.search(r'<tr data-key="township">', reach)


def test_a_range_of_months_is_reported_and_downloaded_as_asked(client, office, network):
    page = client.get("/reports/?start=2026-05&end=2026-07").get_data(as_text=True)
    assert "2026-05 – 2026-07" in page
    months = page[page.index('id="by-month"') :]
    months = months[: months.index("</table>")]
    assert re.findall(r'<tr data-key="([\d-]+)"', months) == [
        "2026-05",
        "2026-06",
        "2026-07",
    ]
    # Compliance is a calendar year's: not given over months of two years.
    assert "for one calendar year only" not in page
    across = client.get("/reports/?start=2025-11&end=2026-02").get_data(as_text=True)
    assert "for one calendar year only" in across
    # The downloads and the provinces' links keep the range.
    assert "/reports/export.csv?start=2026-05&amp;end=2026-07&amp;by=tier" in page
    assert "province=51&amp;start=2026-05&amp;end=2026-07" in page
    response = client.get("/reports/export.csv?by=month&start=2026-05&end=2026-07")
    assert (
        'filename="network-by-month-2026-05-to-2026-07.csv"'
        in response.headers["Content-Disposition"]
    )
    _, rows, _ = read_csv(response)
    assert [r[0] for r in rows] == ["2026-05", "2026-06", "2026-07"]
