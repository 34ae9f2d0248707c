"""The signing keys and the issuer's facts, read from configuration.

Two PEM files, by default in ``instance/``, created on first use with mode 0600
when missing; every web process and worker must read the same files:

- the Ed25519 key that signs a certificate's facts (``CERTIFICATE_KEY_FILE``):
  its public key alone verifies them, offline too;
- the document-signing key and X.509 certificate that sign the PDF file itself
  (``CERTIFICATE_DOCUMENT_SIGNER_FILE``, PAdES): any PDF reader checks it.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app

from certificates.pades import generate_document_signer
from certificates.signing import generate_key_pair, key_id
from lms.db import utcnow


@dataclass(frozen=True)
class Issuer:
    """Who signs, and what every certificate says about the issuer."""

    private_pem: bytes
    public_pem: bytes
    key_id: str
    awarding_body_zh: str
    awarding_body_en: str
    #: Verification links start with this (``https://cme.example.org``).
    base_url: str
    #: The PDF signer: an ECDSA private key and its X.509 certificate (PEM).
    document_key_pem: bytes = b""
    document_certificate_pem: bytes = b""

    def verify_url(self, serial):
        return f"{self.base_url}/verify/{serial}"


def key_file():
    configured = current_app.config.get("CERTIFICATE_KEY_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "certificate-signing-key.pem"


def document_signer_file():
    configured = current_app.config.get("CERTIFICATE_DOCUMENT_SIGNER_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "certificate-document-signer.pem"


def ensure_key_file(path):
    """Create the private key at ``path`` unless it exists; return its PEM."""
    return _ensure_file(path, lambda: generate_key_pair()[0])


def ensure_document_signer_file(path, awarding_body_zh, awarding_body_en):
    """Create the PDF signer at ``path`` unless it exists.

    Returns ``(key_pem, certificate_pem)``; the file holds both, key first.
    """
    data = _ensure_file(
        path,
        lambda: b"".join(
            generate_document_signer(awarding_body_zh, awarding_body_en, utcnow())
        ),
    )
    return split_document_signer(data)


def split_document_signer(data):
    """``(key_pem, certificate_pem)`` out of one PEM file holding both."""
    marker = b"-----BEGIN CERTIFICATE-----"
    start = data.find(marker)
    if start < 0 or b"PRIVATE KEY-----" not in data[:start]:
        raise ValueError(
            "The document signer file holds a private key, then a certificate."
        )
    return data[:start], data[start:]


def _ensure_file(path, make):
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        data = make()
        # Written whole under a private name, then linked into place: a process
        # starting at the same moment sees no file or the whole key, never half.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass  # another process made it first: use theirs
        finally:
            temporary.unlink()
    return path.read_bytes()


def public_key_of(private_pem):
    """The public PEM of a private one."""
    key = serialization.load_pem_private_key(private_pem, password=None)
    return key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def current_issuer():
    config = current_app.config
    path = key_file()
    signer_path = document_signer_file()
    settings = (
        path,
        signer_path,
        config["PUBLIC_BASE_URL"],
        config["AWARDING_BODY_ZH"],
    )
    cached = current_app.extensions.get("telecme_issuer")
    if cached is not None and cached[0] == settings:
        return cached[1]
    private_pem = ensure_key_file(path)
    public_pem = public_key_of(private_pem)
    document_key_pem, document_certificate_pem = ensure_document_signer_file(
        signer_path, config["AWARDING_BODY_ZH"], config["AWARDING_BODY_EN"]
    )
    issuer = Issuer(
        private_pem=private_pem,
        public_pem=public_pem,
        key_id=key_id(public_pem),
        awarding_body_zh=config["AWARDING_BODY_ZH"],
        awarding_body_en=config["AWARDING_BODY_EN"],
        base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
        document_key_pem=document_key_pem,
        document_certificate_pem=document_certificate_pem,
    )
    current_app.extensions["telecme_issuer"] = (settings, issuer)
    return issuer
