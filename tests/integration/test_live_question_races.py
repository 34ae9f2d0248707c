"""One person's questions sent at once from several tabs (a token each) are
paced and compared as one person's, on SQLite and PostgreSQL: the asker's row
lock. Without it, on PostgreSQL each request saw none of the others'
uncommitted questions and every one was stored."""

import threading
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from courses.sessions.models import LiveQuestion
from lms.accounts.models import User
from lms.db import db as _db
from tests.integration.test_session_attendance_races import (
    _token,
    _two_sessions_at_the_same_hours,
)

TABS = 8


def _race(app, texts):
    facts = _two_sessions_at_the_same_hours(app, learners=1)
    session_id = facts["sessions"][0][0]
    user_id = facts["learners"][0][0]
    with app.app_context():
        user = _db.session.get(User, user_id)
        tabs = [_token(user) for _ in texts]
        _db.session.commit()
    barrier = threading.Barrier(len(texts))

    def ask(item):
        headers, text = item
        barrier.wait()
        try:
            return (
                app.test_client()
                .post(
                    f"/api/v1/sessions/{session_id}/questions",
                    json={"text": text},
                    headers=headers,
                )
                .status_code
            )
        except Exception as error:  # a 500 would be re-raised by the test client
            return f"500 {type(error).__name__}"

    with ThreadPoolExecutor(max_workers=len(texts)) as pool:
        statuses = list(pool.map(ask, zip(tabs, texts, strict=True)))
    with app.app_context():
        stored = _db.session.scalars(
            sa.select(LiveQuestion.text).where(LiveQuestion.session_id == session_id)
        ).all()
    return statuses, stored


def test_the_same_question_sent_from_several_tabs_at_once_is_stored_once(
    racing_app,
):
    texts = [f"剂量是多少{'？' if n % 2 else ''}{' ' * n}" for n in range(TABS)]
    statuses, stored = _race(racing_app, texts)
    assert statuses.count(201) == 1 and len(stored) == 1, (statuses, stored)
    assert set(statuses) <= {201, 409, 429}, statuses


def test_questions_sent_from_several_tabs_at_once_keep_the_pace(racing_app):
    texts = [f"第{n}个问题" for n in range(TABS)]
    statuses, stored = _race(racing_app, texts)
    # Ten seconds between two questions of one person: one of the burst passes.
    assert statuses.count(201) == 1 and len(stored) == 1, (statuses, stored)
    assert statuses.count(429) == TABS - 1, statuses
