"""The learner's path through the API with the real timing rules (DESIGN §2.2, §2.3)."""

import json

import pytest
import sqlalchemy as sa

from courses.models import Lecture
from lms.accounts.roles import Role
from media_pipeline.states import MediaStatus
from tests.conftest import backdate_play_session, sample_questions


def post(client, url, headers, body=None):
    return client.post(url, json=body if body is not None else {}, headers=headers)


def start(client, headers, lecture_id):
    response = post(client, f"/api/v1/lectures/{lecture_id}/play-sessions", headers)
    assert response.status_code == 201, response.json
    return response.json["play_session"]


def beat(client, headers, lecture_id, session, seq, ranges, **extra):
    return post(
        client,
        f"/api/v1/lectures/{lecture_id}/progress",
        headers,
        {"play_session": session, "seq": seq, "ranges": ranges, **extra},
    )


def test_the_whole_path_from_draft_to_a_completed_course(
    client, create_user, api_token, db
):
    lecturer = api_token(create_user(role=Role.LECTURER, name="李建国"))
    admin = api_token(create_user(role=Role.ADMINISTRATOR))
    learner = api_token(create_user(name="张晓燕"))

    # The lecturer builds the course; the office approves it.
    course = post(
        client,
        "/api/v1/courses",
        lecturer,
        {
            "title_zh": "基层高血压管理",
            "title_en": "Hypertension in primary care",
            "specialty": "cardiology",
            "target_professions": ["doctor", "nurse"],
            "questions_per_attempt": 3,
            "status": "approved",
            "owner_id": 1,
        },
    )
    assert course.status_code == 201 and course.json["status"] == "draft"
    cid = course.json["id"]
    lectures = [
        post(
            client,
            f"/api/v1/courses/{cid}/lectures",
            lecturer,
            {"title_zh": f"第{i}讲", "duration": d},
        ).json["id"]
        for i, d in ((1, 30.0), (2, 20.0))
    ]
    for question in sample_questions(4):
        assert (
            post(
                client, f"/api/v1/courses/{cid}/questions", lecturer, question
            ).status_code
            == 201
        )
    assert post(client, f"/api/v1/courses/{cid}/enrol", learner).status_code == 404
    # Not before every lecture's recording is ready (transcoded).
    refused = post(client, f"/api/v1/courses/{cid}/submit", lecturer)
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "lectures_not_ready"
    for lecture_id in lectures:
        db.session.get(Lecture, lecture_id).media_status = MediaStatus.READY
    db.session.flush()
    assert post(client, f"/api/v1/courses/{cid}/submit", lecturer).status_code == 200
    assert post(client, f"/api/v1/courses/{cid}/approve", lecturer).status_code == 403
    approved = post(
        client,
        f"/api/v1/courses/{cid}/approve",
        admin,
        {"project_number": "2026-04-01-017", "credit_category": "CME"},
    )
    assert approved.json["status"] == "approved"
    assert approved.json["project_number"] == "2026-04-01-017"

    # The learner enrols; the post-test stays locked until every lecture is watched.
    assert post(client, f"/api/v1/courses/{cid}/enrol", learner).json["step"] == "watch"
    assert (
        client.get(f"/api/v1/courses/{cid}/post-test", headers=learner).json["error"][
            "code"
        ]
        == "test_locked"
    )

    first = start(client, learner, lectures[0])
    backdate_play_session(first, 16)
    assert (
        beat(client, learner, lectures[0], first, 1, [[0, 15]]).json["covered_seconds"]
        == 15
    )
    backdate_play_session(first, 15)
    done = beat(client, learner, lectures[0], first, 2, [[15, 30]]).json
    assert done["complete"] is True and done["covered_seconds"] == 30

    # Seeking ahead covers nothing: 20 s of media claimed at once is refused.
    second = start(client, learner, lectures[1])
    ahead = beat(client, learner, lectures[1], second, 1, [[0, 20]])
    assert ahead.status_code == 422 and ahead.json["error"]["code"] == "implausible"
    assert (
        client.get(f"/api/v1/lectures/{lectures[1]}/progress", headers=learner).json[
            "covered_seconds"
        ]
        == 0
    )
    backdate_play_session(second, 10)
    assert beat(client, learner, lectures[1], second, 2, [[0, 20]]).json["complete"]

    # A failed attempt, then a pass.
    attempt = post(client, f"/api/v1/courses/{cid}/post-test/attempts", learner).json
    assert len(attempt["questions"]) == 3 and attempt["attempts_left"] == 3
    assert "is_correct" not in json.dumps(attempt)
    wrong = {
        q["id"]: [next(o["id"] for o in q["options"] if o["text"] != "对")]
        for q in attempt["questions"]
    }
    failed = post(
        client,
        f"/api/v1/courses/{cid}/post-test",
        learner,
        {"attempt_id": attempt["attempt_id"], "answers": wrong},
    ).json
    assert (failed["passed"], failed["attempts_left"], failed["step"]) == (
        False,
        2,
        "test",
    )

    attempt = post(client, f"/api/v1/courses/{cid}/post-test/attempts", learner).json
    assert attempt["number"] == 2
    right = {
        q["id"]: [next(o["id"] for o in q["options"] if o["text"] == "对")]
        for q in attempt["questions"]
    }
    passed = post(
        client,
        f"/api/v1/courses/{cid}/post-test",
        learner,
        {"attempt_id": attempt["attempt_id"], "answers": right},
    ).json
    assert (passed["passed"], passed["score"], passed["step"]) == (
        True,
        1.0,
        "evaluate",
    )

    evaluation = post(
        client,
        f"/api/v1/courses/{cid}/evaluation",
        learner,
        {
            "course_quality": 5,
            "lecturer_quality": 4,
            "relevance": 5,
            "comments": "很实用",
        },
    )
    assert evaluation.status_code == 200 and evaluation.json["step"] == "complete"
    progress = client.get(f"/api/v1/courses/{cid}/progress", headers=learner).json
    assert progress["step"] == "complete" and progress["completed_at"]
    assert all(lecture["complete"] for lecture in progress["lectures"])


@pytest.fixture
def enrolled(client, create_course, create_user, api_token):
    """(course, learner headers, learner) with the learner enrolled."""
    course = create_course(durations=(60.0,))
    learner = create_user()
    headers = api_token(learner)
    assert (
        post(client, f"/api/v1/courses/{course.id}/enrol", headers).status_code == 200
    )
    return course, headers, learner


@pytest.mark.parametrize(
    "ranges",
    [[[70, 80]], [[-5, 5]], [[10, 5]], [["a", 5]], [[0, 5, 9]], "0-5", None],
)
def test_impossible_ranges_are_refused_and_change_nothing(client, enrolled, ranges):
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    session = start(client, headers, lecture)
    backdate_play_session(session, 120)
    response = beat(client, headers, lecture, session, 1, ranges)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "invalid_ranges"
    assert (
        client.get(f"/api/v1/lectures/{lecture}/progress", headers=headers).json[
            "covered_seconds"
        ]
        == 0
    )


def test_nan_in_a_beat_is_refused(client, enrolled):
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    session = start(client, headers, lecture)
    body = f'{{"play_session": "{session}", "seq": 1, "ranges": [[NaN, 5]]}}'
    response = client.post(
        f"/api/v1/lectures/{lecture}/progress",
        data=body,
        content_type="application/json",
        headers=headers,
    )
    assert response.status_code == 422


def test_a_replayed_beat_changes_nothing(client, enrolled):
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    session = start(client, headers, lecture)
    backdate_play_session(session, 30)
    first = beat(client, headers, lecture, session, 1, [[0, 15]]).json
    replay = beat(client, headers, lecture, session, 1, [[0, 15]]).json
    forged_replay = beat(client, headers, lecture, session, 1, [[15, 30]]).json
    assert first["covered_seconds"] == replay["covered_seconds"] == 15
    assert forged_replay["covered_seconds"] == 15 and forged_replay["accepted"] is False


def test_a_client_cannot_declare_completion_or_credits(client, enrolled):
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    session = start(client, headers, lecture)
    response = beat(
        client,
        headers,
        lecture,
        session,
        1,
        [[0, 3]],
        completed=True,
        complete=True,
        credits=99,
        covered_seconds=60,
    )
    assert response.status_code == 200
    assert response.json["complete"] is False and response.json["covered_seconds"] == 3


def test_a_beat_on_another_learners_play_session_is_refused(
    client, enrolled, create_user, api_token
):
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    victim_session = start(client, headers, lecture)
    other = api_token(create_user())
    post(client, f"/api/v1/courses/{course.id}/enrol", other)
    start(client, other, lecture)
    response = beat(client, other, lecture, victim_session, 1, [[0, 2]])
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_play_session"


def test_a_learner_cannot_read_another_learners_progress(
    client, enrolled, create_user, api_token
):
    course, headers, learner = enrolled
    snoop = api_token(create_user())
    lecture = course.lectures[0].id
    for url in (
        f"/api/v1/lectures/{lecture}/progress?user_id={learner.id}",
        f"/api/v1/courses/{course.id}/progress?user_id={learner.id}",
    ):
        assert client.get(url, headers=snoop).status_code == 404
        assert client.get(url, headers=headers).status_code == 200


def test_the_courses_lecturer_can_read_its_learners_progress(
    client, enrolled, api_token
):
    course, _, learner = enrolled
    lecturer = api_token(course.owner)
    url = f"/api/v1/courses/{course.id}/progress?user_id={learner.id}"
    assert client.get(url, headers=lecturer).json["user_id"] == learner.id


def test_a_play_session_needs_an_enrolment(
    client, create_course, create_user, api_token
):
    course = create_course()
    stranger = api_token(create_user())
    response = post(
        client, f"/api/v1/lectures/{course.lectures[0].id}/play-sessions", stranger
    )
    assert response.status_code == 403


def test_drafts_are_invisible_and_closed_courses_refuse_enrolment(
    client, create_course, create_user, api_token
):
    from datetime import timedelta

    from lms.db import utcnow

    learner = api_token(create_user())
    draft = create_course(status="draft")
    assert post(client, f"/api/v1/courses/{draft.id}/enrol", learner).status_code == 404
    assert client.get(f"/api/v1/courses/{draft.id}").status_code == 404
    closed = create_course(enrol_closes_dt=utcnow() - timedelta(days=1))
    response = post(client, f"/api/v1/courses/{closed.id}/enrol", learner)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "enrolment_closed"


def test_enrolling_twice_keeps_one_enrolment(client, enrolled):
    course, headers, _ = enrolled
    assert (
        post(client, f"/api/v1/courses/{course.id}/enrol", headers).status_code == 200
    )


def test_a_lecturer_cannot_edit_another_lecturers_course(
    client, create_course, create_user, api_token
):
    course = create_course(status="draft")
    rival = api_token(create_user(role=Role.LECTURER))
    assert (
        client.patch(
            f"/api/v1/courses/{course.id}", json={"title_zh": "改"}, headers=rival
        ).status_code
        == 404
    )
    assert (
        post(
            client, f"/api/v1/courses/{course.id}/lectures", rival, {"title_zh": "插入"}
        ).status_code
        == 404
    )
    owner = api_token(course.owner)
    assert (
        client.patch(
            f"/api/v1/courses/{course.id}", json={"title_zh": "改"}, headers=owner
        ).status_code
        == 200
    )


def test_submitted_courses_are_not_editable_by_their_lecturer(
    client, create_course, api_token
):
    course = create_course(status="submitted")
    owner = api_token(course.owner)
    response = client.patch(
        f"/api/v1/courses/{course.id}", json={"title_zh": "改"}, headers=owner
    )
    assert response.status_code == 403


def test_returning_a_course_needs_a_comment(
    client, create_course, create_user, api_token
):
    course = create_course(status="submitted")
    admin = api_token(create_user(role=Role.ADMINISTRATOR))
    assert post(client, f"/api/v1/courses/{course.id}/return", admin).status_code == 422
    response = post(
        client,
        f"/api/v1/courses/{course.id}/return",
        admin,
        {"comment": "请补充参考文献"},
    )
    assert response.json["status"] == "returned"


def test_an_override_of_class_hours_needs_a_reason(
    client, create_course, create_user, api_token
):
    course = create_course(status="submitted")
    admin = api_token(create_user(role=Role.ADMINISTRATOR))
    url = f"/api/v1/courses/{course.id}/approve"
    assert post(client, url, admin, {"class_hours_override": 2}).status_code == 422
    approved = post(
        client,
        url,
        admin,
        {"class_hours_override": 2, "class_hours_override_reason": "含实操"},
    )
    assert approved.json["class_hours"] == 2.0


def passed_lectures(client, course, headers):
    for lecture in course.lectures:
        session = start(client, headers, lecture.id)
        backdate_play_session(session, lecture.duration_seconds)
        response = beat(
            client, headers, lecture.id, session, 1, [[0, lecture.duration_seconds]]
        )
        assert response.json["complete"], response.json


def answers_for(attempt, right):
    return {
        q["id"]: [next(o["id"] for o in q["options"] if (o["text"] == "对") == right)]
        for q in attempt["questions"]
    }


def test_attempts_run_out(client, enrolled):
    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    for _ in range(course.max_attempts):
        attempt = post(client, f"{url}/attempts", headers).json
        post(
            client,
            url,
            headers,
            {
                "attempt_id": attempt["attempt_id"],
                "answers": answers_for(attempt, right=False),
            },
        )
    response = client.get(url, headers=headers)
    assert response.status_code == 409
    assert response.json["error"]["code"] == "no_attempts_left"
    progress = client.get(f"/api/v1/courses/{course.id}/progress", headers=headers)
    assert progress.json["step"] == "failed"


def test_an_attempt_cannot_be_submitted_twice(client, enrolled):
    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    attempt = post(client, f"{url}/attempts", headers).json
    body = {"attempt_id": attempt["attempt_id"], "answers": answers_for(attempt, False)}
    assert post(client, url, headers, body).status_code == 200
    second = post(client, url, headers, body | {"answers": answers_for(attempt, True)})
    assert second.status_code == 409
    assert second.json["error"]["code"] == "already_submitted"


@pytest.mark.parametrize(
    ("answers", "code"),
    [
        ({"999999": ["k"]}, "unknown_question"),
        ([1, 2], "invalid_answers"),
        ({"x": ["k"]}, "invalid_answers"),
    ],
)
def test_answers_outside_the_attempt_are_refused(client, enrolled, answers, code):
    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    attempt = post(client, f"{url}/attempts", headers).json
    response = post(
        client, url, headers, {"attempt_id": attempt["attempt_id"], "answers": answers}
    )
    assert response.status_code == 422 and response.json["error"]["code"] == code
    assert client.get(url, headers=headers).json["attempt_id"] == attempt["attempt_id"]


def test_another_learners_attempt_cannot_be_submitted(
    client, enrolled, create_user, api_token
):
    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    attempt = post(client, f"{url}/attempts", headers).json
    other = api_token(create_user())
    post(client, f"/api/v1/courses/{course.id}/enrol", other)
    response = post(
        client, url, other, {"attempt_id": attempt["attempt_id"], "answers": {}}
    )
    assert response.status_code == 404


def test_the_evaluation_waits_for_a_pass_and_is_taken_once(client, enrolled):
    course, headers, _ = enrolled
    url = f"/api/v1/courses/{course.id}/evaluation"
    body = {"course_quality": 5, "lecturer_quality": 5, "relevance": 5}
    assert post(client, url, headers, body).status_code == 403
    passed_lectures(client, course, headers)
    test_url = f"/api/v1/courses/{course.id}/post-test"
    attempt = post(client, f"{test_url}/attempts", headers).json
    post(
        client,
        test_url,
        headers,
        {"attempt_id": attempt["attempt_id"], "answers": answers_for(attempt, True)},
    )
    assert post(client, url, headers, body | {"relevance": 9}).status_code == 422
    assert post(client, url, headers, body).status_code == 200
    assert post(client, url, headers, body).status_code == 409


def test_catalog_lists_only_approved_courses(client, create_course):
    approved = create_course(title_zh="已发布课程")
    draft = create_course(status="draft", title_zh="草稿课程")
    ids = {c["id"] for c in client.get("/api/v1/courses?page=1").json["items"]}
    assert approved.id in ids and draft.id not in ids


def test_reading_the_post_test_never_starts_an_attempt(client, enrolled, db):
    """A GET only reads; POST .../post-test/attempts starts or resumes one."""
    from courses.models import TestAttempt

    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    for _ in range(3):
        response = client.get(url, headers=headers)
        assert response.status_code == 404
        assert response.json["error"]["code"] == "no_open_attempt"
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 0
    started = post(client, f"{url}/attempts", headers)
    assert started.status_code == 201
    resumed = post(client, f"{url}/attempts", headers)
    assert resumed.status_code == 200
    assert resumed.json["attempt_id"] == started.json["attempt_id"]
    assert client.get(url, headers=headers).json == started.json
    assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 1


def right_option_ids(course):
    return {
        q.id: next(o.id for o in q.options if o.is_correct) for q in course.questions
    }


def test_option_ids_reveal_neither_the_answer_nor_the_authoring_order(
    client, create_course, create_user, api_token, db
):
    """The leak: ids in authoring order, the right option written first, so "pick
    the lowest id" scored 100 %. Options now go by random keys of the attempt."""
    from courses.models import TestAttempt

    course = create_course(durations=(60.0,), questions=12)
    headers = api_token(create_user())
    post(client, f"/api/v1/courses/{course.id}/enrol", headers)
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    attempt = post(client, f"{url}/attempts", headers).json
    shown = [o["id"] for q in attempt["questions"] for o in q["options"]]
    option_ids = {o.id for q in course.questions for o in q.options}
    assert all(isinstance(key, str) and len(key) >= 12 for key in shown)
    assert len(set(shown)) == len(shown) == 36
    assert not {str(i) for i in option_ids} & set(shown)

    # The old attack, the lowest id of each question: refused, nothing graded.
    lowest = {q.id: [min(o.id for o in q.options)] for q in course.questions}
    assert right_option_ids(course) == {q: ids[0] for q, ids in lowest.items()}
    body = {"attempt_id": attempt["attempt_id"]}
    refused = post(client, url, headers, body | {"answers": lowest})
    assert refused.status_code == 422
    assert refused.json["error"]["code"] == "invalid_answers"
    as_text = {q: [str(i) for i in ids] for q, ids in lowest.items()}
    refused = post(client, url, headers, body | {"answers": as_text})
    assert refused.json["error"]["code"] == "unknown_option"
    assert client.get(url, headers=headers).json["attempt_id"] == body["attempt_id"]

    # The lowest key or the first option shown is a guess: all 12 right by
    # chance is 1 in 3^12 (about 2 in a million).
    lowest_key = {
        q["id"]: [min(o["id"] for o in q["options"])] for q in attempt["questions"]
    }
    graded = post(client, url, headers, body | {"answers": lowest_key}).json
    assert graded["score"] < 1.0
    second = post(client, f"{url}/attempts", headers).json
    first_shown = {q["id"]: [q["options"][0]["id"]] for q in second["questions"]}
    body = {"attempt_id": second["attempt_id"], "answers": first_shown}
    assert post(client, url, headers, body).json["score"] < 1.0
    # What was chosen is kept as option ids, server-side.
    stored = db.session.get(TestAttempt, body["attempt_id"])
    db.session.refresh(stored)
    assert all(set(ids) <= option_ids for ids in stored.answers.values())


def test_a_key_of_another_attempt_is_refused(client, enrolled):
    course, headers, _ = enrolled
    passed_lectures(client, course, headers)
    url = f"/api/v1/courses/{course.id}/post-test"
    first = post(client, f"{url}/attempts", headers).json
    body = {"attempt_id": first["attempt_id"], "answers": answers_for(first, False)}
    assert post(client, url, headers, body).json["passed"] is False
    second = post(client, f"{url}/attempts", headers).json
    assert second["attempt_id"] != first["attempt_id"]
    stolen = {"attempt_id": second["attempt_id"], "answers": answers_for(first, True)}
    response = post(client, url, headers, stolen)
    assert response.status_code == 422
    assert response.json["error"]["code"] == "unknown_option"
    assert client.get(url, headers=headers).json["attempt_id"] == second["attempt_id"]


def test_a_second_device_takes_over_and_the_first_stops_counting(
    client, create_course, create_user, api_token
):
    course = create_course(durations=(600.0, 600.0))
    headers = api_token(create_user())
    post(client, f"/api/v1/courses/{course.id}/enrol", headers)
    first_lecture, second_lecture = (lecture.id for lecture in course.lectures)
    phone = start(client, headers, first_lecture)
    backdate_play_session(phone, 60)
    assert beat(client, headers, first_lecture, phone, 1, [[0, 60]]).status_code == 200

    desk = start(client, headers, second_lecture)  # another device, another lecture
    late = beat(client, headers, first_lecture, phone, 2, [[60, 62]])
    assert late.status_code == 409
    assert late.json["error"]["code"] == "play_session_superseded"
    replay = beat(client, headers, first_lecture, phone, 1, [[0, 60]])
    assert replay.status_code == 409
    assert beat(client, headers, second_lecture, desk, 1, [[0, 2]]).json["accepted"]
    progress = client.get(f"/api/v1/courses/{course.id}/progress", headers=headers)
    assert [p["covered_seconds"] for p in progress.json["lectures"]] == [60.0, 2.0]

    # The first device counts again only by starting a new play session.
    again = start(client, headers, first_lecture)
    assert beat(client, headers, first_lecture, again, 1, [[60, 62]]).status_code == 200
    assert beat(client, headers, second_lecture, desk, 2, [[2, 4]]).status_code == 409


def test_restarting_play_sessions_brings_no_fresh_budget(client, enrolled):
    """Each new session used to bring its own 2x budget and slack."""
    course, headers, _ = enrolled
    lecture = course.lectures[0].id
    answers = []
    for index in range(10):
        session = start(client, headers, lecture)
        at = index * 5.0
        answers.append(beat(client, headers, lecture, session, 1, [[at, at + 5]]))
    progress = client.get(f"/api/v1/lectures/{lecture}/progress", headers=headers)
    assert progress.json["covered_seconds"] <= 10.0  # 5 s slack + 2x a second or so
    assert {r.json["error"]["code"] for r in answers if r.status_code != 200} == {
        "implausible"
    }
