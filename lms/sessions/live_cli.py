"""``flask --app lms live ...``: the RTMP ingest of live broadcasts."""

import os
import shutil

import click
from flask import current_app
from flask.cli import AppGroup

from media_pipeline import ingest

live_cli = AppGroup("live", help="Live broadcast: the RTMP ingest (nginx).")


def _write_config():
    try:
        settings = ingest.settings_from_config(
            current_app.config, current_app.instance_path
        )
    except ValueError as error:
        raise click.ClickException(str(error)) from None
    return settings, ingest.write_config(settings)


def _check_nginx():
    if not ingest.RTMP_MODULE.exists() or not shutil.which(ingest.nginx_binary()):
        raise click.ClickException(
            "nginx or its RTMP module is missing: install the Debian packages "
            "nginx-light and libnginx-mod-rtmp (scripts/setup.sh does)."
        )


@live_cli.command("ingest-config")
def ingest_config_command():
    """Write the ingest's nginx.conf under the instance folder; print its path."""
    settings, path = _write_config()
    click.echo(path)
    click.echo(
        f"Encoders push to {ingest.ingest_url(current_app.config)}/KEY; nginx asks "
        f"{settings.callback_base} about every push. Start it with: "
        + " ".join(ingest.nginx_command(settings.prefix)),
        err=True,
    )


@live_cli.command("ingest")
def ingest_command():
    """Write the configuration and run nginx in the foreground (it replaces this
    process: stopping it stops nginx)."""
    _check_nginx()
    settings, _path = _write_config()
    command = ingest.nginx_command(settings.prefix)
    click.echo(f"==> RTMP ingest on {ingest.ingest_url(current_app.config)}", err=True)
    os.execv(command[0], command)
