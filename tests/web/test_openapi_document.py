"""The OpenAPI document declares what every endpoint takes and gives (issue 12)."""

import pytest

from lms.api.openapi import build_document

METHODS = {"get", "post", "put", "patch", "delete"}


@pytest.fixture(scope="module")
def document(app):
    with app.app_context():
        return build_document()


def resolve(document, schema):
    """A schema with its ``$ref`` (and a nullable ``anyOf``'s object) followed."""
    while "$ref" in schema:
        schema = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
    return schema


def operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_json_body_has_a_schema_with_properties(document):
    bodies = 0
    for name, operation in operations(document):
        content = operation.get("requestBody", {}).get("content", {})
        if "application/json" in content:
            schema = resolve(document, content["application/json"]["schema"])
            assert schema.get("properties"), name
            bodies += 1
    assert bodies >= 15


def test_every_json_answer_has_a_schema_with_properties(document):
    answers = 0
    for name, operation in operations(document):
        for status, response in operation["responses"].items():
            content = response.get("content", {})
            if "application/json" in content:
                schema = resolve(document, content["application/json"]["schema"])
                assert schema.get("properties"), f"{name} {status}"
                answers += 1
    assert answers >= 150


def test_every_operation_declares_an_answer_and_its_errors(document):
    for name, operation in operations(document):
        statuses = set(operation["responses"])
        assert statuses & {"200", "201", "202", "204"}, name
        if operation["security"]:  # signed-in endpoints
            assert "401" in statuses, name
        if "requestBody" in operation and "application/json" in str(
            operation["requestBody"]
        ):
            assert {"400", "422"} <= statuses, name


def test_path_parameters_have_their_real_types(document):
    for name, operation in operations(document):
        for parameter in operation["parameters"]:
            if parameter["in"] != "path":
                continue
            schema = parameter["schema"]
            if parameter["name"] in ("serial", "token"):
                assert schema["type"] == "string", name
            else:
                assert schema["type"] == "integer", name
                assert (schema["minimum"], schema["maximum"]) == (1, 2**31 - 1)


def test_page_is_a_bounded_integer_and_enums_are_enums(document):
    catalog = document["paths"]["/api/v1/courses"]["get"]
    parameters = {p["name"]: p["schema"] for p in catalog["parameters"]}
    assert parameters["page"] == {
        "default": 1,
        "maximum": 100_000,
        "minimum": 1,
        "title": "Page",
        "type": "integer",
    }
    (profession, _null) = parameters["profession"]["anyOf"]
    assert set(resolve(document, profession)["enum"]) >= {"doctor", "nurse"}


@pytest.mark.parametrize(
    ("path", "method"),
    [
        ("/api/v1/courses", "post"),
        ("/api/v1/courses/{course_id}", "patch"),
        ("/api/v1/lectures/{lecture_id}/progress", "post"),
        ("/api/v1/courses/{course_id}/post-test", "post"),
        ("/api/v1/auth/token", "post"),
    ],
)
def test_main_endpoints_show_an_example(document, path, method):
    body = document["paths"][path][method]["requestBody"]["content"]
    assert body["application/json"]["example"]
