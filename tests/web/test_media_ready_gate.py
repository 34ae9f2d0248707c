"""A lecture counts as playable only when its media is ready; a course with any
lecture without ready media is neither submitted nor approved (issue 9, item 18)."""

import pytest

from courses.workflow import CourseStatus
from lms.accounts.roles import Role
from media_pipeline.states import MediaStatus
from tests.conftest import csrf_token_from


@pytest.mark.parametrize(
    "status", [MediaStatus.NONE, MediaStatus.PROCESSING, MediaStatus.FAILED]
)
def test_a_course_whose_lecture_is_not_ready_is_not_approved(
    client, create_course, create_user, api_token, db, status
):
    course = create_course(status="submitted", durations=(600.0, 900.0))
    course.lectures[1].media_status = status  # e.g. a replacement that failed
    db.session.flush()
    office = api_token(create_user(role=Role.ADMINISTRATOR))
    response = client.post(
        f"/api/v1/courses/{course.id}/approve",
        headers=office,
        json={"project_number": "2026-04-01-002"},
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "lectures_not_ready"
    assert "第2讲" in response.json["error"]["message"]
    db.session.refresh(course)
    assert course.status == CourseStatus.SUBMITTED and course.approved_dt is None


def test_the_office_page_says_which_lecture_keeps_the_course_from_approval(
    client, auth, create_course, create_user, db
):
    course = create_course(status="submitted", durations=(600.0, 900.0))
    course.lectures[0].media_status = MediaStatus.PROCESSING
    db.session.flush()
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    page = f"/admin/courses/{course.id}"
    html = client.get(page).text
    assert "第1讲" in html.split('id="lectures-not-ready"')[1].split("</p>")[0]
    response = client.post(
        f"{page}/approve",
        data={
            "csrf_token": csrf_token_from(html),
            "approve-project_number": "2026-04-01-003",
            "approve-project_level": course.project_level.value,
            "approve-credit_category": course.credit_category,
            "approve-media_policy": "lecture",
        },
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(page)
    db.session.refresh(course)
    assert course.status == CourseStatus.SUBMITTED
    assert 'class="flash flash-error"' in client.get(page).text


def test_a_lecture_without_ready_media_cannot_be_played(
    client, create_course, create_user, api_token, db
):
    course = create_course(durations=(600.0,))
    lecture = course.lectures[0]
    learner = api_token(create_user())
    client.post(f"/api/v1/courses/{course.id}/enrol", headers=learner)
    lecture.media_status = MediaStatus.PROCESSING  # a duration alone is not media
    db.session.flush()
    response = client.post(
        f"/api/v1/lectures/{lecture.id}/play-sessions", headers=learner
    )
    assert response.status_code == 409
    assert response.json["error"]["code"] == "not_playable"
    info = client.get(f"/api/v1/lectures/{lecture.id}", headers=learner).json
    assert info["is_playable"] is False
