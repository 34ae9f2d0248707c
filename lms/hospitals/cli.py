"""``flask --app lms hospitals ...``"""

from pathlib import Path

import click
from flask.cli import AppGroup

from lms.db import db
from lms.hospitals.importing import decode_csv_bytes, parse_hospital_csv
from lms.hospitals.operations import import_hospitals

hospitals_cli = AppGroup("hospitals", help="Manage the hospital network.")


@hospitals_cli.command("import")
@click.argument(
    "csv_file", type=click.Path(exists=True, dir_okay=False, path_type=Path)
)
def import_command(csv_file):
    """Create or update hospitals from CSV_FILE (all rows or none).

    Columns: code, name_zh, name_en, tier (hub/municipal/county/township),
    province (code, Chinese or English name), city.
    """
    try:
        text = decode_csv_bytes(csv_file.read_bytes())
    except UnicodeDecodeError as exc:
        raise click.ClickException(
            f"{csv_file}: not UTF-8 or GB18030 text ({exc})"
        ) from exc
    parsed = parse_hospital_csv(text)
    if parsed.errors:
        for error in parsed.errors:
            click.echo(f"{csv_file}: {error}", err=True)
        raise click.ClickException(
            f"{len(parsed.errors)} error(s); nothing was imported."
        )
    summary = import_hospitals(parsed.rows)
    db.session.commit()
    click.echo(
        f"Imported {csv_file}: {summary.created} created, {summary.updated} updated."
    )
