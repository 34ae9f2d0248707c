"""The CME office: the credit queue, manual lines, revocations, rule sets, seals,
certificates of a course and the exports."""

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from certificates import documents, queries
from certificates import operations as ops
from certificates.keys import current_issuer
from certificates.models import CreditAward
from certificates.rule_sets import BUILT_IN
from certificates.rules import VARIANT_FIELDS
from certificates.tasks import issue_batch
from courses.models import Course, Enrolment
from courses.queries import get_enrolment
from courses.workflow import CourseStatus
from lms.accounts.auth import roles_required
from lms.accounts.models import User
from lms.accounts.queries import get_user_by_login
from lms.accounts.roles import Role
from lms.credits.exporting import EXPORT_KINDS, export_csv
from lms.credits.forms import (
    ExportForm,
    ManualAwardForm,
    ReasonForm,
    RuleSetForm,
    SealForm,
)
from lms.credits.messages import credit_error_message, seal_error_message
from lms.credits.views import requested_year, this_year
from lms.db import db, utcnow
from lms.edge import choice_arg, int_arg
from lms.hospitals.forms import tier_choices
from lms.hospitals.views import hospital_choices, province_choices, province_name
from lms.i18n import current_language

bp = Blueprint("credits_admin", __name__, url_prefix="/admin/credits")


def rule_set_choices():
    language = current_language()
    return [
        SelectChoice(r.code, f"{r.code} · {r.name(language)}")
        for r in queries.list_current_rule_sets()
    ]


def manual_form():
    form = ManualAwardForm(prefix="manual")
    form.rule_set_code.choices = [
        SelectChoice("", _("The one in force on the activity's date")),
        *rule_set_choices(),
    ]
    return form


def export_form():
    form = ExportForm(request.args)
    current = this_year()
    form.year.choices = [SelectChoice("", _("All years"))] + [
        SelectChoice(str(y), str(y)) for y in range(current, current - 6, -1)
    ]
    form.province.choices = [SelectChoice("", _("All provinces")), *province_choices()]
    form.hospital.choices = [SelectChoice("", _("All hospitals")), *hospital_choices()]
    form.course.choices = [SelectChoice("", _("All courses"))] + [
        SelectChoice(str(c.id), c.title(current_language()))
        for c in db.session.scalars(
            sa.select(Course)
            .where(Course.status == CourseStatus.APPROVED)
            .order_by(Course.id.desc())
        )
    ]
    return form


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def index():
    return render_template(
        "credits/admin_index.html",
        queue=queries.list_review_queue(),
        form=manual_form(),
        export=export_form(),
        courses=db.session.scalars(
            sa.select(Course)
            .where(Course.status == CourseStatus.APPROVED)
            .order_by(Course.approved_dt.desc())
            .limit(50)
        ).all(),
    )


@bp.route("/queue/<int:enrolment_id>/approve", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def approve_completion(enrolment_id):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    try:
        award = ops.award_completion(enrolment, utcnow(), approved_by=current_user)
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    if award is None:
        flash(_("The credit rules give this completion no credits."), "error")
    else:
        flash(_("Credits awarded."), "success")
    return redirect(url_for(".index"))


@bp.route("/manual", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def add_manual():
    form = manual_form()
    learner = get_user_by_login(form.login.data or "")
    if not form.validate_on_submit() or learner is None:
        flash(
            _("Nobody has this login.")
            if form.login.data and learner is None
            else _("Some of the data is not valid."),
            "error",
        )
        return redirect(url_for(".index"))
    try:
        ops.record_manual_award(
            learner,
            current_user,
            utcnow(),
            title=form.title.data,
            rule_set_code=form.rule_set_code.data or None,
            category=form.category.data.strip(),
            credits=form.credits.data,
            class_hours=form.class_hours.data,
            kind=form.kind.data,
            on=form.on.data,
            reason=form.reason.data,
            study_months=form.study_months.data,
            assessment_passed={"yes": True, "no": False}.get(
                form.assessment_passed.data
            ),
            class_ii={
                "sessions": form.sessions.data,
                "characters": form.characters.data,
                "rank": form.rank.data,
                "venue": form.venue.data or "",
            },
            override_reason=form.override_reason.data,
        )
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
        return redirect(url_for(".index"))
    db.session.commit()
    flash(_("Credits entered for %(name)s.", name=learner.name), "success")
    return redirect(url_for(".person", user_id=learner.id, year=form.on.data.year))


@bp.route("/people/<int:user_id>")
@roles_required(Role.ADMINISTRATOR)
def person(user_id):
    learner = db.get_or_404(User, user_id)
    year = requested_year()
    transcript, awards = queries.get_transcript(learner, year)
    return render_template(
        "credits/admin_person.html",
        learner=learner,
        transcript=transcript,
        awards=awards,
        years=sorted({year, this_year(), *queries.transcript_years(learner.id)}),
        revoke_form=ReasonForm(),
    )


@bp.route("/awards/<int:award_id>/revoke", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def revoke_award(award_id):
    award = db.get_or_404(CreditAward, award_id)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise ops.CreditError("reason_required", _("Say why it is revoked."), 422)
        ops.revoke_award(award, current_user, utcnow(), form.reason.data)
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("The credits were revoked."), "success")
    return redirect(url_for(".person", user_id=award.user_id, year=award.year))


# --- rule sets -----------------------------------------------------------------


def rule_set_form():
    form = RuleSetForm()
    form.based_on.choices = [SelectChoice(r.code, r.code) for r in BUILT_IN]
    form.province_code.choices = [SelectChoice("", "—"), *province_choices()]
    form.tier.choices = [SelectChoice("", "—"), *tier_choices()]
    return form


@bp.route("/rule-sets", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def rule_sets():
    form = rule_set_form()
    status = 200
    if form.validate_on_submit():
        try:
            variant = ops.add_rule_set_variant(
                form.based_on.data,
                current_user,
                utcnow(),
                code=form.code.data,
                name_zh=form.name_zh.data,
                name_en=form.name_en.data,
                valid_from=form.valid_from.data,
                valid_until=form.valid_until.data,
                province_code=form.province_code.data,
                tier=form.tier.data,
                values={name: getattr(form, name).data for name in VARIANT_FIELDS},
            )
        except ops.CreditError as error:
            db.session.rollback()
            flash(credit_error_message(error), "error")
            status = error.status
        else:
            db.session.commit()
            flash(
                _(
                    "Rule set %(code)s v%(version)s saved.",
                    code=variant.code,
                    version=variant.version,
                ),
                "success",
            )
            return redirect(url_for(".rule_sets"))
    elif form.is_submitted():
        flash(_("Some of the data is not valid."), "error")
    return render_template(
        "credits/rule_sets.html",
        rule_sets=queries.list_rule_sets(),
        form=form,
        province_name=province_name,
    ), (status if status == 409 else 200)


# --- seals ---------------------------------------------------------------------


@bp.route("/seals", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def seals():
    form = SealForm()
    if form.validate_on_submit():
        upload = form.image.data
        try:
            documents.save_seal(form.slot.data, upload.read() if upload else b"")
        except documents.SealRejected as error:
            flash(seal_error_message(error), "error")
        else:
            flash(_("The seal was saved."), "success")
            return redirect(url_for(".seals"))
    present = {
        slot: documents.seal_path(slot).exists() for slot in documents.SEAL_SLOTS
    }
    return render_template("credits/seals.html", form=form, present=present)


@bp.route("/seals/<slot>.png")
@roles_required(Role.ADMINISTRATOR)
def seal_image(slot):
    if slot not in documents.SEAL_SLOTS or not documents.seal_path(slot).exists():
        abort(404)
    return Response(documents.seal_path(slot).read_bytes(), mimetype="image/png")


@bp.route("/seals/<slot>/remove", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def remove_seal(slot):
    documents.remove_seal(slot)
    flash(_("The seal was removed."), "success")
    return redirect(url_for(".seals"))


# --- certificates of a course ------------------------------------------------------


@bp.route("/courses/<int:course_id>")
@roles_required(Role.ADMINISTRATOR)
def course_certificates(course_id):
    course = db.get_or_404(Course, course_id)
    certificates = queries.list_certificates_of_course(course.id)
    newest_versions = {}
    for c in certificates:  # ordered by version
        newest_versions[c.user_id] = c.version
    return render_template(
        "credits/course_certificates.html",
        course=course,
        eligible=queries.list_eligible_enrolments(course.id),
        certificates=certificates,
        current={c.user_id: c for c in certificates if c.is_current},
        newest_versions=newest_versions,
        batches=queries.list_batches(course.id)[:5],
        reason_form=ReasonForm(),
    )


@bp.route("/courses/<int:course_id>/issue/<int:user_id>", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def issue_one(course_id, user_id):
    enrolment = get_enrolment(course_id, user_id)
    if enrolment is None:
        abort(404)
    try:
        ops.issue_certificate(
            enrolment,
            current_issuer(),
            utcnow(),
            issued_by_id=current_user.id,
            after_revocation=True,  # the office's deliberate act
        )
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("Certificate issued."), "success")
    return redirect(url_for(".course_certificates", course_id=course_id))


@bp.route("/courses/<int:course_id>/issue-all", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def issue_all(course_id):
    course = db.get_or_404(Course, course_id)
    batch = ops.start_batch(course, current_user, utcnow())
    db.session.commit()
    issue_batch(batch.id)
    flash(_("Issuing the certificates of every eligible learner."), "success")
    return redirect(url_for(".course_certificates", course_id=course.id))


def _certificate_or_404(serial):
    certificate = queries.get_certificate(serial)
    if certificate is None:
        abort(404)
    return certificate


@bp.route("/certificates/<serial>/revoke", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def revoke_certificate(serial):
    certificate = _certificate_or_404(serial)
    form = ReasonForm()
    try:
        if not form.validate_on_submit():
            raise ops.CreditError("reason_required", _("Say why it is revoked."), 422)
        ops.revoke_certificate(certificate, current_user, utcnow(), form.reason.data)
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("The certificate was revoked."), "success")
    return redirect(url_for(".course_certificates", course_id=certificate.course_id))


@bp.route("/certificates/<serial>/reissue", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def reissue_certificate(serial):
    certificate = _certificate_or_404(serial)
    try:
        ops.reissue_certificate(certificate, current_issuer(), utcnow(), current_user)
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("A new version was issued."), "success")
    return redirect(url_for(".course_certificates", course_id=certificate.course_id))


# --- exports -------------------------------------------------------------------


@bp.route("/export.csv")
@roles_required(Role.ADMINISTRATOR)
def export():
    return export_csv(
        choice_arg("kind", EXPORT_KINDS) or "registry",
        year=int_arg("year", low=1900, high=9999),
        hospital_id=int_arg("hospital"),
        province=request.args.get("province") or None,
        course_id=int_arg("course"),
    )
