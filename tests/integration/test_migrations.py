"""`flask db upgrade` builds the models' schema, on SQLite and PostgreSQL."""

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from flask_migrate import downgrade, upgrade

from lms import create_app
from lms.db import db
from tests.conftest import base_config, unique


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_database(request, tmp_path):
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.sqlite3'}"
    return request.getfixturevalue("postgres").create_database(unique("migrate_"))


def test_upgrade_builds_the_models_schema_and_downgrade_removes_it(
    empty_database, tmp_path
):
    app = create_app(base_config(tmp_path, empty_database))
    with app.app_context():
        upgrade()
        with db.engine.connect() as connection:
            context = MigrationContext.configure(
                connection, opts={"compare_type": True}
            )
            differences = compare_metadata(context, db.metadata)
            tables = set(sa.inspect(connection).get_table_names())
        assert differences == []
        assert {"users", "hospitals", "api_tokens"} <= tables

        downgrade(revision="base")
        with db.engine.connect() as connection:
            left = set(sa.inspect(connection).get_table_names()) - {"alembic_version"}
        assert left == set()
        db.engine.dispose()


def test_named_constraints_are_enforced_by_the_database(empty_database, tmp_path):
    """A learner without a hospital is refused by the database itself."""
    app = create_app(base_config(tmp_path, empty_database))
    with app.app_context():
        upgrade()
        with (
            db.engine.connect() as connection,
            pytest.raises(sa.exc.IntegrityError) as info,
        ):
            connection.execute(
                sa.text(
                    "INSERT INTO users (login, name, password_hash, role, profession,"
                    " professional_title, is_active, session_version, created_dt)"
                    " VALUES ('a@b.cn', 'x', 'h', 'learner', 'doctor', '', true, 1,"
                    " CURRENT_TIMESTAMP)"
                )
            )
        assert "hospital_required" in str(info.value)
        db.engine.dispose()
