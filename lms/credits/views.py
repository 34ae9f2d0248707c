"""A learner's transcript and certificates; the public verification page."""

import io
from datetime import date, timedelta

import sqlalchemy as sa
from flask import (
    Blueprint,
    abort,
    flash,
    redirect,
    render_template,
    request,
    send_file,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import documents, queries
from certificates import operations as ops
from certificates.facts import public_facts
from certificates.keys import current_issuer
from certificates.transcript_pdf import render_transcript
from courses import operations as course_ops
from courses.access import (
    can_download_certificate,
    can_enrol_others,
    can_record_attendance,
    can_see_certificate,
)
from courses.models import Course
from courses.queries import actor_of, get_enrolment, list_catalog
from lms.accounts.auth import roles_required
from lms.accounts.models import User
from lms.accounts.queries import list_users
from lms.accounts.roles import Role
from lms.credits.exporting import EXPORT_KINDS, export_csv
from lms.credits.forms import (
    AttendanceCorrectionForm,
    AttendanceForm,
    EnrolSelectedForm,
    ReminderForm,
)
from lms.credits.messages import credit_error_message
from lms.credits.staff import list_staff_behind, staff_page
from lms.db import db, utcnow
from lms.edge import MAX_ID, choice_arg, int_arg, page_arg
from lms.i18n import current_language
from lms.labels import (
    category_label,
    credit_reason_label,
    format_credit,
    requirement_label,
)
from lms.learning.messages import course_error_message
from lms.limits import REMINDER_INTERVAL_HOURS
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import notify
from lms.notifications.queries import ids_notified_since
from lms.text import clean_text

bp = Blueprint("credits", __name__)


def this_year():
    """The year where the network is (Asia/Shanghai): at 07:00 UTC on 31
    December it is already the new year in Beijing."""
    return ops.local_date(utcnow()).year


def requested_year():
    year = request.args.get("year", type=int)
    current = this_year()
    return year if year and 2000 <= year <= current + 1 else current


def load_own_certificate(serial):
    """The certificate if it is the requester's (or they are the office): a 404
    otherwise, so nobody learns which serials exist. A learner no longer gets a
    revoked or replaced one (410); the office keeps every version."""
    certificate = queries.get_certificate(ops.normalise_serial(serial))
    actor = actor_of(current_user)
    if certificate is None or not can_see_certificate(actor, certificate.user_id):
        abort(404)
    if not can_download_certificate(actor, certificate.user_id, certificate.is_current):
        abort(410)
    return certificate


@bp.route("/credits")
@login_required
def transcript():
    year = requested_year()
    transcript, awards = queries.get_transcript(current_user, year)
    return render_template(
        "credits/transcript.html",
        transcript=transcript,
        awards=awards,
        years=sorted({year, this_year(), *queries.transcript_years(current_user.id)}),
        certificates=queries.list_certificates_of_user(current_user.id),
    )


@bp.route("/credits/<int:year>/transcript.pdf")
@login_required
def transcript_pdf(year):
    transcript, awards = queries.get_transcript(current_user, year)
    pdf = render_transcript(
        transcript,
        awards,
        learner=current_user,
        issuer=current_issuer(),
        language=current_language(),
        now=utcnow(),
        labels={
            "category": lambda c: str(category_label(c)),
            "reason": lambda r: str(credit_reason_label(r)),
            "requirement": lambda k: str(requirement_label(k)),
        },
    )
    return send_file(
        io.BytesIO(pdf),
        mimetype="application/pdf",
        download_name=f"transcript-{year}.pdf",
        as_attachment=True,
    )


@bp.route("/courses/<int:course_id>/certificate", methods=["POST"])
@login_required
def get_certificate(course_id):
    course = db.get_or_404(Course, course_id)
    enrolment = get_enrolment(course.id, current_user.id)
    if enrolment is None:
        abort(404)
    try:
        certificate = ops.issue_certificate(enrolment, current_issuer(), utcnow())
    except ops.CreditError as error:
        flash(credit_error_message(error), "error")
        return redirect(url_for("learning.course", course_id=course.id))
    db.session.commit()
    return redirect(url_for(".certificate_pdf", serial=certificate.serial))


@bp.route("/certificates/<serial>.pdf")
@login_required
def certificate_pdf(serial):
    certificate = load_own_certificate(serial)
    return send_file(
        io.BytesIO(documents.certificate_pdf(certificate)),
        mimetype="application/pdf",
        download_name=documents.pdf_filename(certificate),
        as_attachment=True,
    )


@bp.route("/verify", methods=["GET"])
def verify_form():
    serial = request.args.get("serial", "").strip()
    if serial:
        return redirect(url_for(".verify", serial=ops.normalise_serial(serial)))
    return render_template("credits/verify.html", certificate=None, serial="")


@bp.route("/verify/<serial>")
def verify(serial):
    serial = ops.normalise_serial(serial)
    certificate = queries.get_certificate(serial)
    if certificate is None:
        return render_template(
            "credits/verify.html", certificate=None, serial=serial
        ), 404
    return render_template(
        "credits/verify.html",
        certificate=certificate,
        serial=serial,
        # What a verifier needs; not the score, the hospital or the number.
        facts=public_facts(documents.certificate_facts(certificate)),
        newest=queries.get_newest_version(certificate),
    )


# --- a hospital's coordinator ----------------------------------------------------


def attendance_form():
    form = AttendanceForm()
    language = current_language()
    form.course_id.choices = [
        (c.id, c.title(language)) for c in list_catalog(per_page=200).items
    ]
    form.learner_ids.choices = [
        (p.id, p.name)
        for p in list_users(
            role=Role.LEARNER, hospital_id=current_user.hospital_id, per_page=500
        ).items
    ]
    return form


@bp.route("/credits/attendance", methods=["GET", "POST"])
@roles_required(Role.SITE_COORDINATOR)
def attendance():
    form = attendance_form()
    if form.validate_on_submit():
        course = db.get_or_404(Course, form.course_id.data)
        learners = [db.session.get(User, i) for i in form.learner_ids.data]
        actor = actor_of(current_user)
        if not learners or not all(
            p and can_record_attendance(actor, p.hospital_id) for p in learners
        ):
            abort(403)
        try:
            lines = [
                ops.record_attendance(
                    course,
                    person,
                    current_user,
                    utcnow(),
                    on=form.on.data,
                    minutes=form.minutes.data,
                )
                for person in learners
            ]
        except ops.CreditError as error:
            flash(credit_error_message(error), "error")
        else:
            db.session.commit()
            awarded = [a.award for a in lines if a.award is not None]
            if awarded:
                flash(
                    _(
                        "Attendance recorded: %(count)s learners, "
                        "%(credits)s credits each.",
                        count=len(awarded),
                        credits=format_credit(awarded[0].credits),
                    ),
                    "success",
                )
            else:
                flash(
                    _(
                        "Attendance kept; the credit rules give this session no "
                        "credits: %(reason)s",
                        reason=lines[0].reason,
                    ),
                    "error",
                )
            return redirect(url_for(".attendance"))
    elif form.is_submitted():
        flash(_("Some of the data is not valid."), "error")
        return render_template("credits/attendance.html", form=form), 422
    return render_template("credits/attendance.html", form=form)


@bp.route("/credits/hospital.csv")
@roles_required(Role.SITE_COORDINATOR)
def hospital_export():
    """The coordinator's own hospital's credit lines, in the registry's shape."""
    return export_csv(
        choice_arg("kind", EXPORT_KINDS) or "registry",
        year=int_arg("year", low=1900, high=9999),
        hospital_id=current_user.hospital_id,
    )


# --- a coordinator's staff --------------------------------------------------------


def enrol_selected_form():
    form = EnrolSelectedForm(prefix="enrol")
    language = current_language()
    # Nothing preselected: a course chosen by default is a mistake waiting.
    form.course_id.choices = [(0, "—")] + [
        (c.id, c.title(language)) for c in list_catalog(per_page=200).items
    ]
    # The ticked ids are the page's people; whoever they are, the view refuses
    # anyone of another hospital (a list of every choice would be the hospital).
    form.learner_ids.choices = []
    form.learner_ids.pre_validate = lambda form: None
    return form


@bp.route("/credits/staff")
@roles_required(Role.SITE_COORDINATOR)
def staff():
    year = requested_year()
    q = request.args.get("q", "").strip()
    people, rows = staff_page(current_user.hospital_id, year, q=q, page=page_arg())
    return render_template(
        "credits/staff.html",
        people=people,
        rows=rows,
        q=q,
        year=year,
        years=list(range(this_year(), this_year() - 5, -1)),
        hospital=current_user.hospital,
        enrol_form=enrol_selected_form(),
        reminder_form=ReminderForm(prefix="remind"),
        behind=len(list_staff_behind(current_user.hospital_id, year))
        if year == this_year()
        else None,
    )


@bp.route("/credits/staff/enrol", methods=["POST"])
@roles_required(Role.SITE_COORDINATOR)
def enrol_selected():
    form = enrol_selected_form()
    if not form.validate_on_submit() or not all(
        1 <= i <= MAX_ID for i in form.learner_ids.data or ()
    ):
        # An id no column holds (2**40) is no one, not a database error.
        flash(_("Some of the data is not valid."), "error")
        return redirect(url_for(".staff"))
    if not form.learner_ids.data:
        flash(_("Nobody was selected: tick the people to enrol first."), "error")
        return redirect(url_for(".staff"))
    if not form.course_id.data:
        flash(_("Choose the course to enrol them in."), "error")
        return redirect(url_for(".staff"))
    course = db.get_or_404(Course, form.course_id.data)
    people = db.session.scalars(
        sa.select(User).where(User.id.in_(form.learner_ids.data))
    ).all()
    actor = actor_of(current_user)
    if len(people) != len(set(form.learner_ids.data)) or not all(
        can_enrol_others(actor, p.hospital_id) for p in people
    ):
        flash(_("You may enrol only your own hospital's staff."), "error")
        return redirect(url_for(".staff"))
    try:
        new = 0
        for person in people:
            if get_enrolment(course.id, person.id) is None:
                course_ops.enrol(course, person, utcnow(), by=current_user)
                new += 1
    except course_ops.CourseError as error:
        db.session.rollback()
        flash(course_error_message(error), "error")
        return redirect(url_for(".staff"))
    db.session.commit()
    flash(
        _(
            "%(count)s enrolled in “%(course)s” (%(already)s were already).",
            count=new,
            course=course.title(current_language()),
            already=len(people) - new,
        ),
        "success",
    )
    return redirect(url_for(".staff"))


@bp.route("/credits/staff/remind", methods=["POST"])
@roles_required(Role.SITE_COORDINATOR)
def remind_behind():
    form = ReminderForm(prefix="remind")
    if not form.validate_on_submit():
        flash(_("The message is too long (500 characters at most)."), "error")
        return redirect(url_for(".staff"))
    message = clean_text(form.message.data, multiline=True, required=False)
    behind = list_staff_behind(current_user.hospital_id, this_year())
    # One reminder per learner per REMINDER_INTERVAL_HOURS, whoever sends it: the
    # button pressed again (or by a second coordinator) does not flood anyone.
    reminded = ids_notified_since(
        [p.id for p in behind],
        NotificationKind.REMINDER,
        utcnow() - timedelta(hours=REMINDER_INTERVAL_HOURS),
    )
    if behind and len(reminded) == len(behind):
        flash(
            _(
                "Everyone behind had a reminder in the last %(hours)s hours; "
                "nothing was sent.",
                hours=REMINDER_INTERVAL_HOURS,
            ),
            "error",
        )
        return redirect(url_for(".staff"))
    sent = [p for p in behind if p.id not in reminded]
    for person in sent:
        notify(
            person,
            NotificationKind.REMINDER,
            params={"message": message, "year": this_year()} if message else {},
            link=url_for(".transcript"),
        )
    db.session.commit()
    flash(
        _(
            "A reminder was sent to %(count)s people behind this year.",
            count=len(sent),
        ),
        "success",
    )
    if reminded:
        flash(
            _(
                "%(count)s had a reminder in the last %(hours)s hours and were "
                "skipped.",
                count=len(reminded),
                hours=REMINDER_INTERVAL_HOURS,
            ),
            "info",
        )
    return redirect(url_for(".staff"))


# --- attendance history and corrections -------------------------------------------


def session_date_or_404(text):
    try:
        return date.fromisoformat(text)
    except ValueError:
        abort(404)


@bp.route("/credits/attendance/history")
@roles_required(Role.SITE_COORDINATOR)
def attendance_history():
    page = page_arg()
    sessions, has_next = queries.list_attendance_sessions(
        current_user.hospital_id, page=page
    )
    return render_template(
        "credits/attendance_history.html",
        sessions=sessions,
        page=page,
        has_next=has_next,
    )


@bp.route("/credits/attendance/<int:course_id>/<on>")
@roles_required(Role.SITE_COORDINATOR)
def attendance_session(course_id, on):
    course = db.get_or_404(Course, course_id)
    session_date = session_date_or_404(on)
    return render_template(
        "credits/attendance_session.html",
        course=course,
        on=session_date,
        attendances=queries.list_session_attendances(
            course.id, session_date, current_user.hospital_id
        ),
        form=AttendanceCorrectionForm(),
    )


@bp.route("/credits/attendance/<int:course_id>/<on>/withdraw", methods=["POST"])
@roles_required(Role.SITE_COORDINATOR)
def withdraw_attendance(course_id, on):
    course = db.get_or_404(Course, course_id)
    session_date = session_date_or_404(on)
    back = redirect(url_for(".attendance_session", course_id=course.id, on=on))
    form = AttendanceCorrectionForm()
    if not form.validate_on_submit():
        flash(_("Say why this attendance is withdrawn."), "error")
        return back
    attendance = queries.get_attendance(form.user_id.data, course.id, session_date)
    learner = attendance and db.session.get(User, attendance.user_id)
    if learner is None or not can_record_attendance(
        actor_of(current_user), learner.hospital_id
    ):
        abort(404)
    try:
        ops.withdraw_attendance(attendance, current_user, utcnow(), form.reason.data)
    except ops.CreditError as error:
        db.session.rollback()
        flash(credit_error_message(error), "error")
        return back
    db.session.commit()
    flash(
        _("%(name)s's attendance was withdrawn.", name=learner.name),
        "success",
    )
    return back
