"""The CME office approves courses, their class hours and credit type."""

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from certificates.queries import get_rule_set
from courses import operations as ops
from courses import queries
from courses.access import can_review_media
from courses.models import Course
from courses.queries import actor_of
from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.learning.forms import ApprovalForm, RejectMediaForm, ReturnForm
from lms.learning.messages import course_error_message
from lms.media.views import hls_url, preview_url
from lms.search.tasks import course_changed
from media_pipeline import operations as media_ops
from media_pipeline import queries as media_queries
from media_pipeline.models import TranscodeJob
from media_pipeline.storage import Storage

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
        "learning/review_queue.html",
        courses=queries.list_courses_awaiting_approval(),
        versions=media_queries.list_versions_awaiting_review(),
    )


# --- new media of published lectures ---------------------------------------------


def load_version(job_id):
    job = db.get_or_404(TranscodeJob, job_id)
    if job.review_state is None:
        abort(404)
    return job


@bp.route("/media/<int:job_id>")
@roles_required(Role.ADMINISTRATOR)
def media_version(job_id):
    job = load_version(job_id)
    return render_template(
        "learning/review_media.html",
        job=job,
        lecture=job.lecture,
        preview_url=preview_url(job),
        current_url=hls_url(job.lecture),
        reject_form=RejectMediaForm(prefix="reject"),
        may_decide=can_review_media(actor_of(current_user), job.upload.user_id),
    )


@bp.route("/media/<int:job_id>/approve", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def approve_media(job_id):
    load_version(job_id)
    job = media_ops.get_version_for_review(job_id)
    try:
        media_ops.approve_version(job, current_user, utcnow(), media_storage())
    except media_ops.MediaError as error:
        flash(media_review_message(error), "error")
        return redirect(url_for(".media_version", job_id=job_id))
    db.session.commit()
    flash(_("The new recording is approved: learners now see it."), "success")
    return redirect(url_for(".queue"))


@bp.route("/media/<int:job_id>/reject", methods=["POST"])
@roles_required(Role.ADMINISTRATOR)
def reject_media(job_id):
    load_version(job_id)
    form = RejectMediaForm(prefix="reject")
    if not form.validate_on_submit():
        flash(_("Say why the new recording is rejected."), "error")
        return redirect(url_for(".media_version", job_id=job_id))
    job = media_ops.get_version_for_review(job_id)
    try:
        media_ops.reject_version(
            job, current_user, utcnow(), media_storage(), comment=form.comment.data
        )
    except media_ops.MediaError as error:
        flash(media_review_message(error), "error")
        return redirect(url_for(".media_version", job_id=job_id))
    db.session.commit()
    flash(_("The new recording was rejected; the lecture keeps its media."), "success")
    return redirect(url_for(".queue"))


def media_storage():
    return Storage(current_app.config["MEDIA_DIR"])


def media_review_message(error):
    return {
        "forbidden": _(
            "Only another member of the CME office may review a recording you "
            "uploaded yourself."
        ),
        "not_pending": _("This recording is no longer waiting for review."),
        "version_missing": _(
            "This recording's files are gone; the lecturer needs to upload it again."
        ),
        "comment_required": _("Say why the new recording is rejected."),
    }.get(error.code, _("Some of the data is not valid."))


@bp.route("/<int:course_id>")
@roles_required(Role.ADMINISTRATOR)
def review(course_id):
    course = queries.get_course_for_review(course_id)
    if course is None:
        abort(404)
    return render_template(
        "learning/review_course.html",
        course=course,
        form=approval_form(course),
        return_form=ReturnForm(prefix="return"),
        class_hours=queries.class_hours(course),
        # Every ready lecture plays here before the course is approved.
        lecture_urls={lecture.id: hls_url(lecture) for lecture in course.lectures},
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
