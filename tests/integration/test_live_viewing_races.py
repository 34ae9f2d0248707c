"""Races of live viewing (issue 14), with real threads and a connection per
request on SQLite and PostgreSQL: a learner's live beat at one session and
their room sign-in at another at the same moment make one presence."""

import threading
from datetime import timedelta

import sqlalchemy as sa

from courses.sessions import codes
from courses.sessions.live_viewing import start_viewing
from courses.sessions.models import LiveViewing, Presence, ScheduledSession
from lms.accounts.models import User
from lms.db import db as _db
from lms.db import utcnow
from tests.integration.test_live_viewing import on_air
from tests.integration.test_session_attendance_races import (
    _in_threads,
    _two_sessions_at_the_same_hours,
)

LEARNERS = 10


def test_a_live_beat_and_a_room_sign_in_elsewhere_at_once_make_one_presence(
    racing_app,
):
    """Each holds only its own session's lock; a beat that credits time looks
    for the learner's presence at other sessions under their row lock, as a
    sign-in does (without that check in the beat, every learner here was
    present at both)."""
    app = racing_app
    facts = _two_sessions_at_the_same_hours(app, learners=LEARNERS)
    (watched, _), (room, secret) = facts["sessions"]
    with app.app_context():
        now = utcnow()
        session = _db.session.get(ScheduledSession, watched)
        on_air(session, now - timedelta(minutes=5))
        tokens = {}
        for user_id, _headers in facts["learners"]:
            viewing = start_viewing(session, _db.session.get(User, user_id), now)
            viewing.last_beat_dt = now - timedelta(seconds=15)
            tokens[user_id] = viewing.token
        _db.session.commit()
    barrier = threading.Barrier(2 * LEARNERS)

    def act(item):
        kind, user_id, headers = item
        client = app.test_client()
        barrier.wait()
        if kind == "beat":
            url = f"/api/v1/sessions/{watched}/viewings/beat"
            body = {"viewing": tokens[user_id], "seq": 1}
        else:
            url = f"/api/v1/sessions/{room}/sign-in"
            body = {"code": codes.current_code(secret, codes.VENUE, utcnow())}
        return kind, client.post(url, json=body, headers=headers).status_code

    items = [
        item
        for user_id, headers in facts["learners"]
        for item in (
            ("beat", user_id, headers),
            ("sign-in", user_id, facts["second"][user_id]),
        )
    ]
    statuses = _in_threads(act, items)
    assert all(status in (200, 409) for _, status in statuses), statuses
    ids = [user_id for user_id, _ in facts["learners"]]
    with app.app_context():
        rows = _db.session.execute(
            sa.select(Presence.user_id, sa.func.count(Presence.id))
            .where(Presence.user_id.in_(ids))
            .group_by(Presence.user_id)
        ).all()
        seconds = _db.session.scalar(
            sa.select(sa.func.sum(LiveViewing.seconds)).where(
                LiveViewing.user_id.in_(ids)
            )
        )
    assert [user for user, count in rows if count > 1] == [], statuses
    assert len(rows) == LEARNERS  # each is present at one of the two
    assert seconds > 0 or all(s == 200 for k, s in statuses if k == "sign-in")


ROUNDS = 4


def _beats_racing(app, second_request):
    """Each learner's live beat and ``second_request(client, session_id,
    user_id, headers)`` from their other tab at the same moment, ``ROUNDS``
    times; every answer's (kind, status)."""
    facts = _two_sessions_at_the_same_hours(app, learners=LEARNERS)
    (watched, _), _ = facts["sessions"]
    with app.app_context():
        now = utcnow()
        session = _db.session.get(ScheduledSession, watched)
        on_air(session, now - timedelta(minutes=5))
        tokens = {}
        for user_id, _headers in facts["learners"]:
            viewing = start_viewing(session, _db.session.get(User, user_id), now)
            viewing.last_beat_dt = now - timedelta(seconds=15)
            tokens[user_id] = viewing.token
        _db.session.commit()
    answers = []
    for round_ in range(1, ROUNDS + 1):
        barrier = threading.Barrier(2 * LEARNERS)

        def act(item, round_=round_, barrier=barrier):
            kind, user_id, headers = item
            client = app.test_client()
            barrier.wait()
            try:
                if kind == "beat":
                    answer = client.post(
                        f"/api/v1/sessions/{watched}/viewings/beat",
                        json={"viewing": tokens[user_id], "seq": round_},
                        headers=headers,
                    )
                else:
                    answer = second_request(client, watched, round_, headers)
            except Exception as error:  # the test client raises a 500's error
                return kind, f"500 {type(error).__name__}: {error}"[:200], None
            return kind, answer.status_code, answer.get_json()

        items = [
            item
            for user_id, headers in facts["learners"]
            for item in (
                ("beat", user_id, headers),
                ("other", user_id, facts["second"][user_id]),
            )
        ]
        for (_, user_id, _), (kind, status, body) in zip(
            items, _in_threads(act, items), strict=True
        ):
            answers.append((kind, status))
            if kind == "other" and status == 201 and "viewing" in (body or {}):
                tokens[user_id] = body["viewing"]
    return answers


def test_a_live_beat_and_a_new_viewing_of_the_same_learner_at_once(racing_app):
    """The beat locked the session's row FOR UPDATE and then the learner's
    budget; the new viewing locked the budget and then inserted its row, whose
    foreign key needs a KEY SHARE lock on the session's row: on PostgreSQL a
    lock cycle, one of them aborted as a deadlock and answered 500. The
    session's lock is FOR NO KEY UPDATE now (it leaves KEY SHARE free)."""
    answers = _beats_racing(
        racing_app,
        lambda client, session_id, round_, headers: client.post(
            f"/api/v1/sessions/{session_id}/viewings", headers=headers
        ),
    )
    assert [a for a in answers if a[1] not in (200, 201, 409)] == []
    assert ("other", 201) in answers


def test_a_live_beat_and_a_question_of_the_same_learner_at_once(racing_app):
    """Asking locked the learner's row FOR UPDATE and then inserted the
    question (KEY SHARE on the session's row), while the beat held the session
    FOR UPDATE and then locked the learner's row to look for presence elsewhere:
    a deadlock on PostgreSQL, answered 500."""
    answers = _beats_racing(
        racing_app,
        lambda client, session_id, round_, headers: client.post(
            f"/api/v1/sessions/{session_id}/questions",
            json={"text": f"Question {round_} of this tab?"},
            headers=headers,
        ),
    )
    assert [a for a in answers if a[1] not in (200, 201, 409, 429)] == []
    assert ("other", 201) in answers
