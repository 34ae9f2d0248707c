"""A learner's certificate as a file: the name inside it, its QR code scanned by a
real decoder and followed, the offline check, the transcript PDF, the seals."""

import io
import re
from urllib.parse import urlsplit

import pypdf
import pytest

from lms.accounts.roles import Role
from tests.builders import complete_course
from tests.pdfs import decode_qr, pdf_text

HOURS = 45 * 60


@pytest.fixture
def certificate_pdf(client, auth, create_course, create_user):
    """A completed course's certificate, downloaded by its learner on the web."""
    course = create_course(
        durations=(3 * HOURS,),
        questions=1,
        title_zh="基层医院慢性阻塞性肺疾病的规范化管理",
    )
    learner = create_user(name="欧阳娜娜", password="correct-horse-battery")
    complete_course(course, learner)
    auth.login(learner.login)
    token = auth.csrf_token(f"/courses/{course.id}")
    response = client.post(
        f"/courses/{course.id}/certificate", data={"csrf_token": token}
    )
    assert response.status_code == 302
    pdf = client.get(response.headers["Location"])
    assert pdf.mimetype == "application/pdf"
    return pdf.data


def test_the_pdf_holds_the_chinese_name_and_its_qr_code_verifies(
    client, certificate_pdf
):
    text = pdf_text(certificate_pdf)
    assert "欧阳娜娜" in text
    assert "基层医院慢性阻塞性肺疾病的规范化管理" in text
    (url,) = decode_qr(certificate_pdf)
    parts = urlsplit(url)
    assert parts.path.startswith("/verify/TC-")
    page = client.get(parts.path)
    assert page.status_code == 200
    assert "欧**娜" in page.text and "verdict-valid" in page.text


def test_the_cli_verifies_the_pdf_offline_and_rejects_an_edited_one(
    app, runner, certificate_pdf, tmp_path
):
    good = tmp_path / "certificate.pdf"
    good.write_bytes(certificate_pdf)
    key = tmp_path / "public.pem"
    key.write_text(runner.invoke(args=["certificates", "public-key"]).output)
    result = runner.invoke(
        args=[
            "certificates",
            "verify",
            str(good),
            "--public-key",
            str(key),
            "--offline",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "VALID" in result.output and "欧阳娜娜" in result.output

    reader = pypdf.PdfReader(io.BytesIO(certificate_pdf))
    writer = pypdf.PdfWriter(clone_from=reader)
    metadata = writer._root_object["/Metadata"].get_object()
    xmp = metadata.get_data()
    # An XMP attribute once the file is signed, so its quotes are escaped.
    credits = re.compile(rb"&quot;credits&quot;:&quot;[0-9.]+&quot;")
    assert credits.search(xmp)
    metadata.set_data(credits.sub(b"&quot;credits&quot;:&quot;99&quot;", xmp))
    edited = tmp_path / "edited.pdf"
    with edited.open("wb") as f:
        writer.write(f)
    result = runner.invoke(
        args=["certificates", "verify", str(edited), "--public-key", str(key)]
    )
    assert result.exit_code == 1
    assert "NOT VALID: the PDF signature" in result.output
    assert "the facts' Ed25519 signature does not match" in result.output


def test_the_cli_rejects_a_file_that_is_no_certificate(runner, tmp_path):
    fake = tmp_path / "fake.pdf"
    fake.write_bytes(b"%PDF-1.4\nnot really\n")
    result = runner.invoke(args=["certificates", "verify", str(fake)])
    assert result.exit_code == 1
    assert "the file carries no PDF signature" in result.output
    assert "the file carries no TeleCME certificate facts" in result.output


def test_the_transcript_pdf_lists_the_year(client, auth, create_course, create_user):
    course = create_course(durations=(3 * HOURS,), title_zh="糖尿病足的早期筛查")
    learner = create_user(name="欧阳娜娜")
    enrolment = complete_course(course, learner)
    auth.login(learner.login)
    year = enrolment.completed_dt.year
    page = client.get(f"/credits?year={year}").text
    assert "糖尿病足的早期筛查" in page
    response = client.get(f"/credits/{year}/transcript.pdf")
    assert response.mimetype == "application/pdf"
    text = pdf_text(response.data)
    assert "欧阳娜娜" in text and "糖尿病足的早期筛查" in text and "未达标" in text


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"GIF89a not a png", "The file is not an image."),
        (b"%PDF-1.4 renamed.png", "The file is not an image."),
        (b"", "at most 2 MB"),
    ],
)
def test_a_seal_that_is_no_image_is_refused(client, auth, create_user, data, message):
    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    token = auth.csrf_token("/admin/credits/seals")
    response = client.post(
        "/admin/credits/seals",
        data={
            "csrf_token": token,
            "slot": "awarding",
            "image": (io.BytesIO(data), "seal.png"),
        },
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert message in response.text
    assert client.get("/admin/credits/seals/awarding.png").status_code == 404


def test_an_uploaded_seal_is_kept_as_a_png(client, auth, create_user):
    from PIL import Image

    admin = create_user(role=Role.ADMINISTRATOR)
    auth.login(admin.login)
    png = io.BytesIO()
    Image.new("RGBA", (200, 200), (200, 30, 30, 255)).save(png, "PNG")
    token = auth.csrf_token("/admin/credits/seals")
    client.post(
        "/admin/credits/seals",
        data={
            "csrf_token": token,
            "slot": "organiser",
            "image": (io.BytesIO(png.getvalue()), "seal.png"),
        },
        content_type="multipart/form-data",
    )
    image = client.get("/admin/credits/seals/organiser.png")
    assert image.mimetype == "image/png"
    assert Image.open(io.BytesIO(image.data)).size == (200, 200)
