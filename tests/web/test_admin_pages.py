import pytest
import sqlalchemy as sa

from lms.accounts.roles import Role
from lms.hospitals.models import Hospital
from lms.hospitals.network import Tier
from tests.conftest import csrf_token_from

ADMIN_PAGES = ["/admin/hospitals/", "/admin/hospitals/new", "/admin/users/"]


@pytest.fixture
def admin(create_user, auth):
    user = create_user(login="office@example.cn", role=Role.ADMINISTRATOR)
    auth.login("office@example.cn")
    return user


@pytest.mark.parametrize("role", [Role.LEARNER, Role.LECTURER, Role.SITE_COORDINATOR])
@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_are_forbidden_to_other_roles(
    client, auth, create_user, role, path
):
    create_user(login=f"{role.value}@example.cn", role=role)
    auth.login(f"{role.value}@example.cn")
    response = client.get(path)
    assert response.status_code == 403
    assert "权限" in response.text


@pytest.mark.parametrize("path", ADMIN_PAGES)
def test_admin_pages_send_strangers_to_sign_in(client, path):
    response = client.get(path)
    assert response.status_code == 302 and "/login" in response.location


def test_a_learner_cannot_post_to_admin_forms(client, auth, create_user, db):
    target = create_user(login="victim@example.cn")
    create_user(login="climber@example.cn")
    auth.login("climber@example.cn")
    token = csrf_token_from(client.get("/profile").text)
    response = client.post(
        f"/admin/users/{target.id}",
        data={
            "csrf_token": token,
            "role": "administrator",
            "is_active": "y",
            "hospital_id": target.hospital_id,
        },
    )
    assert response.status_code == 403
    db.session.refresh(target)
    assert target.role == Role.LEARNER


def test_admin_adds_and_edits_a_hospital(client, admin, db):
    token = csrf_token_from(client.get("/admin/hospitals/new").text)
    response = client.post(
        "/admin/hospitals/new",
        data={
            "csrf_token": token,
            "code": "ADM-1",
            "name_zh": "<b>甲</b>县医院",
            "name_en": "Jia County",
            "tier": "county",
            "province_code": "53",
            "city": "曲靖",
        },
    )
    assert response.status_code == 302
    hospital = db.session.scalar(sa.select(Hospital).filter_by(code="ADM-1"))
    assert (hospital.tier, hospital.province_code) == (Tier.COUNTY, "53")
    listing = client.get("/admin/hospitals/", query_string={"q": "ADM-1"}).text
    assert "&lt;b&gt;甲&lt;/b&gt;县医院" in listing and "<b>甲</b>" not in listing

    token = csrf_token_from(client.get(f"/admin/hospitals/{hospital.id}").text)
    client.post(
        f"/admin/hospitals/{hospital.id}",
        data={
            "csrf_token": token,
            "code": "ADM-1",
            "name_zh": "甲县人民医院",
            "name_en": "",
            "tier": "municipal",
            "province_code": "53",
            "city": "",
        },
    )
    db.session.refresh(hospital)
    assert (hospital.name_zh, hospital.tier, hospital.is_active) == (
        "甲县人民医院",
        Tier.MUNICIPAL,
        False,
    )


def test_a_duplicate_hospital_code_is_refused_with_a_message(
    client, admin, create_hospital
):
    create_hospital(code="DUP-1")
    token = csrf_token_from(client.get("/admin/hospitals/new").text)
    response = client.post(
        "/admin/hospitals/new",
        data={
            "csrf_token": token,
            "code": "DUP-1",
            "name_zh": "乙",
            "tier": "county",
            "province_code": "51",
        },
    )
    assert response.status_code == 200 and "已有医院使用该编码" in response.text


def test_hospital_list_filters_by_province_and_tier(client, admin, create_hospital):
    create_hospital(code="FLT-YN", province_code="53", tier=Tier.TOWNSHIP)
    create_hospital(code="FLT-GZ", province_code="52", tier=Tier.TOWNSHIP)
    html = client.get(
        "/admin/hospitals/",
        query_string={"province": "53", "tier": "township", "q": "FLT"},
    ).text
    assert "FLT-YN" in html and "FLT-GZ" not in html


def test_admin_changes_a_role(client, admin, create_user, db):
    person = create_user(login="promote@example.cn")
    token = csrf_token_from(client.get(f"/admin/users/{person.id}").text)
    response = client.post(
        f"/admin/users/{person.id}",
        data={
            "csrf_token": token,
            "role": "lecturer",
            "hospital_id": person.hospital_id,
            "is_active": "y",
        },
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert person.role == Role.LECTURER


def test_an_admin_cannot_demote_themself(client, admin, db):
    token = csrf_token_from(client.get(f"/admin/users/{admin.id}").text)
    response = client.post(
        f"/admin/users/{admin.id}",
        data={
            "csrf_token": token,
            "role": "learner",
            "hospital_id": 0,
            "is_active": "y",
        },
    )
    assert response.status_code == 403
    db.session.refresh(admin)
    assert admin.role == Role.ADMINISTRATOR


def test_a_coordinator_sees_only_their_hospitals_learners(
    client, auth, create_user, create_hospital
):
    mine, other = create_hospital(), create_hospital()
    create_user(login="coord@example.cn", role=Role.SITE_COORDINATOR, hospital=mine)
    create_user(login="m@example.cn", name="本院学员", hospital=mine)
    create_user(login="o@example.cn", name="外院学员", hospital=other)
    auth.login("coord@example.cn")
    html = client.get("/dashboard").text
    assert "本院学员" in html and "外院学员" not in html
