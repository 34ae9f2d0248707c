"""Reading certificate PDFs back as a person would: their text and their QR code.

``decode_qr`` rasterises with poppler's pdftoppm and reads the codes with zbar,
so a test sees what a phone camera would.
"""

import io
import subprocess
import tempfile
from datetime import date
from pathlib import Path

import pypdf
from PIL import Image
from pyzbar import pyzbar

from certificates.facts import CertificateFacts


def pdf_text(pdf_bytes):
    """All the text pypdf extracts, page after page."""
    reader = pypdf.PdfReader(io.BytesIO(pdf_bytes))
    return "\n".join(page.extract_text() for page in reader.pages)


def decode_qr(pdf_bytes, dpi=100):
    """The text of every QR code on every page, rendered at ``dpi``."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "document.pdf"
        source.write_bytes(pdf_bytes)
        subprocess.run(
            [
                "pdftoppm",
                "-r",
                str(dpi),
                "-png",
                str(source),
                str(Path(folder) / "page"),
            ],
            check=True,
            capture_output=True,
            timeout=60,
        )
        found = []
        for page in sorted(Path(folder).glob("page*.png")):
            with Image.open(page) as image:
                found += [
                    code.data.decode("utf-8")
                    for code in pyzbar.decode(image, symbols=[pyzbar.ZBarSymbol.QRCODE])
                ]
        return found


def sample_facts(**changes):
    """The facts of a certificate as a real one would state them."""
    values = {
        "serial": "TC-7K3M-9QXD-2H4P-W8RA",
        "version": 1,
        "learner_name": "欧阳娜娜",
        "learner_number": "L000123",
        "hospital_zh": "云南省第一人民医院",
        "hospital_en": "The First People's Hospital of Yunnan Province",
        "course_title_zh": "急性缺血性脑卒中静脉溶栓规范化诊疗",
        "course_title_en": "Intravenous thrombolysis for acute ischaemic stroke",
        "project_number": "2025-04-01-123（国）",
        "project_level": "national",
        "format": "recorded",
        "start_date": date(2025, 3, 1),
        "end_date": date(2025, 3, 15),
        "class_hours": "4.5",
        "credit_category": "I",
        "credits": "1.5",
        "score_percent": 85,
        "awarding_body_zh": "国家卫生健康委能力建设和继续教育中心",
        "awarding_body_en": "NHC Centre for Capacity Building and Continuing Education",
        "rule_set_code": "CN-2024",
        "rule_set_name_zh": "继续医学教育学分管理办法（2024 试行）",
        "rule_set_name_en": "CN CME measures (trial, 2024)",
        "issued_date": date(2025, 3, 20),
        "verify_url": "https://cme.example.org/verify/TC-7K3M-9QXD-2H4P-W8RA",
    }
    values.update(changes)
    return CertificateFacts(**values)
