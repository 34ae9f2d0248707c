"""The network report through the API (issue 15): totals that are the sum of
their rows, distinct learners counted once, each reader's scope, and a clear
error for every bad argument."""

from datetime import UTC, date, datetime

import pytest

from certificates import operations as credit_ops
from certificates.keys import current_issuer
from courses import operations as ops
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from lms.reports import summaries
from tests.builders import complete_course

pytestmark = pytest.mark.db

NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)
MARCH = datetime(2026, 3, 10, 2, 0, tzinfo=UTC)
#: Provinces no other test's hospitals sit in (the PostgreSQL test database is
#: shared, and other tests commit): the office's reports narrow to them.
XINJIANG, TIBET = "65", "54"
URL = "/api/v1/reports/network"
GROUPINGS = ("tier", "province", "hospital", "month")
#: The fields that add up across rows (learners and compliance do not).
ADDITIVE = (
    "person_times",
    "class_hours_delivered",
    "class_hours_watched",
    "completions",
    "credits",
    "certificates",
    "enrolments",
    "attendances",
    "sessions_held",
    "rooms_connected",
)


@pytest.fixture
def network(db, create_hospital, create_user, create_course):
    """Two hospitals in Xinjiang and one in Tibet; a learner active in March and
    June, one who completed a course and holds its certificate, one with a
    manual Class II line, and one registered who did nothing."""
    county = create_hospital(
        tier=Tier.COUNTY,
        province_code=XINJIANG,
        name_zh="喀什县医院",
        name_en="Kashgar",
    )
    township = create_hospital(
        tier=Tier.TOWNSHIP, province_code=XINJIANG, name_zh="乡卫生院", name_en="Xiang"
    )
    tibet = create_hospital(
        tier=Tier.MUNICIPAL, province_code=TIBET, name_zh="拉萨市医院", name_en="Lhasa"
    )
    admin = create_user(role=Role.ADMINISTRATOR)
    lecturer = create_user(role=Role.LECTURER, name="授课专家", hospital=tibet)
    first = create_course(durations=(3600.0, 5400.0), questions=1, lecturer=lecturer)
    second = create_course(durations=(3600.0, 5400.0), questions=1)
    twice = create_user(name="张医生", hospital=county)
    ops.enrol(first, twice, MARCH)
    ops.enrol(second, twice, NOW)
    done = create_user(name="李护士", hospital=county)
    enrolment = complete_course(first, done, NOW)
    credit_ops.issue_certificate(enrolment, current_issuer(), NOW)
    manual = create_user(name="王药师", hospital=township)
    credit_ops.record_manual_award(
        manual,
        admin,
        NOW,
        title="综述",
        rule_set_code="CN-2024",
        category="CME",
        credits="2.5",
        class_hours="6",
        kind="self-study",
        on=date(2026, 5, 20),
        reason="综述已审核",
    )
    ops.enrol(first, manual, NOW)
    create_user(name="赵技师", hospital=tibet)
    lhasa_learner = create_user(name="次仁", hospital=tibet)
    ops.enrol(second, lhasa_learner, NOW)
    db.session.commit()
    summaries.refresh_pending(NOW)
    return {
        "county": county,
        "township": township,
        "tibet": tibet,
        "admin": admin,
        "lecturer": lecturer,
        "course": first,
        "learners": (twice, done, manual, lhasa_learner),
    }


def get(client, headers, **args):
    return client.get(URL, query_string=args, headers=headers)


def additive_sum(rows, field):
    return round(sum(row[field] for row in rows), 2)


@pytest.mark.parametrize("by", GROUPINGS)
@pytest.mark.parametrize("province", [XINJIANG, None])
def test_the_totals_are_the_sum_of_the_rows_in_every_grouping(
    client, network, api_token, by, province
):
    args = {"year": 2026, "by": by} | ({"province": province} if province else {})
    response = get(client, api_token(network["admin"]), **args)
    assert response.status_code == 200, response.json
    report = response.json
    rows, totals = report["rows"], report["totals"]
    assert report["by"] == by
    assert report["period"] == {"first": "2026-01", "last": "2026-12"}
    assert rows
    for field in ADDITIVE:
        if field == "class_hours_watched":  # hours of summed seconds, to the cent
            assert totals[field] == pytest.approx(
                additive_sum(rows, field), abs=0.01 * len(rows)
            )
        else:
            assert totals[field] == pytest.approx(additive_sum(rows, field)), field
    categories = {c for row in rows for c in row["credits_by_category"]}
    for category in categories:
        assert totals["credits_by_category"][category] == pytest.approx(
            sum(row["credits_by_category"].get(category, 0) for row in rows)
        )
    for row in rows:
        assert row["person_times"] == row["enrolments"] + row["attendances"]
        assert isinstance(row["learners"], int)
        assert isinstance(row["credits"], float)
        assert row["compliance"] is None or 0 <= row["compliance"] <= 1


@pytest.mark.parametrize("by", GROUPINGS)
def test_learners_in_the_totals_are_distinct_people(client, network, api_token, by):
    """The March-and-June learner is in two month rows, and once in the totals."""
    response = get(
        client, api_token(network["admin"]), year=2026, by=by, province=XINJIANG
    )
    report = response.json
    assert report["totals"]["learners"] == 3
    assert report["totals"]["enrolments"] == 4
    assert report["totals"]["completions"] == 1
    assert report["totals"]["certificates"] == 1
    assert report["totals"]["credits_by_category"]["CME"] >= 2.5
    if by == "month":
        assert sum(row["learners"] for row in report["rows"]) == 4
        assert [row["key"] for row in report["rows"]][:3] == [
            "2026-01",
            "2026-02",
            "2026-03",
        ]
        assert len(report["rows"]) == 12
        assert report["totals"]["compliance"] == 0  # registered, nobody met 2026


def test_rows_by_hospital_key_by_id_and_carry_their_figures(client, network, api_token):
    county, township = network["county"], network["township"]
    report = get(
        client, api_token(network["admin"]), year=2026, by="hospital", province=XINJIANG
    ).json
    by_key = {row["key"]: row for row in report["rows"]}
    assert set(by_key) == {str(county.id), str(township.id)}
    assert by_key[str(county.id)]["enrolments"] == 3
    assert by_key[str(county.id)]["learners"] == 2
    assert by_key[str(county.id)]["class_hours_delivered"] > 0
    assert by_key[str(county.id)]["compliance"] == 0  # two registered, none met
    assert by_key[str(township.id)]["credits_by_category"]["CME"] == 2.5
    assert by_key[str(township.id)]["certificates"] == 0
    # Credits are numbers, the sum of their categories.
    for row in report["rows"]:
        assert row["credits"] == pytest.approx(sum(row["credits_by_category"].values()))


def test_a_period_of_months_counts_only_those_months(client, network, api_token):
    report = get(
        client,
        api_token(network["admin"]),
        start="2026-03",
        end="2026-04",
        by="month",
        province=XINJIANG,
    ).json
    assert report["period"] == {"first": "2026-03", "last": "2026-04"}
    assert [row["key"] for row in report["rows"]] == ["2026-03", "2026-04"]
    assert report["totals"]["enrolments"] == 1  # the March enrolment only
    assert report["totals"]["learners"] == 1
    assert report["totals"]["compliance"] == 0  # 2026's requirement
    across = get(
        client,
        api_token(network["admin"]),
        start="2025-11",
        end="2026-03",
        province=XINJIANG,
    ).json
    assert across["totals"]["enrolments"] == 1
    assert across["totals"]["compliance"] is None  # which year's requirement?
    assert {row["compliance"] for row in across["rows"]} == {None}


@pytest.mark.parametrize(
    ("language", "tier", "province", "hospital"),
    [
        ("en", "County hospital", "Xinjiang", "Kashgar"),
        ("zh-CN", "县级医院", "新疆维吾尔自治区", "喀什县医院"),
    ],
)
def test_labels_are_in_the_readers_language(
    client, network, api_token, language, tier, province, hospital
):
    headers = api_token(network["admin"]) | {"Accept-Language": language}

    def labels(by):
        report = get(client, headers, year=2026, by=by, province=XINJIANG).json
        return {row["key"]: row["label"] for row in report["rows"]}

    assert labels("tier")["county"] == tier
    assert labels("province") == {XINJIANG: province}
    assert labels("hospital")[str(network["county"].id)] == hospital
    assert labels("month")["2026-06"] == "2026-06"


def test_a_coordinator_reads_only_their_own_hospital(
    client, network, api_token, create_user
):
    county, tibet = network["county"], network["tibet"]
    coordinator = create_user(role=Role.SITE_COORDINATOR, hospital=county)
    headers = api_token(coordinator)
    report = get(client, headers, year=2026, by="hospital").json
    assert [row["key"] for row in report["rows"]] == [str(county.id)]
    assert report["totals"]["enrolments"] == 3
    assert report["totals"]["learners"] == 2
    by_province = get(client, headers, year=2026, by="province").json
    assert [row["key"] for row in by_province["rows"]] == [XINJIANG]
    assert by_province["totals"]["enrolments"] == 3
    # Another province's drill-down shows none of its hospitals.
    elsewhere = get(client, headers, year=2026, by="hospital", province=TIBET).json
    assert elsewhere["rows"] == []
    assert elsewhere["totals"]["enrolments"] == 0
    assert elsewhere["totals"]["learners"] == 0
    assert str(tibet.id) not in str(elsewhere)


@pytest.mark.parametrize("role", [Role.LEARNER, Role.LECTURER])
def test_learners_and_lecturers_may_not_read_the_network_report(
    client, network, api_token, create_user, role
):
    person = create_user(role=role, hospital=network["county"])
    response = get(client, api_token(person), year=2026, by="hospital")
    assert response.status_code == 403
    assert response.json["error"]["code"]
    # Refused before its arguments are read: a bad one changes nothing.
    assert get(client, api_token(person), by="nonsense").status_code == 403


def test_nobody_signed_in_gets_a_401(client, network):
    response = client.get(URL)
    assert response.status_code == 401
    assert response.json["error"]["code"]


@pytest.mark.parametrize(
    ("args", "code", "words"),
    [
        ({"by": "city"}, "invalid_by", "by"),
        ({"year": "abc"}, "invalid_year", "year"),
        ({"year": "99999999999999999999"}, "invalid_year", "year"),
        ({"year": "1999"}, "invalid_year", "year"),
        ({"year": ""}, "invalid_year", "year"),
        ({"start": "2026-13"}, "invalid_period", "YYYY-MM"),
        ({"start": "2026-3"}, "invalid_start", "start"),
        ({"end": "2026-00"}, "invalid_period", "YYYY-MM"),
        ({"start": "2026-05", "end": "2026-04"}, "invalid_period", "before"),
        ({"start": "2016-01", "end": "2026-01"}, "invalid_period", "120 months"),
        ({"year": "2026", "start": "2026-01"}, "invalid_period", "not both"),
        ({"province": "5"}, "invalid_province", "province"),
        ({"province": "51' OR 1=1"}, "invalid_province", "province"),
        ({"yaer": "2026"}, "invalid_yaer", "yaer"),
    ],
)
def test_bad_arguments_get_a_clear_400(client, network, api_token, args, code, words):
    response = get(client, api_token(network["admin"]), **args)
    assert response.status_code == 400, response.json
    error = response.json["error"]
    assert error["code"] == code
    assert words in error["message"]


def test_120_months_is_the_longest_period(client, network, api_token):
    response = get(
        client, api_token(network["admin"]), start="2016-07", end="2026-06", by="month"
    )
    assert response.status_code == 200
    assert len(response.json["rows"]) == 120


def test_without_a_period_the_report_covers_this_year(client, network, api_token):
    report = get(client, api_token(network["admin"]), province=XINJIANG).json
    assert report["by"] == "tier"
    assert report["period"]["first"].endswith("-01")
    assert report["period"]["last"].endswith("-12")
    assert report["as_of"] is not None


# --- lecturers' teaching and courses' evaluations -----------------------------------


def test_a_lecturer_reads_their_own_teaching_record(client, network, api_token):
    lecturer = network["lecturer"]
    response = client.get(
        "/api/v1/reports/lecturers?year=2026", headers=api_token(lecturer)
    )
    assert response.status_code == 200, response.json
    (row,) = response.json["rows"]
    assert row["user_id"] == lecturer.id
    assert row["name"] == "授课专家"
    assert row["courses"] == 1
    assert row["completions"] == 1
    assert row["evaluations"] == 1
    assert row["course_quality"] == 5
    assert row["sessions"] == 0
    assert row["hours_taught"] == 0
    assert row["hospitals"] == 2  # the county's and the township's learners
    assert row["tiers"] == {"county": 1, "township": 1}
    assert response.json["period"] == {"first": "2026-01", "last": "2026-12"}
    own = client.get(
        f"/api/v1/reports/lecturers?year=2026&lecturer={lecturer.id}",
        headers=api_token(lecturer),
    )
    assert own.json["rows"] == response.json["rows"]


def test_a_lecturer_may_not_read_another_lecturers_record(
    client, network, api_token, create_user
):
    other = create_user(role=Role.LECTURER)
    response = client.get(
        f"/api/v1/reports/lecturers?lecturer={network['lecturer'].id}",
        headers=api_token(other),
    )
    assert response.status_code == 403
    assert response.json["error"]["code"]
    mine = client.get("/api/v1/reports/lecturers", headers=api_token(other)).json
    assert [row["user_id"] for row in mine["rows"]] == [other.id]


def test_the_office_reads_any_lecturers_record(client, network, api_token):
    lecturer = network["lecturer"]
    headers = api_token(network["admin"])
    one = client.get(
        f"/api/v1/reports/lecturers?year=2026&lecturer={lecturer.id}", headers=headers
    ).json
    assert [row["user_id"] for row in one["rows"]] == [lecturer.id]
    every = client.get("/api/v1/reports/lecturers?year=2026", headers=headers).json
    assert lecturer.id in {row["user_id"] for row in every["rows"]}


def test_course_evaluations_are_the_offices(client, network, api_token):
    course = network["course"]
    headers = api_token(network["admin"]) | {"Accept-Language": "en"}
    response = client.get("/api/v1/reports/courses?year=2026", headers=headers)
    assert response.status_code == 200, response.json
    (row,) = [r for r in response.json["rows"] if r["course_id"] == course.id]
    assert row["title"] == "Hypertension in primary care"
    assert row["title_zh"] == "高血压基层管理"
    assert row["enrolments"] == 3
    assert row["completions"] == 1
    assert row["evaluations"] == 1
    assert (row["course_quality"], row["lecturer_quality"], row["relevance"]) == (
        5,
        5,
        4,
    )
    earlier = client.get("/api/v1/reports/courses?year=2025", headers=headers).json
    assert course.id not in {r["course_id"] for r in earlier["rows"]}


@pytest.mark.parametrize(
    ("path", "roles"),
    [
        ("/api/v1/reports/lecturers", (Role.LEARNER, Role.SITE_COORDINATOR)),
        (
            "/api/v1/reports/courses",
            (Role.LEARNER, Role.LECTURER, Role.SITE_COORDINATOR),
        ),
    ],
)
def test_the_other_reports_refuse_who_may_not_read_them(
    client, network, api_token, create_user, path, roles
):
    for role in roles:
        person = create_user(role=role, hospital=network["county"])
        response = client.get(path, headers=api_token(person))
        assert response.status_code == 403, role
        assert response.json["error"]["code"]


@pytest.mark.parametrize(
    "path", ["/api/v1/reports/lecturers", "/api/v1/reports/courses"]
)
@pytest.mark.parametrize(
    ("query", "code"),
    [
        ("year=abc", "invalid_year"),
        ("start=2026-13", "invalid_period"),
        ("start=2026-05&end=2026-04", "invalid_period"),
        ("year=2026&start=2026-01", "invalid_period"),
        ("by=tier", "invalid_by"),
    ],
)
def test_the_other_reports_refuse_bad_arguments(
    client, network, api_token, path, query, code
):
    response = client.get(f"{path}?{query}", headers=api_token(network["admin"]))
    assert response.status_code == 400
    assert response.json["error"]["code"] == code


@pytest.mark.parametrize("lecturer", ["0", "abc", "99999999999999999999"])
def test_a_lecturer_argument_is_an_id(client, network, api_token, lecturer):
    response = client.get(
        f"/api/v1/reports/lecturers?lecturer={lecturer}",
        headers=api_token(network["admin"]),
    )
    assert response.status_code == 400
    assert response.json["error"]["code"] == "invalid_lecturer"


def test_an_argument_given_twice_is_refused_not_picked(client, api_token, create_user):
    from lms.accounts.roles import Role

    office = api_token(create_user(role=Role.ADMINISTRATOR))
    for query in (
        "year=2025&year=2026",
        "by=tier&by=hospital",
        "province=51&province=52",
    ):
        response = client.get(f"/api/v1/reports/network?{query}", headers=office)
        assert response.status_code == 400, query
        assert "give it once" in response.json["error"]["message"]
