"""Twenty copies of one tab's beats at once (a browser resending its kept beats
from several retries), on SQLite and PostgreSQL, through the heartbeat's short
path: each beat counts exactly once, nothing is lost, the budget is spent once."""

from datetime import timedelta

import sqlalchemy as sa

from courses.models import PlaySession, WatchBudget
from lms.db import db, utcnow
from tests.integration.test_progress_concurrency import (
    backdate_budget,
    beat,
    coverage_of,
    in_threads,
    setup_course,
    start,
)

BEATS = 8
COPIES = 20


def test_twenty_copies_of_a_tabs_beats_count_once(racing_app):
    app = racing_app
    _, lectures, learner_id, token = setup_course(app, lectures=1)
    headers = {"Authorization": f"Bearer {token}"}
    _, session = start(app, lectures[0], headers)
    backdate_budget(app, 3600)
    with app.app_context():
        before = db.session.get(WatchBudget, learner_id).credited_until_dt
    beats = [(seq, [[(seq - 1) * 15.0, seq * 15.0]]) for seq in range(1, BEATS + 1)]

    def resend(_):
        return [beat(app, lectures[0], headers, session, s, r) for s, r in beats]

    results = in_threads(resend, range(COPIES))
    assert {answer for answers in results for answer in answers} <= {
        (200, True),
        (200, False),
    }
    # A copy that lost the race to a later beat answers "already received";
    # over all copies, each beat was taken once at most, and none was lost.
    assert coverage_of(app, learner_id) == {
        lectures[0]: ([[0.0, BEATS * 15.0]], BEATS * 15.0)
    }
    with app.app_context():
        play = db.session.scalar(sa.select(PlaySession).filter_by(token=session))
        assert play.last_seq == BEATS
        assert play.credited_seconds == BEATS * 15.0  # spent once, not per copy
        spent = db.session.get(WatchBudget, learner_id).credited_until_dt - before
        assert spent == timedelta(seconds=BEATS * 15.0 / 2)
        assert before + spent <= utcnow() + timedelta(seconds=5 / 2)
