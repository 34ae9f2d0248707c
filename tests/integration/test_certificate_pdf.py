"""Certificate PDFs for real: reportlab draws them, pypdf reads their text back,
poppler and zbar read their QR code, and they verify offline (DESIGN §2.5)."""

import io
import re

import pypdf
import pytest
from PIL import Image, ImageDraw

from certificates.facts import facts_to_payload
from certificates.pdf import (
    CertificateFileError,
    read_signed_payload,
    render_certificate,
    verify_pdf,
)
from certificates.signing import generate_key_pair, key_id, sign
from tests.pdfs import decode_qr, pdf_text, sample_facts

NAME = "欧阳娜娜"


@pytest.fixture(scope="module")
def keys():
    return generate_key_pair()


def render(keys, facts=None, **kwargs):
    facts = facts or sample_facts(learner_name=NAME)
    private_pem, public_pem = keys
    signature = sign(facts_to_payload(facts), private_pem)
    return render_certificate(
        facts, signature=signature, key_id=key_id(public_pem), **kwargs
    )


@pytest.fixture(scope="module")
def pdf(keys):
    return render(keys)


def rewrite_metadata(pdf_bytes, edit):
    """The PDF saved again by pypdf, its XMP packet passed through ``edit``."""
    writer = pypdf.PdfWriter(clone_from=pypdf.PdfReader(io.BytesIO(pdf_bytes)))
    metadata = writer.root_object["/Metadata"].get_object()
    metadata.set_data(edit(metadata.get_data()))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def seal_png(color):
    image = Image.new("RGBA", (240, 240), (0, 0, 0, 0))
    ImageDraw.Draw(image).ellipse((8, 8, 232, 232), outline=color, width=14)
    out = io.BytesIO()
    image.save(out, format="PNG")
    return out.getvalue()


def test_the_chinese_text_comes_back_out(pdf):
    text = pdf_text(pdf)
    facts = sample_facts()
    for expected in (
        NAME,
        facts.hospital_zh,
        facts.course_title_zh,
        facts.course_title_en,
        facts.awarding_body_zh,
        facts.serial,
        "继续医学教育学分证书",
        "Certificate of Continuing Medical Education Credit",
    ):
        assert expected in text


def test_the_cjk_font_is_embedded_as_a_subset(pdf):
    fonts = []
    for page in pypdf.PdfReader(io.BytesIO(pdf)).pages:
        for font in page["/Resources"]["/Font"].values():
            font = font.get_object()
            fonts.append((font["/BaseFont"], font["/FontDescriptor"]))
    assert fonts
    for base_font, descriptor in fonts:
        assert "+" in base_font  # a subset tag, as in ABCDEF+WenQuanYiZenHei
        assert "/FontFile2" in descriptor.get_object()


def test_the_qr_code_scans_to_the_verify_url(pdf):
    assert decode_qr(pdf, dpi=100) == [sample_facts().verify_url]


def test_the_certificate_verifies_with_the_public_key_alone(keys, pdf):
    outcome = verify_pdf(pdf, keys[1])
    assert (outcome.is_valid, outcome.reason) == (True, "valid")
    assert outcome.facts == sample_facts(learner_name=NAME)


def test_the_file_carries_the_payload_signature_and_key_id(keys, pdf):
    payload, signature, file_key_id = read_signed_payload(pdf)
    assert payload == facts_to_payload(sample_facts(learner_name=NAME))
    assert signature == sign(payload, keys[0])
    assert file_key_id == key_id(keys[1])


def test_the_document_has_a_title_author_and_subject(pdf):
    metadata = pypdf.PdfReader(io.BytesIO(pdf)).metadata
    facts = sample_facts()
    assert metadata.title == f"继续医学教育学分证书 {facts.serial}"
    assert metadata.author == facts.awarding_body_zh
    assert metadata.subject == facts.course_title_zh
    assert metadata.creation_date.date() == facts.issued_date


def test_the_same_certificate_renders_to_the_same_bytes(keys, pdf):
    assert render(keys) == pdf


def test_saving_with_another_tool_keeps_it_valid(keys, pdf):
    assert verify_pdf(rewrite_metadata(pdf, lambda xmp: xmp), keys[1]).is_valid


def test_a_certificate_with_its_credits_edited_fails(keys, pdf):
    def edit(xmp):
        assert b'"credits":"1.5"' in xmp
        return xmp.replace(b'"credits":"1.5"', b'"credits":"15"')

    edited = rewrite_metadata(pdf, edit)
    assert read_signed_payload(edited)[0]["credits"] == "15"
    outcome = verify_pdf(edited, keys[1])
    assert (outcome.is_valid, outcome.reason) == (False, "signature does not match")


def test_a_certificate_with_a_forged_signature_fails(keys, pdf):
    _, signature, _ = read_signed_payload(pdf)
    forged = "A" * 86

    def edit(xmp):
        return xmp.replace(signature.encode(), forged.encode())

    outcome = verify_pdf(rewrite_metadata(pdf, edit), keys[1])
    assert (outcome.is_valid, outcome.reason) == (False, "signature does not match")


def test_a_certificate_signed_with_another_key_fails(keys, pdf):
    _, other_public = generate_key_pair()
    outcome = verify_pdf(pdf, other_public)
    assert (outcome.is_valid, outcome.reason) == (False, "signed with another key")


def plain_pdf():
    from reportlab.pdfgen.canvas import Canvas

    out = io.BytesIO()
    canvas = Canvas(out)
    canvas.drawString(72, 720, "Not a certificate")
    canvas.save()
    return out.getvalue()


@pytest.mark.parametrize(
    "make",
    [
        lambda pdf: b"",
        lambda pdf: b"PK\x03\x04 a zip file",
        lambda pdf: "%PDF-1.4 text, not bytes",
        lambda pdf: b"%PDF-1.4\n%%EOF",
        lambda pdf: pdf[: len(pdf) // 3],
        lambda pdf: plain_pdf(),
        lambda pdf: rewrite_metadata(pdf, lambda xmp: b"<x:xmpmeta/>"),
        lambda pdf: rewrite_metadata(pdf, lambda xmp: b"not xml at all <<<"),
        lambda pdf: rewrite_metadata(
            pdf,
            lambda xmp: (
                b'<!DOCTYPE x [<!ENTITY a "aaaa">]>' + xmp[xmp.index(b"<x:xmpmeta") :]
            ),
        ),
        lambda pdf: rewrite_metadata(
            pdf, lambda xmp: xmp.replace(b'{"awarding', b'["awarding', 1)
        ),
        lambda pdf: rewrite_metadata(
            pdf,
            lambda xmp: re.sub(rb"<telecme:signature>.*</telecme:signature>", b"", xmp),
        ),
    ],
    ids=[
        "empty",
        "zip",
        "text",
        "bare header",
        "truncated",
        "plain PDF",
        "empty XMP",
        "broken XMP",
        "XMP with a DTD",
        "payload not JSON",
        "no signature",
    ],
)
def test_a_file_that_is_not_a_certificate_says_so(keys, pdf, make):
    data = make(pdf)
    with pytest.raises(CertificateFileError):
        read_signed_payload(data)
    outcome = verify_pdf(data, keys[1])
    assert (outcome.is_valid, outcome.facts) == (False, None)
    assert outcome.reason == "not a certificate file"


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        ({"learner_name": "欧阳" * 30}, ["欧阳" * 30]),
        (
            {"learner_name": "Maria Fernanda de los Angeles Gutierrez-Santamaria y Lo"},
            ["Maria Fernanda de los Angeles Gutierrez-Santamaria y Lo"],
        ),
        (
            {"learner_name": '<script>alert("x")</script><b>&amp;'},
            ['<script>alert("x")</script><b>&amp;'],
        ),
        (
            {
                "course_title_zh": (
                    "基层医疗机构急性缺血性脑卒中静脉溶栓与血管内治疗" * 9
                )[:200],
                "course_title_en": ("Thrombolysis & <i>endovascular</i> care " * 6)[
                    :200
                ],
            },
            [
                "基层医疗机构急性缺血性脑卒中静脉溶栓与血管内治疗",
                "Thrombolysis & <i>endovascular</i>",
            ],
        ),
    ],
    ids=["60 CJK characters", "55 Latin characters", "markup", "200-character titles"],
)
def test_long_and_hostile_text_renders_literally(keys, changes, expected):
    facts = sample_facts(**changes)
    pdf = render(keys, facts)
    text = pdf_text(pdf)
    for fragment in expected:
        assert fragment in text
    assert verify_pdf(pdf, keys[1]).facts == facts


def test_seal_images_are_drawn_in_their_slots(keys):
    pdf = render(keys, seals=(seal_png("#c8102e"), seal_png("#b22222")))
    page = pypdf.PdfReader(io.BytesIO(pdf)).pages[0]
    assert len(page.images) == 2
    assert verify_pdf(pdf, keys[1]).is_valid
    assert decode_qr(pdf) == [sample_facts().verify_url]
