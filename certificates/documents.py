"""Files of certificates: their PDFs, the seal images, bulk-issue archives.

They live under the media folder (``MEDIA_DIR/certificates``), which is the shared
mount when the app is scaled out, so every web process and worker sees the same.
"""

import io
import os
from pathlib import Path

from flask import current_app
from PIL import Image, UnidentifiedImageError

from certificates.facts import facts_from_payload
from certificates.keys import current_issuer
from certificates.pades import sign_document
from certificates.pdf import render_certificate

SEAL_SLOTS = ("awarding", "organiser")
MAX_SEAL_BYTES = 2 * 1024 * 1024
MAX_SEAL_PIXELS = 2000


class SealRejected(ValueError):
    """An uploaded seal that is not a usable image; ``code`` says why."""

    def __init__(self, code, message):
        super().__init__(message)
        self.code = code


def certificates_dir():
    return Path(current_app.config["MEDIA_DIR"]) / "certificates"


def seal_path(slot):
    return certificates_dir() / "seals" / f"{slot}.png"


def read_seals():
    """The two seal images (PNG bytes) or None where none is set."""
    return tuple(
        seal_path(slot).read_bytes() if seal_path(slot).exists() else None
        for slot in SEAL_SLOTS
    )


def save_seal(slot, data):
    """Check an uploaded image and keep it as a PNG with transparency."""
    if slot not in SEAL_SLOTS:
        raise SealRejected("unknown_slot", "Unknown seal.")
    if not data or len(data) > MAX_SEAL_BYTES:
        raise SealRejected("too_large", "A seal is an image of at most 2 MB.")
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format not in ("PNG", "JPEG", "WEBP"):
                raise SealRejected("bad_format", "A seal is a PNG, JPEG or WebP image.")
            if max(image.size) > MAX_SEAL_PIXELS:
                raise SealRejected(
                    "too_large", "A seal is at most 2000 pixels wide and high."
                )
            image.load()
            png = io.BytesIO()
            image.convert("RGBA").save(png, "PNG")
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise SealRejected("not_an_image", "The file is not an image.") from None
    write_atomically(seal_path(slot), png.getvalue())


def remove_seal(slot):
    if slot in SEAL_SLOTS:
        seal_path(slot).unlink(missing_ok=True)


def write_atomically(path, data):
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(f".{os.getpid()}.tmp")
    temporary.write_bytes(data)
    temporary.replace(path)


def certificate_facts(certificate):
    return facts_from_payload(certificate.payload)


def certificate_pdf(certificate, seals=None):
    """The PDF of a certificate, drawn from its signed payload and signed as a
    document (PAdES) with this installation's document signer."""
    issuer = current_issuer()
    pdf = render_certificate(
        certificate_facts(certificate),
        signature=certificate.signature,
        key_id=certificate.key_id,
        seals=read_seals() if seals is None else seals,
    )
    return sign_document(pdf, issuer.document_key_pem, issuer.document_certificate_pem)


def pdf_filename(certificate):
    return f"{certificate.serial}.pdf"


def batch_archive_path(batch):
    return certificates_dir() / "batches" / f"batch-{batch.id}.zip"
