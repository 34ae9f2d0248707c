"""Learners' pages: the catalog, a course, its post-test and evaluation."""

import random

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required

from certificates import queries as credit_queries
from certificates.rules import LEARNER_SOURCES
from courses import operations as ops
from courses import queries
from courses.access import can_enrol_others
from courses.disciplines import DISCIPLINES_BY_CODE
from courses.gates import Step, may_review_answers
from courses.models import Course, Lecture
from lms.accounts.roles import Profession
from lms.db import db, utcnow
from lms.edge import catalog_filters, form_id, page_arg
from lms.hospitals.views import hospital_choices
from lms.i18n import current_language
from lms.labels import category_label, profession_label
from lms.learning.forms import (
    EnrolHospitalForm,
    EvaluationForm,
    format_choices,
    specialty_choices,
)
from lms.learning.messages import course_error_message
from lms.media.views import hls_url, may_watch
from lms.search.documents import search_published
from lms.search.query import clean_query
from media_pipeline.states import MediaStatus

bp = Blueprint("learning", __name__, url_prefix="/courses")


def load_visible_course(course_id):
    course = db.session.get(Course, course_id)
    if course is None or not queries.may_view(course, current_user):
        abort(404)
    return course


def load_enrolment(course):
    enrolment = queries.get_enrolment(course.id, current_user.id)
    if enrolment is None:
        flash(_("Enrol in the course first."), "error")
        return None
    return enrolment


@bp.app_template_global()
def specialty_label(code):
    discipline = DISCIPLINES_BY_CODE.get(code)
    if discipline is None:
        return code
    return discipline.name_en if current_language() == "en" else discipline.name_zh


@bp.app_template_global()
def facet_label(name, value):
    """The label of a facet value: a specialty, profession, format or category."""
    if name == "specialty":
        return specialty_label(value)
    if name == "professions":
        return profession_label(value)
    if name == "format":
        return {c.value: c.label for c in format_choices()}.get(value, value)
    if name == "credit_category":
        # A lone "I" on a chip says nothing: "Class I credit" / "I 类学分".
        return {"I": _("Class I credit"), "II": _("Class II credit")}.get(
            value, category_label(value)
        )
    return value


@bp.app_template_global()
def facet_url(filters, q, name, value):
    """The catalog with this facet value as a filter, or without it when it is on."""
    args = {**filters, "q": q, name: None if filters.get(name) == value else value}
    return url_for("learning.catalog", **{k: v for k, v in args.items() if v})


@bp.route("/")
def catalog():
    filters = catalog_filters()
    q = request.args.get("q", "")
    page_number = page_arg()
    found, page = None, None
    if clean_query(q):
        found, results = search_published(q, filters, page=page_number)
    else:
        page = queries.list_catalog(page=page_number, **filters)
        results = [(course, None) for course in page.items]
    return render_template(
        "learning/catalog.html",
        page=page,
        found=found,
        results=results,
        q=q,
        filters=filters,
        specialties=specialty_choices(current_language()),
        formats=format_choices(),
        professions=[p.value for p in Profession],
        class_hours=queries.class_hours,
        course_credits=queries.course_credits,
    )


@bp.route("/<int:course_id>")
def course(course_id):
    course = load_visible_course(course_id)
    enrolment, progress, step, attempts = None, {}, None, []
    if current_user.is_authenticated:
        enrolment = queries.get_enrolment(course.id, current_user.id)
        if enrolment:
            progress = queries.progress_by_lecture(current_user.id, course)
            step = queries.enrolment_step(enrolment)
            attempts = [a for a in queries.list_attempts(enrolment) if a.submitted_dt]
    award = certificate = None
    if step == Step.COMPLETE:
        award = credit_queries.get_standing_award(
            current_user.id, course.id, LEARNER_SOURCES
        )
        certificate = credit_queries.get_current_certificate(current_user.id, course.id)
    enrol_form = None
    if current_user.is_authenticated and can_enrol_others(
        queries.actor_of(current_user), current_user.hospital_id
    ):
        enrol_form = EnrolHospitalForm()
        enrol_form.hospital_id.choices = (
            hospital_choices()
            if current_user.role.value == "administrator"
            else [
                (
                    current_user.hospital_id,
                    current_user.hospital.display_name(current_language()),
                )
            ]
        )
    return render_template(
        "learning/course.html",
        course=course,
        enrolment=enrolment,
        progress=progress,
        step=step,
        Step=Step,
        attempts=attempts,
        class_hours=queries.class_hours(course),
        credits=queries.course_credits(course),
        enrol_form=enrol_form,
        award=award,
        certificate=certificate,
        continue_to=(
            queries.continue_lecture(course, queries.completed_lecture_ids(progress))
            if step == Step.WATCH
            else None
        ),
        may_review=may_review_answers(step),
    )


@bp.route("/lectures/<int:lecture_id>")
@login_required
def lecture(lecture_id):
    lecture = db.session.get(Lecture, lecture_id)
    if lecture is None or not may_watch(current_user, lecture):
        abort(404)
    url = hls_url(lecture) if lecture.media_status == MediaStatus.READY else None
    if url is None:
        flash(_("This lecture is not ready to play yet."), "error")
        return redirect(url_for(".course", course_id=lecture.course_id))
    base = url.rsplit("/", 1)[0]
    tracked = queries.get_enrolment(lecture.course_id, current_user.id) is not None
    next_link = _after_lecture(lecture, tracked)
    config = {
        "lectureId": lecture.id,
        #: The player keeps quality and speed per person on a device.
        "userId": current_user.id,
        "hlsUrl": url,
        "audioUrl": f"{base}/audio/index.m3u8",
        "poster": f"{base}/poster.jpg",
        "tracked": tracked,
        "sessionUrl": url_for("api.start_play_session", lecture_id=lecture.id),
        "progressUrl": url_for("api.post_progress", lecture_id=lecture.id),
        "heartbeatSeconds": 15,
        "text": {
            "watched": _("%(pct)s%% watched", pct="%s"),
            "offline": _(
                "Offline: your progress is kept and sent when the link returns."
            ),
            "reconnecting": _("Reconnecting…"),
        },
    }
    return render_template(
        "learning/lecture.html",
        lecture=lecture,
        config=config,
        poster=config["poster"],
        next_link=next_link,
    )


def _after_lecture(lecture, tracked):
    """``(url, label)`` shown when a lecture ends: the next lecture to watch (this
    one counted as watched), else the post-test; None when there is neither."""
    course = lecture.course
    if tracked:
        progress = queries.progress_by_lecture(current_user.id, course)
        done = queries.completed_lecture_ids(progress) | {lecture.id}
    else:  # a lecturer's or the office's preview goes forward only
        ids = [lec.id for lec in course.lectures]
        done = set(ids[: ids.index(lecture.id) + 1])
    following = queries.continue_lecture(course, done, after=lecture.id)
    if following is not None:
        return (
            url_for(".lecture", lecture_id=following.id),
            _("Next: %(title)s", title=following.title(current_language())),
        )
    if tracked and course.questions:
        return url_for(".post_test", course_id=course.id), _("Take the post-test")
    return None


@bp.route("/<int:course_id>/enrol", methods=["POST"])
@login_required
def enrol(course_id):
    course = load_visible_course(course_id)
    try:
        ops.enrol(course, current_user, utcnow())
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("You are enrolled. Start with the first lecture."), "success")
    return redirect(url_for(".course", course_id=course.id))


@bp.route("/<int:course_id>/enrol-hospital", methods=["POST"])
@login_required
def enrol_hospital(course_id):
    course = load_visible_course(course_id)
    form = EnrolHospitalForm()
    form.hospital_id.choices = hospital_choices()
    if not form.validate_on_submit():
        abort(400)
    if not can_enrol_others(queries.actor_of(current_user), form.hospital_id.data):
        abort(403)
    try:
        count = ops.enrol_hospital(
            course, form.hospital_id.data, current_user, utcnow()
        )
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
    else:
        db.session.commit()
        flash(_("%(count)s learners were enrolled.", count=count), "success")
    return redirect(url_for(".course", course_id=course.id))


@bp.route("/<int:course_id>/post-test", methods=["GET", "POST"])
@login_required
def post_test(course_id):
    """GET shows the open attempt, or a button that starts one (a GET never
    writes); POST grades the open attempt."""
    course = load_visible_course(course_id)
    enrolment = load_enrolment(course)
    if enrolment is None:
        return redirect(url_for(".course", course_id=course.id))
    if request.method == "POST":
        return _grade(course, enrolment)
    step = queries.enrolment_step(enrolment)
    if step != Step.TEST:
        code = {Step.WATCH: "test_locked", Step.FAILED: "no_attempts_left"}.get(
            step, "already_passed"
        )
        flash(course_error_message(ops.CourseError(code, code)), "error")
        return redirect(url_for(".course", course_id=course.id))
    attempt = queries.get_open_attempt(enrolment)
    if attempt is not None and not ops.has_option_keys(attempt):
        attempt = None  # begun before option keys: resuming it gives it keys
    used = sum(1 for a in queries.list_attempts(enrolment) if a.submitted_dt)
    return render_template(
        "learning/post_test.html",
        course=course,
        attempt=attempt,
        attempts_used=used,
        enrolment=enrolment,
        questions={q.id: q for q in course.questions},
    )


@bp.route("/<int:course_id>/post-test/start", methods=["POST"])
@login_required
def start_post_test(course_id):
    course = load_visible_course(course_id)
    enrolment = load_enrolment(course)
    if enrolment is None:
        return redirect(url_for(".course", course_id=course.id))
    try:
        ops.open_attempt(enrolment, random.SystemRandom(), utcnow())
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
        return redirect(url_for(".course", course_id=course.id))
    db.session.commit()
    return redirect(url_for(".post_test", course_id=course.id))


def _grade(course, enrolment):
    answers = {}
    for key in request.form:
        if key.startswith("q-"):
            answers[key[2:]] = request.form.getlist(key)
    attempt = queries.get_open_attempt(enrolment)
    if (
        attempt is not None
        and attempt.id == form_id("attempt_id")
        and not request.form.get("confirm_incomplete")
    ):
        unanswered = [
            d["question_id"]
            for d in attempt.drawn
            if not answers.get(str(d["question_id"]))
        ]
        if unanswered:
            # Sent back with the answers kept: an unanswered question burns no attempt
            # unless the learner confirms (the page's script asks first).
            return render_template(
                "learning/post_test.html",
                course=course,
                attempt=attempt,
                attempts_used=attempt.number - 1,
                enrolment=enrolment,
                questions={q.id: q for q in course.questions},
                chosen=answers,
                unanswered=unanswered,
            ), 422
    try:
        attempt, grade = ops.submit_attempt(
            enrolment, form_id("attempt_id"), answers, utcnow()
        )
    except ops.CourseError as error:
        flash(course_error_message(error), "error")
        return redirect(url_for(".course", course_id=course.id))
    db.session.commit()
    questions = {q.id: q for q in course.questions}
    return render_template(
        "learning/post_test_result.html",
        course=course,
        attempt=attempt,
        grade=grade,
        questions=questions,
        step=queries.enrolment_step(enrolment),
        attempts_left=enrolment.max_attempts - attempt.number,
        **_review(attempt, enrolment, questions),
    )


def _review(attempt, enrolment, questions):
    """Which answers were wrong, once that can no longer help pass: the right
    ones too after a pass; only the learner's own after the last attempt (the
    office may still grant another)."""
    step = queries.enrolment_step(enrolment)
    if not may_review_answers(step):
        return {"review": None, "show_right": False}
    return {
        "review": queries.answer_review(attempt, questions),
        "show_right": step in (Step.EVALUATE, Step.COMPLETE),
    }


@bp.route("/<int:course_id>/post-test/review")
@login_required
def post_test_review(course_id):
    """The learner's answers in their passing (else last) attempt."""
    course = load_visible_course(course_id)
    enrolment = load_enrolment(course)
    if enrolment is None:
        return redirect(url_for(".course", course_id=course.id))
    submitted = [a for a in queries.list_attempts(enrolment) if a.submitted_dt]
    attempt = next((a for a in submitted if a.is_passed), None) or (
        submitted[-1] if submitted else None
    )
    review = _review(attempt, enrolment, {q.id: q for q in course.questions})
    if attempt is None or review["review"] is None:
        flash(
            _("Your answers are shown after you pass, or after your last attempt."),
            "error",
        )
        return redirect(url_for(".course", course_id=course.id))
    return render_template(
        "learning/post_test_review.html", course=course, attempt=attempt, **review
    )


@bp.route("/<int:course_id>/evaluation", methods=["GET", "POST"])
@login_required
def evaluation(course_id):
    course = load_visible_course(course_id)
    enrolment = load_enrolment(course)
    if enrolment is None:
        return redirect(url_for(".course", course_id=course.id))
    step = queries.enrolment_step(enrolment)
    if step != Step.EVALUATE:
        if step != Step.COMPLETE:
            flash(_("Pass the post-test before the evaluation."), "error")
        return redirect(url_for(".course", course_id=course.id))
    form = EvaluationForm()
    if form.validate_on_submit():
        try:
            ops.submit_evaluation(
                enrolment,
                utcnow(),
                course_quality=int(form.course_quality.data),
                lecturer_quality=int(form.lecturer_quality.data),
                relevance=int(form.relevance.data),
                comments=form.comments.data or "",
            )
        except ops.CourseError as error:
            flash(course_error_message(error), "error")
        else:
            db.session.commit()
            flash(_("Thank you! You have completed this course."), "success")
            return redirect(url_for(".course", course_id=course.id))
    return render_template("learning/evaluation.html", course=course, form=form)
