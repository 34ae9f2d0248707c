"""Hostile input at every edge is a 4xx with a clear error, never a 500 (DESIGN §4:
"ids and integers past 64 bits, NaN, wrong types: 4xx, never 500").

Each row is one request an attacker sent to the running app; before these checks
most of them ended in an OverflowError, a TypeError or a RecursionError.
"""

import json

import pytest

from lms.accounts.roles import Role
from lms.db import db as _db

HUGE = "99999999999999999999"  # 20 digits: past 64 bits
TWO_TO_63 = str(2**63)
PAST_32_BITS = 2**31  # ids are INTEGER columns: 32 bits on PostgreSQL
DIGITS_400 = "1" * 400
DEEP = "[" * 5000 + "]" * 5000


@pytest.fixture
def scene(client, create_course, create_user, api_token, auth):
    """A course the learner is enrolled in with a play session, a draft of the
    lecturer's, and a header (or a signed-in page client) per role."""
    from courses import operations as ops
    from lms.db import utcnow

    lecturer = create_user(role=Role.LECTURER)
    course = create_course(durations=(60.0,), lecturer=lecturer)
    draft = create_course(status="draft", lecturer=lecturer)
    learner = create_user()
    admin = create_user(role=Role.ADMINISTRATOR)
    ops.enrol(course, learner, utcnow())
    session, _ = ops.start_play_session(learner, course.lectures[0], utcnow())
    _db.session.commit()
    return {
        "ids": {
            "course": course.id,
            "lecture": course.lectures[0].id,
            "draft": draft.id,
            "session": session.token,
        },
        "users": {"learner": learner, "lecturer": lecturer, "admin": admin},
        "headers": {
            "learner": api_token(learner),
            "lecturer": api_token(lecturer),
            "admin": api_token(admin),
        },
    }


def beat(**fields):
    body = {"play_session": "{session}", "seq": 1, "ranges": [[0, 5]]}
    return json.dumps(body | fields)


PROGRESS = "/api/v1/lectures/{lecture}/progress"


def req(who, method, url, status, body=None, content_type=None):
    """One hostile request and the 4xx it must get."""
    shown = f"{method} {url[:50]} {(body or '')[:40]} {content_type or ''}"
    return pytest.param(who, method, url, body, content_type, status, id=shown)


def ranges(text):
    return beat().replace("[[0, 5]]", text)


API = [
    # ids past 64 bits, or 0, in URL paths
    req("learner", "GET", f"/api/v1/courses/{HUGE}", 404),
    req("learner", "GET", f"/api/v1/courses/{TWO_TO_63}", 404),
    req("learner", "GET", "/api/v1/courses/0", 404),
    req("learner", "GET", f"/api/v1/courses/{PAST_32_BITS}", 404),
    req("learner", "POST", f"/api/v1/lectures/{2**40}/play-sessions", 404),
    req("learner", "GET", f"/api/v1/lectures/{DIGITS_400}", 404),
    req("learner", "POST", f"/api/v1/lectures/{HUGE}/play-sessions", 404),
    req("learner", "POST", f"/api/v1/courses/{HUGE}/enrol", 404),
    req("lecturer", "GET", f"/api/v1/jobs/{HUGE}", 404),
    req("admin", "GET", f"/api/v1/certificate-batches/{HUGE}", 404),
    req("admin", "POST", f"/api/v1/credits/{HUGE}/revoke", 404, '{"reason": "x"}'),
    req("admin", "POST", f"/api/v1/users/{HUGE}/credits", 404, "{}"),
    # JSON numbers no column holds
    req("learner", "POST", PROGRESS, 422, beat(seq=2**63)),
    req("learner", "POST", PROGRESS, 422, beat(seq=-(2**63) - 1)),
    req("learner", "POST", PROGRESS, 422, beat(seq=PAST_32_BITS)),
    req("learner", "POST", PROGRESS, 422, ranges(f"[[0, {DIGITS_400}]]")),
    req("learner", "POST", PROGRESS, 422, ranges("[[0, 1e400]]")),
    req("learner", "POST", PROGRESS, 422, ranges("[[NaN, 5]]")),
    req("learner", "POST", PROGRESS, 422, ranges("[[0, Infinity]]")),
    req("learner", "POST", PROGRESS, 422, ranges("[[-Infinity, 5]]")),
    req(
        "learner",
        "POST",
        "/api/v1/courses/{course}/post-test",
        422,
        json.dumps({"attempt_id": 2**64, "answers": {}}),
    ),
    req(
        "learner",
        "POST",
        "/api/v1/courses/{course}/certificates",
        422,
        json.dumps({"user_id": 10**30}),
    ),
    req(
        "learner",
        "POST",
        "/api/v1/courses/{course}/post-test",
        422,
        json.dumps({"attempt_id": 2**40, "answers": {}}),
    ),
    req(
        "admin",
        "POST",
        "/api/v1/courses/{course}/certificates",
        422,
        json.dumps({"user_id": 2**62}),
    ),
    req(
        "admin",
        "POST",
        "/api/v1/courses/{course}/certificates",
        404,
        json.dumps({"user_id": 2**31 - 1}),
    ),
    # nesting that would blow the parser's stack, or ours
    req("learner", "POST", PROGRESS, 400, ranges(DEEP)),
    req("learner", "POST", PROGRESS, 400, ranges("[" * 40 + "]" * 40)),
    req("lecturer", "POST", "/api/v1/courses/{course}/approve", 400, DEEP),
    # not JSON, or not an object
    req("learner", "POST", PROGRESS, 400, beat(), "text/plain"),
    req("learner", "POST", PROGRESS, 400, "{not json"),
    req("learner", "POST", PROGRESS, 400, "[1, 2]"),
    req("lecturer", "POST", "/api/v1/courses/{draft}/submit", 400, "{bad"),
    # wrong types and dates
    req(
        "lecturer",
        "POST",
        "/api/v1/courses",
        422,
        json.dumps({"title_zh": "课程", "enrol_opens_dt": "tomorrow"}),
    ),
    req(
        "lecturer",
        "POST",
        "/api/v1/courses",
        422,
        json.dumps({"title_zh": "课程", "enrol_opens_dt": 1767225600}),
    ),
    req(
        "lecturer",
        "PATCH",
        "/api/v1/courses/{draft}",
        422,
        json.dumps({"enrol_closes_dt": "2026-09-01T08:00:00"}),  # no time zone
    ),
    req(
        "lecturer",
        "PATCH",
        "/api/v1/courses/{draft}",
        422,
        json.dumps({"enrol_closes_dt": ["2026-09-01"]}),
    ),
    req(
        "admin",
        "POST",
        "/api/v1/users/{learner}/credits",
        422,
        json.dumps({"title": "x", "credits": 1, "date": ["2026-01-01"]}),
    ),
    # query arguments
    req("learner", "GET", "/api/v1/courses?format=x", 400),
    req("learner", "GET", "/api/v1/courses?page=1e20", 400),
    req("learner", "GET", "/api/v1/courses?page=-1", 400),
    req("learner", "GET", f"/api/v1/courses?page={HUGE}", 400),
    req("learner", "GET", "/api/v1/courses?q=stroke&page=1e20", 400),
    req("learner", "GET", "/api/v1/hospitals?tier=x", 400),
    req("learner", "GET", f"/api/v1/me/transcript?year={HUGE}", 400),
    req("learner", "GET", PROGRESS + f"?user_id={HUGE}", 400),
    req("learner", "GET", PROGRESS + f"?user_id={PAST_32_BITS}", 400),
    req("learner", "GET", f"/api/v1/courses/{{course}}/progress?user_id={HUGE}", 400),
]


def fill(text, ids):
    for key, value in ids.items():
        text = text.replace("{" + key + "}", str(value))
    return text


@pytest.mark.parametrize(
    ("who", "method", "url", "body", "content_type", "status"), API
)
def test_hostile_api_requests_get_a_json_4xx(
    client, scene, who, method, url, body, content_type, status
):
    ids = scene["ids"] | {"learner": scene["users"]["learner"].id}
    response = client.open(
        fill(url, ids),
        method=method,
        data=fill(body, ids) if body is not None else None,
        content_type=content_type or ("application/json" if body else None),
        headers=scene["headers"][who],
    )
    assert response.status_code == status, response.get_data(as_text=True)[:300]
    error = response.json["error"]
    assert set(error) >= {"code", "message"} and error["message"]


PAGES = [
    ("learner", f"/courses/{HUGE}", 404),
    ("learner", f"/courses/lectures/{TWO_TO_63}", 404),
    ("learner", f"/credits/{HUGE}/transcript.pdf", 404),
    ("learner", "/courses/?format=x", 400),
    ("learner", "/courses/?page=1e20", 400),
    ("learner", "/courses/?page=-1", 400),
    ("admin", f"/admin/users/{HUGE}", 404),
    ("admin", "/admin/users/?page=1e20", 400),
    ("admin", "/admin/hospitals/?tier=x", 400),
    ("admin", f"/admin/hospitals/?page={HUGE}", 400),
    ("admin", f"/admin/credits/export.csv?year={HUGE}", 400),
    ("admin", "/admin/credits/export.csv?kind=x", 400),
    ("admin", f"/admin/credits/export.csv?hospital={HUGE}", 400),
    ("admin", f"/admin/credits/export.csv?course={PAST_32_BITS}", 400),
    ("admin", f"/admin/users/{PAST_32_BITS}", 404),
    ("admin", f"/admin/credits/people/{HUGE}", 404),
]


@pytest.mark.parametrize(("who", "url", "status"), PAGES, ids=[p[1] for p in PAGES])
def test_hostile_page_requests_get_an_error_page(client, scene, auth, who, url, status):
    auth.login(scene["users"][who].login)
    response = client.get(url)
    assert response.status_code == status
    assert response.mimetype == "text/html"


def test_keys_naming_operation_arguments_are_ignored(client, scene):
    """``owner``, ``actor``, ``course`` or ``id`` in a body never reach an
    operation as arguments (they were splatted into ``create_course(owner, ...)``)."""
    lecturer = scene["headers"]["lecturer"]
    created = client.post(
        "/api/v1/courses",
        json={
            "title_zh": "新课程",
            "owner": scene["users"]["admin"].id,
            "owner_id": scene["users"]["admin"].id,
            "id": 1,
            "status": "approved",
        },
        headers=lecturer,
    )
    assert created.status_code == 201
    assert created.json["status"] == "draft"
    edited = client.patch(
        f"/api/v1/courses/{created.json['id']}",
        json={"title_en": "Edited", "course": 1, "actor": 1, "values": {}},
        headers=lecturer,
    )
    assert edited.status_code == 200 and edited.json["title_en"] == "Edited"


def test_a_json_type_with_a_suffix_is_read_as_json(client, scene):
    response = client.patch(
        f"/api/v1/courses/{scene['ids']['draft']}",
        data=json.dumps({"title_en": "Merge patch"}),
        content_type="application/merge-patch+json",
        headers=scene["headers"]["lecturer"],
    )
    assert response.status_code == 200 and response.json["title_en"] == "Merge patch"


@pytest.mark.parametrize("number", ["sNaN", "NaN", "Infinity", "-Infinity", "1e999999"])
def test_form_numbers_that_are_not_finite_are_refused(client, scene, auth, number):
    """A decimal form field given ``sNaN`` raised ValueError in WTForms' range check."""
    auth.login(scene["users"]["lecturer"].login)
    draft = scene["ids"]["draft"]
    response = client.post(
        f"/teach/courses/{draft}/lectures",
        data={
            "lecture-title_zh": "第二讲",
            "lecture-duration_minutes": number,
            "csrf_token": auth.csrf_token(f"/teach/courses/{draft}"),
        },
    )
    assert response.status_code in (200, 302, 400, 422)
    course = client.get(f"/api/v1/courses/{draft}").json
    assert [lecture["title_zh"] for lecture in course["lectures"]].count("第二讲") == 0


@pytest.mark.parametrize("attempt_id", [HUGE, str(PAST_32_BITS), "1e3", "-1"])
def test_a_form_attempt_id_that_is_no_id_is_no_attempt(client, scene, auth, attempt_id):
    auth.login(scene["users"]["learner"].login)
    course = scene["ids"]["course"]
    response = client.post(
        f"/courses/{course}/post-test",
        data={
            "attempt_id": attempt_id,
            "csrf_token": auth.csrf_token(f"/courses/{course}"),
        },
    )
    assert response.status_code in (302, 400, 404)
