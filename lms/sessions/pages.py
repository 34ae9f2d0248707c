"""A session's page (book, cancel, my status), the coordinator's bookings and rooms,
visit requests, and the office's session management."""

from dataclasses import dataclass

import sqlalchemy as sa
from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm.attributes import set_committed_value

from certificates.queries import get_rule_set, list_current_rule_sets
from certificates.rules import Activity, Source, calculate_credits
from courses.queries import list_catalog
from courses.sessions import booking
from courses.sessions import queries as q
from courses.sessions.booking_rules import (
    booking_closes,
    booking_problem,
    hospital_audience_problem,
    may_cancel_reservation,
    may_manage_session,
    within_years,
)
from courses.sessions.day_lines import format_day_lines
from courses.sessions.models import Reservation, VisitRequest
from courses.sessions.schedule import (
    audience_problem,
    can_open_room,
    is_host,
    local,
    scheduled_minutes,
    state_at,
)
from courses.sessions.states import (
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
    VisitState,
)
from lms.accounts.auth import roles_required
from lms.accounts.queries import list_users
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.hospitals.models import Hospital
from lms.hospitals.network import PROVINCES
from lms.hospitals.queries import list_hospitals
from lms.i18n import current_language
from lms.learning.forms import rule_set_choices
from lms.sessions import bp
from lms.sessions.forms import (
    ActionForm,
    EditSessionForm,
    ReasonForm,
    RoomForm,
    SeatForm,
    SessionForm,
    VisitRequestForm,
    utc_to_local,
)
from lms.sessions.messages import LABELS, session_error_message

OFFICE = (Role.ADMINISTRATOR,)
TEACHERS = (Role.ADMINISTRATOR, Role.LECTURER)
COORDINATORS = (Role.SITE_COORDINATOR,)


@bp.context_processor
def session_labels():
    """The sessions' translated labels, for every page of the blueprint."""
    return LABELS


def load_session(session_id):
    """The session if the person may see it: a planned one (not yet approved)
    only by its hosts. A 404 otherwise, so nobody learns which ids exist."""
    session = q.visible_session(session_id, current_user)
    if session is None:
        abort(404)
    return session


def back_to(session):
    return redirect(url_for(".show", session_id=session.id))


def refused(error):
    flash(session_error_message(error), "error")


# --- choices of the session form -----------------------------------------------


def hospital_choices(language):
    return [(h.id, h.display_name(language)) for h in list_hospitals(active_only=True)]


def session_form(form_class=SessionForm, **kwargs):
    """The session form with its choices (hospitals, lecturers, courses, credit
    rules and categories) filled in."""
    language = current_language()
    form = form_class(**kwargs)
    hospitals = hospital_choices(language)
    form.venue_hospital_id.choices = hospitals
    form.audience_hospital_ids.choices = hospitals
    form.audience_provinces.choices = [
        (p.code, p.name_en if language == "en" else p.name_zh) for p in PROVINCES
    ]
    form.lecturer_ids.choices = [
        (u.id, u.name) for u in list_users(role=Role.LECTURER, per_page=500).items
    ]
    form.course_id.choices = [(0, "—")] + [
        (c.id, c.title(language)) for c in list_catalog(per_page=200).items
    ]
    form.rule_set_code.choices = rule_set_choices(language)
    categories = []
    for rule_set in list_current_rule_sets():
        categories += [c for c in rule_set.categories if c not in categories]
    form.credit_category.choices = [(c, c) for c in categories]
    return form


def fill_from(form, session):
    """Show a stored session in the form."""
    form.kind.data = session.kind.value
    for name in ("title_zh", "title_en", "description_zh", "description_en"):
        form[name].data = getattr(session, name)
    form.days.data = format_day_lines((d.starts_dt, d.ends_dt) for d in session.days)
    form.venue_hospital_id.data = session.venue_hospital_id
    form.venue_room.data = session.venue_room
    form.lecturer_ids.data = [u.id for u in session.lecturers]
    form.course_id.data = session.course_id or 0
    form.capacity.data = session.capacity
    form.room_capacity.data = session.room_capacity
    form.audience_hospital_ids.data = list(session.audience_hospital_ids or ())
    form.audience_tiers.data = list(session.audience_tiers or ())
    form.audience_provinces.data = list(session.audience_provinces or ())
    form.audience_professions.data = list(session.audience_professions or ())
    form.is_booking_required.data = session.is_booking_required
    form.rule_set_code.data = session.rule_set_code
    form.project_level.data = session.project_level.value
    form.credit_category.data = session.credit_category
    form.project_number.data = session.project_number
    form.min_presence.data = round(session.min_presence * 100)
    form.booking_closes.data = utc_to_local(session.booking_closes_dt)
    form.doors_open_minutes.data = session.doors_open_minutes


# --- the session page -------------------------------------------------------------


@dataclass
class Status:
    """What the page shows the person about themself."""

    seat: Reservation | None = None
    waiting_position: int | None = None
    room: Reservation | None = None
    presences: dict | None = None
    outcomes: list | None = None
    audience_problem: str = ""
    #: Why the coordinator's hospital may not book a room ("" when it may).
    room_problem: str = ""


def full_attendance_credits(session):
    """What attending every scheduled minute earns, or None when the credit
    rules cannot say (an unknown rule set, a category they do not award)."""
    rule_set = get_rule_set(session.rule_set_code)
    if rule_set is None or not session.days or not within_years(session.starts_dt):
        return None
    decision = calculate_credits(
        Activity(
            source=Source.ATTENDANCE,
            on=local(session.starts_dt).date(),
            category=session.credit_category,
            project_level=session.project_level.value,
            minutes=scheduled_minutes(q.days_of(session)),
        ),
        rule_set,
    )
    return decision if decision.is_eligible else None


def status_of(session, user):
    status = Status(
        audience_problem=audience_problem(q.audience_of(session), q.person_of(user))
    )
    status.seat = q.seat_of(session.id, user.id)
    if status.seat is not None:
        status.waiting_position = q.waiting_position(status.seat)
    if user.role == Role.SITE_COORDINATOR and user.hospital_id is not None:
        status.room = q.room_of(session.id, user.hospital_id)
        hospital = user.hospital
        status.room_problem = hospital_audience_problem(
            q.audience_of(session),
            hospital.id,
            hospital.tier.value,
            hospital.province_code,
        )
    status.presences = q.presences_of(session.id, user.id)
    status.outcomes = q.outcomes_of(session.id, user.id)
    return status


def hospitals_by_id(ids):
    ids = list(ids or ())
    if not ids:
        return []
    return db.session.scalars(sa.select(Hospital).where(Hospital.id.in_(ids))).all()


def render_show(session, *, seat_form=None, room_form=None, status=200):
    now = utcnow()
    facts = q.facts_of(session)
    mine = status_of(session, current_user)
    taken = q.seats_taken(session.id)
    hosting = is_host(current_user, facts)
    if room_form is None:
        room_form = RoomForm(formdata=None, obj=mine.room)
    rooms = [
        r for r in q.active_reservations(session.id) if r.kind == ReservationKind.ROOM
    ]
    if hosting and rooms:
        # The rooms' hospitals in one query (the table named each by a query of
        # its own).
        by_id = {
            h.id: h
            for h in db.session.scalars(
                sa.select(Hospital).where(
                    Hospital.id.in_({r.hospital_id for r in rooms})
                )
            )
        }
        for room in rooms:
            set_committed_value(room, "hospital", by_id.get(room.hospital_id))
    return render_template(
        "sessions/pages/show.html",
        session=session,
        state=state_at(session.state, session.starts_dt, now),
        language=current_language(),
        seats_left=max(session.capacity - taken, 0),
        taken=taken,
        closes=booking_closes(session.booking_closes_dt, session.starts_dt),
        closed=booking_problem(
            session.state, session.starts_dt, session.booking_closes_dt, now
        ),
        credits=full_attendance_credits(session),
        in_years=within_years,
        mine=mine,
        is_host=hosting,
        may_manage=may_manage_session(current_user, session.owner_id),
        may_open_room=can_open_room(
            current_user, facts, q.booked_hospital_ids(session.id)
        ),
        rooms=rooms if hosting else [],
        audience_hospitals={
            h.id: h for h in hospitals_by_id(session.audience_hospital_ids)
        },
        seat_form=seat_form or SeatForm(formdata=None),
        room_form=room_form,
        reason_form=ReasonForm(formdata=None),
        action_form=ActionForm(formdata=None),
        provinces={p.code: p for p in PROVINCES},
    ), status


@bp.route("/sessions/<int:session_id>")
@login_required
def show(session_id):
    return render_show(load_session(session_id))


@bp.route("/sessions/<int:session_id>/seat", methods=["POST"])
@login_required
def book_seat(session_id):
    session = load_session(session_id)
    form = SeatForm()
    if not form.validate_on_submit():
        return render_show(session, seat_form=form, status=400)
    try:
        seat = booking.reserve_seat(
            session, current_user, utcnow(), waitlist=bool(form.waitlist.data)
        )
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
        return back_to(session)
    db.session.commit()
    if seat.state == ReservationState.WAITING:
        flash(_("You are on the waiting list."), "success")
    else:
        flash(_("Your seat is booked."), "success")
    return back_to(session)


@bp.route("/sessions/<int:session_id>/room", methods=["POST"])
@roles_required(*COORDINATORS)
def book_room(session_id):
    session = load_session(session_id)
    form = RoomForm()
    if not form.validate_on_submit():
        return render_show(session, room_form=form, status=400)
    try:
        room = booking.book_room(
            session,
            current_user,
            utcnow(),
            hospital_id=current_user.hospital_id,
            seats=form.seats.data,
            room=form.room.data or "",
            is_equipment_tested=bool(form.is_equipment_tested.data),
            waitlist=bool(form.waitlist.data),
        )
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
        return render_show(session, room_form=form, status=error.status)
    db.session.commit()
    if room.state == ReservationState.WAITING:
        flash(_("Your room is on the waiting list."), "success")
    else:
        flash(_("Your hospital's room is booked."), "success")
    return back_to(session)


@bp.route("/reservations/<int:reservation_id>/cancel", methods=["POST"])
@login_required
def cancel_reservation(reservation_id):
    reservation = db.session.get(Reservation, reservation_id)
    if reservation is None:
        abort(404)
    if not may_cancel_reservation(
        current_user,
        user_id=reservation.user_id,
        hospital_id=reservation.hospital_id,
        kind=reservation.kind,
    ):
        abort(404)
    session = load_session(reservation.session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        booking.cancel_reservation(reservation, current_user, utcnow())
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
        return back_to(session)
    db.session.commit()
    flash(_("The booking was cancelled."), "success")
    return redirect(safe_back(session))


def safe_back(session):
    """Back to the coordinator's bookings when they cancelled there."""
    if request.form.get("back") == "bookings":
        return url_for(".bookings")
    return url_for(".show", session_id=session.id)


@bp.route("/sessions/<int:session_id>/approve", methods=["POST"])
@roles_required(*OFFICE)
def approve(session_id):
    session = load_session(session_id)
    if not ActionForm().validate_on_submit():
        abort(400)
    try:
        booking.approve_session(session, current_user, utcnow())
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
    else:
        db.session.commit()
        flash(_("The session is approved and open for booking."), "success")
    if request.form.get("back") == "manage":
        return redirect(url_for(".manage"))
    return back_to(session)


@bp.route("/sessions/<int:session_id>/cancel", methods=["POST"])
@login_required
def cancel(session_id):
    session = load_session(session_id)
    if not may_manage_session(current_user, session.owner_id):
        abort(403)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why the session is cancelled: everyone booked is told."), "error")
        return back_to(session)
    try:
        booking.cancel_session(session, current_user, utcnow(), form.reason.data)
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
    else:
        db.session.commit()
        flash(_("The session is cancelled; everyone booked is told."), "success")
    if request.form.get("back") == "manage":
        return redirect(url_for(".manage"))
    return back_to(session)


# --- new and edit -------------------------------------------------------------------


@bp.route("/sessions/new", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def new():
    form = session_form()
    if request.method == "GET":
        form.venue_hospital_id.data = current_user.hospital_id
    if form.validate_on_submit():
        try:
            session = booking.create_session(current_user, utcnow(), **form.values())
        except booking.SessionError as error:
            db.session.rollback()
            refused(error)
            return render_template("sessions/pages/form.html", form=form), 422
        db.session.commit()
        flash(_("The session was created. The CME office approves it."), "success")
        return back_to(session)
    status = 422 if form.is_submitted() else 200
    return render_template("sessions/pages/form.html", form=form), status


@bp.route("/sessions/<int:session_id>/edit", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def edit(session_id):
    session = load_session(session_id)
    if not may_manage_session(current_user, session.owner_id):
        abort(403)
    form = session_form(EditSessionForm)
    status = None
    if request.method == "GET":
        fill_from(form, session)
    elif form.validate_on_submit():
        values = form.values()
        values["days"] = kept_days(session, values["days"])
        try:
            booking.update_session(
                session, current_user, utcnow(), reason=form.reason.data or "", **values
            )
        except booking.SessionError as error:
            db.session.rollback()
            refused(error)
            status = error.status  # office_only is a 403, a taken room a 409
        else:
            db.session.commit()
            flash(_("The session was saved."), "success")
            return back_to(session)
    status = (422 if form.is_submitted() else 200) if status is None else status
    return render_template(
        "sessions/pages/form.html", form=form, edited=session
    ), status


def kept_days(session, days):
    """The days typed, with a stored day kept exactly where the form shows it
    unchanged (the form has minutes; a day stored with seconds is not moved)."""
    stored = [(d.starts_dt, d.ends_dt) for d in session.days]
    kept = []
    for index, (starts, ends) in enumerate(days):
        if index < len(stored):
            old_starts, old_ends = stored[index]
            if (
                old_starts.replace(second=0, microsecond=0),
                old_ends.replace(second=0, microsecond=0),
            ) == (starts, ends):
                starts, ends = old_starts, old_ends
        kept.append((starts, ends))
    return kept


# --- the office ---------------------------------------------------------------

#: The office's list: what waits for them first, then what is coming, then the past.
MANAGE_ORDER = (
    SessionState.PLANNED,
    SessionState.OPEN,
    SessionState.ENDED,
    SessionState.CANCELLED,
)


@bp.route("/office/sessions")
@roles_required(*OFFICE)
def manage():
    now = utcnow()
    groups = []
    for stored in MANAGE_ORDER:
        past = stored in (SessionState.ENDED, SessionState.CANCELLED)
        groups.append((stored, q.list_sessions_in_states((stored,), latest_first=past)))
    return render_template(
        "sessions/pages/manage.html",
        groups=groups,
        now=now,
        state_at=state_at,
        in_years=within_years,
        language=current_language(),
        action_form=ActionForm(formdata=None),
        reason_form=ReasonForm(formdata=None),
    )


def load_visit(visit_id):
    visit = db.session.get(VisitRequest, visit_id)
    if visit is None:
        abort(404)
    return visit


@bp.route("/office/visits")
@roles_required(*OFFICE)
def visits():
    return render_template(
        "sessions/pages/visits.html",
        visits=q.list_visit_requests(),
        language=current_language(),
        reason_form=ReasonForm(formdata=None),
    )


def visit_session_form(visit):
    """The session form prefilled from a hospital's request: at that hospital,
    for its staff, the topic as the title, as many seats as people expected."""
    form = session_form()
    if request.method == "GET":
        form.kind.data = visit.kind.value
        form.title_zh.data = visit.topic
        form.description_zh.data = visit.details
        form.venue_hospital_id.data = visit.hospital_id
        form.audience_hospital_ids.data = [visit.hospital_id]
        form.capacity.data = visit.expected_attendees
    return form


@bp.route("/office/visits/<int:visit_id>/schedule", methods=["GET", "POST"])
@roles_required(*OFFICE)
def schedule_visit(visit_id):
    visit = load_visit(visit_id)
    if visit.state != VisitState.REQUESTED:
        flash(_("This request was already answered."), "error")
        return redirect(url_for(".visits"))
    form = visit_session_form(visit)
    if form.validate_on_submit():
        try:
            session = booking.schedule_visit(
                visit, current_user, utcnow(), **form.values()
            )
        except booking.SessionError as error:
            db.session.rollback()
            refused(error)
        else:
            db.session.commit()
            flash(_("The visit is scheduled; the hospital is told."), "success")
            return back_to(session)
    status = 422 if form.is_submitted() else 200
    return render_template("sessions/pages/form.html", form=form, visit=visit), status


@bp.route("/office/visits/<int:visit_id>/decline", methods=["POST"])
@roles_required(*OFFICE)
def decline_visit(visit_id):
    visit = load_visit(visit_id)
    form = ReasonForm()
    if not form.validate_on_submit():
        flash(_("Say why the request is declined: the hospital is told."), "error")
        return redirect(url_for(".visits"))
    try:
        booking.decline_visit(visit, current_user, utcnow(), form.reason.data)
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
    else:
        db.session.commit()
        flash(_("The request is declined; the hospital is told."), "success")
    return redirect(url_for(".visits"))


# --- a hospital's coordinator ---------------------------------------------------


def render_bookings(form=None, status=200):
    now = utcnow()
    bookings = q.list_room_bookings(current_user.hospital_id)
    upcoming = [b for b in bookings if b.session.ends_dt and b.session.ends_dt >= now]
    past = [b for b in bookings if b not in upcoming]
    upcoming.sort(key=lambda b: b.session.starts_dt)
    booked_ids = {
        b.session_id for b in bookings if b.state != ReservationState.CANCELLED
    }
    hospital = current_user.hospital
    open_sessions = [
        s
        for s in q.list_sessions_in_states((SessionState.OPEN,), limit=100)
        if s.id not in booked_ids
        and not booking_problem(s.state, s.starts_dt, s.booking_closes_dt, now)
        and not hospital_audience_problem(
            q.audience_of(s), hospital.id, hospital.tier.value, hospital.province_code
        )
    ]
    return render_template(
        "sessions/pages/bookings.html",
        upcoming=upcoming,
        past=past,
        open_sessions=open_sessions,
        visits=q.list_visit_requests(hospital_id=current_user.hospital_id),
        form=form or VisitRequestForm(formdata=None),
        action_form=ActionForm(formdata=None),
        language=current_language(),
        now=now,
    ), status


@bp.route("/hospital/bookings")
@roles_required(*COORDINATORS)
def bookings():
    return render_bookings()


@bp.route("/hospital/visits", methods=["POST"])
@roles_required(*COORDINATORS)
def request_visit():
    form = VisitRequestForm()
    if not form.validate_on_submit():
        return render_bookings(form, status=422)
    try:
        booking.request_visit(
            current_user,
            utcnow(),
            hospital_id=current_user.hospital_id,
            kind=SessionKind(form.kind.data),
            topic=form.topic.data,
            details=form.details.data or "",
            expected_attendees=form.expected_attendees.data,
        )
    except booking.SessionError as error:
        db.session.rollback()
        refused(error)
        return render_bookings(form, status=error.status)
    db.session.commit()
    flash(_("Your request was sent to the CME office."), "success")
    return redirect(url_for(".bookings"))
