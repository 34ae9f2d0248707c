"""The room: the projector's rotating code, the phone sign-in page, the roster."""

import re
from datetime import datetime, time

import segno
from flask import abort, flash, jsonify, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from courses.sessions import attendance, codes, queries
from courses.sessions import attendance_rules as rules
from courses.sessions.schedule import LOCAL_TZ, local
from lms import limits
from lms.accounts.messages import too_many_attempts_message
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.edge import MAX_ID, int_arg
from lms.i18n import current_language
from lms.problems import DomainError, Kind
from lms.sessions import bp
from lms.sessions.guessing import attend_by_code
from lms.sessions.messages import audience_reason


def load_session(session_id):
    """The session, or a 404 (a planned one exists only for its hosts)."""
    session = queries.visible_session(session_id, current_user)
    if session is None:
        abort(404)
    return session


def hhmm(moment):
    return local(moment).strftime("%H:%M") if moment else ""


def attendance_message(error):
    """A refused sign-in, sign-out, vouch or headcount in the reader's language."""
    at = getattr(error, "at", None)
    when = local(at).strftime("%Y-%m-%d %H:%M") if at else ""
    messages = {
        "invalid_code": _(
            "This code is wrong or has expired. Scan the code on the screen again."
        ),
        "doors_not_open": _("The doors open at %(time)s.", time=when),
        "sign_in_closed": _("Sign-in closed at %(time)s.", time=when),
        "sign_out_not_open": _("Sign-out opens at the start, %(time)s.", time=when),
        "sign_out_closed": _("Sign-out closed at %(time)s.", time=when),
        "already_signed_in": _("You signed in already, at %(time)s.", time=when),
        "already_signed_out": _("You signed out already, at %(time)s.", time=when),
        "not_signed_in": _("You have not signed in today."),
        "not_in_audience": audience_reason(getattr(error, "reason", "")),
        "not_booked": _(
            "This session needs a booking: you have no seat of your own and "
            "your hospital has booked no room."
        ),
        "not_a_learner": _("Only learners sign in to sessions."),
        "session_planned": _("This session is not open yet."),
        "session_ended": _("This session has ended."),
        "session_cancelled": _("This session was cancelled."),
        "too_many_codes": too_many_attempts_message(getattr(error, "wait", 60)),
        "corrections_closed": _(
            "Attendance of this session can no longer be corrected: a week has "
            "passed since its end."
        ),
        "reason_required": _("Say why you vouch."),
        "invalid_times": _(
            "Sign-in and sign-out must lie within the day's hours, sign-in first, "
            "and not in the future."
        ),
        "not_your_staff": _("Only the coordinator of the learner's hospital vouches."),
        "not_your_room": _("This is not your hospital's room."),
    }
    return messages.get(error.code, error.message)


def flag_label(flag):
    labels = {
        rules.OTHER_HOSPITAL: _("in another hospital's room"),
        rules.ABOVE_HEADCOUNT: _("above the room's headcount"),
        rules.NOT_BOOKED: _("not booked"),
    }
    return labels.get(flag, flag)


def qr_svg(url):
    """The phone page's URL as an inline SVG QR code (scaled by CSS)."""
    return segno.make(url, error="m").svg_inline(
        scale=1,
        border=4,
        omitsize=True,
        dark="#000",
        light="#fff",
        title=_("Scan to sign in"),
    )


def screen_state(session, actor, room):
    """What the room screen shows now: the code, its QR code, when it changes
    and how many are signed in."""
    now = utcnow()
    code, expires, reservation = attendance.room_code(session, actor, now, room)
    room_id = reservation.id if reservation else None
    url = url_for("sessions.here", session_id=session.id, code=code, _external=True)
    return {
        "code": code,
        "spaced": f"{code[:3]} {code[3:]}",
        "qr_svg": qr_svg(url),
        "qr_url": url,
        "expires_at": expires.isoformat(),
        "seconds_left": max(0, int((expires - now).total_seconds() + 0.999)),
        "step_seconds": codes.STEP_SECONDS,
        "room": room_id,
        "room_name": reservation.room if reservation else session.venue_room,
        "signed_in": attendance.signed_in_count(session, room_id, now),
    }


@bp.route("/sessions/<int:session_id>/room")
@login_required
def room_screen(session_id):
    session = load_session(session_id)
    room = int_arg("room")
    try:
        state = screen_state(session, current_user, room)
    except DomainError as error:
        return render_template(
            "sessions/room/refused.html",
            session=session,
            message=attendance_message(error),
        ), error.status
    return render_template("sessions/room/screen.html", session=session, state=state)


@bp.route("/sessions/<int:session_id>/room/code")
@login_required
def room_screen_code(session_id):
    """The screen's next code as JSON (room-screen.js swaps it in)."""
    session = load_session(session_id)
    try:
        return jsonify(screen_state(session, current_user, int_arg("room")))
    except DomainError as error:
        message = attendance_message(error)
        body = {"error": {"code": error.code, "message": message}}
        return jsonify(body), error.status


def today_of(session, now):
    """The day a learner signs in or out on now (or the next one), or None."""
    days = queries.days_of(session)
    day, _refusal = rules.sign_in_refusal(days, now, session.doors_open_minutes)
    if day is None:
        day, _refusal = rules.sign_out_refusal(days, now)
    if day is None:
        upcoming = [d for d in days if d.starts > now]
        day = upcoming[0] if upcoming else (days[-1] if days else None)
    return day


@bp.route("/sessions/<int:session_id>/here", methods=["GET", "POST"])
@login_required
def here(session_id):
    """The phone page: the scanned code, one button (sign in, then out)."""
    session = load_session(session_id)
    code = request.values.get("code", "")[:64]
    error, status = None, 200
    if request.method == "POST":
        action = request.form.get("action")
        if action not in ("sign_in", "sign_out"):
            abort(400)
        operation = attendance.sign_in if action == "sign_in" else attendance.sign_out
        try:
            if current_user.role != Role.LEARNER:
                raise DomainError(
                    "not_a_learner", "Only learners sign in.", Kind.FORBIDDEN
                )
            presence = attend_by_code(operation, session, current_user, code)
        except DomainError as failure:
            db.session.rollback()
            error, status = attendance_message(failure), failure.status
        else:
            db.session.commit()
            if action == "sign_in":
                flash(_("Checked in at %(time)s.", time=hhmm(presence.signed_in_dt)))
            else:
                flash(
                    _(
                        "Checked out at %(time)s: %(minutes)s minutes present.",
                        time=hhmm(presence.signed_out_dt),
                        minutes=presence.minutes,
                    ),
                    "success",
                )
            return redirect(url_for("sessions.here", session_id=session.id))
    now = utcnow()
    day = today_of(session, now)
    presence = (
        attendance.my_presences(session, current_user).get(day.id) if day else None
    )
    page = render_template(
        "sessions/room/here.html",
        session=session,
        day=day,
        presence=presence,
        code=code,
        error=error,
        hhmm=hhmm,
        local=local,
        flag_label=flag_label,
        autosubmit=bool(code) and presence is None and error is None,
        is_learner=current_user.role == Role.LEARNER,
    )
    return page, status


# --- the coordinator's roster ------------------------------------------------------


def roster_day(session):
    """The day the roster shows: ``?day=`` or the one open now (or next)."""
    days = queries.days_of(session)
    chosen = int_arg("day")
    if chosen is not None:
        for day in days:
            if day.id == chosen:
                return day
        abort(404)
    return today_of(session, utcnow())


def local_moment(day, value):
    """ "HH:MM" on the day's local date as an aware datetime, or None."""
    try:
        clock = time.fromisoformat(value.strip())
    except (AttributeError, ValueError):
        return None
    starts, ends = local(day.starts), local(day.ends)
    # A day past midnight (22:00-02:00 +1): a time before its start is the
    # next date's.
    date = ends.date() if clock < starts.time() else starts.date()
    return datetime.combine(date, clock, LOCAL_TZ)


@bp.route("/sessions/<int:session_id>/roster", methods=["GET", "POST"])
@login_required
def roster(session_id):
    """The coordinator's hospital's staff at a session (a host: everyone booked
    or present): status, vouching with a reason, the room's headcount.
    room-roster.js queues these while offline."""
    session = load_session(session_id)
    if rules.attendance_scope(current_user, queries.facts_of(session)) is None:
        abort(403)
    day = roster_day(session)
    if day is None:
        abort(404)
    status = 200
    if request.method == "POST":
        try:
            roster_action(session, day)
        except DomainError as failure:
            db.session.rollback()
            flash(attendance_message(failure), "error")
            status = failure.status
        else:
            db.session.commit()
            return redirect(
                url_for("sessions.roster", session_id=session.id, day=day.id)
            )
    people = attendance.roster_people(session, current_user)
    presences = {
        p.user_id: p
        for p in attendance.list_attendance(session, current_user)
        if p.day_id == day.id
    }
    room = attendance.roster_room(session, current_user)
    hosting = rules.attendance_scope(current_user, queries.facts_of(session)) == "all"
    if room is not None and room.room:
        room_name = room.room
    elif room is None and hosting:
        room_name = session.venue_room or _("the venue")
    else:
        room_name = _("your room")
    headcounts = {
        (h.day_id, h.reservation_id): h.headcount
        for h in attendance.list_headcounts(session, current_user)
    }
    page = render_template(
        "sessions/room/roster.html",
        session=session,
        day=day,
        days=queries.days_of(session),
        people=people,
        presences=presences,
        hosting=hosting,
        room_name=room_name,
        room=room,
        headcount=headcounts.get((day.id, room.id if room else None)),
        hhmm=hhmm,
        local=local,
        flag_label=flag_label,
        default_in=hhmm(day.starts),
        default_out=hhmm(
            min(day.ends, utcnow()) if day.starts < utcnow() else day.ends
        ),
        reason_max=limits.REASON_MAX,
        language=current_language(),
    )
    return page, status


def roster_action(session, day):
    """The roster's form without script: a vouch or a headcount."""
    form = request.form
    now = utcnow()
    if form.get("action") == "headcount":
        raw = form.get("headcount", "").strip()
        if not re.fullmatch(r"[0-9]{1,6}", raw):
            raise attendance.AttendanceError(
                "invalid_headcount", "A headcount is 0 to 100000.", Kind.INVALID
            )
        room = attendance.roster_room(session, current_user)
        attendance.enter_headcount(
            session,
            current_user,
            now,
            day_id=day.id,
            reservation_id=room.id if room else None,
            headcount=int(raw),
        )
        flash(_("Headcount saved."), "success")
        return
    user_id = form.get("user_id", "")
    # ASCII digits only ("²".isdigit() is true, and int("²") fails), and an id
    # the columns hold (PostgreSQL's integer ends at 2**31 - 1).
    if not re.fullmatch(r"[0-9]{1,10}", user_id) or int(user_id) > MAX_ID:
        abort(400)
    signed_in = local_moment(day, form.get("signed_in", ""))
    signed_out = local_moment(day, form.get("signed_out", ""))
    if signed_in is None or signed_out is None:
        raise attendance.AttendanceError("invalid_times", "Times HH:MM.", Kind.INVALID)
    attendance.vouch(
        session,
        current_user,
        now,
        user_id=int(user_id),
        day_id=day.id,
        signed_in=signed_in,
        signed_out=signed_out,
        reason=form.get("reason", "")[: limits.REASON_MAX + 1],
        client_ref=form.get("client_ref", "")[:64] or None,
    )
    flash(_("Presence vouched for."), "success")
