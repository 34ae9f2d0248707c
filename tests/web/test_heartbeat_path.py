"""The heartbeat's short path (issue 17): two reads and three updates of plain
columns instead of ORM rows, with every rule of DESIGN §2.3 and every access
check it had, and every reader seeing the beat at once."""

import pytest
import sqlalchemy as sa

from courses import operations as ops
from courses.models import LectureProgress, PlaySession, WatchBudget
from courses.workflow import CourseStatus
from lms.accounts.models import ApiToken
from lms.db import utcnow
from tests.conftest import backdate_play_session


def start(client, headers, lecture_id):
    response = client.post(
        f"/api/v1/lectures/{lecture_id}/play-sessions", json={}, headers=headers
    )
    assert response.status_code == 201, response.json
    return response.json["play_session"]


def beat(client, headers, lecture_id, session, seq, ranges, **extra):
    return client.post(
        f"/api/v1/lectures/{lecture_id}/progress",
        json={"play_session": session, "seq": seq, "ranges": ranges, **extra},
        headers=headers,
    )


def progress(client, headers, lecture_id):
    response = client.get(f"/api/v1/lectures/{lecture_id}/progress", headers=headers)
    assert response.status_code == 200
    return response.json


@pytest.fixture
def watching(client, create_course, create_user, api_token):
    """(course, learner headers, learner, lecture id, play session) of a learner
    who has watched for a minute: one 60 s lecture, one question."""
    course = create_course(durations=(60.0,), questions=1)
    learner = create_user()
    headers = api_token(learner)
    enrolled = client.post(f"/api/v1/courses/{course.id}/enrol", headers=headers)
    assert enrolled.status_code == 200
    lecture = course.lectures[0].id
    session = start(client, headers, lecture)
    backdate_play_session(session, 60)
    return course, headers, learner, lecture, session


def test_every_reader_sees_a_beat_at_once(client, watching):
    """The beat's answer, the lecture's and the course's progress and the
    post-test gate agree right after each beat (nothing waits to be folded)."""
    course, headers, _, lecture, session = watching
    gate = f"/api/v1/courses/{course.id}/post-test"
    answer = beat(client, headers, lecture, session, 1, [[0, 20]], position=20).json
    assert answer["covered_seconds"] == 20 and answer["complete"] is False
    read = progress(client, headers, lecture)
    assert {k: read[k] for k in answer} == answer
    assert client.get(gate, headers=headers).json["error"]["code"] == "test_locked"

    answer = beat(client, headers, lecture, session, 2, [[20, 60]]).json
    assert answer["covered_seconds"] == 60 and answer["complete"] is True
    read = progress(client, headers, lecture)
    assert {k: read[k] for k in answer} == answer
    in_course = client.get(f"/api/v1/courses/{course.id}/progress", headers=headers)
    assert in_course.json["lectures"][0]["complete"] is True
    assert in_course.json["step"] == "test"
    assert client.get(gate, headers=headers).json["error"]["code"] == "no_open_attempt"


def test_completion_is_stamped_once(client, watching, db):
    _, headers, learner, lecture, session = watching
    beat(client, headers, lecture, session, 1, [[0, 60]])
    row = db.session.scalar(
        sa.select(LectureProgress).filter_by(user_id=learner.id, lecture_id=lecture)
    )
    first = row.completed_dt
    assert first is not None
    backdate_play_session(session, 60)
    assert beat(client, headers, lecture, session, 2, [[0, 30]]).json["complete"]
    db.session.refresh(row)
    assert row.completed_dt == first


def test_rows_the_caller_holds_see_the_beat(db, create_course, create_user):
    """The beat writes past the ORM: rows already in the session are refreshed,
    and what the caller changed before is written first, not lost."""
    course = create_course(durations=(600.0,))
    learner = create_user()
    now = utcnow()
    ops.enrol(course, learner, now)
    lecture = course.lectures[0]
    play, _ = ops.start_play_session(learner, lecture, now)
    held = db.session.scalar(
        sa.select(LectureProgress).filter_by(user_id=learner.id, lecture_id=lecture.id)
    )
    budget = db.session.get(WatchBudget, learner.id)
    assert held.coverage == []
    # Changed, not flushed: a minute of budget, as backdate_play_session does.
    from datetime import timedelta

    budget.credited_until_dt = now - timedelta(seconds=60)
    state = ops.record_heartbeat(learner, lecture, play.token, 1, [[0, 100]], now)
    assert state.covered_seconds == 100
    assert held.coverage == [[0.0, 100.0]] and held.covered_seconds == 100
    assert play.last_seq == 1 and play.credited_seconds == 100
    assert budget.credited_until_dt == now - timedelta(seconds=10)


def test_a_beat_on_a_course_no_longer_published_is_a_404(client, watching, db):
    """The short path only serves approved courses; an archived one answers as
    every other lecture endpoint does for a learner, and records nothing."""
    course, headers, learner, lecture, session = watching
    course.status = CourseStatus.ARCHIVED
    db.session.flush()
    response = beat(client, headers, lecture, session, 1, [[0, 10]])
    assert response.status_code == 404
    same = client.get(f"/api/v1/lectures/{lecture}", headers=headers)
    assert same.status_code == 404
    assert response.json["error"]["code"] == same.json["error"]["code"] == "not_found"
    assert (
        db.session.scalar(
            sa.select(LectureProgress.covered_seconds).filter_by(user_id=learner.id)
        )
        == 0
    )


def test_an_unknown_lecture_is_a_404(client, watching):
    _, headers, _, lecture, session = watching
    response = beat(client, headers, lecture + 1000, session, 1, [[0, 10]])
    assert response.status_code == 404


def test_a_play_session_counts_only_on_its_own_lecture(
    client, create_course, create_user, api_token
):
    course = create_course(durations=(60.0, 60.0))
    headers = api_token(create_user())
    client.post(f"/api/v1/courses/{course.id}/enrol", headers=headers)
    first, second = (lecture.id for lecture in course.lectures)
    session = start(client, headers, first)
    backdate_play_session(session, 60)
    response = beat(client, headers, second, session, 1, [[0, 10]])
    assert response.status_code == 404
    assert response.json["error"]["code"] == "unknown_play_session"
    assert progress(client, headers, second)["covered_seconds"] == 0


def test_a_revoked_token_beats_nothing(client, watching, db):
    _, headers, learner, lecture, session = watching
    token = db.session.scalar(sa.select(ApiToken).filter_by(user_id=learner.id))
    token.revoked_dt = utcnow()
    db.session.flush()
    assert beat(client, headers, lecture, session, 1, [[0, 10]]).status_code == 401
    assert (
        db.session.scalar(sa.select(PlaySession.last_seq).filter_by(token=session)) == 0
    )


def test_a_superseded_session_counts_nothing_and_the_newest_does(client, watching):
    _, headers, _, lecture, old = watching
    new = start(client, headers, lecture)
    refused = beat(client, headers, lecture, old, 1, [[0, 10]])
    assert refused.status_code == 409
    assert refused.json["error"]["code"] == "play_session_superseded"
    assert progress(client, headers, lecture)["covered_seconds"] == 0
    backdate_play_session(new, 30)
    assert beat(client, headers, lecture, new, 1, [[0, 10]]).json["accepted"] is True
    assert progress(client, headers, lecture)["covered_seconds"] == 10


def test_a_replay_answers_the_state_and_changes_nothing(client, watching, db):
    _, headers, learner, lecture, session = watching
    beat(client, headers, lecture, session, 1, [[0, 10]])
    budget = db.session.get(WatchBudget, learner.id)
    db.session.refresh(budget)
    spent = budget.credited_until_dt
    replay = beat(client, headers, lecture, session, 1, [[10, 40]], position=40)
    assert replay.status_code == 200
    assert replay.json["accepted"] is False and replay.json["covered_seconds"] == 10
    db.session.refresh(budget)
    assert budget.credited_until_dt == spent
    assert progress(client, headers, lecture)["resume_position"] == 10


def test_the_answer_of_a_signed_in_beat_is_never_cached(client, watching):
    """The security headers no longer reload the user a commit expired; the
    answer still says no-store."""
    _, headers, _, lecture, session = watching
    response = beat(client, headers, lecture, session, 1, [[0, 10]])
    assert response.headers["Cache-Control"] == "no-store"
