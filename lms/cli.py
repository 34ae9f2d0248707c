"""Commands of ``flask --app lms``."""

import click
from flask import current_app

from lms.accounts.logins import InvalidLogin
from lms.accounts.messages import account_error_message
from lms.accounts.operations import AccountError, create_user
from lms.accounts.roles import Role
from lms.db import db


@click.command("create-admin")
@click.option("--login", prompt="Login (email or mobile)")
@click.option("--name", prompt="Name")
@click.password_option("--password")
def create_admin_command(login, name, password):
    """Create an administrator account."""
    try:
        user = create_user(
            login=login,
            name=name,
            password=password,
            role=Role.ADMINISTRATOR,
            min_password_length=current_app.config["MIN_PASSWORD_LENGTH"],
        )
    except InvalidLogin:
        raise click.ClickException(
            "The login must be an email address or a mobile number."
        ) from None
    except AccountError as error:
        raise click.ClickException(account_error_message(error.code)) from None
    db.session.commit()
    click.echo(f"Administrator {user.login} created.")


@click.command("seed-demo")
@click.option("--if-empty", is_flag=True, help="Do nothing when the database has data.")
def seed_demo_command(if_empty):
    """Fill an empty database with a demo network and demo logins."""
    from lms.demo import DEMO_PASSWORD, is_empty, seed_demo

    if not is_empty():
        if if_empty:
            click.echo("The database already has data; demo data not added.")
            return
        raise click.ClickException(
            "The database already has data; refusing to add demo data."
        )
    hospitals, people, courses = seed_demo()
    db.session.commit()
    from lms.demo_courses import seed_demo_media

    recordings = seed_demo_media(current_app.config["MEDIA_DIR"])
    from lms.reports.summaries import rebuild

    rebuild()  # the network reports start from the demo's rows
    click.echo(
        f"Demo data: {hospitals} hospitals, {people} people, {courses} courses "
        f"({recordings} lectures with video), "
        f"password {DEMO_PASSWORD!r}."
    )


@click.command("worker")
@click.option(
    "--workers", default=2, show_default=True, help="Threads of the fast lane."
)
@click.option(
    "--lane",
    "lanes",
    type=click.Choice(["fast", "media", "live"]),
    multiple=True,
    help="Consume this lane only (one: in this process, as the supervisor and a "
    "systemd unit per lane run it; several: supervise those). Default: all.",
)
@click.option("--restarts", default=0, hidden=True)
def worker_command(workers, lanes, restarts):
    """Run the background worker: one process per lane (media: transcodes; live:
    broadcasts' live ladders; fast: search index, sweeps, bulk issues),
    restarted when one dies."""
    from lms.workers.cli import run_lanes

    run_lanes(workers, lanes, restarts)


def register_cli(app):
    from certificates.cli import certificates_cli
    from lms.hospitals.cli import hospitals_cli
    from lms.reports.cli import reports_cli
    from lms.search.cli import search_cli
    from lms.sessions.live_cli import live_cli
    from media_pipeline.cli import media_cli

    app.cli.add_command(create_admin_command)
    app.cli.add_command(seed_demo_command)
    app.cli.add_command(hospitals_cli)
    app.cli.add_command(search_cli)
    app.cli.add_command(media_cli)
    app.cli.add_command(certificates_cli)
    app.cli.add_command(live_cli)
    app.cli.add_command(reports_cli)
    app.cli.add_command(worker_command)
