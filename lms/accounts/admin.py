"""Administrators' pages for people and roles."""

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.accounts.auth import roles_required
from lms.accounts.forms import UserAdminForm, role_choices
from lms.accounts.messages import account_error_message
from lms.accounts.models import User
from lms.accounts.operations import AccountError, update_user_as_admin
from lms.accounts.queries import list_users
from lms.accounts.roles import Role, can_update_user
from lms.db import db
from lms.edge import page_arg
from lms.hospitals.models import Hospital
from lms.hospitals.views import hospital_choices

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
    return render_template("admin/user_form.html", form=form, user=user)
