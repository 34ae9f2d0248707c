"""Two administrators save a new version of one credit rule set at once, on
SQLite and PostgreSQL: no request ends in a 500.

The rule: a save takes the next version number; when another save took that
number at the same moment, nothing is saved and the page answers 409 with a
message (the administrator looks at the list and saves again if still needed).
On SQLite every writing request takes the write lock first, so the two saves
queue and both land (v2 and v3). On PostgreSQL a barrier before the INSERT makes
both requests read "v1 is the newest" before either inserts.
"""

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest
import sqlalchemy as sa

from certificates.models import RuleSetVariant
from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.db import db
from tests.conftest import AuthActions, unique

pytestmark = pytest.mark.db

URL = "/admin/credits/rule-sets"
VARIANT = {
    "based_on": "CN-2024",
    "code": "CN-2024-RACE",
    "name_zh": "四川省县级医疗机构继续医学教育要求",
    "name_en": "Sichuan county staff",
    "province_code": "51",
    "tier": "county",
    "valid_from": "2025-01-01",
    "yearly_credits": "20",
}


def signed_in_admin(app):
    with app.app_context():
        admin = create_user(
            login=f"{unique('admin')}@example.org",
            name="管理员",
            password="correct-horse-battery",
            role=Role.ADMINISTRATOR,
        )
        db.session.commit()
        login = admin.login
    client = app.test_client()
    auth = AuthActions(client)
    assert auth.login(login).status_code == 302
    return client, auth.csrf_token(URL)


def save(client, token, yearly_credits):
    return client.post(
        URL,
        data={**VARIANT, "yearly_credits": yearly_credits, "csrf_token": token},
        headers={"Accept-Language": "en"},
    )


def test_two_saves_of_one_rule_set_at_once_end_in_no_500(racing_app):
    app = racing_app
    admins = [signed_in_admin(app) for _ in range(2)]
    assert save(*admins[0], "18").status_code == 302  # v1
    with app.app_context():
        engine = db.engine
        is_postgresql = engine.dialect.name == "postgresql"
    barrier = threading.Barrier(2, timeout=10)

    def both_read_before_either_inserts(conn, cursor, statement, *args):
        if statement.startswith("INSERT INTO credit_rule_sets"):
            barrier.wait()

    if is_postgresql:
        sa.event.listen(
            engine, "before_cursor_execute", both_read_before_either_inserts
        )
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            responses = list(
                pool.map(
                    lambda pair: save(*pair[1], str(20 + pair[0])), enumerate(admins)
                )
            )
    finally:
        if is_postgresql:
            sa.event.remove(
                engine, "before_cursor_execute", both_read_before_either_inserts
            )
    statuses = sorted(r.status_code for r in responses)
    with app.app_context():
        versions = db.session.scalars(
            sa.select(RuleSetVariant.version)
            .where(RuleSetVariant.code == VARIANT["code"])
            .order_by(RuleSetVariant.version)
        ).all()
    if is_postgresql:
        assert statuses == [302, 409]
        (refused,) = [r for r in responses if r.status_code == 409]
        assert (
            "Another administrator saved a new version of CN-2024-RACE at the same "
            "moment" in refused.get_data(as_text=True)
        )
        assert versions == [1, 2]
    else:
        assert statuses == [302, 302]
        assert versions == [1, 2, 3]
    # The refused administrator saves again and gets the next version.
    if 409 in statuses:
        client, _token = admins[[r.status_code for r in responses].index(409)]
        again = save(client, _token, "25")
        assert again.status_code == 302
