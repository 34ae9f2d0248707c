"""``flask --app lms search ...``"""

import click
from flask.cli import AppGroup

from lms.db import db
from lms.search import get_search
from lms.search.documents import rebuild_index

search_cli = AppGroup("search", help="The course search index.")


@search_cli.command("reindex")
@click.option(
    "--if-empty",
    is_flag=True,
    help="Only when the index holds no course (a new install, or a new backend).",
)
def reindex_command(if_empty):
    """Rebuild the index from the database (published courses only)."""
    if if_empty and get_search().count():
        click.echo("The search index holds courses already; not rebuilt.")
        return
    count = rebuild_index()
    db.session.commit()
    click.echo(f"Indexed {count} published courses.")
