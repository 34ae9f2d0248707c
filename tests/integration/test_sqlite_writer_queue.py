"""SQLite writers wait in line on a lock file (``lms.db.begin_write_transaction``)
instead of sleeping in SQLite's busy handler, and always leave the line: after a
commit, a rollback, or a transaction that never began."""

import fcntl
import os

import pytest
import sqlalchemy as sa

from lms.db import begin_write_transaction, db
from tests.conftest import make_app

pytestmark = pytest.mark.once


@pytest.fixture
def sqlite_app(tmp_path):
    app = make_app(tmp_path, f"sqlite:///{tmp_path / 'queue.sqlite3'}")
    yield app, f"{tmp_path / 'queue.sqlite3'}-writers"
    with app.app_context():
        db.engine.dispose()


def line_is_free(path):
    """Whether another open file (another writer) would get the lock now."""
    fd = os.open(path, os.O_RDWR)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    else:
        fcntl.flock(fd, fcntl.LOCK_UN)
        return True
    finally:
        os.close(fd)


@pytest.mark.parametrize("end", ["commit", "rollback", "close"])
def test_a_writer_holds_the_line_until_its_transaction_ends(sqlite_app, end):
    app, path = sqlite_app
    with app.app_context():
        begin_write_transaction()
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        assert not line_is_free(path)
        getattr(db.session, end)()
        assert line_is_free(path)


def test_a_writer_that_could_not_begin_leaves_the_line(sqlite_app, monkeypatch):
    app, path = sqlite_app
    with app.app_context():
        session = db.session()

        def refuse(*args, **kwargs):
            raise sa.exc.OperationalError("BEGIN IMMEDIATE", {}, "database is locked")

        monkeypatch.setattr(session, "connection", refuse)
        with pytest.raises(sa.exc.OperationalError):
            begin_write_transaction()
        assert line_is_free(path)


def test_a_savepoint_keeps_the_line(sqlite_app):
    """Only the outermost transaction's end lets the next writer in."""
    app, path = sqlite_app
    with app.app_context():
        begin_write_transaction()
        with db.session.begin_nested():
            db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        assert not line_is_free(path)
        db.session.commit()
        assert line_is_free(path)


def test_a_lock_file_this_process_cannot_open_leaves_writes_to_sqlite(sqlite_app):
    """Another user's lock file (a root-run CLI made it 0600) must not stop writes."""
    app, path = sqlite_app
    os.mkdir(path)  # opening a folder read-write fails, as another user's file does
    with app.app_context():
        begin_write_transaction()
        db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
        db.session.commit()
        assert db.session.execute(sa.text("SELECT count(*) FROM t")).scalar() == 0


def test_a_writer_waits_in_line_no_longer_than_its_bound(sqlite_app, monkeypatch):
    """A line held for good (a stuck writer) hands the wait back to SQLite's own
    busy handler after WRITER_QUEUE_SECONDS instead of waiting forever."""
    import lms.db

    app, path = sqlite_app
    monkeypatch.setattr(lms.db, "WRITER_QUEUE_SECONDS", 0.2)
    with app.app_context():
        db.session.execute(sa.text("SELECT 1"))
        db.session.rollback()
    holder = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
    fcntl.flock(holder, fcntl.LOCK_EX)
    try:
        with app.app_context():
            begin_write_transaction()
            db.session.execute(sa.text("CREATE TABLE IF NOT EXISTS t (x INTEGER)"))
            db.session.commit()
    finally:
        os.close(holder)
