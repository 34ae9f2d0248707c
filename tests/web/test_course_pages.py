"""The course pages through the test client: the same operations as the API."""

import re

import pytest
import sqlalchemy as sa

from courses.models import Course, Enrolment, TestAttempt
from courses.workflow import CourseStatus
from lms.accounts.roles import Role
from media_pipeline.states import MediaStatus
from tests.conftest import backdate_play_session, csrf_token_from


def form_post(client, page_url, url, data):
    token = csrf_token_from(client.get(page_url).text)
    return client.post(url, data={"csrf_token": token, **data})


def watch_everything(client, course, headers):
    for lecture in course.lectures:
        session = client.post(
            f"/api/v1/lectures/{lecture.id}/play-sessions", headers=headers
        ).json["play_session"]
        backdate_play_session(session, lecture.duration_seconds)
        client.post(
            f"/api/v1/lectures/{lecture.id}/progress",
            headers=headers,
            json={
                "play_session": session,
                "seq": 1,
                "ranges": [[0, lecture.duration_seconds]],
            },
        )


def test_the_catalog_lists_approved_courses_and_filters(client, create_course):
    cardio = create_course(title_zh="心衰的基层管理")
    draft = create_course(title_zh="尚未审核的课程", status="draft")
    html = client.get("/courses/").text
    assert "心衰的基层管理" in html and "尚未审核的课程" not in html
    assert client.get(f"/courses/{draft.id}").status_code == 404
    filtered = client.get("/courses/?specialty=nursing").text
    assert "心衰的基层管理" not in filtered
    assert client.get(f"/courses/{cardio.id}").status_code == 200


def test_a_learner_enrols_watches_passes_and_evaluates_through_the_pages(
    client, auth, create_course, create_user, api_token, db
):
    course = create_course(durations=(20.0,), questions=2)
    learner = create_user(login="page-learner@example.cn")
    auth.login("page-learner@example.cn")
    page = f"/courses/{course.id}"
    assert "报名" in client.get(page).text
    form_post(client, page, f"{page}/enrol", {})
    assert db.session.scalar(sa.select(Enrolment).filter_by(user_id=learner.id))

    locked = client.get(f"{page}/post-test", follow_redirects=True).text
    assert "请先观看全部课程" in locked or "Watch every lecture" in locked
    watch_everything(client, course, api_token(learner))

    # The post-test page only reads; its button starts the attempt (a POST).
    assert 'name="attempt_id"' not in client.get(f"{page}/post-test").text
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 0
    started = form_post(client, f"{page}/post-test", f"{page}/post-test/start", {})
    assert started.status_code == 302
    html = client.get(f"{page}/post-test").text
    attempt_id = re.search(r'name="attempt_id" value="(\d+)"', html).group(1)
    answers = dict(re.findall(r'name="(q-\d+)" value="([^"]+)">\s*对\s*<', html))
    assert len(answers) == len(course.questions)
    result = form_post(
        client,
        f"{page}/post-test",
        f"{page}/post-test",
        {"attempt_id": attempt_id, **answers},
    )
    assert "100%" in result.text

    evaluated = form_post(
        client,
        f"{page}/evaluation",
        f"{page}/evaluation",
        {
            "course_quality": "5",
            "lecturer_quality": "4",
            "relevance": "5",
            "comments": "<script>alert(1)</script>",
        },
    )
    assert evaluated.status_code == 302
    html = client.get(page).text
    assert "完成" in html or "Completed" in html
    dashboard = client.get("/dashboard").text
    assert course.title_zh in dashboard and "100%" in dashboard


def test_the_post_test_page_never_shows_the_answer_key(
    client, auth, create_course, create_user, api_token
):
    course = create_course(durations=(10.0,), questions=3)
    learner = create_user(login="keyless@example.cn")
    auth.login("keyless@example.cn")
    form_post(client, f"/courses/{course.id}", f"/courses/{course.id}/enrol", {})
    watch_everything(client, course, api_token(learner))
    page = f"/courses/{course.id}/post-test"
    form_post(client, page, f"{page}/start", {})
    html = client.get(page).text
    assert "✓" not in html and "correct" not in html.lower()
    # Options go by this attempt's random keys, never by their ids.
    shown = re.findall(r'name="q-\d+" value="([^"]+)"', html)
    assert len(shown) == 9
    assert not {str(o.id) for q in course.questions for o in q.options} & set(shown)


def test_a_get_of_the_post_test_page_never_starts_an_attempt(
    client, auth, create_course, create_user, api_token, db
):
    course = create_course(durations=(10.0,), questions=2)
    learner = create_user(login="reader@example.cn")
    auth.login("reader@example.cn")
    form_post(client, f"/courses/{course.id}", f"/courses/{course.id}/enrol", {})
    watch_everything(client, course, api_token(learner))
    page = f"/courses/{course.id}/post-test"
    for _ in range(3):
        html = client.get(page).text
        assert f'action="{page}/start"' in html
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 0
    # Starting twice resumes the one open attempt.
    form_post(client, page, f"{page}/start", {})
    form_post(client, page, f"{page}/start", {})
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 1


def test_the_post_test_form_refuses_option_ids_for_its_keys(
    client, auth, create_course, create_user, api_token, db
):
    """The old leak: options' ids follow authoring order (the right one first)."""
    course = create_course(durations=(10.0,), questions=3)
    learner = create_user(login="lowest-id@example.cn")
    auth.login("lowest-id@example.cn")
    form_post(client, f"/courses/{course.id}", f"/courses/{course.id}/enrol", {})
    watch_everything(client, course, api_token(learner))
    page = f"/courses/{course.id}/post-test"
    form_post(client, page, f"{page}/start", {})
    html = client.get(page).text
    attempt_id = re.search(r'name="attempt_id" value="(\d+)"', html).group(1)
    lowest = {f"q-{q.id}": str(min(o.id for o in q.options)) for q in course.questions}
    refused = form_post(client, page, page, {"attempt_id": attempt_id, **lowest})
    assert refused.status_code == 302
    attempt = db.session.get(TestAttempt, int(attempt_id))
    db.session.refresh(attempt)
    assert attempt.submitted_dt is None and attempt.score is None


def test_a_lecturer_builds_and_submits_a_course_with_the_forms(
    client, auth, create_user, db
):
    create_user(login="teacher@example.cn", role=Role.LECTURER)
    auth.login("teacher@example.cn")
    response = form_post(
        client,
        "/teach/courses/new",
        "/teach/courses/new",
        {
            "title_zh": "糖尿病足的预防",
            "title_en": "Preventing diabetic foot",
            "specialty": "endocrinology",
            "format": "recorded",
            "project_level": "provincial",
            "rule_set_code": "CN-2006",
            "completion_threshold": "90",
            "pass_mark": "60",
            "max_attempts": "3",
            "target_professions": ["doctor", "nurse"],
        },
    )
    assert response.status_code == 302
    course = db.session.scalar(sa.select(Course).filter_by(title_zh="糖尿病足的预防"))
    manage = f"/teach/courses/{course.id}"
    form_post(
        client,
        manage,
        f"{manage}/lectures",
        {"lecture-title_zh": "足部检查", "lecture-duration_minutes": "45"},
    )
    form_post(
        client,
        manage,
        f"{manage}/questions",
        {
            "question-kind": "single",
            "question-text_zh": "足部检查的频率？",
            "question-option_1": "每年一次",
            "question-correct_1": "y",
            "question-option_2": "从不",
        },
    )
    # No recording yet: the course cannot be submitted, and the page says why.
    refused = form_post(client, manage, f"{manage}/submit", {})
    db.session.refresh(course)
    assert course.status == CourseStatus.DRAFT
    page = client.get(refused.headers["Location"]).text
    assert 'class="flash flash-error"' in page  # the refusal, in the page's language
    assert "足部检查" in page.split('id="lectures-not-ready"')[1]
    course.lectures[0].media_status = MediaStatus.READY  # as if transcoded
    db.session.flush()
    form_post(client, manage, f"{manage}/submit", {})
    db.session.refresh(course)
    assert course.status == CourseStatus.SUBMITTED
    assert course.completion_threshold == 0.9 and course.target_professions == [
        "doctor",
        "nurse",
    ]
    assert "1" in client.get(manage).text


def test_a_single_choice_question_needs_one_right_option(client, auth, create_course):
    course = create_course(status="draft")
    auth.login(course.owner.login)
    manage = f"/teach/courses/{course.id}"
    before = len(course.questions)
    response = form_post(
        client,
        manage,
        f"{manage}/questions",
        {
            "question-kind": "single",
            "question-text_zh": "两个正确答案？",
            "question-option_1": "甲",
            "question-correct_1": "y",
            "question-option_2": "乙",
            "question-correct_2": "y",
        },
    )
    assert response.status_code == 422  # sent back with what was typed
    assert len(course.questions) == before


def test_other_lecturers_cannot_open_a_courses_management_page(
    client, auth, create_course, create_user
):
    course = create_course(status="draft")
    create_user(login="rival@example.cn", role=Role.LECTURER)
    auth.login("rival@example.cn")
    assert client.get(f"/teach/courses/{course.id}").status_code == 404
    response = form_post(
        client,
        "/dashboard",
        f"/teach/courses/{course.id}/lectures",
        {"lecture-title_zh": "偷偷加一讲"},
    )
    assert response.status_code == 404


def test_the_office_approves_a_submitted_course(
    client, auth, create_course, create_user, db
):
    course = create_course(status="submitted")
    create_user(login="approver@example.cn", role=Role.ADMINISTRATOR)
    auth.login("approver@example.cn")
    assert course.title_zh in client.get("/admin/courses/").text
    review = f"/admin/courses/{course.id}"
    response = form_post(
        client,
        review,
        f"{review}/approve",
        {
            "approve-project_number": "2026-04-02-011",
            "approve-project_level": "national",
            "approve-credit_category": "CME",
        },
    )
    assert response.status_code == 302
    db.session.refresh(course)
    assert (course.status, course.project_number) == (
        CourseStatus.APPROVED,
        "2026-04-02-011",
    )


@pytest.mark.parametrize("role", [Role.LEARNER, Role.LECTURER, Role.SITE_COORDINATOR])
def test_only_the_office_sees_the_approval_queue(client, auth, create_user, role):
    create_user(login=f"q-{role.value}@example.cn", role=role)
    auth.login(f"q-{role.value}@example.cn")
    assert client.get("/admin/courses/").status_code == 403


def test_a_coordinator_enrols_their_hospitals_learners(
    client, auth, create_course, create_user, create_hospital, db
):
    course = create_course()
    hospital, elsewhere = create_hospital(), create_hospital()
    create_user(
        login="coord2@example.cn", role=Role.SITE_COORDINATOR, hospital=hospital
    )
    mine = [create_user(hospital=hospital) for _ in range(3)]
    create_user(hospital=elsewhere)
    auth.login("coord2@example.cn")
    page = f"/courses/{course.id}"
    form_post(client, page, f"{page}/enrol-hospital", {"hospital_id": hospital.id})
    enrolled = set(
        db.session.scalars(sa.select(Enrolment.user_id).filter_by(course_id=course.id))
    )
    assert enrolled == {u.id for u in mine}
    response = form_post(
        client, page, f"{page}/enrol-hospital", {"hospital_id": elsewhere.id}
    )
    assert response.status_code == 403


def test_the_lecturer_sees_where_viewers_stop(
    client, auth, create_course, create_user, api_token
):
    course = create_course(durations=(100.0,))
    lecture = course.lectures[0]
    for watched in (100.0, 50.0):
        learner = create_user()
        headers = api_token(learner)
        client.post(f"/api/v1/courses/{course.id}/enrol", headers=headers)
        session = client.post(
            f"/api/v1/lectures/{lecture.id}/play-sessions", headers=headers
        ).json["play_session"]
        backdate_play_session(session, watched)
        client.post(
            f"/api/v1/lectures/{lecture.id}/progress",
            headers=headers,
            json={"play_session": session, "seq": 1, "ranges": [[0, watched]]},
        )
    auth.login(course.owner.login)
    html = client.get(f"/teach/courses/{course.id}").text
    heights = re.findall(r'class="retention".*?</div>', html, re.S)[0]
    bars = re.findall(r'data-height="(\d+)"', heights)
    assert bars[:10] == ["100"] * 10 and bars[10:] == ["50"] * 10
