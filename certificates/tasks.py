"""Queue tasks: issuing every eligible learner of a course into one ZIP."""

import zipfile

from certificates import documents, operations, queries
from certificates.keys import current_issuer
from certificates.models import CertificateBatch
from courses.models import Enrolment
from lms.db import begin_write_transaction, db, utcnow
from lms.queue import task
from media_pipeline.states import JobState

#: Certificates issued per transaction (and progress step) of a bulk issue.
CHUNK = 50


@task(retries=1, retry_delay=30)
def issue_batch(batch_id):
    """Issue (idempotently) and draw every eligible learner's certificate.

    Progress is committed every ``CHUNK`` certificates; the ZIP is written
    beside its final name and renamed when whole, so nobody downloads half.
    """
    begin_write_transaction()
    batch = db.session.get(CertificateBatch, batch_id)
    if batch is None or batch.state not in (JobState.PENDING, JobState.RUNNING):
        db.session.rollback()
        return
    batch.state = JobState.RUNNING
    course_id = batch.course_id
    requested_by = batch.requested_by_id
    db.session.commit()
    issuer = current_issuer()
    seals = documents.read_seals()
    path = documents.batch_archive_path(batch)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".zip.part")
    try:
        enrolment_ids = [e.id for e in queries.list_eligible_enrolments(course_id)]
        db.session.commit()
        done = 0
        with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
            for start in range(0, len(enrolment_ids), CHUNK):
                begin_write_transaction()
                for enrolment_id in enrolment_ids[start : start + CHUNK]:
                    certificate = operations.issue_certificate(
                        db.session.get(Enrolment, enrolment_id),
                        issuer,
                        utcnow(),
                        issued_by_id=requested_by,
                    )
                    archive.writestr(
                        documents.pdf_filename(certificate),
                        documents.certificate_pdf(certificate, seals),
                    )
                    done += 1
                batch = db.session.get(CertificateBatch, batch_id)
                batch.total = max(batch.total, len(enrolment_ids))
                batch.done = done
                db.session.commit()
        partial.replace(path)
    except Exception as error:
        db.session.rollback()
        partial.unlink(missing_ok=True)
        begin_write_transaction()
        batch = db.session.get(CertificateBatch, batch_id)
        batch.state, batch.error = JobState.FAILED, str(error)[:2000]
        batch.finished_dt = utcnow()
        db.session.commit()
        raise
    begin_write_transaction()
    batch = db.session.get(CertificateBatch, batch_id)
    batch.state = JobState.SUCCEEDED
    batch.total, batch.done = len(enrolment_ids), len(enrolment_ids)
    batch.archive = path.name
    batch.finished_dt = utcnow()
    db.session.commit()
