"""A hospital's report page, the coordinator's page, a lecturer's teaching
record and the evaluation results (routes on ``views.bp``)."""

from dataclasses import dataclass

from flask import abort, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.queries import actor_of, list_courses_of_lecturer
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.edge import choice_arg, page_arg
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES_BY_CODE, Tier
from lms.i18n import current_language
from lms.reports import queries
from lms.reports.access import (
    can_see_course_evaluations,
    can_see_hospital_report,
    can_see_teaching_record,
)
from lms.reports.rules import (
    FIRST_YEAR,
    LAST_YEAR,
    MAX_MONTHS,
    NETWORK_TZ,
    PeriodError,
    month_label,
    parse_period,
)
from lms.reports.views import bp

#: The years a period form offers, back from this one.
YEARS_OFFERED = 6
#: Courses per page of the evaluation results.
COURSES_PER_PAGE = 100


# --- the period of a page -----------------------------------------------------


def network_today():
    return utcnow().astimezone(NETWORK_TZ).date()


def period_error_message(error):
    """A ``PeriodError`` in the interface language (its text is the parser's
    English; one that is not listed here is shown as it is)."""
    return period_messages().get(str(error), str(error))


def period_messages():
    """The period parser's messages, by their English text."""
    return {
        "Give a year, or a start and end month, not both.": _(
            "Give a year, or a start and end month, not both."
        ),
        "The end month is before the start month.": _(
            "The end month is before the start month."
        ),
        f"A report covers at most {MAX_MONTHS} months.": _(
            "A report covers at most %(n)s months.", n=MAX_MONTHS
        ),
        "The year must be four digits, such as 2026.": _(
            "The year must be four digits, such as 2026."
        ),
        f"The year must lie between {FIRST_YEAR} and {LAST_YEAR}.": _(
            "The year must lie between %(first)s and %(last)s.",
            first=FIRST_YEAR,
            last=LAST_YEAR,
        ),
        "The start month must be written YYYY-MM, such as 2026-03.": _(
            "The start month must be written YYYY-MM, such as 2026-03."
        ),
        "The end month must be written YYYY-MM, such as 2026-03.": _(
            "The end month must be written YYYY-MM, such as 2026-03."
        ),
    }


@dataclass(frozen=True)
class PeriodChoice:
    """What the page's period form shows: the period asked for (None when the
    arguments were refused, with the reason) and the choices."""

    period: object
    error: str | None
    year: int | None
    start: str
    end: str
    years: tuple

    @property
    def args(self):
        """The arguments that ask for the same period again (for links)."""
        if self.period is None:
            return {}
        if self.year is not None:
            return {"year": self.year}
        return {"start": self.start, "end": self.end}


def requested_period():
    args = request.args
    today = network_today()
    years = tuple(range(today.year, today.year - YEARS_OFFERED, -1))
    year, start, end = args.get("year"), args.get("start"), args.get("end")
    try:
        period = parse_period(year, start, end, today=today)
    except PeriodError as error:
        # Given back to the form as typed (cut short: it is only an echo).
        start, end = (start or "")[:20], (end or "")[:20]
        return PeriodChoice(None, period_error_message(error), None, start, end, years)
    whole_year = period.first % 100 == 1 and period.last % 100 == 12 and period.year
    if whole_year and not (start or end):
        return PeriodChoice(period, None, period.year, "", "", years)
    return PeriodChoice(
        period, None, None, month_label(period.first), month_label(period.last), years
    )


# --- a hospital's page --------------------------------------------------------


def trend_chart(report, title=None):
    """The monthly trend (person-times and completions) as ``charts.js`` draws it."""
    rows = report.rows
    return {
        "title": title or _("By month"),
        "categories": [row.key for row in rows],
        "series": [
            {
                "name": _("Person-times"),
                "values": [row.figures.person_times for row in rows],
            },
            {
                "name": _("Completions"),
                "values": [row.figures.completions for row in rows],
            },
        ],
    }


@bp.route("/hospitals/<int:hospital_id>")
@login_required
def hospital(hospital_id):
    if not can_see_hospital_report(actor_of(current_user), hospital_id):
        abort(403)
    hospital = db.get_or_404(Hospital, hospital_id)
    choice = requested_period()
    context = {
        "hospital": hospital,
        "choice": choice,
        "province": PROVINCES_BY_CODE.get(hospital.province_code),
    }
    if choice.period is None:
        return render_template("reports/hospital.html", **context), 400
    scope = queries.Scope(hospital_ids=(hospital.id,))
    report = queries.network_report(choice.period, "month", scope)
    return render_template(
        "reports/hospital.html",
        **context,
        report=report,
        trend=trend_chart(report),
        specialties=queries.topic_breakdown(choice.period, "specialty", scope),
        professions=queries.topic_breakdown(choice.period, "profession", scope),
    )


@bp.route("/my-hospital")
@login_required
def my_hospital():
    """The coordinator's page: their hospital's, for the same period."""
    if current_user.role != Role.SITE_COORDINATOR or not current_user.hospital_id:
        abort(403)
    args = {k: v for k, v in request.args.items() if k in ("year", "start", "end")}
    return redirect(url_for(".hospital", hospital_id=current_user.hospital_id, **args))


# --- a lecturer's teaching record ---------------------------------------------


@bp.route("/lecturers/<int:user_id>")
@login_required
def teaching_record(user_id):
    if not can_see_teaching_record(actor_of(current_user), user_id):
        abort(403)
    lecturer = db.session.get(User, user_id)
    if lecturer is None or lecturer.role != Role.LECTURER:
        abort(404)
    choice = requested_period()
    context = {"lecturer": lecturer, "choice": choice}
    if choice.period is None:
        return render_template("reports/lecturer.html", **context), 400
    courses = list_courses_of_lecturer(lecturer)
    workload = queries.lecturer_workload(choice.period, lecturer_ids=(lecturer.id,))
    return render_template(
        "reports/lecturer.html",
        **context,
        workload=workload[0] if workload else None,
        tiers=[t.value for t in Tier],
        courses=courses,
        evaluations={
            e.course_id: e
            for e in queries.evaluations_by_course(
                choice.period, course_ids=tuple(c.id for c in courses)
            )
        },
    )


@bp.route("/my-teaching")
@login_required
def my_teaching():
    if current_user.role != Role.LECTURER:
        abort(403)
    args = {k: v for k, v in request.args.items() if k in ("year", "start", "end")}
    return redirect(url_for(".teaching_record", user_id=current_user.id, **args))


# --- evaluation results by course ---------------------------------------------

#: The columns the evaluation results sort by, and the value each sorts on.
COURSE_SORTS = {
    "title": lambda e, language: e.title(language).casefold(),
    "enrolments": lambda e, language: e.enrolments,
    "completions": lambda e, language: e.completions,
    "evaluations": lambda e, language: e.evaluations,
    "course_quality": lambda e, language: e.course_quality,
    "lecturer_quality": lambda e, language: e.lecturer_quality,
    "relevance": lambda e, language: e.relevance,
}


def sort_evaluations(rows, sort, descending, language):
    """Rows sorted on ``sort``; rows without a value (no evaluations) last
    either way."""
    value = COURSE_SORTS[sort]
    known = [r for r in rows if value(r, language) is not None]
    unknown = [r for r in rows if value(r, language) is None]
    known.sort(key=lambda r: (value(r, language), -r.course_id), reverse=descending)
    return known + unknown


@dataclass(frozen=True)
class ListPage:
    """One page of a list, as ``macros.pager`` reads it."""

    items: list
    page: int
    pages: int
    total: int

    @property
    def has_prev(self):
        return self.page > 1

    @property
    def has_next(self):
        return self.page < self.pages

    @property
    def prev_num(self):
        return self.page - 1

    @property
    def next_num(self):
        return self.page + 1


def page_of(rows, page, per_page):
    pages = max(1, -(-len(rows) // per_page))
    page = min(page, pages)
    return ListPage(
        rows[(page - 1) * per_page : page * per_page], page, pages, len(rows)
    )


@bp.route("/courses")
@login_required
def course_evaluations():
    if not can_see_course_evaluations(actor_of(current_user)):
        abort(403)
    choice = requested_period()
    sort = choice_arg("sort", tuple(COURSE_SORTS)) or "evaluations"
    direction = choice_arg("dir", ("asc", "desc"))
    descending = (direction or ("asc" if sort == "title" else "desc")) == "desc"
    context = {"choice": choice, "sort": sort, "descending": descending}
    if choice.period is None:
        return render_template("reports/courses.html", **context), 400
    rows = sort_evaluations(
        queries.evaluations_by_course(choice.period),
        sort,
        descending,
        current_language(),
    )
    return render_template(
        "reports/courses.html",
        **context,
        rows=page_of(rows, page_arg(), COURSES_PER_PAGE),
    )
