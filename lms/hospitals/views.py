"""Administrators' pages for the hospital network."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from wtforms.fields.choices import SelectChoice

from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.db import db
from lms.edge import choice_arg, page_arg
from lms.hospitals.forms import HospitalForm
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES, PROVINCES_BY_CODE, Tier
from lms.hospitals.operations import HospitalError, create_hospital, update_hospital
from lms.hospitals.queries import (
    count_hospitals_by_tier,
    list_hospitals,
    paginate_hospitals,
)
from lms.i18n import current_language

bp = Blueprint("hospitals", __name__, url_prefix="/admin/hospitals")


def province_name(code):
    province = PROVINCES_BY_CODE.get(code)
    if province is None:
        return code
    return province.name_en if current_language() == "en" else province.name_zh


def province_choices():
    return [SelectChoice(p.code, province_name(p.code)) for p in PROVINCES]


def hospital_choices(include_hub=True):
    """Active hospitals as choices, grouped by province."""
    language = current_language()
    choices = []
    for hospital in list_hospitals(active_only=True):
        if hospital.tier == Tier.HUB and not include_hub:
            continue
        province = PROVINCES_BY_CODE.get(hospital.province_code)
        # What the registration page's filter matches: name, county or city and
        # province in both languages (static/js/hospital_filter.js).
        words = [hospital.name_zh, hospital.name_en, hospital.city]
        words += [province.name_zh, province.name_en] if province else []
        choices.append(
            SelectChoice(
                hospital.id,
                hospital.display_name(language),
                render_kw={"data-search": " ".join(w for w in words if w).lower()},
                optgroup=province_name(hospital.province_code),
            )
        )
    return choices


@bp.app_template_global()
def province_label(code):
    return province_name(code)


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def index():
    province = request.args.get("province") or None
    tier = choice_arg("tier", {t.value for t in Tier})
    q = request.args.get("q", "").strip()
    page = paginate_hospitals(
        q=q,
        province_code=province,
        tier=tier,
        page=page_arg(),
    )
    return render_template(
        "admin/hospitals.html",
        page=page,
        q=q,
        province=province,
        tier=tier,
        provinces=province_choices(),
        counts=count_hospitals_by_tier(),
        tiers=list(Tier),
    )


@bp.route("/new", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def create():
    form = HospitalForm()
    form.province_code.choices = province_choices()
    if form.validate_on_submit():
        try:
            hospital = create_hospital(
                code=form.code.data,
                name_zh=form.name_zh.data,
                name_en=form.name_en.data or "",
                tier=Tier(form.tier.data),
                province_code=form.province_code.data,
                city=form.city.data or "",
            )
        except HospitalError as error:
            flash(_hospital_error(error.code), "error")
        else:
            db.session.commit()
            flash(_("Hospital %(name)s was added.", name=hospital.name_zh), "success")
            return redirect(url_for(".index"))
    return render_template("admin/hospital_form.html", form=form, hospital=None)


@bp.route("/<int:hospital_id>", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def edit(hospital_id):
    hospital = db.get_or_404(Hospital, hospital_id)
    form = HospitalForm(obj=hospital, tier=hospital.tier.value)
    form.province_code.choices = province_choices()
    if form.validate_on_submit():
        try:
            update_hospital(
                hospital,
                name_zh=form.name_zh.data,
                name_en=form.name_en.data or "",
                tier=Tier(form.tier.data),
                province_code=form.province_code.data,
                city=form.city.data or "",
                is_active=form.is_active.data,
            )
        except HospitalError as error:
            flash(_hospital_error(error.code), "error")
        else:
            db.session.commit()
            flash(_("Hospital %(name)s was saved.", name=hospital.name_zh), "success")
            return redirect(url_for(".index"))
    return render_template("admin/hospital_form.html", form=form, hospital=hospital)


def _hospital_error(code):
    return {
        "code_taken": _("Another hospital already has this code."),
        "unknown_province": _("Please choose a province from the list."),
        "name_required": _("Please enter the hospital's name."),
    }.get(code, _("This change could not be saved."))
