"""Viewers' questions during a broadcast (issue 14, DESIGN §2.8): asked by those
who may watch, within the broadcast's hours, at a pace, never twice; nothing
reaches other viewers before a moderator (a host or the office) shows it."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.sessions import live_questions
from courses.sessions.live_questions import QuestionError
from courses.sessions.models import LiveQuestion
from courses.sessions.states import QuestionState, SessionKind, SessionState
from lms.accounts.roles import Role
from lms.db import utcnow

MIN = timedelta(minutes=1)
SEC = timedelta(seconds=1)


@pytest.fixture
def scene(db, create_scheduled_session, create_user, create_hospital):
    """A broadcast under way (its day began ten minutes ago) for one county's
    people; two of its learners, a learner of another county, the office."""
    county = create_hospital(name_zh="蒲江县人民医院")
    other = create_hospital(name_zh="大邑县人民医院")
    now = utcnow().replace(microsecond=0)
    session = create_scheduled_session(
        days=[(now - 10 * MIN, now + 110 * MIN)], audience_hospital_ids=[county.id]
    )

    class Scene:
        pass

    s = Scene()
    s.session, s.host = session, session.owner
    s.learner = create_user(hospital=county, name="李娜")
    s.colleague = create_user(hospital=county, name="王芳")
    s.stranger = create_user(hospital=other, name="赵强")
    s.office = create_user(role=Role.ADMINISTRATOR, name="继教办")
    s.other_lecturer = create_user(role=Role.LECTURER, name="别的专家")
    return s


def ask(client, headers, session_id, text):
    return client.post(
        f"/api/v1/sessions/{session_id}/questions", json={"text": text}, headers=headers
    )


def listed(client, headers, session_id, **args):
    response = client.get(
        f"/api/v1/sessions/{session_id}/questions", query_string=args, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def moderate(client, headers, question_id, state):
    return client.post(
        f"/api/v1/questions/{question_id}/state", json={"state": state}, headers=headers
    )


def stored(db, session_id):
    return db.session.scalars(
        sa.select(LiveQuestion).where(LiveQuestion.session_id == session_id)
    ).all()


def test_nothing_reaches_other_viewers_before_a_moderator_shows_it(
    client, db, scene, api_token
):
    learner, colleague, host = (
        api_token(scene.learner),
        api_token(scene.colleague),
        api_token(scene.host),
    )
    sid = scene.session.id
    response = ask(client, learner, sid, "溶栓的时间窗是多少？")
    assert response.status_code == 201, response.get_json()
    question = response.get_json()
    assert question["state"] == "pending" and question["is_mine"]
    assert question["asker"] is None

    assert listed(client, colleague, sid)["questions"] == []
    mine = listed(client, learner, sid)["questions"]
    assert [(q["id"], q["state"], q["is_mine"]) for q in mine] == [
        (question["id"], "pending", True)
    ]
    hosts = listed(client, host, sid)
    assert hosts["is_moderator"]
    assert hosts["questions"][0]["asker"]["name"] == "李娜"

    assert moderate(client, host, question["id"], "shown").status_code == 200
    seen = listed(client, colleague, sid)["questions"]
    assert [(q["text"], q["is_mine"], q["asker"]) for q in seen] == [
        ("溶栓的时间窗是多少？", False, None)
    ]

    # Hidden again: a viewer polling since their last answer is told to drop it.
    since = listed(client, colleague, sid)["now"]
    assert moderate(client, host, question["id"], "hidden").status_code == 200
    poll = listed(client, colleague, sid, since=since)
    assert poll["questions"] == [] and poll["removed"] == [question["id"]]
    assert listed(client, colleague, sid)["questions"] == []
    # The asker still sees their own, hidden.
    assert listed(client, learner, sid)["questions"][0]["state"] == "hidden"


def test_a_question_hidden_before_anyone_saw_it_reaches_no_other_viewer(
    client, db, scene, api_token
):
    """Its id was listed in every viewer's ``removed``: they learnt that a
    question was asked and hidden, when, and how many. Only questions once
    shown (or answered) are removed from viewers' lists now."""
    learner, colleague, host = (
        api_token(scene.learner),
        api_token(scene.colleague),
        api_token(scene.host),
    )
    sid = scene.session.id
    since = listed(client, colleague, sid)["now"]
    hidden = ask(client, learner, sid, "an abusive question").get_json()
    assert moderate(client, host, hidden["id"], "hidden").status_code == 200
    poll = listed(client, colleague, sid, since=since)
    assert poll["questions"] == [] and poll["removed"] == []
    (row,) = stored(db, sid)
    assert row.shown_dt is None

    # Shown again later: now it was seen, and hiding it removes it everywhere.
    assert moderate(client, host, hidden["id"], "answered").status_code == 200
    db.session.refresh(row)
    shown_dt = row.shown_dt
    assert shown_dt is not None
    assert moderate(client, host, hidden["id"], "hidden").status_code == 200
    assert moderate(client, host, hidden["id"], "shown").status_code == 200
    db.session.refresh(row)
    assert row.shown_dt == shown_dt  # when it was first shown
    since = listed(client, colleague, sid)["now"]
    assert moderate(client, host, hidden["id"], "hidden").status_code == 200
    poll = listed(client, colleague, sid, since=since)
    assert poll["removed"] == [hidden["id"]]


def test_a_moderators_poll_since_lists_what_was_asked_or_moderated_since(
    client, db, scene, api_token
):
    sid = scene.session.id
    host = api_token(scene.host)
    first = ask(client, api_token(scene.learner), sid, "第一个问题").get_json()
    since = listed(client, host, sid)["now"]
    # Nothing new: the poll's overlap answers the last 30 seconds again
    # (a question stamped before a poll may commit after it).
    live_questions_row = db.session.get(LiveQuestion, first["id"])
    live_questions_row.created_dt -= MIN
    db.session.flush()
    assert listed(client, host, sid, since=since)["questions"] == []
    second = ask(client, api_token(scene.colleague), sid, "第二个问题").get_json()
    assert [q["id"] for q in listed(client, host, sid, since=since)["questions"]] == [
        second["id"]
    ]
    moderate(client, host, first["id"], "answered")
    ids = [q["id"] for q in listed(client, host, sid, since=since)["questions"]]
    assert ids == [second["id"], first["id"]]  # newest first


def test_one_outside_the_audience_neither_asks_nor_reads(client, db, scene, api_token):
    stranger = api_token(scene.stranger)
    sid = scene.session.id
    response = ask(client, stranger, sid, "我能看吗？")
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "not_a_viewer"
    assert (
        client.get(f"/api/v1/sessions/{sid}/questions", headers=stranger).status_code
        == 403
    )
    assert stored(db, sid) == []


def test_a_viewer_cannot_moderate_and_a_foreign_host_gets_no_further(
    client, db, scene, api_token
):
    sid = scene.session.id
    question = ask(client, api_token(scene.learner), sid, "能否分享课件？").get_json()
    for user, status in [
        (scene.learner, 403),
        (scene.colleague, 403),
        (scene.other_lecturer, 403),
    ]:
        response = moderate(client, api_token(user), question["id"], "shown")
        assert response.status_code == status, user.name
    assert db.session.get(LiveQuestion, question["id"]).state == QuestionState.PENDING
    office = api_token(scene.office)
    assert moderate(client, office, question["id"], "pending").status_code == 422
    assert moderate(client, office, question["id"], "bogus").status_code == 422
    assert moderate(client, office, 10**9, "shown").status_code == 404
    response = moderate(client, office, question["id"], "answered")
    assert response.status_code == 200
    row = db.session.get(LiveQuestion, question["id"])
    assert (
        row.state == QuestionState.ANSWERED and row.moderated_by_id == scene.office.id
    )
    # The same state again changes nothing, not even who moderated.
    moderate(client, api_token(scene.host), question["id"], "answered")
    assert (
        db.session.get(LiveQuestion, question["id"]).moderated_by_id == scene.office.id
    )


def test_a_planned_sessions_questions_do_not_exist_for_viewers(
    client, db, scene, api_token, create_scheduled_session
):
    planned = create_scheduled_session(state=SessionState.PLANNED)
    response = ask(client, api_token(scene.learner), planned.id, "有人吗？")
    assert response.status_code == 404


@pytest.mark.parametrize(
    ("text", "status", "code"),
    [
        ("\u200b \u3000", 422, "blank_question"),
        ("", 422, None),
        ("问" * 501, 422, None),
        (123, 422, None),
    ],
)
def test_blank_or_too_long_questions_are_refused(
    client, db, scene, api_token, text, status, code
):
    response = ask(client, api_token(scene.learner), scene.session.id, text)
    assert response.status_code == status
    if code:
        assert response.get_json()["error"]["code"] == code
    assert stored(db, scene.session.id) == []


def test_a_question_is_stored_cleaned(client, db, scene, api_token):
    response = ask(
        client, api_token(scene.learner), scene.session.id, "  剂量\u202e?\x00\n多少 "
    )
    assert response.status_code == 201
    assert response.get_json()["text"] == "剂量? 多少"


def test_asking_the_same_again_is_refused_but_another_viewer_may(
    client, db, scene, api_token
):
    sid = scene.session.id
    learner = api_token(scene.learner)
    assert ask(client, learner, sid, "What is the dose?").status_code == 201
    _past_the_gap(db, scene.learner)
    response = ask(client, learner, sid, "what is the  DOSE")
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "repeated_question"
    # Another viewer's same question is never compared: a refusal would tell
    # them what was asked before any moderator saw it.
    assert (
        ask(client, api_token(scene.colleague), sid, "What is the dose?").status_code
        == 201
    )


def _past_the_gap(db, user):
    for question in db.session.scalars(
        sa.select(LiveQuestion).where(LiveQuestion.user_id == user.id)
    ):
        question.created_dt -= 11 * SEC
    db.session.flush()


def test_asking_too_fast_is_refused_with_retry_after(client, db, scene, api_token):
    sid = scene.session.id
    learner = api_token(scene.learner)
    assert ask(client, learner, sid, "第一个问题").status_code == 201
    response = ask(client, learner, sid, "第二个问题")
    assert response.status_code == 429
    assert response.get_json()["error"]["code"] == "asking_too_fast"
    assert 1 <= int(response.headers["Retry-After"]) <= 10
    assert len(stored(db, sid)) == 1


def test_a_burst_of_questions_is_capped_within_the_window(db, scene):
    now = utcnow()
    for n in range(live_questions.PACE.burst):
        live_questions.ask_question(
            scene.session, scene.learner, f"问题 {n}", now + n * 15 * SEC
        )
    later = now + live_questions.PACE.burst * 15 * SEC
    with pytest.raises(QuestionError) as refused:
        live_questions.ask_question(scene.session, scene.learner, "再问一个", later)
    assert refused.value.code == "asking_too_fast"
    assert refused.value.wait == now + live_questions.PACE.window - later
    question = live_questions.ask_question(
        scene.session, scene.learner, "再问一个", now + live_questions.PACE.window + SEC
    )
    assert question.state == QuestionState.PENDING


@pytest.mark.parametrize(
    ("moment", "state", "code"),
    [
        (-41 * MIN, SessionState.OPEN, "questions_closed"),  # before the doors open
        (-39 * MIN, SessionState.OPEN, None),
        (139 * MIN, SessionState.OPEN, None),  # within the grace after the end
        (141 * MIN, SessionState.OPEN, "questions_closed"),
        (0 * MIN, SessionState.ENDED, "questions_closed"),  # a host ended it
        (0 * MIN, SessionState.CANCELLED, "not_a_viewer"),
    ],
)
def test_questions_are_taken_within_the_broadcasts_day_window(
    db, scene, moment, state, code
):
    scene.session.state = state
    now = scene.session.days[0].starts_dt + 10 * MIN + moment
    if code is None:
        assert live_questions.ask_question(scene.session, scene.learner, "在吗", now)
        return
    with pytest.raises(QuestionError) as refused:
        live_questions.ask_question(scene.session, scene.learner, "在吗", now)
    assert refused.value.code == code


def test_a_session_that_is_no_broadcast_takes_no_questions(
    db, scene, create_scheduled_session
):
    onsite = create_scheduled_session(kind=SessionKind.ONSITE)
    with pytest.raises(QuestionError) as refused:
        live_questions.ask_question(onsite, onsite.owner, "在吗", utcnow())
    assert refused.value.code == "not_a_viewer"
