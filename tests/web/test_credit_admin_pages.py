"""The CME office's credit pages: rule set variants, manual lines, exports."""

import csv
import io

import pytest
import sqlalchemy as sa

from certificates.models import CreditAward, RuleSetVariant
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from tests.builders import complete_course

HOURS = 45 * 60


@pytest.fixture
def admin(create_user, auth):
    person = create_user(role=Role.ADMINISTRATOR)
    auth.login(person.login)
    return person


def post_form(client, auth, url, data, page=None):
    token = auth.csrf_token(page or url)
    return client.post(
        url,
        data={"csrf_token": token, **data},
        headers={"Accept-Language": "en"},
        follow_redirects=True,
    )


VARIANT = {
    "based_on": "CN-2024",
    "code": "cn-2024-sc-county",
    "name_zh": "四川省县级医疗机构继续医学教育要求",
    "name_en": "Sichuan county staff",
    "province_code": "51",
    "tier": "county",
    "valid_from": "2025-01-01",
    "yearly_credits": "20",
}


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"yearly_credits": "-5"}, "yearly_credits must be between 0 and 1000"),
        ({"yearly_credits": "twenty"}, "yearly_credits must be a number"),
        ({"project_cap": "1e9"}, "project_cap must be between 0 and 1000"),
        ({"code": "CN-2024"}, "A built-in rule set keeps its code"),
        ({"valid_until": "2024-01-01"}, "must end after it starts"),
        # Issue 10: a township variant of CN-2006 that still asks I >= 5, II >= 15.
        (
            {"based_on": "CN-2006", "code": "CN-2006-X", "yearly_credits": "10"},
            "cannot be met as stated",
        ),
        ({"class_i_min": "5"}, "CN-2024 has no Class I/II"),
    ],
)
def test_a_rule_set_with_an_invalid_value_is_rejected(
    client, db, auth, admin, change, message
):
    def count():
        return db.session.scalar(sa.select(sa.func.count(RuleSetVariant.id)))

    before = count()
    response = post_form(
        client, auth, "/admin/credits/rule-sets", {**VARIANT, **change}
    )
    assert message in response.text
    assert count() == before


def test_a_county_variant_becomes_the_requirement_of_county_staff(
    client, db, auth, admin, create_user, create_hospital, api_token
):
    response = post_form(client, auth, "/admin/credits/rule-sets", VARIANT)
    assert "CN-2024-SC-COUNTY v1" in response.text
    county = create_user(hospital=create_hospital(tier=Tier.COUNTY, province_code="51"))
    township = create_user(
        hospital=create_hospital(tier=Tier.TOWNSHIP, province_code="51")
    )
    county_view = client.get("/api/v1/me/transcript", headers=api_token(county)).json
    assert county_view["rule_set"]["code"] == "CN-2024-SC-COUNTY"
    assert county_view["requirement"][0] == {
        "item": "credits",
        "required": "20",
        "achieved": "0",
        "met": False,
    }
    other = client.get("/api/v1/me/transcript", headers=api_token(township)).json
    assert other["rule_set"]["code"] == "CN-2024"
    again = post_form(
        client, auth, "/admin/credits/rule-sets", {**VARIANT, "yearly_credits": "18"}
    )
    assert "CN-2024-SC-COUNTY v2" in again.text


def test_a_manual_line_from_the_office_page(client, db, auth, admin, create_user):
    learner = create_user(name="赵医生")
    response = post_form(
        client,
        auth,
        "/admin/credits/manual",
        {
            "manual-login": learner.login,
            "manual-title": "四川省心血管年会",
            "manual-kind": "external",
            "manual-rule_set_code": "CN-2024",
            "manual-category": "CME",
            "manual-credits": "4",
            "manual-class_hours": "12",
            "manual-on": "2026-06-01",
            "manual-reason": "会议证书已核",
        },
        page="/admin/credits/",
    )
    assert "Credits entered for 赵医生" in response.text
    (line,) = db.session.scalars(
        sa.select(CreditAward).filter_by(user_id=learner.id)
    ).all()
    assert (line.source, line.manual_kind, line.created_by_id) == (
        "manual",
        "external",
        admin.id,
    )
    assert "会议证书已核" in response.text


def test_a_class_ii_paper_from_the_office_page_is_computed(
    client, db, auth, admin, create_user
):
    """Issue 10 item 7: the office picks a kind; the standard gives the credits
    (a first author in a journal with ISSN and CN: 6, secondary source)."""
    learner = create_user(name="孙医生")
    response = post_form(
        client,
        auth,
        "/admin/credits/manual",
        {
            "manual-login": learner.login,
            "manual-title": "基层高血压管理的随机对照研究",
            "manual-kind": "ii-paper",
            "manual-rule_set_code": "CN-2006",
            "manual-category": "II",
            "manual-rank": "1",
            "manual-venue": "issn-cn",
            "manual-on": "2024-06-01",
            "manual-reason": "论文原件已核",
        },
        page="/admin/credits/",
    )
    assert "Credits entered for 孙医生" in response.text
    (line,) = db.session.scalars(
        sa.select(CreditAward).filter_by(user_id=learner.id)
    ).all()
    assert (line.manual_kind, line.category, line.credits) == ("ii-paper", "II", 6)


def test_revoking_from_the_office_page_needs_a_reason(
    client, db, auth, admin, create_course, create_user
):
    course = create_course(durations=(3 * HOURS,))
    learner = create_user()
    complete_course(course, learner)
    award = db.session.scalar(sa.select(CreditAward).filter_by(user_id=learner.id))
    page = f"/admin/credits/people/{learner.id}?year={award.year}"
    response = post_form(
        client, auth, f"/admin/credits/awards/{award.id}/revoke", {"reason": ""}, page
    )
    assert "Say why." in response.text
    assert (
        db.session.scalar(
            sa.select(sa.func.count(CreditAward.id)).filter_by(user_id=learner.id)
        )
        == 1
    )
    response = post_form(
        client,
        auth,
        f"/admin/credits/awards/{award.id}/revoke",
        {"reason": "重复登记"},
        page,
    )
    assert "The credits were revoked." in response.text
    assert "is-revoked" in response.text


def read_csv(response):
    text = response.data.decode("utf-8-sig")
    return list(csv.reader(io.StringIO(text)))


def test_exports_filter_by_hospital_and_take_the_registry_shape(
    client, db, admin, create_course, create_user, create_hospital
):
    course = create_course(durations=(3 * HOURS,), title_zh="=cmd|' /C calc'!A0")
    here, there = create_hospital(), create_hospital(province_code="62")
    complete_course(course, create_user(name="本院学员", hospital=here))
    complete_course(course, create_user(name="外院学员", hospital=there))
    rows = read_csv(client.get(f"/admin/credits/export.csv?hospital={here.id}"))
    assert rows[0][0] == "项目编号 Project number"
    assert [row[8] for row in rows[1:]] == ["本院学员"]
    assert rows[1][1].startswith("'=")  # no formula reaches a spreadsheet
    rows = read_csv(client.get("/admin/credits/export.csv?province=62&kind=pars"))
    assert rows[0][0] == "Learner ID"
    assert [row[1] for row in rows[1:]] == ["外院学员"]


def test_learners_do_not_reach_the_office_pages(client, auth, create_user):
    learner = create_user()
    auth.login(learner.login)
    for url in ("/admin/credits/", "/admin/credits/export.csv", "/admin/credits/seals"):
        assert client.get(url).status_code == 403
