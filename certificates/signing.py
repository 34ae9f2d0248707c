"""Ed25519 signatures over a canonical JSON payload (DESIGN §2.5).

A certificate verifies with the public key alone, offline too: the signature
covers the canonical bytes of the payload, which any verifier can rebuild from
the payload itself.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import base64
import hashlib
import json
import re

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)

#: An Ed25519 signature is 64 bytes: 86 base64url characters without padding.
_SIGNATURE = re.compile(r"[A-Za-z0-9_-]{86}")


def canonical_payload(payload):
    """The bytes a signature covers: UTF-8 JSON, sorted keys, no spaces.

    Values may be text, whole numbers, booleans, None, lists and objects with
    text keys; a float (NaN included) raises ``ValueError``, since its text form
    is not the same in every JSON library.
    """
    _check_value(payload, "payload")
    text = json.dumps(
        payload, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    )
    return text.encode("utf-8")


def _check_value(value, where):
    if value is None or isinstance(value, str | bool | int):
        return
    if isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, f"{where}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            if not isinstance(key, str):
                raise ValueError(f"{where} has a key that is not text: {key!r}")
            _check_value(item, f"{where}.{key}")
    else:
        raise ValueError(
            f"{where} is a {type(value).__name__}; only text, whole numbers, "
            "booleans, None, lists and objects can be signed"
        )


def generate_key_pair():
    """A new ``(private_pem, public_pem)``.

    The private key is unencrypted PKCS#8, the public one SubjectPublicKeyInfo.
    """
    private_key = Ed25519PrivateKey.generate()
    private_pem = private_key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    public_pem = private_key.public_key().public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return private_pem, public_pem


def key_id(public_pem):
    """A short stable name for a public key: 16 hex digits of its SHA-256."""
    raw = _public_key(public_pem).public_bytes(
        serialization.Encoding.Raw, serialization.PublicFormat.Raw
    )
    return hashlib.sha256(raw).hexdigest()[:16]


def sign(payload, private_pem):
    """The signature of ``payload`` as base64url without padding."""
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    if not isinstance(private_key, Ed25519PrivateKey):
        raise ValueError("The signing key is not an Ed25519 private key.")
    signature = private_key.sign(canonical_payload(payload))
    return base64.urlsafe_b64encode(signature).rstrip(b"=").decode("ascii")


def verify(payload, signature, public_pem):
    """Whether ``signature`` is the key's signature of ``payload``.

    False, never an exception, for a malformed signature or a payload that cannot
    be signed; a public key that cannot be read is a configuration error and
    raises ``ValueError``.
    """
    public_key = _public_key(public_pem)
    if not isinstance(signature, str) or not _SIGNATURE.fullmatch(signature):
        return False
    raw = base64.urlsafe_b64decode(signature + "==")
    # Unused trailing bits would let two texts decode to one signature: one only.
    if base64.urlsafe_b64encode(raw).rstrip(b"=").decode("ascii") != signature:
        return False
    try:
        public_key.verify(raw, canonical_payload(payload))
    except (ValueError, InvalidSignature):  # UnicodeEncodeError is a ValueError
        return False
    return True


def _public_key(public_pem):
    public_key = serialization.load_pem_public_key(public_pem)
    if not isinstance(public_key, Ed25519PublicKey):
        raise ValueError("The verification key is not an Ed25519 public key.")
    return public_key
