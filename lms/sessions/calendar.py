"""The calendar (month, week, list) and the secret iCalendar feeds."""

import hashlib
from urllib.parse import urlsplit

from babel.dates import format_skeleton, get_day_names
from flask import (
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import force_locale, get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from courses.sessions import calendar as cal
from courses.sessions.grid import (
    View,
    by_local_day,
    in_range,
    local_day,
    parse_day,
    span_of,
    step,
    weeks,
)
from courses.sessions.ical import FeedSession, render_feed
from courses.sessions.schedule import Day, local
from courses.sessions.states import SessionState
from lms.accounts.models import User
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.edge import form_id, int_arg
from lms.hospitals.models import Hospital
from lms.problems import DomainError
from lms.sessions import bp
from lms.sessions.messages import session_kind_label, session_state_label

RELATION_LABELS = {
    (cal.Relation.TEACHING, False): _l("You teach"),
    (cal.Relation.SEAT, False): _l("Seat booked"),
    (cal.Relation.SEAT, True): _l("On the waiting list"),
    (cal.Relation.ROOM, False): _l("Room booked"),
    (cal.Relation.ROOM, True): _l("Room on the waiting list"),
    (cal.Relation.VENUE, False): _l("At your hospital"),
    (cal.Relation.OPEN, False): _l("Open to you"),
}
SHOW_LABELS = {
    cal.Show.ALL: _l("All"),
    cal.Show.MINE: _l("Mine"),
    cal.Show.OPEN: _l("Open to me"),
    cal.Show.HOSPITAL: _l("My hospital"),
}
VIEW_LABELS = {View.MONTH: _l("Month"), View.WEEK: _l("Week"), View.LIST: _l("List")}


def relation_label(entry):
    return RELATION_LABELS[entry.relation, entry.is_waiting]


def time_range(entry):
    return f"{local(entry.day.starts_dt):%H:%M}–{local(entry.day.ends_dt):%H:%M}"


def start_time(entry):
    return f"{local(entry.day.starts_dt):%H:%M}"


def session_path(session_id):
    return url_for("sessions.show", session_id=session_id)


def _shows(user):
    shows = [cal.Show.ALL, cal.Show.MINE, cal.Show.OPEN]
    if user.role == Role.SITE_COORDINATOR and user.hospital_id is not None:
        shows.append(cal.Show.HOSPITAL)
    return shows


def _calendar_args(user, today):
    """(view, date, show) from the query; None when one of them is not
    understood (the page then redirects with a message)."""
    view = request.args.get("view") or View.MONTH.value
    show = request.args.get("show") or cal.Show.ALL.value
    raw_date = request.args.get("date")
    day = parse_day(raw_date) if raw_date else today
    if view not in set(View) or show not in set(_shows(user)) or day is None:
        return None
    return View(view), day, cal.Show(show)


#: What the calendar's templates call.
TEMPLATE_HELPERS = {
    "kind_label": session_kind_label,
    "state_label": session_state_label,
    "show_labels": SHOW_LABELS,
    "view_labels": VIEW_LABELS,
    "relation_label": relation_label,
    "time_range": time_range,
    "start_time": start_time,
    "session_path": session_path,
    "local_day": local_day,
}


@bp.route("/calendar")
@login_required
def calendar():
    now = utcnow()
    today = local_day(now)
    args = _calendar_args(current_user, today)
    if args is None:
        flash(
            _(
                "That calendar address was not understood: a date is YYYY-MM-DD "
                "(from 2000 to 2100); here is this month."
            ),
            "error",
        )
        return redirect(url_for("sessions.calendar"))
    view, day, show = args
    span = span_of(view, day)
    entries = _entries(current_user, show, span, now)
    return render_template(
        "sessions/calendar/calendar.html",
        view=view,
        day=day,
        show=show,
        today=today,
        shows=_shows(current_user),
        **_layout(view, day, span, entries),
        **TEMPLATE_HELPERS,
    )


def _entries(user, show, span, now):
    starts_from, starts_before = span.bounds()
    if show == cal.Show.HOSPITAL:
        return cal.hospital_entries(user.hospital_id, starts_from, starts_before, now)
    return cal.person_entries(user, starts_from, starts_before, now, show=show)


def _layout(view, day, span, entries):
    """The page's dates in the reader's language, and the entries by local day."""
    locale = get_locale()
    return {
        "span": span,
        "weeks": weeks(span),
        "entries": entries,
        "by_day": by_local_day(entries, lambda entry: entry.day.starts_dt),
        "day_names": [get_day_names("abbreviated", locale=locale)[n] for n in range(7)],
        "full_day_names": [get_day_names("wide", locale=locale)[n] for n in range(7)],
        "heading": _heading(view, day, span, locale),
        "previous_day": _stepped(view, day, -1),
        "next_day": _stepped(view, day, 1),
        "format_day": lambda d: format_skeleton("MMMEd", d, locale=locale),
    }


def _stepped(view, day, direction):
    target = step(view, day, direction)
    return target if in_range(target) else None


def _heading(view, day, span, locale):
    if view == View.MONTH:
        return format_skeleton("yMMMM", day, locale=locale)
    first = format_skeleton("yMMMd", span.first, locale=locale)
    last = format_skeleton("yMMMd", span.last, locale=locale)
    return f"{first} – {last}"


# --- feeds ------------------------------------------------------------------------


def _managed_hospital(user):
    """The hospital whose feed this person manages on the feeds page: a
    coordinator's own; the office names one with ``?hospital_id=``."""
    if user.role == Role.SITE_COORDINATOR:
        return db.session.get(Hospital, user.hospital_id) if user.hospital_id else None
    if user.role == Role.ADMINISTRATOR:
        hospital_id = int_arg("hospital_id") or form_id("hospital_id")
        return db.get_or_404(Hospital, hospital_id) if hospital_id else None
    return None


def feed_url(secret):
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    return base + url_for("sessions.feed", secret=secret)


@bp.route("/calendar/feeds", methods=["GET", "POST"])
@login_required
def feeds():
    hospital = _managed_hospital(current_user)
    issued = None
    if request.method == "POST":
        scope, action = request.form.get("scope"), request.form.get("action")
        if scope not in ("person", "hospital") or action not in ("issue", "revoke"):
            abort(400)
        hospital_id = _posted_hospital_id() if scope == "hospital" else None
        try:
            if action == "issue":
                issued = cal.issue_feed(current_user, utcnow(), hospital_id=hospital_id)
            else:
                cal.revoke_feed(current_user, utcnow(), hospital_id=hospital_id)
        except DomainError as error:
            abort(error.status)
        db.session.commit()
        if action == "revoke":
            flash(
                _("The feed address was revoked; calendars using it stop updating."),
                "success",
            )
            return redirect(url_for("sessions.feeds", **_hospital_arg(hospital)))
        issued = {"scope": scope, "url": feed_url(issued.secret)}
    return render_template(
        "sessions/calendar/feeds.html",
        person_feed=cal.live_feed(user_id=current_user.id),
        hospital=hospital,
        hospital_feed=cal.live_feed(hospital_id=hospital.id) if hospital else None,
        issued=issued,
        hospital_arg=_hospital_arg(hospital),
        webcal=_webcal,
    )


def _posted_hospital_id():
    """The hospital a feed form names: a 400 without one, a 403 when it is not
    the person's to manage."""
    hospital_id = form_id("hospital_id")
    if hospital_id is None:
        abort(400)
    if not cal.can_hold_hospital_feed(current_user, hospital_id):
        abort(403)
    return hospital_id


def _webcal(url):
    """The same address for calendar apps (``webcal://`` opens a subscription)."""
    return "webcal://" + url.split("://", 1)[1]


def _hospital_arg(hospital):
    if hospital is not None and current_user.role == Role.ADMINISTRATOR:
        return {"hospital_id": hospital.id}
    return {}


@bp.route("/calendar/<secret>.ics")
def feed(secret):
    """The iCalendar document of a secret feed URL: public (calendar apps send
    no cookies), a 404 for any URL that is not a live feed's, and read-only."""
    found = cal.feed_for_secret(secret)
    if found is None:
        abort(404)
    now = utcnow()
    entries = cal.feed_entries(found, now)
    language, name = _feed_owner(found)
    with force_locale("en" if language == "en" else "zh_Hans_CN"):
        sessions = _feed_sessions(entries, language)
        title = f"{_('TeleCME')} · {name}"
    host = urlsplit(current_app.config["PUBLIC_BASE_URL"]).hostname or "telecme"
    body = render_feed(title, sessions, host)
    response = current_app.response_class(body, mimetype="text/calendar")
    response.headers["Content-Type"] = "text/calendar; charset=utf-8"
    response.headers["Content-Disposition"] = 'inline; filename="telecme.ics"'
    # The address is the key: no shared cache keeps it; a poll revalidates
    # (304 while nothing changed), so a revoked URL stops at once.
    response.headers["Cache-Control"] = "private, no-cache"
    response.headers["X-Robots-Tag"] = "noindex"
    response.set_etag(hashlib.sha256(body).hexdigest())
    return response.make_conditional(request)


def _feed_owner(feed):
    """(language, name) of the feed's person or hospital: the person's own
    language, Chinese for a hospital."""
    if feed.hospital_id is not None:
        hospital = db.session.get(Hospital, feed.hospital_id)
        return "zh", hospital.display_name("zh")
    user = db.session.get(User, feed.user_id)
    language = "en" if (user.locale or "").startswith("en") else "zh"
    return language, user.name


def _feed_sessions(entries, language):
    """The feed's sessions, their texts in ``language``."""
    base = current_app.config["PUBLIC_BASE_URL"].rstrip("/")
    grouped = {}
    for entry in entries:
        grouped.setdefault(entry.session.id, []).append(entry)
    return [_feed_session(group, language, base) for group in grouped.values()]


def _feed_session(group, language, base):
    session = group[0].session
    return FeedSession(
        id=session.id,
        sequence=session.sequence,
        state=session.state,
        title=session.title(language),
        description=_feed_description(session, language),
        location=_location(session, language),
        url=base + session_path(session.id),
        modified=_modified(session),
        days=tuple(
            Day(entry.day.id, entry.day.starts_dt, entry.day.ends_dt) for entry in group
        ),
        is_waiting=group[0].is_waiting,
    )


def _feed_description(session, language):
    lines = [str(session_kind_label(session.kind))]
    if session.state == SessionState.CANCELLED:
        lines.append(_("Cancelled: %(reason)s", reason=session.cancel_reason or "—"))
    if text := session.description(language):
        lines += ["", text]
    return "\n".join(lines)


def _location(session, language):
    place = session.venue.display_name(language) if session.venue else ""
    return " · ".join(part for part in (place, session.venue_room) if part)


def _modified(session):
    moments = (
        session.updated_dt,
        session.approved_dt,
        session.cancelled_dt,
        session.ended_dt,
    )
    return max(moment for moment in moments if moment is not None)
