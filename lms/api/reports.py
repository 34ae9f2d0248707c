"""The network reports in JSON (``/api/v1/reports/...``): the report pages'
own queries, read from the summary tables, for the office (the whole network)
and a site coordinator (their own hospital, whatever they ask for)."""

from datetime import datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Literal

from flask import abort
from pydantic import ConfigDict, Field

from courses.queries import actor_of
from lms.accounts.roles import Role
from lms.api import ApiError, api_route, require_user
from lms.api.schemas import Out, Query
from lms.db import utcnow
from lms.edge import MAX_ID
from lms.hospitals.network import Tier
from lms.i18n import current_language
from lms.labels import tier_label
from lms.reports.access import can_see_teaching_record
from lms.reports.queries import (
    Scope,
    evaluations_by_course,
    lecturer_workload,
    network_report,
)
from lms.reports.rules import (
    FIRST_YEAR,
    LAST_YEAR,
    NETWORK_TZ,
    PeriodError,
    month_label,
    parse_period,
)
from lms.reports.summaries import last_refresh

TAGS = ["reports"]
#: Who reads the network report: the office (all), a coordinator (their own).
NETWORK_READERS = (Role.ADMINISTRATOR, Role.SITE_COORDINATOR)
#: Teaching records: the office (every lecturer's), a lecturer (their own).
TEACHING_READERS = (Role.ADMINISTRATOR, Role.LECTURER)
OFFICE = (Role.ADMINISTRATOR,)
MONTH_PATTERN = r"^[0-9]{4}-[0-9]{2}$"
CENT = Decimal("0.01")

Grouping = Literal["tier", "province", "hospital", "month"]


# --- what the endpoints take ------------------------------------------------------


class PeriodQuery(Query):
    """A year, or a start and an end month; the current year when neither.
    Arguments it does not know are refused (a misspelt ``yaer`` would
    otherwise quietly give this year's figures)."""

    model_config = ConfigDict(extra="forbid")

    year: int | None = Field(
        None, ge=FIRST_YEAR, le=LAST_YEAR, description="A calendar year"
    )
    start: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description="The first month, YYYY-MM (Beijing time; not with year)",
    )
    end: str | None = Field(
        None,
        pattern=MONTH_PATTERN,
        description="The last month, YYYY-MM (at most 120 months after start)",
    )


class NetworkQuery(PeriodQuery):
    by: Grouping = Field(
        "tier", description="One row per tier, province, hospital or month"
    )
    province: str | None = Field(
        None,
        pattern=r"^[0-9]{2}$",
        description="Only this province's hospitals (its 2-digit code, e.g. 51)",
    )


class LecturersQuery(PeriodQuery):
    lecturer: int | None = Field(
        None,
        ge=1,
        le=MAX_ID,
        description="One lecturer's id (the office); a lecturer reads their own",
    )


# --- what they give -----------------------------------------------------------------


class ReportFiguresOut(Out):
    person_times: int = Field(description="Enrolments plus session attendances (人次)")
    learners: int = Field(
        description="Distinct learners (in the totals: counted again over all "
        "rows, not their sum)"
    )
    class_hours_delivered: float = Field(
        description="Class hours of recorded courses completed plus of sessions held"
    )
    class_hours_watched: float = Field(description="Hours of recordings watched")
    completions: int
    credits: float = Field(description="Credits awarded, every category")
    credits_by_category: dict[str, float] = Field(
        description="Credits awarded by category (Class I, Class II, CME, …)"
    )
    certificates: int = Field(description="Certificates issued")
    compliance: float | None = Field(
        ge=0,
        le=1,
        description="The share of registered learners who met the year's "
        "requirement; null outside a single calendar year (and by month) or "
        "with nobody registered",
    )
    enrolments: int
    attendances: int = Field(description="Session attendances credited")
    sessions_held: int = Field(description="Sessions held at the hospitals")
    rooms_connected: int = Field(description="Rooms connected to sessions")


class ReportRowOut(ReportFiguresOut):
    key: str = Field(
        description="The tier (county), province code (51), hospital id (17) or "
        "month (2026-03)"
    )
    label: str = Field(description="For people, in the reader's language")


class ReportPeriodOut(Out):
    first: str = Field(examples=["2026-01"])
    last: str = Field(examples=["2026-12"])


class NetworkReportOut(Out):
    """A network report: one row per tier, province, hospital or month"""

    period: ReportPeriodOut
    by: Grouping
    as_of: datetime | None = Field(
        description="When the figures were last brought up to date (null: never)"
    )
    rows: list[ReportRowOut] = Field(
        description="Every tier, province or hospital in scope, or every month "
        "of the period, zeros included"
    )
    totals: ReportFiguresOut


class WorkloadOut(Out):
    user_id: int
    name: str
    sessions: int = Field(description="Sessions they taught that were held")
    hours_taught: float = Field(description="Class hours of those sessions")
    courses: int = Field(description="Courses they teach")
    completions: int = Field(description="Completions of their courses")
    evaluations: int = Field(description="Evaluations of their courses")
    course_quality: float | None = Field(description="Average, 1 to 5")
    lecturer_quality: float | None = Field(description="Average, 1 to 5")
    hospitals: int = Field(
        description="Hospitals whose staff attended their sessions or enrolled "
        "in their courses"
    )
    tiers: dict[str, int] = Field(description="Those hospitals by tier")


class LecturersReportOut(Out):
    """Lecturers' teaching in a period"""

    period: ReportPeriodOut
    as_of: datetime | None
    rows: list[WorkloadOut]


class CourseEvaluationOut(Out):
    course_id: int
    title: str = Field(description="In the reader's language")
    title_zh: str
    title_en: str
    enrolments: int
    completions: int
    evaluations: int
    course_quality: float | None = Field(description="Average, 1 to 5")
    lecturer_quality: float | None = Field(description="Average, 1 to 5")
    relevance: float | None = Field(description="Average, 1 to 5")


class CoursesReportOut(Out):
    """Evaluation results by course in a period, most evaluated first"""

    period: ReportPeriodOut
    as_of: datetime | None
    rows: list[CourseEvaluationOut]


# --- the rules of the edge ------------------------------------------------------------


def report_period(query):
    """The query's period, or a 400 saying what is wrong with it."""
    today = utcnow().astimezone(NETWORK_TZ).date()
    try:
        return parse_period(query.year, query.start, query.end, today=today)
    except PeriodError as error:
        raise ApiError(400, "invalid_period", str(error)) from None


def network_scope(user, province):
    """The office reads the whole network (or one province); a coordinator
    only their own hospital, whatever they ask (another province: nothing)."""
    if user.role == Role.ADMINISTRATOR:
        return Scope(province_code=province)
    own = (user.hospital_id,) if user.hospital_id is not None else ()
    return Scope(hospital_ids=own, province_code=province)


def teaching_lecturers(user, asked):
    """Whose teaching records ``user`` reads: every lecturer (None), or one."""
    if user.role == Role.LECTURER and asked is None:
        return (user.id,)
    if asked is None:
        return None
    if not can_see_teaching_record(actor_of(user), asked):
        abort(403)
    return (asked,)


def number(value):
    """A Decimal as a JSON number, to the cent."""
    return float(Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP))


def figures_json(figures):
    compliance = figures.compliance
    return {
        "person_times": figures.person_times,
        "learners": figures.learners,
        "class_hours_delivered": number(figures.class_hours_delivered),
        "class_hours_watched": number(figures.class_hours_watched),
        "completions": figures.completions,
        "credits": number(figures.credits),
        "credits_by_category": {
            category: number(credits)
            for category, credits in figures.credits_by_category.items()
        },
        "certificates": figures.certificates,
        "compliance": None if compliance is None else round(compliance, 4),
        "enrolments": figures.enrolments,
        "attendances": figures.attendances,
        "sessions_held": figures.sessions_held,
        "rooms_connected": figures.rooms_connected,
    }


def row_label(row, by, language):
    if by == "tier":
        return str(tier_label(Tier(row.key)))
    return row.name(language)


def refreshed_at():
    log = last_refresh()
    return log.refreshed_dt if log else None


def period_json(period):
    return {"first": month_label(period.first), "last": month_label(period.last)}


def report_json(report):
    language = current_language()
    return {
        "period": period_json(report.period),
        "by": report.by,
        "as_of": report.as_of,
        "rows": [
            {
                "key": row.key,
                "label": row_label(row, report.by, language),
                **figures_json(row.figures),
            }
            for row in report.rows
        ],
        "totals": figures_json(report.totals),
    }


# --- endpoints ------------------------------------------------------------------------


@api_route(
    "/reports/network",
    ["GET"],
    roles=NETWORK_READERS,
    summary="The network's figures of a year or of months, by tier, province, "
    "hospital or month (the office; a site coordinator: their hospital's)",
    description="Rows list every tier, province or hospital in scope (or every "
    "month of the period), zeros included. The totals are the sum of the rows, "
    "except learners (distinct people) and compliance (a share), which are "
    "counted again over all rows. province= narrows to one province's hospitals.",
    query=NetworkQuery,
    tags=TAGS,
    responses={200: NetworkReportOut, 403: "Not the office or a site coordinator"},
)
def network(query):
    user = require_user()
    period = report_period(query)
    scope = network_scope(user, query.province)
    return report_json(network_report(period, query.by, scope))


@api_route(
    "/reports/lecturers",
    ["GET"],
    roles=TEACHING_READERS,
    summary="Lecturers' teaching in a year or months: sessions and hours, "
    "courses, completions, evaluations, hospitals and tiers reached (the "
    "office: every lecturer's; a lecturer: their own)",
    query=LecturersQuery,
    tags=TAGS,
    responses={200: LecturersReportOut, 403: "Another lecturer's, or not allowed"},
)
def lecturers(query):
    user = require_user()
    period = report_period(query)
    rows = lecturer_workload(period, teaching_lecturers(user, query.lecturer))
    return {
        "period": period_json(period),
        "as_of": refreshed_at(),
        "rows": [
            {
                "user_id": w.user_id,
                "name": w.name,
                "sessions": w.sessions,
                "hours_taught": number(w.hours_taught),
                "courses": w.courses,
                "completions": w.completions,
                "evaluations": w.evaluations,
                "course_quality": w.course_quality,
                "lecturer_quality": w.lecturer_quality,
                "hospitals": w.hospitals,
                "tiers": w.tiers,
            }
            for w in rows
        ],
    }


@api_route(
    "/reports/courses",
    ["GET"],
    roles=OFFICE,
    summary="Evaluation results by course in a year or months (the office)",
    query=PeriodQuery,
    tags=TAGS,
    responses={200: CoursesReportOut, 403: "Not the office"},
)
def courses(query):
    require_user()
    period = report_period(query)
    language = current_language()
    return {
        "period": period_json(period),
        "as_of": refreshed_at(),
        "rows": [
            {
                "course_id": c.course_id,
                "title": c.title(language),
                "title_zh": c.title_zh,
                "title_en": c.title_en,
                "enrolments": c.enrolments,
                "completions": c.completions,
                "evaluations": c.evaluations,
                "course_quality": c.course_quality,
                "lecturer_quality": c.lecturer_quality,
                "relevance": c.relevance,
            }
            for c in evaluations_by_course(period)
        ],
    }
