"""Alembic environment: the app's engine and metadata, batch mode on SQLite.

Revision scripts never import our models; only autogenerate reads the metadata.
"""

import logging
from logging.config import fileConfig

from alembic import context
from flask import current_app

config = context.config
if config.config_file_name and not logging.getLogger().handlers:
    fileConfig(config.config_file_name, disable_existing_loggers=False)
logger = logging.getLogger("alembic.env")

db = current_app.extensions["migrate"].db


def skip_empty_autogenerate(context, revision, directives):
    if (
        getattr(config.cmd_opts, "autogenerate", False)
        and directives[0].upgrade_ops.is_empty()
    ):
        directives[:] = []
        logger.info("No changes in schema detected.")


def run_migrations_online():
    options = dict(current_app.extensions["migrate"].configure_args)
    options.setdefault("process_revision_directives", skip_empty_autogenerate)
    options.setdefault("compare_type", True)
    with db.engine.connect() as connection:
        is_sqlite = connection.dialect.name == "sqlite"
        options["render_as_batch"] = is_sqlite
        if is_sqlite:
            # Batch mode copies tables; foreign keys must be off while it does
            # (the pragma is ignored inside a transaction, so set it first).
            connection.connection.driver_connection.execute("PRAGMA foreign_keys = OFF")
        context.configure(connection=connection, target_metadata=db.metadata, **options)
        with context.begin_transaction():
            context.run_migrations()
        if is_sqlite:
            raw = connection.connection.driver_connection
            problems = raw.execute("PRAGMA foreign_key_check").fetchall()
            raw.execute("PRAGMA foreign_keys = ON")
            if problems:
                raise RuntimeError(
                    f"foreign key violations after migrating: {problems}"
                )


if context.is_offline_mode():
    raise SystemExit("Offline (--sql) migrations are not supported; run them online.")
run_migrations_online()
