"""The signing key and the issuer's facts, read from configuration.

The private key is a PEM file (``CERTIFICATE_KEY_FILE``, by default in
``instance/``), created on first use with mode 0600 when missing; every web
process and worker must read the same file. The public key alone verifies.
"""

import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from flask import current_app

from certificates.signing import generate_key_pair, key_id


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

    def verify_url(self, serial):
        return f"{self.base_url}/verify/{serial}"


def key_file():
    configured = current_app.config.get("CERTIFICATE_KEY_FILE")
    if configured:
        return Path(configured)
    return Path(current_app.instance_path) / "certificate-signing-key.pem"


def ensure_key_file(path):
    """Create the private key at ``path`` unless it exists; return its PEM."""
    path = Path(path)
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        private_pem, _ = generate_key_pair()
        # Written whole under a private name, then linked into place: a process
        # starting at the same moment sees no file or the whole key, never half.
        temporary = path.with_name(f".{path.name}.{os.getpid()}.tmp")
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(private_pem)
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
    settings = (path, config["PUBLIC_BASE_URL"], config["AWARDING_BODY_ZH"])
    cached = current_app.extensions.get("telecme_issuer")
    if cached is not None and cached[0] == settings:
        return cached[1]
    private_pem = ensure_key_file(path)
    public_pem = public_key_of(private_pem)
    issuer = Issuer(
        private_pem=private_pem,
        public_pem=public_pem,
        key_id=key_id(public_pem),
        awarding_body_zh=config["AWARDING_BODY_ZH"],
        awarding_body_en=config["AWARDING_BODY_EN"],
        base_url=config["PUBLIC_BASE_URL"].rstrip("/"),
    )
    current_app.extensions["telecme_issuer"] = (settings, issuer)
    return issuer
