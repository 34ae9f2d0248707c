"""Issue 10 through the app: courses say what they award, approval checks the
credit terms, caps per project, manual lines dated before 2025, the year in
Beijing, and transcripts whose numbers agree with "met"."""

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
import sqlalchemy as sa

from certificates import operations as credit_ops
from certificates.models import CreditAward
from certificates.rule_sets import CN_2024
from lms.accounts.roles import Role
from tests.builders import complete_course
from tests.conftest import csrf_token_from
from tests.pdfs import pdf_text

HOUR = 3600  # seconds


def lines(db, user, source=None):
    query = sa.select(CreditAward).filter_by(user_id=user.id)
    if source:
        query = query.filter_by(source=source)
    return db.session.scalars(query.order_by(CreditAward.id)).all()


def approve(course, admin, **approval):
    from courses import operations as ops
    from lms.db import utcnow

    return ops.change_course_status(
        course, admin, "approve", utcnow(), approval=approval
    )


@pytest.fixture
def admin(create_user):
    return create_user(role=Role.ADMINISTRATOR, name="王主任")


@pytest.fixture
def national_course(create_course, admin):
    """Item 12: 180 minutes of a national CN-2006 project: 1 Class I credit."""
    course = create_course(
        durations=(3 * HOUR,),
        questions=1,
        status="submitted",
        rule_set_code="CN-2006",
        credit_category="I",
        project_level="national",
    )
    approve(course, admin, project_number="2026-01-01-001")
    return course


# --- item 12: courses say what they award -------------------------------------------


def test_the_course_api_says_what_completing_it_awards(client, national_course):
    """Issue 10 item 12: credits (a number) beside class_hours (clock hours)."""
    data = client.get(f"/api/v1/courses/{national_course.id}").json
    assert (data["credits"], data["class_hours"], data["credit_category"]) == (
        1.0,
        3.0,
        "I",
    )


def test_a_draft_says_what_it_would_award_to_those_who_may_see_it(
    client, create_course, api_token
):
    draft = create_course(durations=(6 * HOUR,), status="draft")
    lecturer = draft.lecturers[0]
    data = client.get(f"/api/v1/courses/{draft.id}", headers=api_token(lecturer)).json
    # CN-2024: 6 clock hours at 3 hours a credit.
    assert (data["status"], data["credits"], data["class_hours"]) == ("draft", 2.0, 6.0)
    assert client.get(f"/api/v1/courses/{draft.id}").status_code == 404


def test_the_openapi_document_describes_the_course_credits(client):
    document = client.get("/api/v1/openapi.json").json
    course = document["components"]["schemas"]["CourseOut"]["properties"]
    assert course["credits"]["type"] == "number"
    assert "Clock hours" in course["class_hours"]["description"]
    get = document["paths"]["/api/v1/courses/{course_id}"]["get"]
    schema = get["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/CourseOut"}


def test_the_catalog_card_and_the_course_page_show_the_award(client, national_course):
    """Issue 10 item 12: "1 Class I credit on completion" where a learner decides."""
    english = {"Accept-Language": "en"}
    catalog = client.get("/courses/", headers=english).text
    assert "1 Class I credit on completion" in catalog
    page = client.get(f"/courses/{national_course.id}", headers=english).text
    assert "1 Class I credit on completion" in page


# --- item 12 and 8: approval checks the credit terms ---------------------------------


@pytest.mark.parametrize(
    ("rule", "fields", "approval", "problem"),
    [
        (
            "a national project needs its project number",
            {
                "project_level": "national",
                "rule_set_code": "CN-2006",
                "credit_category": "I",
            },
            {},
            "a national project needs its project number",
        ),
        (
            "a provincial project needs its project number",
            {"project_level": "provincial"},
            {"project_number": " "},
            "a provincial project needs its project number",
        ),
        (
            "国家级和省级项目可授予I类学分: a hospital project cannot award Class I",
            {
                "project_level": "hospital",
                "rule_set_code": "CN-2006",
                "credit_category": "I",
            },
            {},
            "a hospital project cannot award category I",
        ),
    ],
)
def test_the_office_cannot_approve_a_course_that_cannot_say_what_it_awards(
    client, create_course, admin, api_token, rule, fields, approval, problem
):
    course = create_course(durations=(3 * HOUR,), status="submitted", **fields)
    response = client.post(
        f"/api/v1/courses/{course.id}/approve",
        json=approval,
        headers=api_token(admin),
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_credit_terms"
    assert problem in response.json["error"]["message"]
    assert course.status.value == "submitted"


def test_publishing_through_the_pages_gives_lecturers_their_teaching_lines(
    client, auth, db, create_course, admin
):
    """Issue 10 item 12: the office's approve page is a publication too."""
    course = create_course(durations=(2 * HOUR,), status="submitted")
    auth.login(admin.login)
    review = f"/admin/courses/{course.id}"
    token = csrf_token_from(client.get(review).text)
    client.post(
        f"{review}/approve",
        data={
            "csrf_token": token,
            "approve-project_level": "hospital",
            "approve-credit_category": "CME",
        },
    )
    db.session.refresh(course)
    assert course.status.value == "approved"
    (line,) = lines(db, course.lecturers[0], "teaching")
    # CN-2024 keeps the 2006 rate at hospital level: 1 credit per clock hour.
    assert (line.credits, line.class_hours) == (Decimal(2), Decimal(2))


# --- item 4: caps per project ---------------------------------------------------


def test_two_courses_of_one_project_give_at_most_the_projects_cap(
    db, create_course, create_user, admin
):
    """CN-2006: 每个项目所授学分数最多不超过10学分 - per project, lecturers too."""
    lecturer = create_user(role=Role.LECTURER, name="李教授")
    learner = create_user(name="赵医生")
    courses = []
    for _ in range(2):
        course = create_course(
            durations=(18 * HOUR,),  # 6 Class I credits each for a learner
            questions=1,
            status="submitted",
            lecturer=lecturer,
            format="onsite",  # not a distance project: the 10-credit cap
            rule_set_code="CN-2006",
            credit_category="I",
            project_level="national",
        )
        approve(course, admin, project_number="2026-09-09-009")
        courses.append(course)
    for course in courses:
        complete_course(course, learner)
    assert [a.credits for a in lines(db, learner)] == [Decimal(6), Decimal(4)]
    # 2 credits an hour for 18 hours, capped at 10; the second course adds nothing.
    assert [a.credits for a in lines(db, lecturer, "teaching")] == [Decimal(10)]


# --- item 10: dates -------------------------------------------------------------------


def test_a_manual_line_without_a_rule_set_gets_the_one_in_force_on_its_date(
    client, db, create_user, admin, api_token
):
    """CN-2006 governs activities before 2025-01-01 (a line of 2024-09-30)."""
    learner = create_user()
    response = client.post(
        f"/api/v1/users/{learner.id}/credits",
        json={
            "title": "省级学术年会",
            "credits": "3",
            "class_hours": "9",
            "kind": "external",
            "category": "II",
            "date": "2024-09-30",
            "reason": "会议证书已核验",
        },
        headers=api_token(admin),
    )
    assert response.status_code == 201, response.json
    assert (response.json["rule_set"], response.json["category"]) == ("CN-2006", "II")


@pytest.mark.parametrize(
    ("moment", "year"),
    [
        (datetime(2026, 12, 31, 15, 59, tzinfo=UTC), 2026),
        (datetime(2026, 12, 31, 16, 0, tzinfo=UTC), 2027),  # 00:00 in Beijing
    ],
)
def test_the_default_transcript_year_is_the_year_in_beijing(
    client, create_user, api_token, monkeypatch, moment, year
):
    """Issue 10 item 10: 00:00–08:00 on 1 January in Beijing is the new year."""
    import lms.api.credits
    import lms.credits.views

    monkeypatch.setattr(lms.api.credits, "utcnow", lambda: moment)
    monkeypatch.setattr(lms.credits.views, "utcnow", lambda: moment)
    learner = create_user()
    assert (
        client.get("/api/v1/me/transcript", headers=api_token(learner)).json["year"]
        == year
    )


# --- item 9: transcript arithmetic -----------------------------------------------


def enter(learner, admin, credits, hours, kind="self-study", on=date(2026, 3, 1)):
    return credit_ops.record_manual_award(
        learner,
        admin,
        datetime(2026, 6, 1, tzinfo=UTC),
        title=f"综述 {credits}",
        rule_set_code="CN-2024",
        category="CME",
        credits=credits,
        class_hours=hours,
        kind=kind,
        on=on,
        reason="综述已审核",
    )


def test_the_transcript_pdf_prints_the_rounded_numbers_it_decides_on(
    client, auth, db, create_user, admin
):
    """Issue 10 item 9: no 89.99666666666666666666666667 on paper; two places."""
    learner = create_user(name="钱医生")
    enter(learner, admin, "8", "10")
    enter(learner, admin, "6", "10")  # self-study capped at 10: 2 of 6 count
    enter(learner, admin, "15", "45", kind="external")
    db.session.flush()
    auth.login(learner.login)
    transcript = client.get("/api/v1/me/transcript?year=2026").json
    # 10 + 10 * 2/6 + 45 = 58.33 clock hours, to two places.
    assert transcript["counted_class_hours"] == "58.33"
    assert transcript["counted_credits"] == "25"
    assert transcript["met"] is True
    assert transcript["class_hours_equivalent"] == {
        "achieved": "70",
        "required": "90",
    }
    pdf = client.get(
        "/credits/2026/transcript.pdf", headers={"Accept-Language": "en"}
    ).data
    text = pdf_text(pdf)
    assert "Credits: 25 / 25" in text
    assert "70 / 90" in text
    assert "3.3333" not in text and "58.3333" not in text
    # 58.33 clock hours are 70 学时 of 50 minutes (CN-2024's, our reading).
    assert CN_2024.class_hour_minutes == 50


# --- item 11: attendance ------------------------------------------------------------


def test_minutes_attended_are_bounded_by_the_sessions_length(
    db, create_course, create_user, admin
):
    """Issue 10 item 11: 600 minutes in a one-hour course are not 10 hours."""
    course = create_course(durations=(HOUR,), format="live")
    learner = create_user()
    with pytest.raises(credit_ops.CreditError, match="1–60, the session's length"):
        credit_ops.record_attendance(
            course, learner, admin, datetime.now(UTC), on=date.today(), minutes=600
        )
    assert lines(db, learner) == []


def test_a_multi_day_on_site_project_is_recorded_with_the_offices_hours(
    db, create_course, create_user, admin
):
    """Issue 10 item 11: the office's class hours bound and give the session."""
    course = create_course(durations=(HOUR,), format="onsite", status="submitted")
    approve(
        course,
        admin,
        class_hours_override=12.0,
        class_hours_override_reason="两天现场培训，每天 6 小时",
    )
    learner = create_user()
    line = credit_ops.record_attendance(
        course, learner, admin, datetime.now(UTC), on=date.today(), minutes=720
    ).award
    # CN-2024: 12 clock hours at 3 hours a credit.
    assert (line.class_hours, line.credits) == (Decimal(12), Decimal(4))


# --- item 6: 进修 -------------------------------------------------------------------


def test_three_months_of_visiting_study_meet_the_year_under_cn_2024(
    client, create_user, admin, api_token
):
    """CN-2024 (secondary source): 进修 of 3 months with a passed assessment."""
    learner = create_user()
    body = {
        "title": "华西医院神经内科进修（3 个月）",
        "credits": "10",
        "class_hours": "30",
        "kind": "visiting",
        "date": "2026-03-01",
        "reason": "进修结业证明",
        "study_months": 3,
        "assessment_passed": True,
    }
    response = client.post(
        f"/api/v1/users/{learner.id}/credits", json=body, headers=api_token(admin)
    )
    assert response.status_code == 201, response.json
    assert response.json["study_months"] == 3
    transcript = client.get(
        "/api/v1/me/transcript?year=2026", headers=api_token(learner)
    ).json
    assert (transcript["counted_credits"], transcript["met"]) == ("10", True)
    assert transcript["met_by"] == "advanced_study"


@pytest.mark.parametrize(
    "change",
    [
        {"kind": "external"},  # months belong to visiting study
        {"study_months": 0},
        {"assessment_passed": "yes"},
    ],
)
def test_visiting_study_facts_are_checked(
    client, db, create_user, admin, api_token, change
):
    learner = create_user()
    body = {
        "title": "进修",
        "credits": "10",
        "class_hours": "30",
        "kind": "visiting",
        "date": "2026-03-01",
        "reason": "进修结业证明",
        "study_months": 3,
        "assessment_passed": True,
        **change,
    }
    response = client.post(
        f"/api/v1/users/{learner.id}/credits", json=body, headers=api_token(admin)
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_study"
    assert lines(db, learner) == []


# --- item 7: Class II kinds -----------------------------------------------------------


def test_the_office_picks_a_class_ii_kind_and_the_credits_are_computed(
    client, db, create_user, admin, api_token
):
    """CN-2006 Ⅱ类学分 3: 国家级课题 10 9 8 7 6 - the second member gets 9."""
    learner = create_user()
    body = {
        "title": "国家自然科学基金面上项目",
        "kind": "ii-research",
        "rule_set": "CN-2006",
        "date": "2024-05-01",
        "reason": "立项通知书已核验",
        "class_ii": {"rank": 2, "venue": "national"},
    }
    response = client.post(
        f"/api/v1/users/{learner.id}/credits", json=body, headers=api_token(admin)
    )
    assert response.status_code == 201, response.json
    assert (response.json["credits"], response.json["category"]) == ("9", "II")
    refused = client.post(
        f"/api/v1/users/{learner.id}/credits",
        json={**body, "title": "另一项目", "credits": "12"},
        headers=api_token(admin),
    )
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "override_reason_required"
    assert "The standard gives 9" in refused.json["error"]["message"]
    overridden = client.post(
        f"/api/v1/users/{learner.id}/credits",
        json={
            **body,
            "title": "另一项目",
            "credits": "12",
            "override_reason": "省继教委批复按 12 分认定",
        },
        headers=api_token(admin),
    )
    assert overridden.status_code == 201
    (_, line) = lines(db, learner)
    assert "省继教委批复" in line.reason and line.credits == Decimal(12)


@pytest.mark.parametrize("invisible", ["\u200b", "\u2800", " \u200c "])
def test_an_override_or_a_reason_that_shows_nothing_is_no_reason(
    client, db, create_user, admin, api_token, invisible
):
    """A zero-width or blank-glyph "reason" let 99 credits stand where the
    standard gives 6."""
    learner = create_user()
    body = {
        "title": "国家自然科学基金面上项目",
        "kind": "ii-research",
        "rule_set": "CN-2006",
        "date": "2024-05-01",
        "reason": "立项通知书已核验",
        "class_ii": {"rank": 2, "venue": "national"},
        "credits": "99",
        "override_reason": invisible,
    }
    response = client.post(
        f"/api/v1/users/{learner.id}/credits", json=body, headers=api_token(admin)
    )
    assert response.status_code == 422
    assert response.json["error"]["code"] == "override_reason_required"
    blank = client.post(
        f"/api/v1/users/{learner.id}/credits",
        json={**body, "credits": None, "override_reason": None, "reason": invisible},
        headers=api_token(admin),
    )
    assert blank.status_code == 422
    assert lines(db, learner) == []


def test_an_attendance_that_earns_no_credit_is_kept_with_the_reason(
    db, create_course, create_user, admin
):
    """Issue 10 item 11: 60 minutes under CN-2024 (3 hours a credit) earn none."""
    from certificates.models import Attendance

    course = create_course(durations=(HOUR,), format="live")
    learner = create_user()
    attendance = credit_ops.record_attendance(
        course, learner, admin, datetime.now(UTC), on=date.today(), minutes=60
    )
    assert (attendance.award, attendance.reason) == (None, "too short for a credit")
    assert lines(db, learner) == []
    again = credit_ops.record_attendance(
        course, learner, admin, datetime.now(UTC), on=date.today(), minutes=60
    )
    assert again.id == attendance.id
    kept = db.session.scalars(sa.select(Attendance).filter_by(user_id=learner.id))
    assert [(a.minutes, a.reason) for a in kept] == [(60, "too short for a credit")]
