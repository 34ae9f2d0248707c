"""``flask --app lms certificates ...``"""

import sys
from pathlib import Path

import click
from flask.cli import AppGroup

from certificates.keys import current_issuer, key_file
from certificates.pdf import verify_pdf

certificates_cli = AppGroup("certificates", help="Signed certificates.")


@certificates_cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's public key (PEM); default: this installation's own.",
)
def verify_command(pdf, public_key):
    """Check a certificate PDF's signature offline; exit 1 when it fails."""
    if public_key is None and not key_file().exists():
        click.echo(
            "No signing key here: give the issuer's --public-key FILE.", err=True
        )
        sys.exit(2)
    public_pem = public_key.read_bytes() if public_key else current_issuer().public_pem
    outcome = verify_pdf(pdf.read_bytes(), public_pem)
    if not outcome.is_valid:
        click.echo(f"NOT VALID: {outcome.reason}", err=True)
        sys.exit(1)
    facts = outcome.facts
    click.echo(
        f"VALID: the signature matches ({facts.serial}, version {facts.version})"
    )
    for label, value in (
        ("Name", facts.learner_name),
        ("Course", facts.course_title_zh),
        ("Credits", f"{facts.credits} {facts.credit_category} ({facts.rule_set_code})"),
        ("Class hours", facts.class_hours),
        ("Issued", facts.issued_date.isoformat()),
        ("Check revocation", facts.verify_url),
    ):
        click.echo(f"  {label}: {value}")


@certificates_cli.command("public-key")
def public_key_command():
    """Print the public key that verifies this installation's certificates."""
    click.echo(current_issuer().public_pem.decode(), nl=False)
