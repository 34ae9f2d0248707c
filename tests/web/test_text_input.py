"""Names and titles are cleaned at input (issue 9, item 15): control characters
and bidi overrides never reach the database (PostgreSQL refuses NUL with a 500),
and text with nothing visible is a 4xx. Run with ``--db=postgresql`` too."""

import pytest
import sqlalchemy as sa

from courses.models import Course, Lecture, Question
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.hospitals.models import Hospital
from tests.conftest import csrf_token_from


def new_course(client, headers, **fields):
    body = {"title_zh": "高血压管理", "specialty": "cardiology", **fields}
    return client.post("/api/v1/courses", json=body, headers=headers)


def test_a_nul_in_a_course_title_is_removed_not_a_500(
    client, db, create_user, api_token
):
    lecturer = api_token(create_user(role=Role.LECTURER))
    response = new_course(
        client,
        lecturer,
        title_zh="高血压\x00管理\u202e",
        title_en="Hyper\x00tension",
        description_zh="第一行\n第二\x00行",
    )
    assert response.status_code == 201, response.json
    course = db.session.get(Course, response.json["id"])
    assert (course.title_zh, course.title_en) == ("高血压管理", "Hypertension")
    assert course.description_zh == "第一行\n第二行"


@pytest.mark.parametrize(
    "title", ["\x00", "\u200b\u200b", " \u202e ", "\x00\u2060"], ids=repr
)
def test_a_course_title_with_nothing_visible_is_a_422(
    client, db, create_user, api_token, title
):
    lecturer = api_token(create_user(role=Role.LECTURER))
    response = new_course(client, lecturer, title_zh=title)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_title"


def test_lecture_and_question_texts_are_cleaned(client, db, create_user, api_token):
    lecturer = api_token(create_user(role=Role.LECTURER))
    course_id = new_course(client, lecturer).json["id"]
    lecture = client.post(
        f"/api/v1/courses/{course_id}/lectures",
        json={"title_zh": "第\x00一讲\u2066", "duration_seconds": 60},
        headers=lecturer,
    )
    assert lecture.status_code == 201, lecture.json
    question = client.post(
        f"/api/v1/courses/{course_id}/questions",
        json={
            "text_zh": "诊断\x00标准？",
            "options": [
                {"text_zh": "对\x07", "is_correct": True},
                {"text_zh": "\u202e错"},
            ],
        },
        headers=lecturer,
    )
    assert question.status_code == 201, question.json
    assert (
        db.session.scalar(sa.select(Lecture.title_zh).filter_by(course_id=course_id))
        == "第一讲"
    )
    stored = db.session.scalar(sa.select(Question).filter_by(course_id=course_id))
    assert stored.text_zh == "诊断标准？"
    assert [o.text_zh for o in stored.options] == ["对", "错"]

    blank_option = client.post(
        f"/api/v1/courses/{course_id}/questions",
        json={
            "text_zh": "诊断标准？",
            "options": [{"text_zh": "对", "is_correct": True}, {"text_zh": "\u200b"}],
        },
        headers=lecturer,
    )
    assert blank_option.status_code == 422


def register(client, hospital, name):
    token = csrf_token_from(client.get("/register").get_data(as_text=True))
    return client.post(
        "/register",
        data={
            "csrf_token": token,
            "name": name,
            "login": "clean.name@example.cn",
            "password": "a-good-password",
            "confirm": "a-good-password",
            "hospital_id": hospital.id,
            "profession": "nurse",
            "professional_title": "护师\x00",
        },
    )


def test_a_person_name_is_cleaned_at_registration(client, db, create_hospital):
    response = register(client, create_hospital(), "\u202e王\x00小明\u200b")
    assert response.status_code == 302
    user = db.session.scalar(sa.select(User).filter_by(login="clean.name@example.cn"))
    assert (user.name, user.professional_title) == ("王小明\u200b", "护师")


@pytest.mark.parametrize("name", ["\x00", "\u200b", "\u202e\u202c"], ids=repr)
def test_a_name_with_nothing_visible_is_refused(client, db, create_hospital, name):
    response = register(client, create_hospital(), name)
    assert response.status_code == 200
    assert (
        db.session.scalar(sa.select(User).filter_by(login="clean.name@example.cn"))
        is None
    )


def test_a_hospital_name_is_cleaned(client, auth, db, create_user):
    create_user(login="office.text@example.cn", role=Role.ADMINISTRATOR)
    auth.login("office.text@example.cn")
    page = client.get("/admin/hospitals/new").get_data(as_text=True)
    response = client.post(
        "/admin/hospitals/new",
        data={
            "csrf_token": csrf_token_from(page),
            "code": "CLEAN1",
            "name_zh": "清洁\x00县医院\u202e",
            "name_en": "",
            "tier": "county",
            "province_code": "51",
            "city": "成都\x00",
        },
    )
    assert response.status_code == 302
    hospital = db.session.scalar(sa.select(Hospital).filter_by(code="CLEAN1"))
    assert (hospital.name_zh, hospital.city) == ("清洁县医院", "成都")


SIGN_IN_TEXT = [
    ("NUL in the login", "wang\x00@example.cn", "a-good-password", 401),
    ("lone surrogate in the login", "wang\ud800@example.cn", "a-good-password", 422),
    ("NUL only", "\x00", "x", 401),
    ("lone surrogate in the password", "wang@example.cn", "a-good\ud800pw", 422),
    ("NUL in the password", "wang@example.cn", "a-good\x00password", 401),
]


@pytest.mark.parametrize(
    ("login", "password", "status"),
    [row[1:] for row in SIGN_IN_TEXT],
    ids=[row[0] for row in SIGN_IN_TEXT],
)
def test_control_characters_at_sign_in_are_a_401_not_a_500(
    client, create_user, login, password, status
):
    """A lone surrogate is no text at all: the schema refuses it (422)."""
    create_user(login="wang@example.cn", password="a-good-password")
    response = client.post(
        "/api/v1/auth/token", json={"login": login, "password": password}
    )
    assert response.status_code == status


@pytest.mark.parametrize("q", ["\x00", "王\x00", "\u202e"], ids=repr)
def test_searching_people_and_hospitals_with_a_nul_is_not_a_500(
    client, auth, create_user, q
):
    create_user(login="office.search@example.cn", role=Role.ADMINISTRATOR)
    auth.login("office.search@example.cn")
    assert client.get("/admin/users/", query_string={"q": q}).status_code == 200
    assert client.get("/admin/hospitals/", query_string={"q": q}).status_code == 200
