"""Queue tasks: issuing every eligible learner of a course into one ZIP, and
re-queuing bulk issues whose worker died."""

import zipfile
from datetime import timedelta

from flask import current_app
from huey import crontab

from certificates import documents, operations, queries
from certificates.archive import archive_member_name
from certificates.keys import current_issuer
from certificates.models import CertificateBatch
from certificates.rendering import Drawer, processes_for
from courses.models import Enrolment
from lms.db import begin_write_transaction, db, utcnow
from lms.enums import JobState
from lms.queue import periodic_task, task

#: Certificates issued per transaction (and progress step) of a bulk issue.
CHUNK = 50


@task()
def issue_batch(batch_id):
    """Issue (idempotently) and draw every eligible learner's certificate.

    Progress and a heartbeat are committed every ``CHUNK`` certificates; the ZIP
    is written beside its final name and renamed when whole, so nobody downloads
    half. A learner who stopped being eligible meanwhile (revoked) is skipped. A
    batch whose worker died is picked up again by :func:`requeue_stale_batches`;
    issuing is idempotent, so a second run only draws what the first issued.
    """
    begin_write_transaction()
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.state not in (JobState.PENDING, JobState.RUNNING):
        db.session.rollback()
        return
    batch.state, batch.heartbeat_dt, batch.error = JobState.RUNNING, utcnow(), ""
    course_id, requested_by = batch.course_id, batch.requested_by_id
    path = documents.batch_archive_path(batch)
    db.session.commit()
    partial = path.with_suffix(f".{batch_id}.part")
    config = current_app.config
    try:
        issuer, seals = current_issuer(), documents.read_seals()
        enrolment_ids = [e.id for e in queries.list_eligible_enrolments(course_id)]
        db.session.commit()
        path.parent.mkdir(parents=True, exist_ok=True)
        processes = processes_for(
            len(enrolment_ids),
            config["CERTIFICATE_RENDER_PROCESSES"],
            config["CERTIFICATE_PARALLEL_FROM"],
        )
        done, drawing = 0, []
        with (
            Drawer(
                seals,
                processes,
                (issuer.document_key_pem, issuer.document_certificate_pem),
            ) as drawer,
            zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive,
        ):
            for start in range(0, len(enrolment_ids), CHUNK):
                begin_write_transaction()
                chunk = []
                for enrolment_id in enrolment_ids[start : start + CHUNK]:
                    try:
                        certificate = operations.issue_certificate(
                            db.session.get(Enrolment, enrolment_id),
                            issuer,
                            utcnow(),
                            issued_by_id=requested_by,
                        )
                    except operations.CreditError:
                        continue  # revoked since the list was read
                    chunk.append((member_name(certificate), drawer.submit(certificate)))
                batch = db.session.get(CertificateBatch, batch_id)
                batch.total = len(enrolment_ids)
                batch.done, batch.heartbeat_dt = done, utcnow()
                db.session.commit()
                # Outside the transaction: the previous chunk, drawn meanwhile.
                done += _write(archive, drawing)
                drawing = chunk
            done += _write(archive, drawing)
        partial.replace(path)
    except Exception as error:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        begin_write_transaction()
        batch = db.session.get(CertificateBatch, batch_id)
        batch.state, batch.error = JobState.FAILED, str(error)[:2000]
        batch.finished_dt = utcnow()
        db.session.commit()
        current_app.logger.exception("bulk issue %s failed", batch_id)
        return
    begin_write_transaction()
    batch = db.session.get(CertificateBatch, batch_id)
    batch.state, batch.total, batch.done = JobState.SUCCEEDED, len(enrolment_ids), done
    batch.archive, batch.finished_dt = path.name, utcnow()
    db.session.commit()


def member_name(certificate):
    """``<hospital>/<learner name>-<number>-<serial>.pdf``, from the signed facts."""
    facts = documents.certificate_facts(certificate)
    return archive_member_name(
        facts.hospital_zh, facts.learner_name, facts.learner_number, facts.serial
    )


def _write(archive, drawing):
    for name, future in drawing:
        archive.writestr(name, future.result())
    return len(drawing)


@periodic_task(crontab(minute="*"))
def requeue_stale_batches():
    stale_after = timedelta(seconds=current_app.config["JOB_STALE_SECONDS"])
    begin_write_transaction()
    batch_ids = [b.id for b in queries.list_stale_batches(utcnow(), stale_after)]
    for batch_id in batch_ids:
        db.session.get(CertificateBatch, batch_id).state = JobState.PENDING
    db.session.commit()
    for batch_id in batch_ids:
        issue_batch(batch_id)
