import pytest
import sqlalchemy as sa

from lms import create_app
from lms.config import ConfigError
from lms.db import db


@pytest.mark.parametrize(
    "key", [None, "", "dev", "secret", "changeme", "short-key-123"]
)
def test_a_weak_secret_key_stops_the_app_outside_tests(tmp_path, key):
    with pytest.raises(ConfigError, match="SECRET_KEY"):
        create_app({"SECRET_KEY": key, "INSTANCE_PATH": str(tmp_path)})


def test_configuration_layers_instance_file_then_environment_then_argument(
    tmp_path, monkeypatch
):
    (tmp_path / "lms.cfg").write_text(
        'SECRET_KEY = "f" * 64\n'
        'LOGIN_RATE_LIMIT = "1 per day"\n'
        "MIN_PASSWORD_LENGTH = 9\n"
    )
    monkeypatch.setenv("LMS_MIN_PASSWORD_LENGTH", "10")
    monkeypatch.setenv("LMS_DATABASE_URL", "postgresql://u@db.example/telecme")
    app = create_app({"INSTANCE_PATH": str(tmp_path), "LOGIN_RATE_LIMIT": "2 per day"})
    assert app.config["SECRET_KEY"] == "f" * 64  # the file
    assert app.config["MIN_PASSWORD_LENGTH"] == 10  # the environment over the file
    assert app.config["LOGIN_RATE_LIMIT"] == "2 per day"  # the argument over all
    assert app.config["SQLALCHEMY_DATABASE_URI"] == (
        "postgresql+psycopg://u@db.example/telecme"
    )


def test_sqlite_defaults_to_the_instance_folder_with_wal_and_foreign_keys(tmp_path):
    app = create_app({"SECRET_KEY": "k" * 40, "INSTANCE_PATH": str(tmp_path)})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == f"sqlite:///{tmp_path}/lms.sqlite3"
    with app.app_context(), db.engine.connect() as connection:
        assert connection.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert connection.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        timeout_ms = connection.exec_driver_sql("PRAGMA busy_timeout").scalar()
        assert timeout_ms >= 5000
        db.engine.dispose()


def test_naive_datetimes_are_refused(db, create_user):
    from datetime import datetime

    user = create_user()
    user.last_login_dt = datetime(2026, 1, 1, 8, 0)
    with pytest.raises(sa.exc.StatementError, match="naive datetime"):
        db.session.flush()
