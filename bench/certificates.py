"""Certificates: a bulk issue of one course's learners (the real background task:
ledger check, facts, Ed25519 signature, rows, PDF with the CJK subset and QR,
its PAdES document signature, one ZIP), against a bare one-page reportlab PDF
made in the same process; and what drawing and signing one PDF cost.

    .venv/bin/python bench/certificates.py [--learners 1000] [--runs 3] [--processes N]

Each run issues a course nobody has a certificate of yet, so every certificate
is really signed, stored and drawn. The baselines draw N one-page PDFs: a bare
page (Helvetica, one line) and a page with the same embedded CJK font.
"""

import argparse
import io
import secrets
import statistics
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def bare_pages(count, font=None):
    """``count`` one-page PDFs: the least reportlab can do per certificate."""
    from reportlab.lib.pagesizes import A4, landscape
    from reportlab.pdfgen.canvas import Canvas

    for i in range(count):
        buffer = io.BytesIO()
        canvas = Canvas(buffer, pagesize=landscape(A4))
        if font:
            canvas.setFont(font, 24)
            canvas.drawString(72, 400, f"继续医学教育学分证书 张晓燕{i}")
        else:
            canvas.drawString(72, 400, f"Certificate {i}")
        canvas.showPage()
        canvas.save()


def drawing_and_signing(count):
    """Milliseconds per certificate to draw the PDF and to sign it (PAdES), in
    this process, the two alternating so that load on the machine hits both."""
    from datetime import UTC, datetime

    from certificates.facts import facts_to_payload
    from certificates.pades import generate_document_signer, sign_document
    from certificates.pdf import render_certificate
    from certificates.signing import generate_key_pair, key_id, sign
    from tests.pdfs import sample_facts

    private_pem, public_pem = generate_key_pair()
    signer = generate_document_signer("远程继续医学教育中心", "CME", datetime.now(UTC))
    draw, signing = [], []
    for i in range(count):
        facts = sample_facts(learner_name=f"欧阳娜{i}")
        start = time.perf_counter()
        pdf = render_certificate(
            facts,
            signature=sign(facts_to_payload(facts), private_pem),
            key_id=key_id(public_pem),
        )
        middle = time.perf_counter()
        sign_document(pdf, *signer)
        draw.append(middle - start)
        signing.append(time.perf_counter() - middle)
    return statistics.median(draw) * 1000, statistics.median(signing) * 1000


def timed(function, *args):
    start = time.perf_counter()
    function(*args)
    return time.perf_counter() - start


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--learners", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument(
        "--processes", type=int, default=0, help="drawing processes (0: every core)"
    )
    args = parser.parse_args()

    from flask_migrate import upgrade

    from certificates import operations as ops
    from certificates import queries
    from certificates.documents import batch_archive_path
    from certificates.pdf import register_font
    from certificates.tasks import issue_batch
    from courses import operations as course_ops
    from lms import create_app
    from lms.accounts.operations import create_user
    from lms.accounts.roles import Role
    from lms.db import db, utcnow
    from tests.builders import build_scene, complete_course

    instance = Path(tempfile.mkdtemp(prefix="telecme-bench-"))
    app = create_app(
        {
            "SECRET_KEY": secrets.token_hex(32),
            "SQLALCHEMY_DATABASE_URI": f"sqlite:///{instance / 'lms.sqlite3'}",
            "INSTANCE_PATH": str(instance),
            "PASSWORD_HASH_METHOD": "pbkdf2:sha256:1000",
            "CERTIFICATE_RENDER_PROCESSES": args.processes,
        }
    )
    print(
        f"{args.learners} learners, {args.runs} runs, "
        f"{args.processes or 'every core'} drawing processes; building the data ..."
    )
    with app.app_context():
        upgrade()
        scene = build_scene(durations=(6 * 45 * 60.0,), questions=1)
        learners = [
            create_user(
                login=f"bench{i}@example.cn",
                name=f"欧阳{'娜' * (1 + i % 3)}{i}",
                password="bench-password",
                role=Role.LEARNER,
                hospital=scene.hospital,
            )
            for i in range(args.learners)
        ]
        courses = [scene.course]
        for _ in range(args.runs - 1):
            course = course_ops.create_course(
                scene.lecturer,
                title_zh="急性脑卒中的早期识别与转诊",
                specialty="neurology",
            )
            course_ops.add_lecture(
                course, scene.lecturer, title_zh="第1讲", duration_seconds=6 * 2700.0
            )
            course_ops.add_question(
                course,
                scene.lecturer,
                text_zh="静脉溶栓的时间窗？",
                options=[
                    {"text_zh": "4.5 小时", "is_correct": True},
                    {"text_zh": "24 小时"},
                ],
            )
            course_ops.change_course_status(course, scene.lecturer, "submit", utcnow())
            course_ops.change_course_status(course, scene.admin, "approve", utcnow())
            courses.append(course)
        for course in courses:
            for learner in learners:
                complete_course(course, learner)
        db.session.commit()
        course_ids = [c.id for c in courses]
        admin = scene.admin

        rates, sizes = [], []
        for course_id in course_ids:
            course = db.session.get(type(scene.course), course_id)
            batch = ops.start_batch(course, admin, utcnow())
            db.session.commit()
            seconds = timed(issue_batch.call_local, batch.id)
            batch = queries.get_batch(batch.id)
            assert (batch.state.value, batch.done) == ("succeeded", args.learners)
            archive = batch_archive_path(batch)
            with zipfile.ZipFile(archive) as z:
                assert len(z.namelist()) == args.learners
            sizes.append(archive.stat().st_size / args.learners)
            rates.append(args.learners / seconds)
            print(f"  bulk issue run: {seconds:.1f} s, {rates[-1]:.1f} certificates/s")

    font = register_font()
    bare = [args.learners / timed(bare_pages, args.learners) for _ in range(args.runs)]
    cjk = [
        args.learners / timed(bare_pages, args.learners, font) for _ in range(args.runs)
    ]
    issue, bare_rate, cjk_rate = (statistics.median(x) for x in (rates, bare, cjk))
    print()
    print(
        f"bulk issue (sign + store + draw + zip): {issue:8.1f} certificates/s (median)"
    )
    print(f"bare one-page reportlab PDF (Helvetica): {bare_rate:7.1f} pages/s")
    print(f"one-page PDF with the CJK subset:        {cjk_rate:7.1f} pages/s")
    print(f"ratio issue / bare page:  {issue / bare_rate:.3f}")
    print(f"ratio issue / CJK page:   {issue / cjk_rate:.3f}")
    print(f"ZIP bytes per certificate: {statistics.median(sizes):,.0f}")
    draw_ms, sign_ms = drawing_and_signing(200)
    print(
        f"one process, median of 200: draw {draw_ms:.1f} ms, "
        f"PDF signature (PAdES) {sign_ms:.1f} ms a certificate"
    )
    print(f"1,000 certificates take {1000 / issue:.0f} s in the background worker")


if __name__ == "__main__":
    main()
