"""Administrators' pages for the hospital network."""

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from lms.accounts.auth import roles_required
from lms.accounts.importing import parse_user_csv
from lms.accounts.messages import account_error_message
from lms.accounts.operations import import_users
from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.edge import choice_arg, page_arg
from lms.hospitals.forms import HospitalForm, SheetImportForm
from lms.hospitals.importing import parse_hospital_csv
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES, PROVINCES_BY_CODE, Tier
from lms.hospitals.operations import (
    HospitalError,
    create_hospital,
    import_hospitals,
    update_hospital,
)
from lms.hospitals.queries import (
    count_hospitals_by_tier,
    list_hospitals,
    list_hospitals_by_code,
    paginate_hospitals,
)
from lms.hospitals.sheets import MAX_SHEET_BYTES, UnreadableSheet, sheet_text
from lms.i18n import current_language
from lms.limits import HOSPITAL_IMPORT_ROWS_MAX, USER_IMPORT_ROWS_MAX

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


@bp.route("/<int:hospital_id>/staff")
@roles_required(Role.ADMINISTRATOR)
def staff(hospital_id):
    """The hospital's people: this year's credits and their courses."""
    from lms.credits.staff import staff_page
    from lms.credits.views import requested_year, this_year

    hospital = db.get_or_404(Hospital, hospital_id)
    year = requested_year()
    q = request.args.get("q", "").strip()
    people, rows = staff_page(hospital.id, year, q=q, page=page_arg())
    return render_template(
        "admin/hospital_staff.html",
        hospital=hospital,
        people=people,
        rows=rows,
        q=q,
        year=year,
        years=list(range(this_year(), this_year() - 5, -1)),
    )


# --- importing from a spreadsheet -------------------------------------------------


@bp.route("/import", methods=["GET", "POST"])
@roles_required(Role.ADMINISTRATOR)
def import_sheet():
    """Hospitals or people from an .xlsx or .csv sheet: every row or none."""
    form = SheetImportForm()
    if not form.validate_on_submit():
        if form.is_submitted():
            flash(_("Choose a spreadsheet to import."), "error")
        return render_template("admin/import.html", form=form, errors=(), result=None)
    upload = form.sheet.data
    max_rows = (
        HOSPITAL_IMPORT_ROWS_MAX
        if form.kind.data == "hospitals"
        else USER_IMPORT_ROWS_MAX
    )
    try:
        # The header, the rows allowed and one past them (the parser names the cap).
        text = sheet_text(
            upload.filename, upload.read(MAX_SHEET_BYTES + 1), max_rows=max_rows + 2
        )
    except UnreadableSheet as error:
        flash(sheet_error_message(str(error)), "error")
        return render_template("admin/import.html", form=form, errors=(), result=None)
    if form.kind.data == "hospitals":
        errors, result = _import_hospitals(text)
    else:
        errors, result = _import_users(text)
    if errors:
        db.session.rollback()
        flash(
            _("Nothing was imported. Rows to fix: %(count)s.", count=len(errors)),
            "error",
        )
        return render_template(
            "admin/import.html",
            form=form,
            errors=[(e.line, row_error_message(e)) for e in errors],
            result=None,
        )
    db.session.commit()
    flash(_("The sheet was imported."), "success")
    return render_template("admin/import.html", form=form, errors=(), result=result)


def _import_hospitals(text):
    parsed = parse_hospital_csv(text)
    if parsed.errors:
        return parsed.errors, None
    summary = import_hospitals(parsed.rows)
    record_audit(
        current_user,
        AuditAction.USERS_IMPORTED,
        ("hospitals", None),
        after={"created": summary.created, "updated": summary.updated},
        label="hospitals from a spreadsheet",
    )
    return (), {
        "kind": "hospitals",
        "created": summary.created,
        "updated": summary.updated,
        "people": [],
    }


def _import_users(text):
    parsed = parse_user_csv(text)
    if parsed.errors:
        return parsed.errors, None
    codes = {row.hospital_code for row in parsed.rows}
    hospitals = {h.code: h for h in list_hospitals_by_code(codes)}
    imported, errors = import_users(parsed.rows, hospitals)
    if errors:
        return errors, None
    record_audit(
        current_user,
        AuditAction.USERS_IMPORTED,
        ("users", None),
        after={"created": len(imported), "logins": [i.user.login for i in imported]},
        label="people from a spreadsheet",
    )
    return (), {
        "kind": "users",
        "created": len(imported),
        "updated": 0,
        "people": imported,
    }


def sheet_error_message(code):
    return {
        "too_large": _("The file is larger than 5 MB."),
        "unpacks_too_large": _(
            "The workbook unpacks to more than 40 MB: split it into smaller sheets."
        ),
        "not_text": _("The CSV file is neither UTF-8 nor GB18030 text."),
        "not_xlsx": _("The file is not an Excel workbook (.xlsx) that can be read."),
        "unknown_kind": _("Upload an .xlsx or a .csv file."),
    }.get(code, _("The file cannot be read."))


def row_error_message(error):
    """A sheet's row error in the reader's language."""
    params = error.params
    messages = {
        "missing_columns": lambda: _(
            "the header lacks the columns: %(columns)s", columns=params[0]
        ),
        "too_many_fields": lambda: _("more cells than the header has"),
        "too_many_rows": lambda: _(
            "the sheet has more than %(count)s rows, the most one file may hold: "
            "split it into several files (nothing past this row was read)",
            count=params[0],
        ),
        "empty": lambda: _("the column %(column)s is empty", column=params[0]),
        "too_long": lambda: _(
            "%(column)s is longer than %(count)s characters",
            column=params[0],
            count=params[1],
        ),
        "duplicate_code": lambda: _(
            "the code %(code)s is already on line %(line)s",
            code=params[0],
            line=params[1],
        ),
        "duplicate_login": lambda: _(
            "the login %(login)s is already on line %(line)s",
            login=params[0],
            line=params[1],
        ),
        "unknown_tier": lambda: _(
            "the tier %(value)s is not one of %(allowed)s",
            value=params[0],
            allowed=params[1],
        ),
        "unknown_province": lambda: _(
            "the province %(value)s is unknown", value=params[0]
        ),
        "invalid_login": lambda: _(
            "the login %(value)s is not an email address or a mobile number",
            value=params[0],
        ),
        "unknown_role": lambda: _(
            "the role %(value)s is not learner, lecturer or site_coordinator",
            value=params[0],
        ),
        "unknown_profession": lambda: _(
            "the profession %(value)s is unknown", value=params[0]
        ),
        "unknown_hospital": lambda: _(
            "no hospital has the code %(code)s", code=params[0]
        ),
    }
    if error.code in messages:
        return messages[error.code]()
    return account_error_message(error.code)


def _hospital_error(code):
    return {
        "code_taken": _("Another hospital already has this code."),
        "unknown_province": _("Please choose a province from the list."),
        "name_required": _("Please enter the hospital's name."),
    }.get(code, _("This change could not be saved."))
