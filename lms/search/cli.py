"""``flask --app lms search ...``"""

import click
from flask.cli import AppGroup

from lms.db import db
from lms.search.documents import rebuild_index

search_cli = AppGroup("search", help="The course search index.")


@search_cli.command("reindex")
def reindex_command():
    """Rebuild the index from the database (published courses only)."""
    count = rebuild_index()
    db.session.commit()
    click.echo(f"Indexed {count} published courses.")
