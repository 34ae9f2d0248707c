"""The page's course form and the API refuse the same values: both take their
limits from lms.limits (issue 12: the API took max_attempts 50 and a 200,000
character description that the form refused)."""

import pytest
from werkzeug.datastructures import MultiDict

from lms import limits
from lms.learning.forms import CourseForm

TOO_MUCH = [
    ("max_attempts", limits.MAX_ATTEMPTS_MAX + 1, str(limits.MAX_ATTEMPTS_MAX + 1)),
    ("max_attempts", 50, "50"),
    ("max_attempts", 0, "0"),
    ("description_zh", "长" * 200_000, "长" * 200_000),
    ("description_en", "x" * (limits.DESCRIPTION_MAX + 1), "x" * 5001),
    ("title_zh", "题" * (limits.TITLE_MAX + 1), "题" * (limits.TITLE_MAX + 1)),
    ("questions_per_attempt", 101, "101"),
    ("pass_mark", 0.05, "5"),
    ("completion_threshold", 0.4, "40"),
]


@pytest.mark.parametrize(("field", "api_value", "form_value"), TOO_MUCH)
def test_the_api_and_the_form_refuse_the_same(
    app, client, create_user, api_token, field, api_value, form_value
):
    lecturer = create_user(role="lecturer")
    body = {"title_zh": "课程", field: api_value}
    response = client.post("/api/v1/courses", json=body, headers=api_token(lecturer))
    assert response.status_code == 422, response.json
    assert response.json["error"]["code"] == f"invalid_{field}"
    assert response.json["error"]["message"].startswith(f"{field}: ")
    with app.test_request_context(method="POST"):
        form = CourseForm(formdata=MultiDict({field: form_value}), meta={"csrf": False})
        assert not form[field].validate(form)


@pytest.mark.parametrize(
    ("field", "api_value", "form_value"),
    [
        ("max_attempts", limits.MAX_ATTEMPTS_MAX, str(limits.MAX_ATTEMPTS_MAX)),
        ("description_zh", "长" * limits.DESCRIPTION_MAX, "长" * 5000),
        ("pass_mark", 1.0, "100"),
    ],
)
def test_the_api_and_the_form_take_the_same(
    app, client, create_user, api_token, field, api_value, form_value
):
    lecturer = create_user(role="lecturer")
    body = {"title_zh": "课程", field: api_value}
    response = client.post("/api/v1/courses", json=body, headers=api_token(lecturer))
    assert response.status_code == 201, response.json
    with app.test_request_context(method="POST"):
        form = CourseForm(formdata=MultiDict({field: form_value}), meta={"csrf": False})
        assert form[field].validate(form)


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("PATCH", "/api/v1/courses/576460752303423487"),
        ("POST", "/api/v1/courses/2147483648/enrol"),
        ("GET", "/api/v1/lectures/99999999999/progress"),
        ("POST", "/api/v1/jobs/2147483648/cancel"),
    ],
)
def test_an_id_past_32_bits_is_a_404_whatever_the_method(
    client, create_user, api_token, method, path
):
    """Not a 405 naming another method (the fuzzer's PATCH of a huge id)."""
    lecturer = create_user(role="lecturer")
    response = client.open(path, method=method, json={}, headers=api_token(lecturer))
    assert response.status_code == 404, response.json
