"""Lecturers' tools through the test client: editing, moving and deleting lectures
and questions of a draft, bilingual questions, a question bank from an Excel
sheet, and learners' evaluations with per-question statistics."""

import io
import random
import zipfile
from datetime import timedelta

import pytest
from openpyxl import Workbook, load_workbook

from courses import operations as ops
from courses.models import Lecture, Question
from courses.question_sheet import EXAMPLE, HEADERS
from lms.accounts.roles import Role
from lms.db import utcnow
from tests.conftest import csrf_token_from


@pytest.fixture
def lecturer(create_user):
    return create_user(
        role=Role.LECTURER, name="授课专家", login="tools-lec@example.cn"
    )


@pytest.fixture
def draft(create_course, lecturer):
    return create_course(
        durations=(60.0, 120.0, 180.0), questions=3, status="draft", lecturer=lecturer
    )


def post(client, page, url, data=None, **kw):
    token = csrf_token_from(client.get(page).text)
    return client.post(url, data={"csrf_token": token, **(data or {})}, **kw)


def titles(course):
    return [lecture.title_zh for lecture in course.lectures]


def test_a_lecturer_renames_moves_and_deletes_lectures_of_a_draft(
    client, auth, draft, db
):
    auth.login("tools-lec@example.cn")
    first, second, third = draft.lectures
    page = f"/teach/courses/{draft.id}"
    response = post(
        client,
        f"/teach/lectures/{second.id}/edit",
        f"/teach/lectures/{second.id}/edit",
        {"title_zh": "第二讲：用药", "title_en": "Medication"},
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert second.title_zh == "第二讲：用药" and second.title_en == "Medication"

    post(client, page, f"/teach/lectures/{third.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert titles(draft) == ["第1讲", "第3讲", "第二讲：用药"]
    post(client, page, f"/teach/lectures/{third.id}/move", {"direction": "up"})
    post(client, page, f"/teach/lectures/{third.id}/move", {"direction": "up"})
    db.session.expire_all()
    assert titles(draft) == ["第3讲", "第1讲", "第二讲：用药"]
    assert [lec.position for lec in draft.lectures] == [0, 1, 2]

    first_id = first.id
    post(client, page, f"/teach/lectures/{first_id}/delete")
    db.session.expire_all()
    assert titles(draft) == ["第3讲", "第二讲：用药"]
    assert [lec.position for lec in draft.lectures] == [0, 1]
    assert db.session.get(Lecture, first_id) is None


def test_a_blank_lecture_title_is_refused_beside_its_field(client, auth, draft, db):
    auth.login("tools-lec@example.cn")
    lecture = draft.lectures[0]
    url = f"/teach/lectures/{lecture.id}/edit"
    response = post(client, url, url, {"title_zh": "  ", "title_en": "x"})
    assert response.status_code == 422
    assert 'id="title_zh-error"' in response.text
    db.session.expire_all()
    assert lecture.title_zh == "第1讲"


def test_lectures_and_questions_of_a_published_course_stay_as_they_are(
    client, auth, create_course, lecturer, create_user, db
):
    """Learners' progress and attempts point at them once a course is published:
    neither its lecturers nor the office move, change or delete them."""
    course = create_course(questions=2, lecturer=lecturer)
    lecture, question = course.lectures[0], course.questions[0]
    auth.login("tools-lec@example.cn")
    for url in (
        f"/teach/lectures/{lecture.id}/delete",
        f"/teach/questions/{question.id}/delete",
    ):
        post(client, f"/teach/courses/{course.id}", url)
    db.session.expire_all()
    assert len(course.lectures) == 2 and len(course.questions) == 2
    admin = create_user(role=Role.ADMINISTRATOR)
    with pytest.raises(ops.CourseError) as refused:
        ops.delete_question(question, admin)
    assert refused.value.code == "not_draft"
    with pytest.raises(ops.CourseError):
        ops.move_lecture(lecture, admin, 1)
    html = client.get(f"/teach/courses/{course.id}").text
    assert f"/teach/lectures/{lecture.id}/delete" not in html


def test_another_lecturer_cannot_touch_the_lectures_or_questions(
    client, auth, draft, create_user, db
):
    create_user(role=Role.LECTURER, login="other-lec@example.cn")
    auth.login("other-lec@example.cn")
    lecture, question = draft.lectures[0], draft.questions[0]
    token = csrf_token_from(client.get("/").text)
    for url in (
        f"/teach/lectures/{lecture.id}/delete",
        f"/teach/questions/{question.id}/delete",
        f"/teach/lectures/{lecture.id}/move",
        f"/teach/questions/{question.id}/edit",
        f"/teach/courses/{draft.id}/questions/import",
    ):
        response = client.post(url, data={"csrf_token": token, "direction": "up"})
        assert response.status_code == 404, url
    assert client.get(f"/teach/courses/{draft.id}/feedback").status_code == 404
    db.session.expire_all()
    assert len(draft.lectures) == 3 and len(draft.questions) == 3


def test_a_question_is_edited_in_both_languages_and_the_post_test_speaks_each(
    client, auth, draft, db
):
    auth.login("tools-lec@example.cn")
    question = draft.questions[0]
    url = f"/teach/questions/{question.id}/edit"
    form = client.get(url).text
    assert "Question 1: the threshold for hypertension?" in form
    response = post(
        client,
        url,
        url,
        {
            "kind": "single",
            "text_zh": "成人高血压的诊断标准？",
            "text_en": "What defines hypertension in adults?",
            "option_1": "≥140/90 mmHg",
            "option_1_en": "at least 140/90 mmHg",
            "correct_1": "y",
            "option_2": "≥120/80 mmHg",
            "option_2_en": "at least 120/80 mmHg",
            "option_3": "≥160/100 mmHg",
            "explanation_zh": "非同日三次测量。",
            "explanation_en": "Three readings on separate days.",
        },
    )
    assert response.status_code == 302
    db.session.expire_all()
    assert question.text("en") == "What defines hypertension in adults?"
    assert question.text("zh") == "成人高血压的诊断标准？"
    assert [o.text("en") for o in question.options] == [
        "at least 140/90 mmHg",
        "at least 120/80 mmHg",
        "≥160/100 mmHg",  # no English text: the Chinese one
    ]
    assert [o.is_correct for o in question.options] == [True, False, False]
    assert question.explanation("en") == "Three readings on separate days."


def test_a_refused_question_edit_keeps_what_was_typed(client, auth, draft, db):
    auth.login("tools-lec@example.cn")
    question = draft.questions[0]
    url = f"/teach/questions/{question.id}/edit"
    response = post(
        client,
        url,
        url,
        {"kind": "single", "text_zh": "改过的题目", "option_1": "甲", "option_2": "乙"},
    )
    assert response.status_code == 422
    assert "改过的题目" in response.text and 'value="乙"' in response.text
    db.session.expire_all()
    assert question.text_zh.startswith("第1题")


def test_the_add_question_form_takes_english_options(client, auth, draft, db):
    auth.login("tools-lec@example.cn")
    page = f"/teach/courses/{draft.id}"
    html = client.get(page).text
    assert 'name="question-option_1_en"' in html
    post(
        client,
        page,
        f"{page}/questions",
        {
            "question-kind": "single",
            "question-text_zh": "新题",
            "question-text_en": "A new question",
            "question-option_1": "是",
            "question-option_1_en": "Yes",
            "question-correct_1": "y",
            "question-option_2": "否",
            "question-option_2_en": "No",
            "question-explanation_en": "Because.",
        },
    )
    db.session.expire_all()
    added = draft.questions[-1]
    assert added.text("en") == "A new question"
    assert [o.text("en") for o in added.options] == ["Yes", "No"]
    assert added.explanation("en") == "Because."


def test_questions_are_moved_and_deleted(client, auth, draft, db):
    auth.login("tools-lec@example.cn")
    page = f"/teach/courses/{draft.id}"
    q1, q2, q3 = draft.questions
    post(client, page, f"/teach/questions/{q3.id}/move", {"direction": "up"})
    post(client, page, f"/teach/questions/{q1.id}/move", {"direction": "down"})
    db.session.expire_all()
    assert [q.id for q in draft.questions] == [q3.id, q1.id, q2.id]
    ids = q1.id, q2.id, q3.id
    post(client, page, f"/teach/questions/{ids[0]}/delete")
    db.session.expire_all()
    assert [q.id for q in draft.questions] == [ids[2], ids[1]]
    assert [q.position for q in draft.questions] == [0, 1]
    assert db.session.get(Question, ids[0]) is None


def sheet(*rows, header=HEADERS):
    book = Workbook()
    book.active.append(header)
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(client, course, data, name="bank.xlsx", language="zh-CN"):
    url = f"/teach/courses/{course.id}/questions/import"
    token = csrf_token_from(client.get(url).text)
    return client.post(
        url,
        data={"csrf_token": token, "sheet": (io.BytesIO(data), name)},
        content_type="multipart/form-data",
        headers={"Accept-Language": language},
    )


def test_the_template_downloads_and_imports_as_it_is(client, auth, draft, db):
    auth.login("tools-lec@example.cn")
    response = client.get(f"/teach/courses/{draft.id}/questions/template.xlsx")
    assert response.status_code == 200
    assert "attachment" in response.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(response.data))
    assert [c.value for c in book.active[1]] == list(HEADERS)
    assert upload(client, draft, response.data).status_code == 302
    db.session.expire_all()
    imported = draft.questions[-1]
    assert len(draft.questions) == 4
    assert imported.text_en == "What defines hypertension in adults?"
    assert [o.is_correct for o in imported.options] == [False, True, False]


def test_a_sheet_with_a_wrong_row_imports_nothing_and_names_each_row(
    client, auth, draft, db
):
    auth.login("tools-lec@example.cn")
    good = ("multiple", "多选题", "", "AC", "", "", "甲", "", "乙", "", "丙", "")
    data = sheet(
        good,
        ("single", "", "", "A", "", "", "甲", "", "乙", ""),
        good,
        ("single", "题", "", "D", "", "", "甲", "", "乙", ""),
    )
    response = upload(client, draft, data, language="en")
    assert response.status_code == 422
    assert "Row 3: the question has no Chinese text" in response.text
    assert "Row 5: the right option D is not among the options" in response.text
    assert "Row 2" not in response.text and "Row 4" not in response.text
    assert "Nothing was imported" in response.text
    db.session.expire_all()
    assert len(draft.questions) == 3


def zip_bomb():
    """A valid question sheet carrying a part that inflates to 64 MiB."""
    out = io.BytesIO(sheet(EXAMPLE))
    with zipfile.ZipFile(out, "a", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("xl/media/padding.bin", b"\0" * (64 * 1024 * 1024))
    return out.getvalue()


@pytest.mark.parametrize(
    ("data", "name"),
    [
        pytest.param(b"not a workbook at all", "bank.xlsx", id="text-renamed-xlsx"),
        pytest.param(zip_bomb(), "bank.xlsx", id="zip-bomb"),
        pytest.param(b"PK\x03\x04" + b"\0" * 64, "bank.xlsx", id="broken-zip"),
        pytest.param(sheet(EXAMPLE), "bank.csv", id="wrong-extension"),
        pytest.param(sheet(), "bank.xlsx", id="header-only"),
    ],
)
def test_a_file_that_is_no_question_sheet_is_refused_with_a_message(
    client, auth, draft, db, data, name
):
    auth.login("tools-lec@example.cn")
    response = upload(client, draft, data, name)
    assert response.status_code == 422
    assert 'class="error' in response.text
    db.session.expire_all()
    assert len(draft.questions) == 3


def test_evaluations_and_question_statistics_are_shown_to_the_lecturer(
    client, auth, create_course, lecturer, create_user, db
):
    course = create_course(durations=(20.0,), questions=1, lecturer=lecturer)
    question = course.questions[0]
    right, _, wrong_two = question.options
    now = utcnow()
    started = now - timedelta(minutes=5)
    for i, (choice, rating, comment) in enumerate(
        [(right, 5, "讲得很清楚"), (wrong_two, 3, ""), (wrong_two, 4, "希望多举病例")]
    ):
        learner = create_user()
        enrolment = ops.enrol(course, learner, now)
        session, _ = ops.start_play_session(learner, course.lectures[0], started)
        ops.record_heartbeat(
            learner, course.lectures[0], session.token, 1, [[0, 20]], now
        )
        attempt, _ = ops.open_attempt(enrolment, random.Random(i), now)
        key = ops.option_keys(attempt)[question.id][choice.id]
        ops.submit_attempt(enrolment, attempt.id, {str(question.id): [key]}, now)
        if choice is right:
            ops.submit_evaluation(
                enrolment,
                now,
                course_quality=rating,
                lecturer_quality=4,
                relevance=5,
                comments=comment,
            )
    auth.login("tools-lec@example.cn")
    url = f"/teach/courses/{course.id}/feedback"
    html = client.get(url, headers={"Accept-Language": "en"}).text
    assert "讲得很清楚" in html and "希望多举病例" not in html  # only evaluations
    assert "1 evaluations" in html
    assert "33%" in html  # one of three answered right
    assert "wrong two" in html and "(2 times)" in html  # the misleading option
