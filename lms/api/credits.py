"""Credits, transcripts, certificates and their public verification."""

import io
from datetime import date

from flask import abort, send_file, url_for
from flask_login import current_user

from certificates import documents, queries
from certificates import operations as ops
from certificates.facts import public_facts
from certificates.keys import current_issuer
from certificates.models import CertificateBatch, CreditAward
from certificates.pades import certificate_fingerprint
from certificates.tasks import issue_batch
from courses.access import can_download_certificate, can_see_certificate
from courses.models import Course
from courses.queries import actor_of, get_enrolment
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.api import ApiError, api_route, require_user
from lms.api import schemas as s
from lms.db import db, utcnow
from lms.labels import format_credit

#: Endpoints of the CME office.
OFFICE = (Role.ADMINISTRATOR,)


def require_administrator():
    user = require_user()
    if user.role != Role.ADMINISTRATOR:
        abort(403)
    return user


def load_certificate(serial):
    """The requester's own certificate (or any, for the office); 404 otherwise."""
    actor = actor_of(require_user())
    certificate = queries.get_certificate(ops.normalise_serial(serial))
    if certificate is None or not can_see_certificate(actor, certificate.user_id):
        abort(404)
    return certificate


def award_json(award, counted=None):
    data = {
        "id": award.id,
        "date": award.activity_date.isoformat(),
        "source": award.source.value,
        "manual_kind": award.manual_kind or None,
        "course_id": award.course_id,
        "session_id": award.session_id,
        "title_zh": award.title_zh,
        "title_en": award.title_en,
        "project_number": award.project_number,
        "rule_set": award.rule_set_code,
        "rule_set_version": award.rule_set_version,
        "category": award.category,
        "class_hours": format_credit(award.class_hours),
        "credits": format_credit(award.credits),
        "awarding_unit": award.awarding_unit,
        "revokes": award.revokes_id,
        "study_months": award.study_months,
        "assessment_passed": award.has_passed_assessment,
    }
    if counted is not None:
        data["revoked"] = counted.line.is_revoked
        data["counted_credits"] = format_credit(counted.counted_credits)
        data["not_counted_reason"] = counted.reason or None
    return data


def transcript_json(transcript, awards):
    return {
        "year": transcript.year,
        "rule_set": {
            "code": transcript.rule_set.code,
            "version": transcript.rule_set.version,
            "name_zh": transcript.rule_set.name_zh,
            "name_en": transcript.rule_set.name_en,
        },
        "lines": [award_json(awards[c.line.award_id], c) for c in transcript.lines],
        "total_credits": format_credit(transcript.total_credits),
        "counted_credits": format_credit(transcript.counted_credits),
        "counted_class_hours": format_credit(transcript.counted_class_hours),
        # 学时 beside the credits where the rule set states them (CN-2024: 90):
        # the requirement's equivalent, not a second test.
        "class_hours_equivalent": (
            None
            if transcript.class_hours_equivalent is None
            else dict(
                zip(
                    ("achieved", "required"),
                    map(format_credit, transcript.class_hours_equivalent),
                    strict=True,
                )
            )
        ),
        "requirement": [
            {
                "item": item.key,
                "required": format_credit(item.required),
                "achieved": format_credit(item.achieved),
                "met": item.is_met,
            }
            for item in transcript.requirement
        ],
        "met": transcript.is_met,
        # "advanced_study": a 进修 line meets the year whatever the numbers.
        "met_by": transcript.met_by or None,
    }


def certificate_json(certificate, *, public=False):
    if public:  # what a verifier needs: no score, hospital or learner number
        facts = public_facts(documents.certificate_facts(certificate))
    else:
        facts = dict(certificate.payload)
        facts.pop("schema", None)
    data = {
        "serial": certificate.serial,
        "version": certificate.version,
        "status": certificate.status,
        "valid": certificate.status == "valid",
        "issued": certificate.issued_dt.isoformat(),
        "key_id": certificate.key_id,
        "facts": facts,
    }
    if certificate.revoked_dt is not None:
        data["revoked"] = certificate.revoked_dt.isoformat()
        if not public:  # the office's note is not for anyone holding the serial
            data["revoke_reason"] = certificate.revoke_reason
    if public and certificate.status == "replaced":
        data["replaced_by"] = queries.get_newest_version(certificate).serial
    if not public:
        data["pdf_url"] = url_for(
            "api.certificate_pdf", serial=certificate.serial, _external=False
        )
        data["signature"] = certificate.signature
    return data


def batch_json(batch):
    data = {
        "id": batch.id,
        "course_id": batch.course_id,
        "state": batch.state.value,
        "total": batch.total,
        "done": batch.done,
        "error": batch.error or None,
        "archive_url": None,
    }
    if batch.archive:
        data["archive_url"] = url_for("api.batch_archive", batch_id=batch.id)
    return data


# --- transcripts --------------------------------------------------------------


@api_route(
    "/me/transcript",
    ["GET"],
    summary="My credits of a year, what counts, the requirement and whether it is met",
    query=s.YearQuery,
    responses={200: s.TranscriptOut},
)
def my_transcript(query):
    user = require_user()
    year = query.year or ops.local_date(utcnow()).year
    transcript, awards = queries.get_transcript(user, year)
    return transcript_json(transcript, awards)


@api_route(
    "/me/certificates",
    ["GET"],
    summary="My certificates, every version",
    responses={200: s.CertificatesOut},
)
def my_certificates():
    user = require_user()
    certificates = queries.list_certificates_of_user(user.id)
    return {"certificates": [certificate_json(c) for c in certificates]}


# --- the ledger (the CME office) ------------------------------------------------


@api_route(
    "/users/<int:user_id>/credits",
    ["POST"],
    roles=OFFICE,
    summary="Enter credits by hand (administrators), with a reason",
    description="A Class II kind (ii-paper, ii-research, ii-book, …) computes its "
    "credits from the rule set's award standard and class_ii {sessions, "
    "characters, rank, venue}; credits that differ need override_reason.",
    body=s.ManualCreditIn,
    example={
        "title": "《中华全科医师杂志》论文",
        "kind": "ii-paper",
        "date": "2026-05-12",
        "reason": "Paper published (office's record 2026-117)",
        "class_ii": {"rank": 1, "venue": "national"},
    },
    responses={201: s.AwardOut, 403: "Not the office", 409: "Entered already"},
)
def add_manual_credits(user_id, body):
    admin = require_administrator()
    learner = db.get_or_404(User, user_id)
    try:
        on = date.fromisoformat(body.date)
    except ValueError:
        raise ApiError(422, "invalid_date", "date is YYYY-MM-DD.") from None
    award = ops.record_manual_award(
        learner,
        admin,
        utcnow(),
        title=body.title,
        rule_set_code=body.rule_set or None,  # else the one in force
        category=body.category,
        credits=body.credits,
        class_hours=body.class_hours,
        kind=body.kind,
        on=on,
        reason=body.reason,
        study_months=body.study_months,
        assessment_passed=body.assessment_passed,
        class_ii=body.class_ii.model_dump(exclude_none=True) if body.class_ii else None,
        override_reason=body.override_reason,
    )
    db.session.commit()
    return award_json(award), 201


@api_route(
    "/credits/<int:award_id>/revoke",
    ["POST"],
    roles=OFFICE,
    summary="Revoke a ledger line with a reason (a new line; administrators)",
    body=s.ReasonIn,
    responses={201: s.AwardOut, 403: "Not the office", 409: "Revoked already"},
)
def revoke_credits(award_id, body):
    admin = require_administrator()
    award = db.get_or_404(CreditAward, award_id)
    line = ops.revoke_award(award, admin, utcnow(), body.reason)
    db.session.commit()
    return award_json(line), 201


# --- certificates -------------------------------------------------------------


@api_route(
    "/courses/<int:course_id>/certificates",
    ["POST"],
    summary="Issue a certificate: my own, one learner's, or every eligible "
    "learner's as a background job ({all: true}; administrators)",
    body=s.IssueIn,
    body_optional=True,
    responses={
        200: s.CertificateOut,
        202: s.BatchOut,
        403: "Another learner's (the office only)",
        404: "Not enrolled",
        409: "Not completed, or its credits were revoked",
    },
)
def issue_certificates(course_id, body):
    user = require_user()
    course = db.get_or_404(Course, course_id)
    if body.all:
        admin = require_administrator()
        batch = ops.start_batch(course, admin, utcnow())
        db.session.commit()
        issue_batch(batch.id)
        db.session.refresh(batch)
        return batch_json(batch), 202
    learner_id = body.user_id or user.id
    if learner_id != user.id:
        require_administrator()
    enrolment = get_enrolment(course.id, learner_id)
    if enrolment is None:
        raise ApiError(
            404, "not_enrolled", "That learner is not enrolled in the course."
        )
    certificate = ops.issue_certificate(
        enrolment,
        current_issuer(),
        utcnow(),
        issued_by_id=user.id if learner_id != user.id else None,
    )
    db.session.commit()
    return certificate_json(certificate)


@api_route(
    "/certificates/<serial>",
    ["GET"],
    summary="A certificate and its facts (its learner or administrators)",
    responses={200: s.CertificateOut},
)
def get_certificate(serial):
    return certificate_json(load_certificate(serial))


@api_route(
    "/certificates/<serial>/pdf",
    ["GET"],
    summary="The certificate as a signed PDF",
    responses={
        200: {
            "description": "The signed PDF",
            "content": {"application/pdf": {"schema": {"type": "string"}}},
        },
        410: "Revoked or replaced: not for download",
    },
)
def certificate_pdf(serial):
    certificate = load_certificate(serial)
    if not can_download_certificate(
        actor_of(current_user), certificate.user_id, certificate.is_current
    ):
        raise ApiError(410, "not_current", f"This certificate is {certificate.status}.")
    return send_file(
        io.BytesIO(documents.certificate_pdf(certificate)),
        mimetype="application/pdf",
        download_name=documents.pdf_filename(certificate),
    )


@api_route(
    "/certificates/<serial>/revoke",
    ["POST"],
    roles=OFFICE,
    summary="Revoke a certificate with a reason (administrators)",
    body=s.ReasonIn,
    responses={200: s.CertificateOut, 403: "Not the office", 409: "Revoked already"},
)
def revoke_certificate(serial, body):
    admin = require_administrator()
    certificate = load_certificate(serial)
    ops.revoke_certificate(certificate, admin, utcnow(), body.reason)
    db.session.commit()
    return certificate_json(certificate)


@api_route(
    "/certificates/<serial>/reissue",
    ["POST"],
    roles=OFFICE,
    summary="Issue a new version from today's facts; the old one stays, replaced",
    responses={200: s.CertificateOut, 403: "Not the office", 409: "Not current"},
)
def reissue_certificate(serial):
    admin = require_administrator()
    certificate = load_certificate(serial)
    new = ops.reissue_certificate(certificate, current_issuer(), utcnow(), admin)
    db.session.commit()
    return certificate_json(new)


@api_route(
    "/certificate-batches/<int:batch_id>",
    ["GET"],
    roles=OFFICE,
    summary="A bulk issue: state, progress and the ZIP when done (administrators)",
    responses={200: s.BatchOut, 403: "Not the office"},
)
def get_batch(batch_id):
    require_administrator()
    return batch_json(db.get_or_404(CertificateBatch, batch_id))


@api_route(
    "/certificate-batches/<int:batch_id>/archive",
    ["GET"],
    roles=OFFICE,
    summary="The ZIP of a finished bulk issue (administrators)",
    responses={
        200: {
            "description": "The certificates' PDFs",
            "content": {"application/zip": {"schema": {"type": "string"}}},
        },
        403: "Not the office",
        409: "Not ready yet",
    },
)
def batch_archive(batch_id):
    require_administrator()
    batch = db.get_or_404(CertificateBatch, batch_id)
    path = documents.batch_archive_path(batch)
    if not batch.archive or not path.exists():
        raise ApiError(409, "not_ready", "The archive is not ready yet.")
    return send_file(
        path, mimetype="application/zip", download_name=f"certificates-{batch.id}.zip"
    )


# --- public verification -------------------------------------------------------


@api_route(
    "/verify/<serial>",
    ["GET"],
    summary="Public: whether a certificate is valid, revoked or replaced, "
    "with its facts and the name partly masked",
    auth="none",
    responses={200: s.CertificateOut, 404: "No certificate has this serial"},
)
def verify(serial):
    certificate = queries.get_certificate(ops.normalise_serial(serial))
    if certificate is None:
        raise ApiError(404, "unknown_serial", "No certificate has this serial number.")
    return certificate_json(certificate, public=True)


@api_route(
    "/verification-key",
    ["GET"],
    summary="Public: the Ed25519 key that verifies certificates' facts offline, "
    "and the X.509 certificate that signs their PDFs",
    auth="none",
    responses={200: s.VerificationKeyOut},
)
def verification_key():
    issuer = current_issuer()
    return {
        "key_id": issuer.key_id,
        "algorithm": "Ed25519",
        "public_key_pem": issuer.public_pem.decode(),
        "document_certificate_pem": issuer.document_certificate_pem.decode(),
        "document_certificate_sha256": certificate_fingerprint(
            issuer.document_certificate_pem
        ),
    }
