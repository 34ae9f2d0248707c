"""The certificate as a PDF: the layout drawn with reportlab, the signed facts inside.

The facts, their signature and the key's id travel in the file's XMP metadata
packet (the PDF's own place for metadata, ISO 32000 §14.3.2), in a namespace of
our own, so a certificate verifies offline with the public key alone.
"""

import functools
import io
import itertools
import json
import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path
from xml.sax.saxutils import escape

import pypdf
from reportlab.graphics.barcode.qr import QrCodeWidget
from reportlab.lib.colors import HexColor
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.pdfdoc import PDFDictionary, PDFName, PDFStream
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from certificates import pades, signing
from certificates.facts import CertificateFacts, facts_from_payload, facts_to_payload
from certificates.layout import SEAL_SLOTS, TITLE_ZH_TEXT, plan_certificate

#: A TrueType CJK font reportlab can embed (as a subset): DESIGN §2.5.
DEFAULT_FONT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
#: Light modules around the code, in modules (the QR standard asks for 4).
QR_QUIET_ZONE = 4
#: The XMP namespace of the signed payload.
XMP_NAMESPACE = "urn:telecme:certificate:1#"
_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#: Bold without a bold face: glyphs filled and stroked, the stroke this many
#: font sizes wide.
_BOLD_STROKE = 0.035
#: Characters XML 1.0 cannot carry (JSON escapes the control characters).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


class CertificateFileError(ValueError):
    """The file is not a PDF, or carries no TeleCME certificate."""


@dataclass(frozen=True)
class VerifyOutcome:
    is_valid: bool
    facts: CertificateFacts | None
    #: "valid", "not a certificate file", "signature does not match" or
    #: "signed with another key".
    reason: str


@functools.cache
def register_font(font_path=DEFAULT_FONT):
    """The reportlab name of the TrueType font at ``font_path``, registered once."""
    name = f"TeleCME-{Path(font_path).stem}"
    pdfmetrics.registerFont(TTFont(name, font_path, subfontIndex=0))
    return name


def render_certificate(
    facts, *, signature, key_id, seals=(None, None), font_path=DEFAULT_FONT
):
    """The PDF of a certificate, as bytes; the same inputs give the same bytes.

    ``signature`` is ``signing.sign(facts_to_payload(facts), private_pem)`` and
    ``key_id`` the id of the key that made it; ``seals`` are PNG images of the
    awarding body's and the organiser's seals, or None to leave a slot empty.
    """
    font = register_font(font_path)

    def measure(text, size):
        return pdfmetrics.stringWidth(text, font, size)

    layout = plan_certificate(
        facts, measure=measure, seals=tuple(seal is not None for seal in seals)
    )
    seal_images = {
        f"seal:{slot}": png for (slot, *_), png in zip(SEAL_SLOTS, seals, strict=True)
    }
    buffer = io.BytesIO()
    canvas = Canvas(
        buffer,
        pagesize=(layout.width, layout.height),
        invariant=1,
        pageCompression=1,
        initialFontName=font,  # else Helvetica is listed, though never used
    )
    _set_metadata(canvas, facts, signature, key_id)
    for box in layout.boxes:
        if box.kind == "frame":
            _draw_frame(canvas, box)
        elif box.kind == "rule":
            _draw_rule(canvas, box)
        elif box.kind == "text":
            _draw_text(canvas, box, font)
        elif box.kind == "qr":
            _draw_qr(canvas, box)
        elif box.kind == "seal":
            _draw_seal(canvas, box, seal_images.get(box.role))
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


def _set_metadata(canvas, facts, signature, key_id):
    title = f"{TITLE_ZH_TEXT} {facts.serial}"
    canvas.setTitle(title)
    canvas.setAuthor(facts.awarding_body_zh)
    canvas.setSubject(facts.course_title_zh)
    canvas.setCreator("TeleCME")
    # Dated the day of issue rather than the day of rendering: a re-rendered
    # certificate is the same file.
    issued = facts.issued_date
    canvas.setDateFormatter(
        lambda *_: f"D:{issued.year:04d}{issued.month:02d}{issued.day:02d}000000Z"
    )
    packet = _xmp_packet(
        title=title,
        author=facts.awarding_body_zh,
        subject=facts.course_title_zh,
        payload=facts_to_payload(facts),
        signature=signature,
        key_id=key_id,
    )
    stream = PDFStream(
        PDFDictionary({"Type": PDFName("Metadata"), "Subtype": PDFName("XML")}),
        packet.encode("utf-8"),
    )
    canvas.setCatalogEntry("Metadata", stream)


def _xmp_packet(*, title, author, subject, payload, signature, key_id):
    def text(value):
        return escape(_NOT_XML.sub("\ufffd", value))

    payload_text = signing.canonical_payload(payload).decode("utf-8")
    payload_text = _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", payload_text)
    return f"""<?xpacket begin="\ufeff" id="W5M0MpCehiHzreSzNTczkc9d"?>
<x:xmpmeta xmlns:x="adobe:ns:meta/">
<rdf:RDF xmlns:rdf="{_RDF}">
<rdf:Description rdf:about=""
 xmlns:dc="http://purl.org/dc/elements/1.1/"
 xmlns:telecme="{XMP_NAMESPACE}">
<dc:title><rdf:Alt>
 <rdf:li xml:lang="x-default">{text(title)}</rdf:li>
</rdf:Alt></dc:title>
<dc:creator><rdf:Seq><rdf:li>{text(author)}</rdf:li></rdf:Seq></dc:creator>
<dc:description><rdf:Alt>
 <rdf:li xml:lang="x-default">{text(subject)}</rdf:li>
</rdf:Alt></dc:description>
<telecme:payload>{escape(payload_text)}</telecme:payload>
<telecme:signature>{text(signature)}</telecme:signature>
<telecme:keyId>{text(key_id)}</telecme:keyId>
</rdf:Description>
</rdf:RDF>
</x:xmpmeta>
<?xpacket end="r"?>"""


def _draw_frame(canvas, box):
    canvas.saveState()
    canvas.setLineWidth(box.line_width)
    canvas.setStrokeColor(HexColor(box.color))
    if box.fill:
        canvas.setFillColor(HexColor(box.fill))
    canvas.rect(box.x, box.y, box.width, box.height, stroke=1, fill=bool(box.fill))
    canvas.restoreState()


def _draw_rule(canvas, box):
    canvas.saveState()
    canvas.setLineWidth(box.line_width)
    canvas.setStrokeColor(HexColor(box.color))
    middle = box.y + box.height / 2
    canvas.line(box.x, middle, box.right, middle)
    canvas.restoreState()


def _draw_text(canvas, box, font):
    canvas.saveState()
    color = HexColor(box.color)
    canvas.setFillColor(color)
    canvas.setFont(font, box.font_size)
    mode = 0
    if box.bold:
        canvas.setStrokeColor(color)
        canvas.setLineWidth(box.font_size * _BOLD_STROKE)
        mode = 2
    # drawString, never a Paragraph: names and titles are text, not markup.
    if box.align == "center":
        canvas.drawCentredString(box.x + box.width / 2, box.baseline, box.text, mode)
    elif box.align == "right":
        canvas.drawRightString(box.right, box.baseline, box.text, mode)
    else:
        canvas.drawString(box.x, box.baseline, box.text, mode)
    canvas.restoreState()


def _draw_qr(canvas, box):
    """The QR code as one filled path of its dark runs (reportlab's encoder).

    Drawing the matrix straight onto the canvas, rather than through a graphics
    widget that builds a shape per run, is most of what a certificate costs.
    """
    code = QrCodeWidget(box.text, barLevel="M").qr
    code.make()
    count = code.getModuleCount()
    module = min(box.width, box.height) / (count + 2 * QR_QUIET_ZONE)
    left = box.x + (box.width - module * (count + 2 * QR_QUIET_ZONE)) / 2
    top = box.y + box.height - (box.height - module * (count + 2 * QR_QUIET_ZONE)) / 2
    path = canvas.beginPath()
    for r, row in enumerate(code.modules):
        c = 0
        for is_dark, run in itertools.groupby(bool(m) for m in row):
            length = sum(1 for _ in run)
            if is_dark:
                path.rect(
                    left + (c + QR_QUIET_ZONE) * module,
                    top - (r + QR_QUIET_ZONE + 1) * module,
                    length * module,
                    module,
                )
            c += length
    canvas.saveState()
    canvas.setFillColorRGB(0, 0, 0)
    canvas.drawPath(path, stroke=0, fill=1)
    canvas.restoreState()


def _draw_seal(canvas, box, png):
    if png is not None:
        canvas.drawImage(
            ImageReader(io.BytesIO(png)),
            box.x,
            box.y,
            box.width,
            box.height,
            mask="auto",
            preserveAspectRatio=True,
            anchor="c",
        )
        return
    canvas.saveState()
    canvas.setLineWidth(box.line_width)
    canvas.setStrokeColor(HexColor(box.color))
    canvas.setDash(3, 3)
    radius = min(box.width, box.height) / 2
    canvas.circle(box.x + box.width / 2, box.y + box.height / 2, radius, stroke=1)
    canvas.restoreState()


def read_signed_payload(pdf_bytes):
    """The ``(payload, signature, key_id)`` a certificate PDF carries.

    Raises :class:`CertificateFileError` when ``pdf_bytes`` is not a PDF or holds
    no TeleCME payload. Nothing here is trusted: check the signature.
    """
    # Readers allow a little junk before the header; so do we.
    if not isinstance(pdf_bytes, bytes | bytearray) or b"%PDF-" not in pdf_bytes[:1024]:
        raise CertificateFileError("The file is not a PDF.")
    try:
        reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
        metadata = reader.trailer["/Root"].get("/Metadata")
        packet = metadata.get_object().get_data() if metadata is not None else b""
    except Exception as error:  # pypdf raises many kinds on a damaged or hostile file
        raise CertificateFileError("The PDF cannot be read.") from error
    fields = _read_xmp(packet) if packet else {}
    try:
        payload = json.loads(fields["payload"])
        signature, key_id = fields["signature"], fields["keyId"]
    except (KeyError, ValueError):
        raise CertificateFileError("The PDF carries no TeleCME certificate.") from None
    if not isinstance(payload, dict):
        raise CertificateFileError("The PDF carries no TeleCME certificate.")
    return payload, signature, key_id


def _read_xmp(packet):
    """The TeleCME fields of an XMP packet, by local name."""
    # No DTDs: entity expansion is the usual attack on XML parsers.
    if b"<!DOCTYPE" in packet or b"<!ENTITY" in packet:
        raise CertificateFileError("The PDF's metadata is not plain XMP.")
    try:
        root = ET.fromstring(packet)
    except ET.ParseError:
        raise CertificateFileError("The PDF's metadata cannot be read.") from None
    prefix = f"{{{XMP_NAMESPACE}}}"
    fields = {}
    for element in root.iter():
        if isinstance(element.tag, str) and element.tag.startswith(prefix):
            fields[element.tag.removeprefix(prefix)] = element.text or ""
        # XMP may also write a simple property as an attribute of its
        # rdf:Description; pyHanko does when it signs the file.
        for name, value in element.attrib.items():
            if name.startswith(prefix):
                fields[name.removeprefix(prefix)] = value
    return fields


def verify_pdf(pdf_bytes, public_pem):
    """Whether a PDF is a certificate signed with ``public_pem``, and its facts."""
    try:
        payload, signature, file_key_id = read_signed_payload(pdf_bytes)
    except CertificateFileError:
        return VerifyOutcome(False, None, "not a certificate file")
    if file_key_id != signing.key_id(public_pem):
        return VerifyOutcome(False, None, "signed with another key")
    if not signing.verify(payload, signature, public_pem):
        return VerifyOutcome(False, None, "signature does not match")
    try:
        facts = facts_from_payload(payload)
    except ValueError:
        return VerifyOutcome(False, None, "not a certificate file")
    return VerifyOutcome(True, facts, "valid")


#: What each failed check means, for a person reading the verdict.
DOCUMENT_SIGNATURE_PROBLEMS = {
    "not signed": "the file carries no PDF signature",
    "more than one signature": "the file carries more than one PDF signature",
    "signature broken": "the PDF signature does not match the file: "
    "its bytes were changed after signing",
    "changed after signing": "the file was changed after it was signed "
    "(an update appended after the signature: the page may say something else)",
    "signed by another certificate": "the PDF is signed by another certificate",
}
FACTS_PROBLEMS = {
    "not a certificate file": "the file carries no TeleCME certificate facts",
    "signature does not match": "the facts' Ed25519 signature does not match",
    "signed with another key": "the facts are signed with another Ed25519 key",
}


@dataclass(frozen=True)
class FileVerdict:
    """Both checks of a certificate file: the PDF signature over every byte,
    and the Ed25519 signature over the facts inside."""

    document: pades.DocumentSignatureOutcome
    facts: VerifyOutcome

    @property
    def is_valid(self):
        return self.document.is_valid and self.facts.is_valid

    @property
    def problems(self):
        """Each failed check in words, the PDF signature first."""
        found = []
        if not self.document.is_valid:
            text = DOCUMENT_SIGNATURE_PROBLEMS[self.document.reason]
            if self.document.signer and self.document.reason.startswith("signed by"):
                text = f"{text} ({self.document.signer})"
            found.append(text)
        if not self.facts.is_valid:
            found.append(FACTS_PROBLEMS[self.facts.reason])
        return found


def verify_certificate_file(pdf_bytes, public_pem, certificate_pem):
    """Check a certificate PDF as a whole: the PDF signature (``certificate_pem``,
    whole file, nothing appended) and the facts' signature (``public_pem``)."""
    return FileVerdict(
        document=pades.check_document_signature(pdf_bytes, certificate_pem),
        facts=verify_pdf(pdf_bytes, public_pem),
    )
