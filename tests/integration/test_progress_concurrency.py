"""Racing beats, play sessions and post-test attempts of one learner, on SQLite
and PostgreSQL.

Each request runs in its own thread with its own connection from the pool, on a
database of this test's own, so the writes really race.
"""

import time
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
import sqlalchemy as sa

from courses.models import LectureProgress, PlaySession, TestAttempt, WatchBudget
from courses.progress import MAX_PLAYBACK_RATE, PLAUSIBILITY_SLACK
from lms.accounts.operations import issue_api_token
from lms.db import db, utcnow
from tests.builders import build_scene
from tests.conftest import make_app, unique

DURATION = 1320.0  # a 22-minute lecture
BEATS = 10


def setup_course(app, lectures=2, questions=1):
    """An approved course of ``lectures`` 22-minute lectures, one enrolled learner."""
    with app.app_context():
        scene = build_scene(
            durations=(DURATION,) * lectures, questions=questions, enrol=True
        )
        learner = scene.learners[0]
        token = issue_api_token(learner, lifetime=timedelta(hours=1)).token
        db.session.commit()
        ids = [lecture.id for lecture in scene.course.lectures]
        return scene.course.id, ids, learner.id, token


def in_threads(function, items):
    with ThreadPoolExecutor(max_workers=len(items)) as pool:
        return list(pool.map(function, items))


def start(app, lecture_id, headers):
    response = app.test_client().post(
        f"/api/v1/lectures/{lecture_id}/play-sessions", headers=headers
    )
    return response.status_code, (response.json or {}).get("play_session")


def beat(app, lecture_id, headers, session, seq, ranges):
    response = app.test_client().post(
        f"/api/v1/lectures/{lecture_id}/progress",
        headers=headers,
        json={"play_session": session, "seq": seq, "ranges": ranges},
    )
    body = response.json or {}
    return response.status_code, body.get("accepted", body.get("error", {}).get("code"))


def coverage_of(app, learner_id):
    with app.app_context():
        rows = db.session.scalars(
            sa.select(LectureProgress).filter_by(user_id=learner_id)
        ).all()
        return {row.lecture_id: (row.coverage, row.covered_seconds) for row in rows}


def backdate_budget(app, seconds):
    with app.app_context():
        db.session.execute(
            sa.update(WatchBudget).values(
                credited_until_dt=utcnow() - timedelta(seconds=seconds)
            )
        )
        db.session.commit()


def test_parallel_play_sessions_earn_no_more_than_one_stream(racing_app):
    """22 tabs on two lectures, beating at once: together they earn at most
    wall time x 2 + slack (the old per-session budget gave each tab its own)."""
    app = racing_app
    _, lectures, learner_id, token = setup_course(app)
    headers = {"Authorization": f"Bearer {token}"}
    began = time.monotonic()

    def tab(index):
        lecture_id = lectures[index % 2]
        status, session = start(app, lecture_id, headers)
        answers = [status]
        for seq in range(1, BEATS + 1):
            at = (index * BEATS + seq - 1) * 3.0  # each tab its own part
            answers.append(
                beat(app, lecture_id, headers, session, seq, [[at, at + 3.0]])
            )
        return answers

    answers = [a for tab_answers in in_threads(tab, range(22)) for a in tab_answers]
    wall = time.monotonic() - began
    assert set(answers) <= {
        201,
        (200, True),
        (409, "play_session_superseded"),
        (422, "implausible"),
    }
    earned = sum(seconds for _, seconds in coverage_of(app, learner_id).values())
    assert earned <= wall * MAX_PLAYBACK_RATE + PLAUSIBILITY_SLACK + 1e-6
    assert answers.count((409, "play_session_superseded")) > 0


def test_the_current_tab_loses_no_second_while_others_race(racing_app):
    """The current tab's beats, duplicates of them and beats of superseded tabs
    on two lectures, all at once: every second of the current tab counts, once,
    and nothing else does."""
    app = racing_app
    _, lectures, learner_id, token = setup_course(app)
    headers = {"Authorization": f"Bearer {token}"}
    old = [start(app, lectures[i % 2], headers)[1] for i in range(4)]
    current = start(app, lectures[0], headers)[1]
    backdate_budget(app, 3600)
    own = [(seq, [[(seq - 1) * 10.0, seq * 10.0]]) for seq in range(1, BEATS + 1)]

    def play(index):
        if index == 0 or index in (1, 2):  # the tab itself, and two replaying it
            return [beat(app, lectures[0], headers, current, s, r) for s, r in own]
        session = old[index - 3]
        lecture_id = lectures[(index - 3) % 2]
        return [
            beat(app, lecture_id, headers, session, s, [[600 + s, 610 + s]])
            for s in range(1, BEATS + 1)
        ]

    results = in_threads(play, range(7))
    for answers in results[:3]:
        assert {status for status, _ in answers} == {200}
    for answers in results[3:]:
        assert answers == [(409, "play_session_superseded")] * BEATS
    assert coverage_of(app, learner_id) == {
        lectures[0]: ([[0.0, BEATS * 10.0]], BEATS * 10.0),
        lectures[1]: ([], 0.0),
    }


def test_concurrent_play_session_starts_all_succeed_and_the_last_one_counts(
    racing_app,
):
    app = racing_app
    _, lectures, learner_id, token = setup_course(app)
    headers = {"Authorization": f"Bearer {token}"}
    started = in_threads(lambda i: start(app, lectures[i % 2], headers), range(50))
    assert [status for status, _ in started] == [201] * 50
    with app.app_context():
        budget = db.session.get(WatchBudget, learner_id)
        current = db.session.get(PlaySession, budget.play_session_id).token
        assert db.session.scalar(sa.select(sa.func.count(PlaySession.id))) == 50
    by_token = {token: lectures[i % 2] for i, (_, token) in enumerate(started)}
    answers = {
        session: beat(app, lecture_id, headers, session, 1, [[0.0, 2.0]])
        for session, lecture_id in by_token.items()
    }
    assert answers.pop(current) == (200, True)
    assert set(answers.values()) == {(409, "play_session_superseded")}


def test_concurrent_post_test_starts_open_one_attempt(racing_app):
    """20 requests start the post-test at once: one attempt, every answer 2xx."""
    app = racing_app
    course_id, lectures, learner_id, token = setup_course(app, questions=3)
    headers = {"Authorization": f"Bearer {token}"}
    with app.app_context():
        for lecture_id in lectures:
            db.session.add(
                LectureProgress(
                    user_id=learner_id,
                    lecture_id=lecture_id,
                    coverage=[[0.0, DURATION]],
                    covered_seconds=DURATION,
                    completed_dt=utcnow(),
                    updated_dt=utcnow(),
                )
            )
        db.session.commit()
    url = f"/api/v1/courses/{course_id}/post-test/attempts"

    def open_attempt(_):
        response = app.test_client().post(url, headers=headers)
        return response.status_code, (response.json or {}).get("attempt_id")

    answers = in_threads(open_attempt, range(20))
    assert sorted(status for status, _ in answers) == [200] * 19 + [201]
    assert len({attempt_id for _, attempt_id in answers}) == 1
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count(TestAttempt.id))) == 1


@pytest.fixture
def postgres_app(postgres, tmp_path):
    """PostgreSQL, where writers do not queue behind one lock as on SQLite."""
    app = make_app(
        tmp_path,
        postgres.create_database(unique("race_")),
        SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 10},
    )
    yield app
    with app.app_context():
        db.engine.dispose()


def test_two_tabs_file_one_hospital_change_request(postgres_app):
    """Eight requests at once, each for another hospital: one is filed, the rest
    are told one is pending (the office confirmed each of five before)."""
    racing_app = postgres_app
    from lms.accounts.models import HospitalChangeRequest, User
    from lms.accounts.operations import AccountError, request_hospital_change
    from lms.hospitals.models import Hospital
    from lms.hospitals.network import Tier
    from lms.hospitals.operations import create_hospital

    with racing_app.app_context():
        scene = build_scene(learners=1)
        learner_id = scene.learners[0].id
        targets = [
            create_hospital(
                code=unique("H"),
                name_zh="另一医院",
                tier=Tier.COUNTY,
                province_code="51",
            ).id
            for _ in range(8)
        ]
        db.session.commit()

    def ask(hospital_id):
        with racing_app.app_context():
            try:
                request_hospital_change(
                    db.session.get(User, learner_id),
                    db.session.get(Hospital, hospital_id),
                )
                db.session.commit()
                return "filed"
            except AccountError as error:
                db.session.rollback()
                return error.code

    outcomes = in_threads(ask, targets)
    assert sorted(outcomes) == ["change_pending"] * 7 + ["filed"]
    with racing_app.app_context():
        filed = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(HospitalChangeRequest)
            .filter_by(user_id=learner_id)
        )
    assert filed == 1


def test_a_reset_link_posted_six_times_at_once_works_once(postgres_app):
    """The link dies with the password it was made for; six posts at once all
    passed that check before one changed it."""
    from lms.accounts.models import User
    from lms.accounts.operations import AccountError
    from lms.accounts.password_reset import make_reset_token, reset_password

    with postgres_app.app_context():
        scene = build_scene(learners=1)
        learner_id = scene.learners[0].id
        token = make_reset_token(scene.learners[0])
        db.session.commit()

    def post(n):
        with postgres_app.app_context():
            try:
                reset_password(token, f"a-new-passphrase-{n}")
                db.session.commit()
                return "reset"
            except AccountError as error:
                db.session.rollback()
                return error.code

    outcomes = in_threads(post, list(range(6)))
    assert sorted(outcomes) == ["invalid_reset_link"] * 5 + ["reset"]
    with postgres_app.app_context():
        assert db.session.get(User, learner_id).session_version == 2
