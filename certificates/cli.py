"""``flask --app lms certificates ...``"""

import json
import sys
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

import click
from flask import current_app
from flask.cli import AppGroup

from certificates.keys import (
    current_issuer,
    document_signer_file,
    key_file,
    public_key_of,
    split_document_signer,
)
from certificates.pades import certificate_fingerprint, certificate_subject
from certificates.pdf import verify_certificate_file

certificates_cli = AppGroup("certificates", help="Signed certificates.")

#: Seconds to wait for the server's verdict before saying it was not checked.
STATUS_TIMEOUT = 10


@certificates_cli.command("verify")
@click.argument("pdf", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--public-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The issuer's Ed25519 public key (PEM); default: this installation's own.",
)
@click.option(
    "--signing-certificate",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="The X.509 certificate (PEM) that signs the PDFs; "
    "default: this installation's own.",
)
@click.option(
    "--server",
    metavar="URL",
    help="Where to ask whether the certificate was revoked or replaced; "
    "default: the configured PUBLIC_BASE_URL.",
)
@click.option("--offline", is_flag=True, help="Do not ask the server.")
def verify_command(pdf, public_key, signing_certificate, server, offline):
    """Check a certificate PDF: its PDF signature covers the whole file and is
    ours, its facts' Ed25519 signature matches, and (when the server answers) it
    is neither revoked nor replaced. Exit 1 when any check fails."""
    missing = [
        option
        for option, given, path in (
            ("--public-key", public_key, key_file()),
            ("--signing-certificate", signing_certificate, document_signer_file()),
        )
        if given is None and not path.exists()
    ]
    if missing:
        click.echo(
            f"No signing keys here: give the issuer's {' and '.join(missing)} FILE.",
            err=True,
        )
        sys.exit(2)
    try:
        # This installation's own, read as they are: checking creates no key.
        public_pem = (
            public_key.read_bytes()
            if public_key
            else public_key_of(key_file().read_bytes())
        )
        certificate_pem = (
            signing_certificate.read_bytes()
            if signing_certificate
            else split_document_signer(document_signer_file().read_bytes())[1]
        )
        verdict = verify_certificate_file(pdf.read_bytes(), public_pem, certificate_pem)
    except ValueError as error:  # a key or certificate file that cannot be read
        click.echo(f"Cannot read the keys: {error}", err=True)
        sys.exit(2)
    if not verdict.is_valid:
        for problem in verdict.problems:
            click.echo(f"NOT VALID: {problem}", err=True)
        sys.exit(1)

    facts = verdict.facts.facts
    server = (server or current_app.config["PUBLIC_BASE_URL"]).rstrip("/")
    status = None if offline else fetch_status(server, facts.serial)
    state = status["status"] if status else None
    heading = f"{facts.serial}, version {facts.version}"
    if offline:
        click.echo(f"VALID: {heading} — revocation not checked: --offline")
    elif state is None:
        click.echo(
            f"VALID: {heading} — revocation not checked: server unreachable ({server})"
        )
    elif state == "valid":
        click.echo(f"VALID: {heading} (status at {server}: valid)")
    elif state == "revoked":
        click.echo(
            f"REVOKED: {facts.serial} was revoked on {status.get('revoked', '?')} "
            f"(status at {server})",
            err=True,
        )
    elif state == "replaced":
        click.echo(
            f"REPLACED: {facts.serial} was replaced by a newer version "
            f"({status.get('replaced_by', '?')}; status at {server})",
            err=True,
        )
    else:
        click.echo(
            f"NOT VALID: the server at {server} knows no certificate "
            f"with serial {facts.serial}",
            err=True,
        )
    click.echo(
        f"  PDF signature: intact, covers the whole file, by {verdict.document.signer}"
    )
    click.echo("  Facts signature: Ed25519, matches")
    for label, value in (
        ("Name", facts.learner_name),
        ("Course", facts.course_title_zh),
        ("Credits", f"{facts.credits} {facts.credit_category} ({facts.rule_set_code})"),
        ("Class hours", facts.class_hours),
        ("Awarding body", facts.awarding_body_zh),
        ("Issued", facts.issued_date.isoformat()),
        ("Verify online", facts.verify_url),
    ):
        click.echo(f"  {label}: {value}")
    if state not in (None, "valid"):
        sys.exit(1)


def fetch_status(server, serial):
    """The server's public verdict on ``serial`` (``GET /api/v1/verify/…``):
    the JSON object, ``{"status": "unknown"}`` for a 404, None when there was no
    usable answer (no connection, a timeout, an error page, not JSON)."""
    url = f"{server}/api/v1/verify/{urllib.parse.quote(serial, safe='')}"
    request = urllib.request.Request(url, headers={"Accept": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=STATUS_TIMEOUT) as response:
            data = json.loads(response.read(1_000_000))
    except urllib.error.HTTPError as error:
        if error.code == 404:
            return {"status": "unknown"}
        return None
    except (OSError, ValueError):  # URLError, timeouts and bad JSON among them
        return None
    if not isinstance(data, dict) or data.get("status") not in (
        "valid",
        "revoked",
        "replaced",
    ):
        return None
    return data


@certificates_cli.command("public-key")
def public_key_command():
    """Print the public key that verifies this installation's certificates."""
    click.echo(current_issuer().public_pem.decode(), nl=False)


@certificates_cli.command("signing-certificate")
def signing_certificate_command():
    """Print the X.509 certificate that signs this installation's PDFs (made on
    first use), with its subject and SHA-256 fingerprint on standard error."""
    certificate_pem = current_issuer().document_certificate_pem
    click.echo(f"Subject: {certificate_subject(certificate_pem)}", err=True)
    click.echo(f"SHA-256: {certificate_fingerprint(certificate_pem)}", err=True)
    click.echo(certificate_pem.decode(), nl=False)
