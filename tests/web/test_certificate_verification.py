"""Checking a certificate as a verifier would (issue 9, items 4 and 16).

The PDF is signed as a document (PAdES, pyHanko) over every byte, besides the
Ed25519 signature over its facts: a page painted over, a new file carrying a
genuine XMP packet and a flipped byte all fail the CLI, as they fail poppler's
``pdfsig``; the CLI asks the real app, served on loopback, whether the
certificate was revoked or replaced. The public page and API show what a
verifier needs, never the test score or the hospital.
"""

import io
import socket
import subprocess
import threading
import zipfile

import pypdf
import pytest
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
from reportlab.pdfgen.canvas import Canvas
from werkzeug.serving import make_server

from certificates.keys import current_issuer
from certificates.pades import generate_document_signer, sign_document
from certificates.pdf import register_font, verify_certificate_file, verify_pdf
from lms.accounts.roles import Role
from lms.db import utcnow
from tests.builders import complete_course
from tests.pdfs import pdf_text

HOURS = 45 * 60
NAME = "欧阳娜娜"
HOSPITAL = "云南省第一人民医院"


@pytest.fixture(scope="module")
def live_server(app):
    """The app on a free loopback port: the server the CLI asks."""
    server = make_server("127.0.0.1", 0, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()
    thread.join(10)


@pytest.fixture
def learner(create_user, create_hospital):
    hospital = create_hospital(name_zh=HOSPITAL)
    return create_user(name=NAME, hospital=hospital)


@pytest.fixture
def admin(create_user):
    return create_user(role=Role.ADMINISTRATOR)


@pytest.fixture
def issued(client, create_course, learner, api_token):
    """A completed course's certificate: ``(serial, pdf bytes)`` from the API."""
    course = create_course(durations=(3 * HOURS,), questions=1, title_zh="脑卒中")
    complete_course(course, learner)
    headers = api_token(learner)
    serial = client.post(
        f"/api/v1/courses/{course.id}/certificates", headers=headers
    ).json["serial"]
    pdf = client.get(f"/api/v1/certificates/{serial}/pdf", headers=headers)
    assert pdf.mimetype == "application/pdf"
    return serial, pdf.data


def verify(runner, tmp_path, data, *args):
    path = tmp_path / "certificate.pdf"
    path.write_bytes(data)
    return runner.invoke(args=["certificates", "verify", str(path), *args])


def closed_port():
    """A loopback port nothing listens on (bound, never listening)."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    return sock


def painted_over(pdf_bytes):
    """The genuine file plus an incremental update that paints "学分 25" over
    its page: the original bytes stay as they were, signature included."""
    font = register_font()
    width, height = pypdf.PdfReader(io.BytesIO(pdf_bytes)).pages[0].mediabox[2:]
    overlay = io.BytesIO()
    canvas = Canvas(overlay, pagesize=(float(width), float(height)))
    canvas.setFillColorRGB(1, 1, 1)
    canvas.rect(0, 0, float(width), float(height) * 0.55, stroke=0, fill=1)
    canvas.setFillColorRGB(0, 0, 0)
    canvas.setFont(font, 40)
    canvas.drawCentredString(float(width) / 2, float(height) * 0.3, "学分 25")
    canvas.save()
    writer = pypdf.PdfWriter(io.BytesIO(pdf_bytes), incremental=True)
    writer.pages[0].merge_page(pypdf.PdfReader(overlay).pages[0])
    out = io.BytesIO()
    writer.write(out)
    data = out.getvalue()
    assert data.startswith(pdf_bytes)  # appended, not rewritten
    return data


def xmp_of(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return reader.trailer["/Root"]["/Metadata"].get_object().get_data()


def fresh_pdf_with(xmp):
    """A new PDF that says something else, carrying a genuine XMP packet."""
    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.setFont(register_font(), 24)
    canvas.drawString(72, 720, "继续医学教育学分证书 学分 25")
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}), xmp
    )
    canvas.setCatalogEntry("Metadata", stream)
    canvas.save()
    return out.getvalue()


def byte_flipped_in_page_stream(pdf_bytes):
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    number = reader.pages[0].raw_get("/Contents").idnum
    start = pdf_bytes.index(f"\n{number} 0 obj".encode())
    at = pdf_bytes.index(b"stream", start) + len(b"stream\r\n") + 40
    return pdf_bytes[:at] + bytes([pdf_bytes[at] ^ 0x01]) + pdf_bytes[at + 1 :]


def pdfsig(tmp_path, data):
    path = tmp_path / "checked.pdf"
    path.write_bytes(data)
    result = subprocess.run(
        ["pdfsig", str(path)], capture_output=True, text=True, timeout=60
    )
    return result.stdout + result.stderr


# --- item 4: the file as a whole ---------------------------------------------------


def test_a_genuine_certificate_passes_every_check(
    app, runner, issued, live_server, tmp_path
):
    serial, pdf = issued
    result = verify(runner, tmp_path, pdf, "--server", live_server)
    assert result.exit_code == 0, result.output
    assert f"VALID: {serial}, version 1 (status at {live_server}: valid)" in (
        result.output
    )
    assert "PDF signature: intact, covers the whole file" in result.output
    with app.app_context():
        assert app.config["AWARDING_BODY_ZH"] in result.output  # the signer
    # Independently: poppler validates the signature over the whole file ...
    report = pdfsig(tmp_path, pdf)
    assert "Signature Validation: Signature is Valid." in report
    assert "Total document signed" in report and "Not total" not in report
    # ... qpdf finds the file well formed, and the page reads as before.
    checked = tmp_path / "qpdf.pdf"
    checked.write_bytes(pdf)
    qpdf = subprocess.run(
        ["qpdf", "--check", str(checked)], capture_output=True, text=True, timeout=60
    )
    assert qpdf.returncode == 0, qpdf.stdout + qpdf.stderr
    assert "No syntax or stream encoding errors found" in qpdf.stdout
    assert NAME in pdf_text(pdf)


def test_a_page_painted_over_after_signing_fails(app, runner, issued, tmp_path):
    _, pdf = issued
    forged = painted_over(pdf)
    assert "学分 25" in pdf_text(forged)
    with app.app_context():
        # The attack as reported: the facts' signature alone still holds.
        assert verify_pdf(forged, current_issuer().public_pem).is_valid
    result = verify(runner, tmp_path, forged, "--offline")
    assert result.exit_code == 1
    assert "NOT VALID: the file was changed after it was signed" in result.output
    assert "Not total document signed" in pdfsig(tmp_path, forged)


def test_a_new_pdf_carrying_a_genuine_xmp_packet_fails(app, runner, issued, tmp_path):
    _, pdf = issued
    forged = fresh_pdf_with(xmp_of(pdf))
    with app.app_context():
        assert verify_pdf(forged, current_issuer().public_pem).is_valid
    result = verify(runner, tmp_path, forged, "--offline")
    assert result.exit_code == 1
    assert "NOT VALID: the file carries no PDF signature" in result.output

    # Signed by the forger's own certificate, naming the same awarding body.
    with app.app_context():
        config = app.config
        key, certificate = generate_document_signer(
            config["AWARDING_BODY_ZH"], config["AWARDING_BODY_EN"], utcnow()
        )
    result = verify(runner, tmp_path, sign_document(forged, key, certificate))
    assert result.exit_code == 1
    assert "NOT VALID: the PDF is signed by another certificate" in result.output


def test_a_byte_flipped_inside_the_page_stream_fails(app, runner, issued, tmp_path):
    _, pdf = issued
    forged = byte_flipped_in_page_stream(pdf)
    assert len(forged) == len(pdf) and forged != pdf
    with app.app_context():
        assert verify_pdf(forged, current_issuer().public_pem).is_valid
    result = verify(runner, tmp_path, forged, "--offline")
    assert result.exit_code == 1
    assert "NOT VALID: the PDF signature does not match the file" in result.output
    assert "Signature is Valid" not in pdfsig(tmp_path, forged)


def test_the_cli_checks_against_a_given_certificate_and_key(
    app, runner, issued, tmp_path
):
    _, pdf = issued
    public_key = tmp_path / "public.pem"
    public_key.write_text(runner.invoke(args=["certificates", "public-key"]).output)
    ours = tmp_path / "ours.pem"
    printed = runner.invoke(args=["certificates", "signing-certificate"])
    ours.write_text(printed.stdout)
    assert "BEGIN CERTIFICATE" in ours.read_text()
    theirs = tmp_path / "theirs.pem"
    theirs.write_bytes(generate_document_signer("别的单位", "Other", utcnow())[1])
    given = ["--public-key", str(public_key), "--offline"]
    result = verify(runner, tmp_path, pdf, *given, "--signing-certificate", str(ours))
    assert result.exit_code == 0, result.output
    assert "revocation not checked: --offline" in result.output
    result = verify(runner, tmp_path, pdf, *given, "--signing-certificate", str(theirs))
    assert result.exit_code == 1
    assert "signed by another certificate" in result.output


def test_what_the_api_publishes_is_enough_to_verify_elsewhere(
    client, runner, issued, tmp_path
):
    _, pdf = issued
    published = client.get("/api/v1/verification-key").json
    public_key, certificate = tmp_path / "key.pem", tmp_path / "cert.pem"
    public_key.write_text(published["public_key_pem"])
    certificate.write_text(published["document_certificate_pem"])
    assert len(published["document_certificate_sha256"].split(":")) == 32
    result = verify(
        runner,
        tmp_path,
        pdf,
        *("--public-key", str(public_key)),
        *("--signing-certificate", str(certificate)),
        "--offline",
    )
    assert result.exit_code == 0, result.output


def test_keys_that_cannot_be_read_are_a_clear_error(runner, issued, tmp_path):
    _, pdf = issued
    garbage = tmp_path / "garbage.pem"
    garbage.write_text("not a certificate")
    result = verify(runner, tmp_path, pdf, "--signing-certificate", str(garbage))
    assert result.exit_code == 2
    assert "Cannot read the keys" in result.output


# --- item 4: revocation, asked of the real server -----------------------------------


def test_a_revoked_certificate_is_reported_revoked(
    runner, client, issued, admin, api_token, live_server, tmp_path
):
    serial, pdf = issued
    response = client.post(
        f"/api/v1/certificates/{serial}/revoke",
        json={"reason": "考核作弊"},
        headers=api_token(admin),
    )
    assert response.status_code == 200
    result = verify(runner, tmp_path, pdf, "--server", live_server)
    assert result.exit_code == 1
    assert f"REVOKED: {serial} was revoked on" in result.output


def test_a_replaced_certificate_is_reported_replaced(
    runner, client, issued, admin, api_token, live_server, tmp_path
):
    serial, pdf = issued
    new = client.post(
        f"/api/v1/certificates/{serial}/reissue", headers=api_token(admin)
    ).json["serial"]
    result = verify(runner, tmp_path, pdf, "--server", live_server)
    assert result.exit_code == 1
    assert f"REPLACED: {serial} was replaced by a newer version ({new};" in (
        result.output
    )


def test_an_unreachable_server_is_said_plainly(runner, issued, tmp_path):
    serial, pdf = issued
    with closed_port() as sock:
        server = f"http://127.0.0.1:{sock.getsockname()[1]}"
        result = verify(runner, tmp_path, pdf, "--server", server)
    assert result.exit_code == 0, result.output
    assert (
        f"VALID: {serial}, version 1 — revocation not checked: server unreachable"
        in result.output
    )


def test_a_serial_the_server_does_not_know_fails(
    app, runner, db, issued, live_server, tmp_path
):
    from certificates.models import Certificate

    serial, pdf = issued
    db.session.delete(db.session.query(Certificate).filter_by(serial=serial).one())
    db.session.flush()
    result = verify(runner, tmp_path, pdf, "--server", live_server)
    assert result.exit_code == 1
    assert f"knows no certificate with serial {serial}" in result.output


# --- item 16: what the public sees ---------------------------------------------------


def test_public_verification_shows_what_a_verifier_needs_and_no_more(
    client, issued, learner
):
    serial, _ = issued
    verdict = client.get(f"/api/v1/verify/{serial}").json
    facts = verdict["facts"]
    assert (verdict["status"], verdict["valid"], verdict["serial"]) == (
        "valid",
        True,
        serial,
    )
    assert facts["learner_name"] == "欧**娜"
    assert facts["course_title_zh"] == "脑卒中"
    assert facts["credits"] and facts["credit_category"] and facts["issued_date"]
    assert facts["awarding_body_zh"]
    for hidden in ("score_percent", "hospital_zh", "hospital_en", "learner_number"):
        assert hidden not in facts
    body = str(verdict)
    assert HOSPITAL not in body and "score" not in body and NAME not in body

    page = client.get(f"/verify/{serial}", headers={"Accept-Language": "zh"}).text
    assert "欧**娜" in page and "脑卒中" in page and serial in page
    assert facts["credits"] in page and facts["awarding_body_zh"] in page
    assert HOSPITAL not in page and NAME not in page
    english = client.get(f"/verify/{serial}", headers={"Accept-Language": "en"}).text
    assert "Valid certificate" in english and facts["awarding_body_en"] in english
    for hidden in (HOSPITAL, "Hospital", "Score", "100%", NAME):
        assert hidden not in english


def test_public_verification_of_a_replaced_certificate_names_the_new_one(
    client, issued, admin, api_token
):
    serial, _ = issued
    new = client.post(
        f"/api/v1/certificates/{serial}/reissue", headers=api_token(admin)
    ).json["serial"]
    verdict = client.get(f"/api/v1/verify/{serial}").json
    assert (verdict["status"], verdict["replaced_by"]) == ("replaced", new)
    assert HOSPITAL not in str(verdict)


def test_a_bulk_issue_signs_every_pdf_in_its_worker_processes(
    app, client, create_course, create_user, admin, api_token, monkeypatch
):
    monkeypatch.setitem(app.config, "CERTIFICATE_PARALLEL_FROM", 1)
    monkeypatch.setitem(app.config, "CERTIFICATE_RENDER_PROCESSES", 2)
    course = create_course(durations=(3 * HOURS,), questions=1)
    for i in range(2):
        complete_course(course, create_user(name=f"批量{i}"))
    headers = api_token(admin)
    batch = client.post(
        f"/api/v1/courses/{course.id}/certificates", json={"all": True}, headers=headers
    ).json
    assert (batch["state"], batch["done"]) == ("succeeded", 2)
    archive = zipfile.ZipFile(
        io.BytesIO(client.get(batch["archive_url"], headers=headers).data)
    )
    with app.app_context():
        issuer = current_issuer()
        verdicts = [
            verify_certificate_file(
                archive.read(name), issuer.public_pem, issuer.document_certificate_pem
            )
            for name in archive.namelist()
        ]
    assert [(v.is_valid, v.problems) for v in verdicts] == [(True, [])] * 2
