"""Attendance and credits of ended sessions: per session and per hospital."""

import csv
import io
import re
from datetime import date, datetime, time, timedelta

from flask import (
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required
from flask_wtf import FlaskForm

from courses.queries import actor_of
from courses.sessions import crediting, queries
from courses.sessions.outcomes import OutcomeScope, outcome_scope, required_minutes
from courses.sessions.schedule import LOCAL_TZ, is_host, local, state_at
from courses.sessions.states import SessionState
from courses.sessions.tasks import queue_credits
from lms import limits
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.edge import page_arg
from lms.hospitals.models import Hospital
from lms.i18n import current_language
from lms.labels import category_label, format_credit, source_label
from lms.problems import DomainError
from lms.sessions import bp

#: The longest range the hospital page reads at once.
MAX_RANGE = timedelta(days=366)
#: The range it shows when none is asked for.
DEFAULT_RANGE = timedelta(days=90)

PRESENCE_SOURCES = {
    "code": _l("Room code"),
    "vouched": _l("Vouched by the coordinator"),
    "live": _l("Watched live"),
}
FLAGS = {
    "other_hospital": _l("In another hospital's room"),
    "above_headcount": _l("More sign-ins than the room's headcount"),
    "not_booked": _l("No booking"),
}
STATES = {
    SessionState.PLANNED: _l("Waiting for approval"),
    SessionState.OPEN: _l("Open for booking"),
    SessionState.UNDER_WAY: _l("Under way"),
    SessionState.ENDED: _l("Ended"),
    SessionState.CANCELLED: _l("Cancelled"),
}
#: ``certificates.rules.calculate_credits``' refusals a session meets.
RULE_REASONS = {
    "too short for a credit": _l("Too short for a credit"),
    "the project's credits are used up": _l("The project's credits are used up"),
    "the course's credits were revoked": _l("The course's credits were revoked"),
    "no presence": _l("No presence"),
    "signed in but never signed out": _l("Signed in but never signed out"),
    crediting.LECTURER_PRESENT: _l(
        "A lecturer of the session earns teaching credit, not attendance"
    ),
    "a group viewing shows a recorded course: no live presenting": _l(
        "A group viewing shows a recorded course: no teaching credit"
    ),
    "rule set not in force on the activity's date": _l(
        "The credit rules were not in force on the session's date"
    ),
    "this rule set gives no lecturer credit at this level": _l(
        "The credit rules give no lecturer credit at this project level"
    ),
}
SHORT = re.compile(
    r"^present (\d+) of (\d+) minutes; (\d+) needed"
    r"(?: \(never signed out on (\d+) of (\d+) days\))?$"
)


class EndForm(FlaskForm):
    """The "end the session" button: the CSRF token only."""


def reason_label(reason):
    """An outcome's reason in the reader's language."""
    if not reason:
        return ""
    match = SHORT.match(reason)
    if match:
        present, scheduled, needed, unclosed, days = match.groups()
        text = _(
            "Present %(present)s of %(scheduled)s minutes; %(needed)s needed.",
            present=present,
            scheduled=scheduled,
            needed=needed,
        )
        if unclosed:
            text += " " + _(
                "Never signed out on %(count)s of %(days)s days.",
                count=unclosed,
                days=days,
            )
        return text
    return str(RULE_REASONS.get(reason, reason))


def end_error_message(error):
    return {
        "forbidden": _("Only the session's hosts or the CME office end a session."),
        "already_ended": _("The session has already ended."),
        "not_under_way": _("Only an approved session that has started can end."),
        "not_started": _("The session has not started yet."),
    }.get(error.code, error.message)


def load_session(session_id):
    """The session, or a 404: a planned one exists only for its hosts."""
    session = queries.visible_session(session_id, current_user)
    if session is None:
        abort(404)
    return session


def scope_or_403(session):
    """Hosts and the office see everyone, a coordinator their hospital's people."""
    scope = outcome_scope(actor_of(current_user), queries.facts_of(session))
    if scope == OutcomeScope.OWN:
        abort(403)
    return scope


@bp.route("/sessions/<int:session_id>/attendance")
@login_required
def attendance(session_id):
    session = load_session(session_id)
    scope = scope_or_403(session)
    hospital_id = current_user.hospital_id if scope == OutcomeScope.HOSPITAL else None
    presences = queries.list_session_presences(session.id, hospital_id)
    outcomes = queries.list_outcomes(session.id)
    if hospital_id is not None:
        outcomes = [o for o in outcomes if o.user.hospital_id == hospital_id]
    if request.args.get("format") == "csv":
        return outcomes_csv(session, outcomes)
    state = state_at(session.state, session.starts_dt, utcnow())
    scheduled = sum(day.minutes for day in session.days)
    return render_template(
        "sessions/attendance/session.html",
        session=session,
        state=state,
        state_label=STATES.get(state, state),
        presences=presences,
        outcomes=outcomes,
        scheduled=scheduled,
        needed=required_minutes(scheduled, session.min_presence),
        may_end=is_host(current_user, queries.facts_of(session))
        and state == SessionState.UNDER_WAY,
        sees_all=scope == OutcomeScope.ALL,
        form=EndForm(),
        language=current_language(),
        reason_label=reason_label,
        presence_source_label=lambda s: PRESENCE_SOURCES.get(s, s),
        flag_label=lambda f: FLAGS.get(f, f),
        hhmm=lambda moment: local(moment).strftime("%H:%M") if moment else "—",
        day_label=lambda day: local(day.starts_dt).strftime("%Y-%m-%d"),
    )


@bp.route("/sessions/<int:session_id>/attendance/end", methods=["POST"])
@login_required
def end_and_credit(session_id):
    session = load_session(session_id)
    back = redirect(url_for(".attendance", session_id=session.id))
    if not EndForm().validate_on_submit():
        flash(_("The form expired. Please try again."), "error")
        return back
    try:
        crediting.end_session(session, current_user, utcnow())
    except DomainError as error:
        db.session.rollback()
        if error.code == "forbidden":
            abort(403)
        flash(end_error_message(error), "error")
        return back
    db.session.commit()
    queue_credits(session.id)
    db.session.refresh(session)
    if session.credited_dt is not None:
        flash(_("The session has ended and its credits are awarded."), "success")
    else:
        flash(_("The session has ended. Its credits are being awarded."), "success")
    return back


def outcomes_csv(session, outcomes):
    """The outcomes as a spreadsheet (one line a person and role)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(
        [
            _("Full name"),
            _("Role"),
            _("Minutes present"),
            _("Minutes scheduled"),
            _("Credits"),
            _("Category"),
            _("Why no credit"),
        ]
    )
    for outcome in outcomes:
        award = outcome.award
        writer.writerow(
            [
                _safe_cell(outcome.user.name),
                outcome.role.value,
                outcome.presence_minutes,
                outcome.scheduled_minutes,
                format_credit(award.credits) if award else "",
                award.category if award else "",
                reason_label(outcome.reason),
            ]
        )
    return Response(
        "\ufeff" + out.getvalue(),
        mimetype="text/csv",
        headers={
            "Content-Disposition": (
                f'attachment; filename="session-{session.id}-attendance.csv"'
            )
        },
    )


def _safe_cell(text):
    """A cell a spreadsheet never reads as a formula."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def date_range():
    """([since, until) as aware datetimes, the dates shown, a problem or "")."""
    today = local(utcnow()).date()
    problem = ""
    try:
        until = date.fromisoformat(request.args.get("to") or today.isoformat())
        since = date.fromisoformat(
            request.args.get("from") or (until - DEFAULT_RANGE).isoformat()
        )
        if not (since.year >= limits.YEAR_MIN and until.year <= limits.YEAR_MAX):
            # Year 1 in Beijing is before UTC's first day: no such range.
            raise ValueError(until)
    except (ValueError, OverflowError):
        since, until = today - DEFAULT_RANGE, today
        problem = _("Dates are written 2026-11-30.")
    if since > until or until - since > MAX_RANGE:
        since, until = until - DEFAULT_RANGE, until
        problem = _("Choose a range of at most a year, its start before its end.")
    start = datetime.combine(since, time(), LOCAL_TZ)
    end = datetime.combine(until + timedelta(days=1), time(), LOCAL_TZ)
    return start, end, since, until, problem


@bp.route("/hospitals/<int:hospital_id>/attendance")
@login_required
def hospital_attendance(hospital_id):
    hospital = db.get_or_404(Hospital, hospital_id)
    if current_user.role != Role.ADMINISTRATOR and not (
        current_user.role == Role.SITE_COORDINATOR
        and current_user.hospital_id == hospital.id
    ):
        abort(403)
    start, end, since, until, problem = date_range()
    if problem:
        flash(problem, "error")
    page = page_arg()
    rows, has_next = queries.list_hospital_outcomes(hospital.id, start, end, page=page)
    return render_template(
        "sessions/attendance/hospital.html",
        hospital=hospital,
        rows=rows,
        page=page,
        has_next=has_next,
        since=since,
        until=until,
        language=current_language(),
        reason_label=reason_label,
        day_label=lambda moment: local(moment).strftime("%Y-%m-%d"),
        category_label=category_label,
        source_label=source_label,
    )
