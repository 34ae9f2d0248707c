"""The content-aware migration's decision about stored policies: a course not yet
approved held the column's default "lecture" (nobody chose it) and gets "auto";
an approved course keeps the "lecture" the office submitted; downgrade undoes it."""

import datetime

import pytest
import sqlalchemy as sa
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.db import db
from tests.conftest import base_config, unique

BEFORE = "959242a676a4"
CONTENT_AWARE = "6c0a4e1d9b27"


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("postgres").create_database(unique("migrate_"))


def filler(column):
    """A value for a NOT NULL column without a default, from its type."""
    try:
        kind = column.type.python_type
    except NotImplementedError:
        kind = str
    return {
        int: 1,
        float: 1.0,
        bool: False,
        datetime.datetime: datetime.datetime(2026, 11, 30),
        dict: {},
        list: [],
    }.get(kind, "x")


def insert(connection, table_name, **values):
    table = sa.Table(table_name, sa.MetaData(), autoload_with=connection)
    row = {
        c.name: filler(c)
        for c in table.columns
        if not c.nullable and c.server_default is None and not c.primary_key
    }
    row |= values
    return connection.execute(table.insert().values(**row)).inserted_primary_key[0]


def test_unchosen_lecture_becomes_auto_and_approved_courses_keep_theirs(
    empty_database, tmp_path
):
    app = create_app(base_config(tmp_path, empty_database))
    with app.app_context():
        upgrade(revision=BEFORE)
        with db.engine.begin() as connection:
            owner = insert(
                connection,
                "users",
                login="lec@example.cn",
                role="administrator",
                profession="doctor",
            )
            ids = {
                status: insert(
                    connection,
                    "courses",
                    owner_id=owner,
                    status=status,
                    media_policy=policy,
                    project_level="hospital",
                    format="recorded",
                )
                for status, policy in [
                    ("draft", "lecture"),
                    ("submitted", "lecture"),
                    ("returned", "lecture"),
                    ("approved", "lecture"),
                    ("archived", "lecture"),
                ]
            }
            chosen = insert(
                connection,
                "courses",
                owner_id=owner,
                status="draft",
                media_policy="high_motion",
                project_level="hospital",
                format="recorded",
            )
        upgrade(revision=CONTENT_AWARE)

        def policies():
            with db.engine.connect() as connection:
                rows = connection.execute(
                    sa.text("SELECT id, media_policy FROM courses")
                )
                return dict(rows.all())

        after = policies()
        assert {s: after[i] for s, i in ids.items()} == {
            "draft": "auto",
            "submitted": "auto",
            "returned": "auto",
            "approved": "lecture",
            "archived": "lecture",
        }
        assert after[chosen] == "high_motion"
        downgrade(revision=BEFORE)
        assert set(policies().values()) == {"lecture", "high_motion"}
        db.engine.dispose()
