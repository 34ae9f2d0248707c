"""The office's audit log: filtered by action, actor and date, newest first."""

import json
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask import Blueprint, abort, current_app, render_template, request, url_for
from flask_babel import gettext as _

from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.audit.actions import AuditAction
from lms.audit.queries import list_audit_actors, list_audit_entries
from lms.edge import choice_arg, int_arg, page_arg

bp = Blueprint("audit", __name__, url_prefix="/admin/audit")


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def index():
    action = choice_arg("action", {a.value for a in AuditAction})
    actor_id = int_arg("actor")
    since, until = _date_arg("from"), _date_arg("to")
    if since and until and until < since:
        abort(400, _("The end date is before the start date."))
    page = list_audit_entries(
        action=AuditAction(action) if action else None,
        actor_id=actor_id,
        since_dt=_start_of(since),
        until_dt=_start_of(until + timedelta(days=1)) if until else None,
        page=page_arg(),
    )
    return render_template(
        "admin/audit.html",
        page=page,
        actions=list(AuditAction),
        actors=list_audit_actors(),
        action_label=action_label,
        changes=changes,
        target_url=target_url,
        filters={
            "action": action or "",
            "actor": actor_id or "",
            "from": since.isoformat() if since else "",
            "to": until.isoformat() if until else "",
        },
    )


def _date_arg(name):
    """``?from=`` / ``?to=`` as a date (YYYY-MM-DD); a 400 naming it otherwise."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return None
    try:
        value = date.fromisoformat(raw)
    except ValueError:
        abort(400, _("Dates are written YYYY-MM-DD."))
    if not 2000 <= value.year <= 2999:
        abort(400, _("Dates are written YYYY-MM-DD."))
    return value


def _start_of(day):
    """Midnight of ``day`` where the office works, as an aware datetime."""
    if day is None:
        return None
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return datetime.combine(day, time(), tzinfo=zone)


def target_url(entry):
    """Where the office reads the changed thing, when it has a page."""
    if entry.target_id is None:
        return None
    endpoints = {
        "courses": ("review.review", "course_id"),
        "users": ("users_admin.edit", "user_id"),
    }
    if entry.target_type not in endpoints:
        return None
    endpoint, name = endpoints[entry.target_type]
    return url_for(endpoint, **{name: entry.target_id})


def changes(entry):
    """``(field, before, after)`` rows of an entry, every field either side names."""
    before, after = entry.before or {}, entry.after or {}
    keys = list(before) + [k for k in after if k not in before]
    labels = field_labels()
    return [
        (labels.get(k, k), _shown(before.get(k)), _shown(after.get(k))) for k in keys
    ]


def field_labels():
    """The fields entries name, in the reader's language (others as stored)."""
    return {
        "status": _("Status"),
        "project_number": _("Project number"),
        "project_level": _("Project level"),
        "credit_category": _("Credit category"),
        "class_hours": _("Class hours"),
        "class_hours_override": _("Class hours (office)"),
        "class_hours_override_reason": _("Why the class hours differ"),
        "media_policy": _("Video ladder"),
        "serial": _("Serial"),
        "version": _("Version"),
        "revoked": _("Revoked"),
        "credits": _("Credits"),
        "role": _("Role"),
        "name": _("Name"),
        "hospital_id": _("Hospital"),
        "is_active": _("Active"),
        "review_state": _("Review"),
        "extra_attempts": _("Extra attempts"),
        "max_attempts": _("Attempts allowed"),
        "values": _("Values"),
        "valid_from": _("Valid from"),
        "valid_until": _("Valid until"),
    }


def _shown(value):
    return "—" if value is None else json.dumps(value, ensure_ascii=False)


def action_label(action):
    return {
        AuditAction.COURSE_APPROVED: _("Course approved"),
        AuditAction.COURSE_RETURNED: _("Course returned"),
        AuditAction.CLASS_HOURS_OVERRIDDEN: _("Class hours overridden"),
        AuditAction.CERTIFICATE_ISSUED: _("Certificate issued"),
        AuditAction.CERTIFICATE_REISSUED: _("Certificate re-issued"),
        AuditAction.CERTIFICATE_REVOKED: _("Certificate revoked"),
        AuditAction.CREDIT_LINE_ADDED: _("Credits entered by hand"),
        AuditAction.CREDIT_LINE_REVOKED: _("Credits revoked"),
        AuditAction.RULE_SET_CHANGED: _("Credit rule set changed"),
        AuditAction.ATTEMPT_GRANTED: _("Post-test attempt granted"),
        AuditAction.ATTENDANCE_CORRECTED: _("Attendance corrected"),
        AuditAction.PASSWORD_RESET: _("Password reset"),
        AuditAction.ROLE_CHANGED: _("Role changed"),
        AuditAction.USER_CHANGED: _("User changed"),
        AuditAction.HOSPITAL_CHANGE_CONFIRMED: _("Hospital change confirmed"),
        AuditAction.MEDIA_APPROVED: _("Recording approved"),
        AuditAction.MEDIA_REJECTED: _("Recording rejected"),
        AuditAction.USERS_IMPORTED: _("Users imported"),
        AuditAction.SESSION_APPROVED: _("Session approved"),
        AuditAction.SESSION_CANCELLED: _("Session cancelled"),
        AuditAction.SESSION_ENDED: _("Session ended and credited"),
        AuditAction.ATTENDANCE_VOUCHED: _("Attendance vouched for"),
        AuditAction.VISIT_DECIDED: _("On-site visit request decided"),
        AuditAction.STREAM_KEY_ISSUED: _("Stream key issued"),
        AuditAction.STREAM_KEY_REVOKED: _("Stream key revoked"),
        AuditAction.MEDIA_POLICY_CHANGED: _("Video ladder changed"),
    }.get(AuditAction(action), str(action))
