"""A standard PDF signature over the whole certificate file (PAdES baseline B-B).

The Ed25519 signature in the XMP packet (``certificates.signing``) covers the
facts only: a page painted over, or a new file carrying a genuine packet, would
still carry good facts. This signature covers every byte of the file, so any PDF
reader (Acrobat, poppler's ``pdfsig``) and our own ``certificates verify`` see
an edited certificate as broken. It is made by pyHanko with a document-signing
key (ECDSA P-256) and an X.509 certificate naming the awarding body, kept in the
instance folder beside the Ed25519 key (``certificates.keys``).
"""

import asyncio
import functools
import io
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import timedelta

from asn1crypto import keys as asn1_keys
from asn1crypto import pem as asn1_pem
from asn1crypto import x509 as asn1_x509
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

#: The name of the signature field in every certificate PDF.
FIELD_NAME = "TeleCME-Certificate"
#: How long a new document-signing certificate is valid.
CERTIFICATE_DAYS = 20 * 366
#: RFC 9336 id-kp-documentSigning.
_DOCUMENT_SIGNING = x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")


@dataclass(frozen=True)
class DocumentSignatureOutcome:
    is_valid: bool
    #: "valid", "not signed", "more than one signature", "signature broken",
    #: "changed after signing", "signed by another certificate".
    reason: str
    #: The signer's subject as text ("TeleCME …"), when there is a signature.
    signer: str = ""


def generate_document_signer(awarding_body_zh, awarding_body_en, now):
    """A new ``(key_pem, certificate_pem)`` for signing certificate PDFs.

    The key is ECDSA P-256 (unencrypted PKCS#8); the certificate is self-signed,
    valid from ``now`` for :data:`CERTIFICATE_DAYS`, and names the awarding body
    (its Chinese name as the common name, the English one as the organisation).
    """
    key = ec.generate_private_key(ec.SECP256R1())
    attributes = [
        x509.NameAttribute(NameOID.COMMON_NAME, awarding_body_zh or awarding_body_en)
    ]
    if awarding_body_en:
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, awarding_body_en)
        )
    attributes.append(
        x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, "TeleCME certificates")
    )
    name = x509.Name(attributes)
    public_key = key.public_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(public_key)
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(minutes=5))
        .not_valid_after(now + timedelta(days=CERTIFICATE_DAYS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=False,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage(
                [_DOCUMENT_SIGNING, ExtendedKeyUsageOID.EMAIL_PROTECTION]
            ),
            critical=False,
        )
        .add_extension(
            x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False
        )
        .sign(key, hashes.SHA256())
    )
    key_pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    return key_pem, certificate.public_bytes(serialization.Encoding.PEM)


def certificate_subject(certificate_pem):
    """The subject of a PEM certificate, as readable text."""
    return x509.load_pem_x509_certificate(certificate_pem).subject.rfc4514_string()


def certificate_fingerprint(certificate_pem):
    """The SHA-256 fingerprint of a PEM certificate, as hex pairs."""
    digest = x509.load_pem_x509_certificate(certificate_pem).fingerprint(
        hashes.SHA256()
    )
    return ":".join(f"{b:02X}" for b in digest)


def _asn1_certificate(certificate_pem):
    _, _, der = asn1_pem.unarmor(certificate_pem)
    return asn1_x509.Certificate.load(der)


@functools.lru_cache(maxsize=4)
def _signer(key_pem, certificate_pem):
    from pyhanko.sign import signers
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    key = serialization.load_pem_private_key(key_pem, password=None)
    der = key.private_bytes(
        serialization.Encoding.DER,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    certificate = _asn1_certificate(certificate_pem)
    return signers.SimpleSigner(
        signing_cert=certificate,
        signing_key=asn1_keys.PrivateKeyInfo.load(der),
        cert_registry=SimpleCertificateStore.from_certs([certificate]),
    )


def sign_document(pdf_bytes, key_pem, certificate_pem):
    """``pdf_bytes`` with an invisible PAdES B-B signature over the whole file.

    The signature is an incremental update: the page is drawn exactly as before.
    """
    # pyHanko takes about a second to import: only what signs or checks loads it.
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers

    writer = IncrementalPdfFileWriter(io.BytesIO(pdf_bytes), strict=False)
    metadata = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        reason="Certificate of CME credit",
    )
    signer = _signer(key_pem, certificate_pem)
    output = _outside_any_event_loop(
        signers.sign_pdf,
        writer,
        metadata,
        signer=signer,
        # Room for the CMS container, in hex digits: the certificate, the
        # signed attributes and an ECDSA or RSA signature fit with margin.
        # Saying so spares pyHanko a trial signature to measure it.
        bytes_reserved=2 * (2048 + 2 * len(signer.signing_cert.dump())),
    )
    return output.getvalue()


def _outside_any_event_loop(function, *args, **kwargs):
    """Call one of pyHanko's blocking functions, which run ``asyncio.run``.

    That fails where the calling thread already runs an event loop (an async
    server, a Playwright or aiosmtpd session in the same process), and the check
    below would then call a genuine file broken; there the call runs in a thread
    of its own.
    """
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return function(*args, **kwargs)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(function, *args, **kwargs).result()


def check_document_signature(pdf_bytes, certificate_pem):
    """Whether the file is signed by ``certificate_pem``, untouched since.

    Valid only when there is exactly one signature, its digest and CMS signature
    hold, it covers the entire file (nothing appended afterwards, not even an
    incremental update a reader would call harmless), and its signer is the given
    certificate. Never raises for a damaged file: that is "not signed".
    """
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.settings import KeyUsageConstraints
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    trusted = _asn1_certificate(certificate_pem)
    try:
        reader = PdfFileReader(io.BytesIO(pdf_bytes), strict=False)
        signatures = reader.embedded_signatures
    except Exception:  # pyHanko raises many kinds on a damaged or hostile file
        return DocumentSignatureOutcome(False, "not signed")
    if not signatures:
        return DocumentSignatureOutcome(False, "not signed")
    if len(signatures) > 1:
        return DocumentSignatureOutcome(False, "more than one signature")
    (embedded,) = signatures
    try:
        signer_certificate = embedded.signer_cert
        signer = signer_certificate.subject.human_friendly
        # Integrity and coverage are checked against the signer's own
        # certificate; who signed is then pinned to ours, byte for byte.
        status = _outside_any_event_loop(
            validate_pdf_signature,
            embedded,
            signer_validation_context=ValidationContext(
                trust_roots=[signer_certificate], allow_fetching=False
            ),
            key_usage_settings=KeyUsageConstraints(key_usage={"non_repudiation"}),
        )
    except Exception:
        return DocumentSignatureOutcome(False, "signature broken")
    if not (status.intact and status.valid):
        return DocumentSignatureOutcome(False, "signature broken", signer)
    if status.coverage != SignatureCoverageLevel.ENTIRE_FILE:
        return DocumentSignatureOutcome(False, "changed after signing", signer)
    if signer_certificate.dump() != trusted.dump():
        return DocumentSignatureOutcome(False, "signed by another certificate", signer)
    return DocumentSignatureOutcome(True, "valid", signer)
