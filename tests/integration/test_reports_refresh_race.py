"""Two refreshes at once (a scheduled run and an admin's `flask reports
refresh`, or two workers): months take turns on an advisory lock, but the
learners' years are recomputed with no lock — delete then insert — so on
PostgreSQL the second insert hits the first's uncommitted row."""

import contextlib
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime

import pytest
import sqlalchemy as sa

from certificates import operations as credit_ops
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from lms.reports import summaries
from tests.conftest import unique

pytestmark = pytest.mark.db
NOW = datetime(2026, 6, 15, 2, 0, tzinfo=UTC)


def test_two_refreshes_at_once_both_succeed(racing_app):
    app = racing_app
    with app.app_context():
        hospital = create_hospital(
            code=unique("H"), name_zh="县医院", tier=Tier.COUNTY, province_code="51"
        )
        admin = create_user(
            login=f"{unique('a')}@x.org",
            name="管理员",
            password="correct-horse-battery",
            role=Role.ADMINISTRATOR,
        )
        learner = create_user(
            login=f"{unique('l')}@x.org",
            name="学员",
            password="correct-horse-battery",
            hospital=hospital,
        )
        db.session.flush()
        credit_ops.record_manual_award(
            learner,
            admin,
            NOW,
            title="综述",
            rule_set_code="CN-2024",
            category="CME",
            credits="4",
            class_hours="6",
            kind="self-study",
            on=date(2026, 2, 1),
            reason="已审核",
        )
        db.session.commit()
        summaries.refresh_pending(NOW)
        summaries.refresh_pending(NOW)
        credit_ops.record_manual_award(
            learner,
            admin,
            NOW,
            title="综述二",
            rule_set_code="CN-2024",
            category="CME",
            credits="2",
            class_hours="3",
            kind="self-study",
            on=date(2026, 3, 1),
            reason="已审核",
        )
        db.session.commit()
        engine = db.engine
        is_pg = engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2, timeout=10)

    def both_deleted_before_either_inserts(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO rpt_learner_year"):
            with contextlib.suppress(threading.BrokenBarrierError):
                barrier.wait()

    if is_pg:
        sa.event.listen(
            engine, "before_cursor_execute", both_deleted_before_either_inserts
        )

    def run():
        with app.app_context():
            try:
                summaries.refresh_pending(NOW)
                return "ok"
            except Exception as error:
                db.session.rollback()
                return f"{type(error).__name__}: {str(error).splitlines()[0]}"

    try:
        with ThreadPoolExecutor(2) as pool:
            results = list(pool.map(lambda _: run(), range(2)))
    finally:
        if is_pg:
            sa.event.remove(
                engine, "before_cursor_execute", both_deleted_before_either_inserts
            )
    assert results == ["ok", "ok"], results
