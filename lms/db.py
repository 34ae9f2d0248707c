"""The SQLAlchemy extension, the model base class and database-wide conventions."""

import fcntl
import logging
import os
import sqlite3
import threading
import time
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase, Session
from sqlalchemy.types import TypeDecorator

#: Named constraints, so migrations can drop them by name on SQLite and PostgreSQL.
NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)


db = SQLAlchemy(model_class=Base)


class UTCDateTime(TypeDecorator):
    """A timezone-aware UTC datetime on every backend (SQLite stores none)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: use an aware UTC datetime")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def enum_column(enum_class, name):
    """A portable enum column: a VARCHAR with a named CHECK, storing the values."""
    return sa.Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        length=32,
        values_callable=lambda members: [m.value for m in members],
        validate_strings=True,
    )


def utcnow():
    """The current time as an aware UTC datetime (the only clock models use)."""
    return datetime.now(UTC)


@event.listens_for(Engine, "connect")
def _configure_sqlite(dbapi_connection, connection_record):
    if not isinstance(dbapi_connection, sqlite3.Connection):
        return
    # Let SQLAlchemy, not pysqlite, decide where transactions begin, so that
    # SAVEPOINTs and BEGIN IMMEDIATE work (SQLAlchemy's documented recipe).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys = ON")
    cursor.execute("PRAGMA journal_mode = WAL")
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


@event.listens_for(Engine, "begin")
def _begin_sqlite(connection):
    if connection.dialect.name == "sqlite":
        immediate = connection.get_execution_options().get("sqlite_immediate")
        connection.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def begin_write_transaction():
    """Start the session's transaction as a writer.

    On SQLite the transaction takes the write lock at once (``BEGIN IMMEDIATE``):
    a transaction that read first and wrote later could not upgrade its lock
    once another writer had committed, and would fail instead of waiting. On
    PostgreSQL this is an ordinary transaction; rows are locked where they are read.
    Does nothing when a transaction is already open.
    """
    if not db.session().in_transaction():
        session = db.session()
        _queue_behind_other_writers(session)
        try:
            session.connection(execution_options={"sqlite_immediate": True})
        except BaseException:
            _let_the_next_writer_in(session)
            raise


class _WriterLock:
    """This thread's own open file on a SQLite database's writers' lock file."""

    def __init__(self, path):
        try:
            self.fd = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as error:
            # Another user's file, a read-only folder: writers fall back to
            # SQLite's own busy handler rather than fail.
            logging.getLogger(__name__).warning(
                "SQLite writers' lock file %s unusable (%s): not queueing", path, error
            )
            self.fd = None

    def __del__(self):
        if self.fd is not None:
            os.close(self.fd)


_writer_locks = threading.local()


def _queue_behind_other_writers(session):
    """On a SQLite file, wait in line for the write lock on a lock file first.

    SQLite makes a writer that finds the database locked sleep (1, 2, 5, 10 …
    ms) and try again, so under many writers the lock sat free while they
    slept; polling the lock file every half millisecond takes it as soon as the
    writer before it is done.
    Each thread has its own open file, so threads queue as processes do.
    """
    url = session.get_bind().engine.url  # an Engine, or a Connection (tests)
    if url.get_backend_name() != "sqlite" or url.database in (None, "", ":memory:"):
        return
    path = f"{url.database}-writers"
    locks = _writer_locks.__dict__.setdefault("by_path", {})
    lock = locks.get(path) or locks.setdefault(path, _WriterLock(path))
    if lock.fd is None or not _take(lock.fd, WRITER_QUEUE_SECONDS):
        return  # SQLite's busy handler decides, with its own timeout
    session.info["writer_lock"] = lock


#: The longest a writer waits in line: past it, SQLite's busy timeout applies as
#: before (a writer holding its transaction open must not stop every other for
#: good).
WRITER_QUEUE_SECONDS = 30.0


def _take(fd, seconds):
    """The lock file's lock within ``seconds``, polled every half millisecond."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
            time.sleep(0.0005)


@event.listens_for(Session, "after_transaction_end")
def _writer_done(session, transaction):
    if transaction.parent is None:
        _let_the_next_writer_in(session)


def _let_the_next_writer_in(session):
    lock = session.info.pop("writer_lock", None)
    if lock is not None:
        fcntl.flock(lock.fd, fcntl.LOCK_UN)


def insert_ignoring_duplicates(table, values):
    """``INSERT ... ON CONFLICT DO NOTHING`` on SQLite and PostgreSQL; returns
    whether a row went in."""
    dialect = db.session.get_bind().dialect.name
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert
    else:
        from sqlalchemy.dialects.sqlite import insert
    result = db.session.execute(insert(table).values(**values).on_conflict_do_nothing())
    return result.rowcount == 1
