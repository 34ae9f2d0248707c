"""The network reports' pages (``/reports``): the office's network dashboard,
a hospital's page, and the lecturers' teaching records. The pages of one
blueprint live in two modules (``views`` and ``pages``).

The dashboard (``/reports/``) shows a period's figures for the whole network:
headline figures, a map by province, a monthly trend, tier bars and tables by
tier, province and (for the province picked on the map or in the table) by
hospital, each downloadable as CSV or Excel (``/reports/export.csv``, ``.xlsx``).
"""

from flask import Blueprint, Response, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.db import utcnow
from lms.hospitals.network import PROVINCES_BY_CODE, Tier
from lms.i18n import current_language
from lms.labels import tier_label
from lms.reports import sheets
from lms.reports.queries import (
    Scope,
    inactive_sites,
    network_report,
    network_reports,
    reach,
)
from lms.reports.rules import (
    PeriodError,
    month_label,
    parse_period,
)

bp = Blueprint("reports", __name__, url_prefix="/reports")

from lms.reports import pages  # noqa: E402  (routes on bp)

#: Years the year picker offers, back from this one.
YEARS_OFFERED = 10
#: A site with nothing in this many days is listed as silent.
INACTIVE_DAYS = 90
EXPORT_GROUPINGS = ("tier", "province", "hospital", "month")


class BadRequest(ValueError):
    """A dashboard argument that cannot be used (the message is for the person)."""


def _args():
    """The period's and the province's arguments, as given (for the forms)."""
    return {
        name: request.args.get(name, "").strip()[:20]
        for name in ("year", "start", "end", "province")
    }


def _read_args(args):
    """(period, province code or None) of the arguments; raises BadRequest."""
    try:
        period = parse_period(
            year=args["year"],
            start=args["start"],
            end=args["end"],
            today=pages.network_today(),
        )
    except PeriodError as error:
        raise BadRequest(pages.period_error_message(error)) from None
    province = args["province"] or None
    if province is not None and province not in PROVINCES_BY_CODE:
        raise BadRequest(
            _("There is no province with the code %(code)s.", code=province)
        )
    return period, province


def _period_args(period):
    """The query arguments that name ``period`` again (in links)."""
    if period.label == str(period.year):
        return {"year": period.year}
    return {"start": month_label(period.first), "end": month_label(period.last)}


def _year_choices(period):
    this_year = pages.network_today().year
    years = list(range(this_year, this_year - YEARS_OFFERED, -1))
    if period and period.year and period.year not in years:
        years.append(period.year)
    return sorted(years, reverse=True)


def _problem(args, message):
    return (
        render_template(
            "reports/network.html",
            args=args,
            problem=message,
            period=None,
            years=_year_choices(None),
        ),
        400,
    )


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def network():
    args = _args()
    try:
        period, province = _read_args(args)
    except BadRequest as error:
        return _problem(args, str(error))
    language = current_language()
    groupings = ("tier", "province", "month")
    by_tier, by_province, by_month = network_reports(period, groupings).values()
    tiers_reached = reach(period)
    by_hospital = (
        network_report(period, "hospital", Scope(province_code=province))
        if province
        else None
    )
    return render_template(
        "reports/network.html",
        args=args,
        problem=None,
        period=period,
        period_args=_period_args(period),
        years=_year_choices(period),
        province=PROVINCES_BY_CODE[province] if province else None,
        by_tier=by_tier,
        by_province=by_province,
        by_month=by_month,
        by_hospital=by_hospital,
        totals=by_tier.totals,
        as_of=by_tier.as_of,
        columns=sheets.PAGE_COLUMNS,
        map_data=_map_data(by_province, language),
        trend_data=pages.trend_chart(
            by_month, _("Person-times and completions by month")
        ),
        tier_data=_tier_data(by_tier),
        reach=tiers_reached,
        township=next((t for t in tiers_reached if t.tier == Tier.TOWNSHIP), None),
        inactive=inactive_sites(utcnow(), INACTIVE_DAYS),
        inactive_days=INACTIVE_DAYS,
        **_table_helpers(language),
    )


def _table_helpers(language):
    """What the tables of ``_network_table.html`` call."""
    return {
        "language": language,
        "shown": sheets.shown_value,
        "sort_value": sheets.sort_value,
        "export_url": export_url,
        "tier_rank": {tier.value: rank for rank, tier in enumerate(Tier)},
        "provinces_by_code": PROVINCES_BY_CODE,
        "month_label": month_label,
    }


def _map_data(report, language):
    return {
        "title": _("Person-times by province"),
        "name": _("Person-times"),
        "items": [
            {
                "code": row.key,
                "value": row.figures.person_times,
                "label": row.name(language),
            }
            for row in report.rows
        ],
    }


def _tier_data(report):
    return {
        "title": _("Person-times and learners by tier"),
        "categories": [str(tier_label(row.key)) for row in report.rows],
        "series": [
            {
                "name": _("Person-times"),
                "values": [row.figures.person_times for row in report.rows],
            },
            {
                "name": _("Learners"),
                "values": [row.figures.learners for row in report.rows],
            },
        ],
    }


def _head(by, language):
    """The columns before the figures in a download, by grouping."""
    if by == "tier":
        return ((_l("Tier"), lambda row: str(tier_label(row.key))),)
    if by == "month":
        return ((_l("Month"), lambda row: row.key),)
    if by == "province":
        return (
            (_l("Province code"), lambda row: row.key),
            (_l("Province"), lambda row: row.name(language)),
        )
    return (
        (_l("Hospital id"), lambda row: int(row.key)),
        (_l("Hospital"), lambda row: row.name(language)),
        (_l("Tier"), lambda row: str(tier_label(row.tier))),
        (_l("Province"), lambda row: _province_name(row.province_code, language)),
    )


def _province_name(code, language):
    province = PROVINCES_BY_CODE.get(code)
    if province is None:
        return code
    return province.name_en if language == "en" else province.name_zh


@bp.route("/export.<any(csv, xlsx):kind>")
@roles_required(Role.ADMINISTRATOR)
def export(kind):
    args = _args()
    by = request.args.get("by", "")
    try:
        period, province = _read_args(args)
        if by not in EXPORT_GROUPINGS:
            raise BadRequest(
                _("Choose what to group by: tier, province, hospital or month.")
            )
    except BadRequest as error:
        return _problem(args, str(error))
    language = current_language()
    report = network_report(period, by, Scope(province_code=province))
    header, rows = sheets.sheet_rows(report, _head(by, language))
    name = f"network-by-{by}-{period.label.replace(' – ', '-to-')}"
    if province:
        name += f"-province-{province}"
    if kind == "csv":
        body, mimetype = sheets.write_csv(header, rows), "text/csv"
    else:
        body = sheets.write_xlsx(header, rows, title=by)
        mimetype = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}.{kind}"'},
    )


def export_url(kind, by, period, province=None):
    """Where a table's download is."""
    args = dict(_period_args(period), by=by)
    if province:
        args["province"] = province
    return url_for("reports.export", kind=kind, **args)
