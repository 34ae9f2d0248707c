"""One domain error, one handler (issue 12): the API answers its code, message
and request id with its kind's status; a page shows the same message translated."""

import pytest

from courses.operations import CourseError
from lms.errors import handle_domain_error
from lms.problems import DomainError, Kind


@pytest.mark.parametrize(
    ("error", "status"),
    [
        (CourseError("not_enrolled", "Enrol in the course first.", 403), 403),
        (DomainError("already_passed", "Passed.", Kind.CONFLICT), 409),
        (DomainError("too_large", "Too large.", Kind.TOO_LARGE), 413),
        (DomainError("checksum_mismatch", "Mismatch.", Kind.CHECKSUM), 460),
    ],
)
def test_the_api_answers_a_domain_error_by_its_kind(app, error, status):
    with app.test_request_context("/api/v1/courses/1/enrol", method="POST"):
        response = handle_domain_error(error)
    assert response.status_code == status
    body = response.get_json()["error"]
    assert (body["code"], body["message"]) == (error.code, error.message)
    assert len(body["request_id"]) == 32


@pytest.mark.parametrize(
    ("language", "message"),
    [("zh-CN", "请先报名该课程。"), ("en", "Enrol in the course first.")],
)
def test_a_page_shows_the_same_error_translated(app, language, message):
    error = CourseError("not_enrolled", "Enrol in the course first.", 403)
    headers = {"Accept-Language": language}
    with app.test_request_context("/courses/1", headers=headers):
        page, status = handle_domain_error(error)
    assert status == 403 and message in page


def test_the_request_id_is_in_the_error_body_and_header(
    client, create_course, create_user, api_token
):
    course = create_course()
    learner = create_user()
    response = client.post(
        f"/api/v1/courses/{course.id}/post-test/attempts", headers=api_token(learner)
    )
    assert response.status_code == 403
    error = response.json["error"]
    assert error["code"] == "not_enrolled"
    assert error["request_id"] == response.headers["X-Request-ID"]
