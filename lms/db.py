"""The SQLAlchemy extension, the model base class and database-wide conventions."""

import sqlite3
from datetime import UTC, datetime

import sqlalchemy as sa
from flask_sqlalchemy import SQLAlchemy
from sqlalchemy import DateTime, Engine, MetaData, event
from sqlalchemy.orm import DeclarativeBase
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
        db.session.connection(execution_options={"sqlite_immediate": True})


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
