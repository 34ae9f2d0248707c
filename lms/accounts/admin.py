"""Administrators' pages for people and roles."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from certificates.queries import list_certificates_of_user
from courses import operations as course_ops
from courses.gates import next_step
from courses.models import Enrolment
from courses.operations import CourseError
from courses.queries import enrolment_facts_of, list_enrolments_of_user
from lms.accounts import operations as account_ops
from lms.accounts.auth import roles_required
from lms.accounts.forms import UserAdminForm, role_choices
from lms.accounts.messages import account_error_message
from lms.accounts.models import User
from lms.accounts.operations import AccountError, update_user_as_admin
from lms.accounts.queries import list_pending_hospital_changes, list_users
from lms.accounts.roles import Role, can_update_user
from lms.credits.forms import ReasonForm
from lms.db import db, utcnow
from lms.edge import page_arg
from lms.hospitals.models import Hospital
from lms.hospitals.views import hospital_choices
from lms.i18n import current_language

bp = Blueprint("users_admin", __name__, url_prefix="/admin/users")


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def index():
    role = request.args.get("role") or None
    if role and role not in {r.value for r in Role}:
        role = None
    q = request.args.get("q", "").strip()
    page = list_users(q=q, role=role, page=page_arg())
    return render_template(
        "admin/users.html", page=page, q=q, role=role, roles=role_choices()
    )


@bp.route("/<int:user_id>", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def edit(user_id):
    user = db.get_or_404(User, user_id)
    form = UserAdminForm(
        obj=user, role=user.role.value, hospital_id=user.hospital_id or 0
    )
    form.hospital_id.choices = [SelectChoice(0, "—"), *hospital_choices()]
    if form.validate_on_submit():
        new_role = Role(form.role.data)
        if not can_update_user(
            current_user.role, current_user.id, user.id, new_role, form.is_active.data
        ):
            abort(403)
        hospital = (
            db.session.get(Hospital, form.hospital_id.data)
            if form.hospital_id.data
            else None
        )
        try:
            update_user_as_admin(
                user,
                role=new_role,
                hospital=hospital,
                is_active=form.is_active.data,
                name=form.name.data or None,
                new_password=form.new_password.data or None,
                actor=current_user,
            )
        except AccountError as error:
            flash(account_error_message(error.code), "error")
        else:
            db.session.commit()
            flash(_("%(name)s was saved.", name=user.name), "success")
            return redirect(url_for(".index"))
    return render_user_page(user, form)


def render_user_page(user, form):
    """The person's page: the office's form, and links to their transcript,
    enrolments (with a grant of another attempt) and certificates."""
    enrolments = list_enrolments_of_user(user.id)
    facts = enrolment_facts_of(enrolments)
    return render_template(
        "admin/user_form.html",
        form=form,
        user=user,
        enrolments=enrolments,
        facts=facts,
        steps={i: next_step(f) for i, f in facts.items()},
        certificates=list_certificates_of_user(user.id),
        grant_form=ReasonForm(prefix="grant"),
    )


@bp.route("/<int:user_id>/enrolments/<int:enrolment_id>/grant", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def grant_attempt(user_id, enrolment_id):
    enrolment = db.get_or_404(Enrolment, enrolment_id)
    if enrolment.user_id != user_id:
        abort(404)
    form = ReasonForm(prefix="grant")
    try:
        if not form.validate_on_submit():
            raise CourseError("reason_required", "no reason", 422)
        course_ops.grant_attempt(enrolment, current_user, utcnow(), form.reason.data)
    except CourseError as error:
        flash(grant_error_message(error.code), "error")
    else:
        db.session.commit()
        flash(
            _(
                "%(name)s may take the post-test once more; they were told.",
                name=enrolment.user.name,
            ),
            "success",
        )
    return redirect(url_for(".edit", user_id=user_id, _anchor="enrolments"))


def grant_error_message(code):
    return {
        "reason_required": _("Say why another attempt is granted."),
        "reason_too_long": _("The reason is too long (500 characters at most)."),
        "already_passed": _("The learner has already passed this post-test."),
        "too_many_attempts": _(
            "This learner has had the most extra attempts the office may grant."
        ),
    }.get(code, _("This change could not be saved."))


# --- learners moving hospital ---------------------------------------------------


@bp.route("/hospital-changes")
@roles_required(Role.ADMINISTRATOR)
def hospital_changes():
    return render_template(
        "admin/hospital_changes.html",
        requests=list_pending_hospital_changes(),
        form=ReasonForm(prefix="reject"),
    )


@bp.route("/hospital-changes/<int:request_id>/confirm", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def confirm_hospital_change(request_id):
    try:
        change = account_ops.confirm_hospital_change(
            current_user, request_id, now=utcnow()
        )
    except AccountError as error:
        flash(account_error_message(error.code), "error")
        return redirect(url_for(".hospital_changes"))
    hospital = change.to_hospital  # the operation logged it and told the learner
    db.session.commit()
    flash(
        _(
            "%(name)s now belongs to %(hospital)s.",
            name=change.user.name,
            hospital=hospital.display_name(current_language()),
        ),
        "success",
    )
    return redirect(url_for(".hospital_changes"))


@bp.route("/hospital-changes/<int:request_id>/reject", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def reject_hospital_change(request_id):
    form = ReasonForm(prefix="reject")
    if not form.validate_on_submit():
        flash(_("Say why the request is refused."), "error")
        return redirect(url_for(".hospital_changes"))
    try:
        account_ops.reject_hospital_change(
            current_user, request_id, form.reason.data, now=utcnow()
        )
    except AccountError as error:
        flash(account_error_message(error.code), "error")
        return redirect(url_for(".hospital_changes"))
    db.session.commit()
    flash(_("The request was refused; the learner keeps their hospital."), "success")
    return redirect(url_for(".hospital_changes"))
