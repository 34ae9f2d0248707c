"""Lecturers' pages: create and edit a course, its lectures and questions, submit
it, and see who watched what."""

from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from courses import operations as ops
from courses import queries
from courses.models import Course, Lecture, Question
from courses.question_sheet import parse_question_rows
from courses.workflow import can_edit_course, media_needs_review
from lms.accounts.auth import roles_required
from lms.accounts.roles import Role
from lms.db import db, utcnow
from lms.i18n import current_language
from lms.labels import media_label
from lms.learning.forms import (
    CourseForm,
    LectureForm,
    LecturePolicyForm,
    MoveForm,
    QuestionForm,
    QuestionSheetForm,
    content_class_labels,
    media_policy_choices,
    rule_set_choices,
)
from lms.learning.forms import specialty_choices as specialties
from lms.learning.messages import course_error_message
from lms.learning.sheets import (
    UnreadableSheet,
    question_template,
    read_question_rows,
    row_error_message,
)
from lms.search.tasks import course_changed
from media_pipeline import queries as media_queries
from media_pipeline.overrides import override_lecture_policy
from media_pipeline.states import MediaStatus
from media_pipeline.tasks import enqueue

bp = Blueprint("teaching", __name__, url_prefix="/teach")
TEACHERS = (Role.LECTURER, Role.ADMINISTRATOR)


def course_form(**kwargs):
    form = CourseForm(**kwargs)
    form.specialty.choices = specialties(current_language())
    form.rule_set_code.choices = rule_set_choices(current_language())
    return form


def course_values(form):
    return {
        "title_zh": form.title_zh.data,
        "title_en": form.title_en.data or "",
        "description_zh": form.description_zh.data or "",
        "description_en": form.description_en.data or "",
        "specialty": form.specialty.data,
        "target_professions": list(form.target_professions.data or []),
        "format": form.format.data,
        "project_level": form.project_level.data,
        "rule_set_code": form.rule_set_code.data,
        "completion_threshold": form.completion_threshold.data / 100,
        "pass_mark": form.pass_mark.data / 100,
        "max_attempts": form.max_attempts.data,
        "questions_per_attempt": form.questions_per_attempt.data,
    }


def load_managed(course_id):
    course = db.session.get(Course, course_id)
    if course is None or not queries.may_manage(course, current_user):
        abort(404)
    return course


@bp.route("/courses/new", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def new_course():
    form = course_form()
    if form.validate_on_submit():
        try:
            course = ops.create_course(current_user, **course_values(form))
        except ops.CourseError as error:
            flash(course_error_message(error), "error")
        else:
            db.session.commit()
            flash(
                _("The course was created. Add its lectures and questions."), "success"
            )
            return redirect(url_for(".manage", course_id=course.id))
    return render_template("learning/teach_new.html", form=form)


@bp.route("/courses/<int:course_id>", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def manage(course_id):
    course = load_managed(course_id)
    form = course_edit_form(course)
    if form.validate_on_submit():
        try:
            ops.update_course(course, current_user, **course_values(form))
        except ops.CourseError as error:
            flash(course_error_message(error), "error")
        else:
            db.session.commit()
            course_changed(course.id)
            flash(_("The course was saved."), "success")
            return redirect(url_for(".manage", course_id=course.id))
    return render_manage(course, form)


def course_edit_form(course, posted=True):
    """The course-details form: what was posted (``posted``), else the stored values."""
    form = course_form(obj=course) if posted else course_form(formdata=None, obj=course)
    if not (posted and form.is_submitted()):
        # WTForms prefers obj's attributes to keyword data: the stored fractions
        # (0.95, 0.6) showed as 0 in these percent fields.
        form.completion_threshold.data = round(course.completion_threshold * 100)
        form.pass_mark.data = round(course.pass_mark * 100)
    return form


def render_manage(course, form, question_form=None, status=200):
    """The lecturer's course page; a form sent back keeps what was typed."""
    editable = can_edit_course(
        course.status,
        role=current_user.role,
        is_lecturer_of_course=queries.is_lecturer_of(course, current_user),
    )
    return render_template(
        "learning/teach_course.html",
        course=course,
        form=form,
        editable=editable,
        lecture_form=LectureForm(formdata=None, prefix="lecture"),
        question_form=question_form or QuestionForm(formdata=None, prefix="question"),
        stats=queries.course_statistics(course),
        retention={lec.id: queries.lecture_retention(lec) for lec in course.lectures},
        class_hours=queries.class_hours(course),
        media_review=media_needs_review(course.status),
        pending_versions=media_queries.pending_versions_by_lecture(course.id),
        unready=[lec for lec in course.lectures if not lec.is_playable],
        upload_text={
            "uploading": _("Uploading…"),
            "retrying": _("The connection dropped; resuming…"),
            "pending": _("Waiting for the transcoder…"),
            "running": _("Transcoding…"),
            "succeeded": _("Ready to play."),
            "review": _(
                "Transcoded. It waits for the CME office's review; learners keep "
                "the current recording until then."
            ),
            "failed": _("Transcoding failed:"),
            "cancelled": _("Cancelled."),
            "badges": {status: str(media_label(status)) for status in MediaStatus},
        },
        failed_jobs=media_queries.failed_jobs_by_lecture(course.id),
        latest_jobs=media_queries.latest_jobs_by_lecture(course.id),
        policy_names={c.value: c.label for c in media_policy_choices()},
        class_names=content_class_labels(),
        policy_forms={
            lecture.id: lecture_policy_form(lecture) for lecture in course.lectures
        }
        if current_user.role == Role.ADMINISTRATOR
        else {},
    ), status


def lecture_policy_form(lecture):
    """The office's ladder form for a lecture; its first choice names the course's."""
    form = LecturePolicyForm(
        formdata=None,
        prefix=f"policy-{lecture.id}",
        media_policy=lecture.media_policy or "",
    )
    names = {c.value: c.label for c in media_policy_choices()}
    course_policy = lecture.course.media_policy
    form.media_policy.choices = [
        SelectChoice(
            "",
            _(
                "As the course: %(policy)s",
                policy=names.get(course_policy, course_policy),
            ),
        ),
        *media_policy_choices(),
    ]
    return form


@bp.route(
    "/courses/<int:course_id>/lectures/<int:lecture_id>/media-policy",
    methods=["POST"],
)
@roles_required(Role.ADMINISTRATOR)
def lecture_media_policy(course_id, lecture_id):
    """The office gives a lecture its own ladder, and its recording is transcoded
    again with it."""
    course = load_managed(course_id)
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None or lecture.course_id != course.id:
        abort(404)
    form = LecturePolicyForm(prefix=f"policy-{lecture.id}")
    back = url_for(".manage", course_id=course.id, _anchor="lectures")
    if not form.validate_on_submit():
        flash(_("Choose a video ladder from the list."), "error")
        return redirect(back)
    result = override_lecture_policy(
        lecture, form.media_policy.data or None, current_user, utcnow()
    )
    db.session.commit()
    if result.job is not None:
        enqueue(result.job)
        flash(_("The recording is transcoded again with the chosen ladder."), "success")
    elif result.in_flight is not None:
        flash(
            _(
                "The recording is already being transcoded with this ladder;"
                " nothing was started again."
            ),
            "success",
        )
    else:
        flash(
            _("The lecture's video ladder is saved for its next recording."), "success"
        )
    return redirect(back)


@bp.route("/courses/<int:course_id>/lectures", methods=["POST"])
@roles_required(*TEACHERS)
def add_lecture(course_id):
    course = load_managed(course_id)
    form = LectureForm(prefix="lecture")
    if form.validate_on_submit():
        minutes = form.duration_minutes.data
        try:
            ops.add_lecture(
                course,
                current_user,
                title_zh=form.title_zh.data,
                title_en=form.title_en.data or "",
                duration_seconds=float(minutes) * 60 if minutes else None,
            )
        except ops.CourseError as error:
            flash(course_error_message(error), "error")
        else:
            db.session.commit()
            course_changed(course.id)
            flash(_("The lecture was added."), "success")
    else:
        flash(_("Some of the data is not valid."), "error")
    return redirect(url_for(".manage", course_id=course.id) + "#lectures")


@bp.route("/courses/<int:course_id>/questions", methods=["POST"])
@roles_required(*TEACHERS)
def add_question(course_id):
    course = load_managed(course_id)
    form = QuestionForm(prefix="question")
    if form.validate_on_submit():
        try:
            ops.add_question(
                course,
                current_user,
                kind=form.kind.data,
                text_zh=form.text_zh.data,
                text_en=form.text_en.data or "",
                explanation_zh=form.explanation_zh.data or "",
                explanation_en=form.explanation_en.data or "",
                options=form.options(),
            )
        except ops.CourseError:
            form.correct_1.errors.append(
                _(
                    "A single-choice question needs exactly one right option; a "
                    "multiple-choice question at least one."
                )
            )
        else:
            db.session.commit()
            flash(_("The question was added."), "success")
            return redirect(url_for(".manage", course_id=course.id) + "#questions")
    # Sent back with what was typed (a redirect lost the question and options).
    return render_manage(course, course_edit_form(course, posted=False), form, 422)


@bp.route("/courses/<int:course_id>/submit", methods=["POST"])
@roles_required(*TEACHERS)
def submit(course_id):
    course = load_managed(course_id)
    try:
        ops.change_course_status(course, current_user, "submit", utcnow())
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("The course was submitted to the CME office for approval."), "success")
    return redirect(url_for(".manage", course_id=course.id))


# --- editing lectures and questions (draft or returned courses) -----------------


def _load_lecture(lecture_id):
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None:
        abort(404)
    load_managed(lecture.course_id)
    return lecture


def _load_question(question_id):
    question = db.session.get(Question, question_id)
    if question is None:
        abort(404)
    load_managed(question.course_id)
    return question


@bp.route("/lectures/<int:lecture_id>/edit", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def edit_lecture(lecture_id):
    lecture = _load_lecture(lecture_id)
    form = LectureForm(obj=lecture)
    if request.method == "GET" and lecture.duration_seconds:
        form.duration_minutes.data = round(lecture.duration_seconds / 60, 1)
    if form.validate_on_submit():
        minutes = form.duration_minutes.data
        try:
            ops.update_lecture(
                lecture,
                current_user,
                title_zh=form.title_zh.data,
                title_en=form.title_en.data or "",
                duration_seconds=float(minutes) * 60 if minutes else None,
            )
        except ops.CourseError as error:
            db.session.rollback()
            if error.code == "invalid_title":
                form.title_zh.errors.append(_("Please enter a title."))
            else:
                flash(course_error_message(error), "error")
        else:
            db.session.commit()
            course_changed(lecture.course_id)
            flash(_("The lecture was saved."), "success")
            return redirect(
                url_for(".manage", course_id=lecture.course_id) + "#lectures"
            )
    failed = request.method == "POST"
    return render_template(
        "learning/teach_lecture_edit.html", lecture=lecture, form=form
    ), (422 if failed else 200)


@bp.route("/lectures/<int:lecture_id>/move", methods=["POST"])
@roles_required(*TEACHERS)
def move_lecture(lecture_id):
    lecture = _load_lecture(lecture_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.move_lecture(
            lecture, current_user, -1 if form.direction.data == "up" else 1
        )
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        course_changed(lecture.course_id)
    return redirect(url_for(".manage", course_id=lecture.course_id) + "#lectures")


@bp.route("/lectures/<int:lecture_id>/delete", methods=["POST"])
@roles_required(*TEACHERS)
def delete_lecture(lecture_id):
    lecture = _load_lecture(lecture_id)
    course_id = lecture.course_id
    try:
        ops.delete_lecture(lecture, current_user)
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        course_changed(course_id)
        flash(_("The lecture was deleted."), "success")
    return redirect(url_for(".manage", course_id=course_id) + "#lectures")


@bp.route("/questions/<int:question_id>/edit", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def edit_question(question_id):
    question = _load_question(question_id)
    form = QuestionForm()
    if request.method == "GET":
        form.fill_from(question)
    if form.validate_on_submit():
        try:
            ops.update_question(
                question,
                current_user,
                kind=form.kind.data,
                text_zh=form.text_zh.data,
                text_en=form.text_en.data or "",
                explanation_zh=form.explanation_zh.data or "",
                explanation_en=form.explanation_en.data or "",
                options=form.options(),
            )
        except ops.CourseError as error:
            db.session.rollback()
            if error.code == "not_draft":
                flash(course_error_message(error), "error")
            else:
                form.correct_1.errors.append(
                    _(
                        "A single-choice question needs exactly one right option; a "
                        "multiple-choice question at least one."
                    )
                )
        else:
            db.session.commit()
            flash(_("The question was saved."), "success")
            return redirect(
                url_for(".manage", course_id=question.course_id) + "#questions"
            )
    return render_template(
        "learning/teach_question_edit.html",
        question=question,
        course=question.course,
        form=form,
    ), (422 if request.method == "POST" else 200)


@bp.route("/questions/<int:question_id>/move", methods=["POST"])
@roles_required(*TEACHERS)
def move_question(question_id):
    question = _load_question(question_id)
    form = MoveForm()
    if not form.validate_on_submit():
        abort(400)
    try:
        ops.move_question(
            question, current_user, -1 if form.direction.data == "up" else 1
        )
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
    return redirect(url_for(".manage", course_id=question.course_id) + "#questions")


@bp.route("/questions/<int:question_id>/delete", methods=["POST"])
@roles_required(*TEACHERS)
def delete_question(question_id):
    question = _load_question(question_id)
    course_id = question.course_id
    try:
        ops.delete_question(question, current_user)
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("The question was deleted."), "success")
    return redirect(url_for(".manage", course_id=course_id) + "#questions")


@bp.route("/courses/<int:course_id>/questions/template.xlsx")
@roles_required(*TEACHERS)
def question_sheet_template(course_id):
    load_managed(course_id)
    return Response(
        question_template(),
        mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        headers={"Content-Disposition": "attachment; filename=telecme-questions.xlsx"},
    )


@bp.route("/courses/<int:course_id>/questions/import", methods=["GET", "POST"])
@roles_required(*TEACHERS)
def import_questions(course_id):
    """Every question of an Excel sheet, or none: each wrong row is listed."""
    course = load_managed(course_id)
    form = QuestionSheetForm()
    problems = []
    if form.validate_on_submit():
        try:
            rows = read_question_rows(form.sheet.data.read())
        except UnreadableSheet:
            problems = [
                _("This file is not an Excel workbook (.xlsx) that can be read.")
            ]
        else:
            questions, errors = parse_question_rows(rows)
            problems = [row_error_message(e) for e in errors]
            if not questions and not errors:
                problems = [_("The sheet has no questions below its header row.")]
        if not problems:
            try:
                ops.import_questions(course, current_user, questions)
            except ops.CourseError as error:
                db.session.rollback()
                problems = [course_error_message(error)]
            else:
                db.session.commit()
                flash(
                    _("%(count)s questions were imported.", count=len(questions)),
                    "success",
                )
                return redirect(url_for(".manage", course_id=course.id) + "#questions")
    failed = bool(problems or form.errors)
    return render_template(
        "learning/teach_import.html", course=course, form=form, problems=problems
    ), (422 if failed else 200)


@bp.route("/courses/<int:course_id>/feedback")
@roles_required(*TEACHERS)
def feedback(course_id):
    """Learners' evaluations and how each post-test question went."""
    course = load_managed(course_id)
    return render_template(
        "learning/teach_feedback.html",
        course=course,
        evaluations=queries.evaluation_summary(course),
        question_stats=queries.question_statistics(course),
    )
