"""The CME office approves courses, their class hours and credit type."""

from flask import Blueprint, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from certificates.queries import get_rule_set
from courses import operations as ops
from courses import queries
from courses.models import Course
from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.learning.forms import ApprovalForm, ReturnForm
from lms.learning.messages import course_error_message
from lms.search.tasks import course_changed

bp = Blueprint("review", __name__, url_prefix="/admin/courses")


def approval_form(course):
    form = ApprovalForm(
        prefix="approve", obj=course, project_level=course.project_level.value
    )
    form.credit_category.choices = [
        SelectChoice(c, c) for c in get_rule_set(course.rule_set_code).categories
    ]
    return form


@bp.route("/")
@roles_required(Role.ADMINISTRATOR)
def queue():
    return render_template(
        "learning/review_queue.html", courses=queries.list_courses_awaiting_approval()
    )


@bp.route("/<int:course_id>")
@roles_required(Role.ADMINISTRATOR)
def review(course_id):
    course = db.get_or_404(Course, course_id)
    return render_template(
        "learning/review_course.html",
        course=course,
        form=approval_form(course),
        return_form=ReturnForm(prefix="return"),
        class_hours=queries.class_hours(course),
    )


@bp.route("/<int:course_id>/approve", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def approve(course_id):
    course = db.get_or_404(Course, course_id)
    form = approval_form(course)
    if not form.validate_on_submit():
        flash(_("Some of the data is not valid."), "error")
        return redirect(url_for(".review", course_id=course.id))
    approval = {
        "project_number": form.project_number.data or "",
        "project_level": form.project_level.data,
        "credit_category": form.credit_category.data,
        "media_policy": form.media_policy.data,
        "has_credit_review": form.has_credit_review.data,
    }
    if form.class_hours_override.data is not None:
        approval["class_hours_override"] = float(form.class_hours_override.data)
        approval["class_hours_override_reason"] = form.class_hours_override_reason.data
    return _change(
        course,
        "approve",
        approval=approval,
        done=_("The course is approved and published."),
    )


@bp.route("/<int:course_id>/return", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def return_course(course_id):
    course = db.get_or_404(Course, course_id)
    form = ReturnForm(prefix="return")
    if not form.validate_on_submit():
        flash(_("Say why the course is returned."), "error")
        return redirect(url_for(".review", course_id=course.id))
    return _change(
        course,
        "return",
        comment=form.comment.data,
        done=_("The course was returned to its lecturers."),
    )


@bp.route("/<int:course_id>/archive", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def archive(course_id):
    course = db.get_or_404(Course, course_id)
    return _change(course, "archive", done=_("The course was archived."))


def _change(course, action, *, done, comment="", approval=None):
    try:
        ops.change_course_status(
            course, current_user, action, utcnow(), comment=comment, approval=approval
        )
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
        return redirect(url_for(".review", course_id=course.id))
    db.session.commit()
    course_changed(course.id)
    flash(done, "success")
    return redirect(url_for(".queue"))
