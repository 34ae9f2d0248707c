"""The PDF signature of a certificate (PAdES B-B, pyHanko): its signer names the
awarding body, it leaves the page as drawn, and its key lives in the instance
folder, made once."""

import asyncio
import io
import stat
import subprocess
import threading
from datetime import UTC, datetime

import pytest
from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from PIL import Image, ImageChops

from certificates.facts import facts_to_payload
from certificates.keys import ensure_document_signer_file
from certificates.pades import (
    check_document_signature,
    generate_document_signer,
    sign_document,
)
from certificates.pdf import render_certificate
from certificates.signing import generate_key_pair, key_id, sign
from tests.pdfs import sample_facts

BODY_ZH, BODY_EN = "国家卫生健康委能力建设和继续教育中心", "NHC CME Centre"


@pytest.fixture(scope="module")
def signer():
    return generate_document_signer(BODY_ZH, BODY_EN, datetime.now(UTC))


@pytest.fixture(scope="module")
def unsigned():
    private_pem, public_pem = generate_key_pair()
    facts = sample_facts()
    return render_certificate(
        facts,
        signature=sign(facts_to_payload(facts), private_pem),
        key_id=key_id(public_pem),
    )


def test_the_signing_certificate_names_the_awarding_body(signer):
    certificate = x509.load_pem_x509_certificate(signer[1])
    subject = certificate.subject
    assert subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == BODY_ZH
    assert subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)[0].value == BODY_EN
    assert isinstance(certificate.public_key(), ec.EllipticCurvePublicKey)
    assert certificate.public_key().curve.name == "secp256r1"
    usage = certificate.extensions.get_extension_for_class(x509.KeyUsage).value
    assert usage.digital_signature and usage.content_commitment


def page_png(pdf_bytes, tmp_path, name):
    source = tmp_path / f"{name}.pdf"
    source.write_bytes(pdf_bytes)
    subprocess.run(
        ["pdftoppm", "-r", "72", "-png", "-singlefile", str(source), str(source)],
        check=True,
        capture_output=True,
        timeout=60,
    )
    return Image.open(io.BytesIO(source.with_suffix(".pdf.png").read_bytes()))


def test_signing_leaves_the_page_as_drawn(signer, unsigned, tmp_path):
    signed = sign_document(unsigned, *signer)
    assert signed.startswith(unsigned)  # an incremental update
    before = page_png(unsigned, tmp_path, "unsigned").convert("RGB")
    after = page_png(signed, tmp_path, "signed").convert("RGB")
    assert ImageChops.difference(before, after).getbbox() is None
    assert check_document_signature(signed, signer[1]).is_valid


def test_anything_after_the_signature_breaks_it(signer, unsigned):
    signed = sign_document(unsigned, *signer)
    outcome = check_document_signature(signed + b"\n% a comment\n", signer[1])
    assert not outcome.is_valid


@pytest.mark.parametrize(
    "data",
    [b"", b"%PDF-1.7\n%%EOF", b"PK\x03\x04", b"%PDF-1.4\n1 0 obj <<"],
    ids=["empty", "bare header", "zip", "truncated"],
)
def test_a_file_that_is_not_a_signed_pdf_is_not_signed(signer, data):
    assert check_document_signature(data, signer[1]).reason == "not signed"


def test_the_signer_is_made_once_in_a_private_file(tmp_path):
    path = tmp_path / "instance" / "certificate-document-signer.pem"
    first = ensure_document_signer_file(path, BODY_ZH, BODY_EN)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert ensure_document_signer_file(path, "别的", "Other") == first
    key_pem, certificate_pem = first
    assert b"PRIVATE KEY" in key_pem and b"BEGIN CERTIFICATE" in certificate_pem


def test_signing_and_checking_work_where_an_event_loop_is_running(signer, unsigned):
    """pyHanko runs ``asyncio.run`` inside; a thread with a running loop (a
    Playwright or aiosmtpd session in the same process) made signing raise and a
    genuine file check as broken."""
    key_pem, certificate_pem = signer

    async def sign_and_check():
        signed = sign_document(unsigned, key_pem, certificate_pem)
        return check_document_signature(signed, certificate_pem)

    # A thread of the test's own: the test's thread may run a loop already.
    outcomes = []
    thread = threading.Thread(
        target=lambda: outcomes.append(asyncio.run(sign_and_check()))
    )
    thread.start()
    thread.join()
    assert outcomes and outcomes[0].is_valid, outcomes
