"""Writing courses, enrolments, progress, attempts and evaluations.

Operations flush; the view, CLI command or task commits. Every rule lives in a
pure module (``workflow``, ``progress``, ``posttest``, ``gates``); this module
loads rows, calls the rule and stores the result.
"""

import secrets
from dataclasses import dataclass
from decimal import Decimal

import sqlalchemy as sa

from courses.credit_terms import credit_terms
from courses.disciplines import DISCIPLINES_BY_CODE
from courses.events import (
    announce,
    course_completed,
    course_published,
    learner_enrolled,
    play_session_credited,
)
from courses.gates import Step
from courses.models import (
    Course,
    Enrolment,
    Evaluation,
    Lecture,
    LectureProgress,
    Option,
    PlaySession,
    Question,
    TestAttempt,
    WatchBudget,
)
from courses.posttest import (
    AnswerRejected,
    BankQuestion,
    DrawnQuestion,
    QuestionKind,
    draw_attempt,
    grade_attempt,
)
from courses.progress import (
    BeatRejected,
    PlaySessionState,
    WatchBudgetState,
    covered_seconds,
    decide_beat,
    is_complete,
    merge_ranges,
    parse_ranges,
    resume_position,
    take_over_budget,
)
from courses.queries import (
    enrolment_facts,
    enrolment_step,
    get_enrolment,
    get_evaluation,
    get_progress,
    get_watch_budget,
    is_lecturer_of,
    list_attempts,
)
from courses.workflow import (
    EDITABLE,
    CourseAction,
    CourseStatus,
    can_edit_course,
    is_transition,
    media_problems,
    next_status,
    submission_problems,
)
from lms.accounts.models import User
from lms.accounts.roles import Profession, Role
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db, insert_ignoring_duplicates
from lms.enums import MEDIA_POLICIES, CourseFormat, MediaStatus, ProjectLevel
from lms.limits import (
    CLASS_HOURS_MAX,
    DURATION_MAX_SECONDS,
    OPTION_TEXT_MAX,
    PROJECT_NUMBER_MAX,
    QUESTION_TEXT_MAX,
    REASON_MAX,
    TITLE_MAX,
)
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import course_params, notify
from lms.problems import StatusError
from lms.text import BlankText, clean_text


class CourseError(StatusError):
    """A request about courses that cannot be carried out (``lms.problems``)."""


@dataclass(frozen=True)
class ProgressState:
    lecture_id: int
    duration: float
    covered_seconds: float
    complete: bool
    resume_position: float
    coverage: tuple
    #: False when the beat was a replay and changed nothing.
    accepted: bool = True


# --- courses -------------------------------------------------------------------

COURSE_FIELDS = {
    "title_zh",
    "title_en",
    "description_zh",
    "description_en",
    "specialty",
    "target_professions",
    "project_level",
    "format",
    "rule_set_code",
    "credit_category",
    "enrol_opens_dt",
    "enrol_closes_dt",
    "completion_threshold",
    "pass_mark",
    "max_attempts",
    "questions_per_attempt",
}


def _clean_course_fields(values):
    """The course's own fields (unknown keys dropped), texts cleaned (``lms.text``)
    and names checked against what exists. Types and ranges are checked where
    values enter, by the API's schemas and the page's form alike (``lms.limits``)."""
    clean = {k: v for k, v in values.items() if k in COURSE_FIELDS}
    if "title_zh" in clean:
        clean["title_zh"] = _clean_title(clean["title_zh"])
    if "title_en" in clean:
        clean["title_en"] = clean_text(clean["title_en"], required=False)
        if len(clean["title_en"]) > TITLE_MAX:
            raise CourseError(
                "invalid_title",
                f"The English title is longer than {TITLE_MAX} characters.",
                422,
            )
    for key in ("description_zh", "description_en"):
        if key in clean:
            clean[key] = clean_text(clean[key], multiline=True, required=False)
    if "specialty" in clean and clean["specialty"] not in DISCIPLINES_BY_CODE:
        raise CourseError("invalid_specialty", "Unknown specialty.", 422)
    if "target_professions" in clean:
        professions = {Profession(p) for p in clean["target_professions"] or []}
        clean["target_professions"] = sorted(p.value for p in professions)
    for key, enum_class in (("project_level", ProjectLevel), ("format", CourseFormat)):
        if key in clean:
            try:
                clean[key] = enum_class(clean[key])
            except ValueError:
                raise CourseError(f"invalid_{key}", f"Unknown {key}.", 422) from None
    rule_set_code = clean.get("rule_set_code")
    if rule_set_code and credit_terms().get_rule_set(rule_set_code) is None:
        raise CourseError("invalid_rule_set", "Unknown credit rule set.", 422)
    for key in ("completion_threshold", "pass_mark"):
        if key in clean:
            clean[key] = float(clean[key])
    return clean


def _clean_title(title):
    """A required single-line title of 1–``TITLE_MAX`` characters (``lms.text``)."""
    try:
        title = clean_text(title)
    except BlankText:
        title = ""
    if not title or len(title) > TITLE_MAX:
        raise CourseError(
            "invalid_title",
            f"A Chinese title of 1–{TITLE_MAX} characters is required.",
            422,
        )
    return title


def create_course(owner, **values):
    """A new draft course owned (and taught) by ``owner``."""
    values.setdefault("rule_set_code", credit_terms().default_rule_set)
    values.setdefault("specialty", "general_practice")
    clean = _clean_course_fields(values)
    if "title_zh" not in clean:
        raise CourseError("invalid_title", "A Chinese title is required.", 422)
    rule_set = credit_terms().get_rule_set(clean["rule_set_code"])
    clean.setdefault("credit_category", rule_set.categories[0])
    course = Course(owner=owner, lecturers=[owner], **clean)
    db.session.add(course)
    db.session.flush()
    return course


def update_course(course, actor, **values):
    if not can_edit_course(
        course.status,
        role=actor.role,
        is_lecturer_of_course=is_lecturer_of(course, actor),
    ):
        raise CourseError("not_editable", "This course cannot be edited now.", 403)
    for key, value in _clean_course_fields(values).items():
        setattr(course, key, value)
    db.session.flush()


def add_lecture(
    course, actor, *, title_zh, title_en="", lecturer=None, duration_seconds=None
):
    if not can_edit_course(
        course.status,
        role=actor.role,
        is_lecturer_of_course=is_lecturer_of(course, actor),
    ):
        raise CourseError("not_editable", "This course cannot be edited now.", 403)
    title_zh = _clean_title(title_zh)
    lecture = Lecture(
        course=course,
        position=len(course.lectures),
        title_zh=title_zh,
        title_en=clean_text(title_en, required=False)[:TITLE_MAX],
        lecturer=lecturer or actor,
        duration_seconds=duration_seconds,
    )
    db.session.add(lecture)
    db.session.flush()
    return lecture


def _check_editable(course, actor):
    if not can_edit_course(
        course.status,
        role=actor.role,
        is_lecturer_of_course=is_lecturer_of(course, actor),
    ):
        raise CourseError("not_editable", "This course cannot be edited now.", 403)


def _check_draft(course, actor):
    """Lectures and questions are changed, moved or deleted only before a course
    is published: learners' progress and attempts point at them afterwards."""
    _check_editable(course, actor)
    if course.status not in EDITABLE:
        raise CourseError(
            "not_draft",
            "Lectures and questions change only while the course is a draft "
            "or returned.",
            409,
        )


def add_question(
    course,
    actor,
    *,
    text_zh,
    options,
    kind=QuestionKind.SINGLE,
    text_en="",
    explanation_zh="",
    explanation_en="",
):
    """Add a question; ``options`` is ``[{"text_zh", "text_en", "is_correct"}]``."""
    _check_editable(course, actor)
    fields, option_rows = _clean_question(
        kind, text_zh, text_en, explanation_zh, explanation_en, options
    )
    question = Question(
        course=course, position=len(course.questions), options=option_rows, **fields
    )
    db.session.add(question)
    db.session.flush()
    return question


def _clean_question(kind, text_zh, text_en, explanation_zh, explanation_en, options):
    """Checked question fields and new ``Option`` rows; ``CourseError`` says why not.

    A question and its options are bilingual: the Chinese text is required, the
    English one optional (the post-test shows the learner's language, falling
    back to the other).
    """
    try:
        kind = QuestionKind(kind)
    except ValueError:
        raise CourseError(
            "invalid_kind", "kind must be single or multiple.", 422
        ) from None
    try:
        text_zh = clean_text(text_zh, multiline=True)
    except BlankText:
        raise CourseError(
            "invalid_question", "The question needs a text.", 422
        ) from None
    if len(text_zh) > QUESTION_TEXT_MAX:
        raise CourseError(
            "invalid_question",
            f"The question is longer than {QUESTION_TEXT_MAX} characters.",
            422,
        )
    if not isinstance(options, list) or not 2 <= len(options) <= 8:
        raise CourseError("invalid_options", "A question needs 2–8 options.", 422)
    correct = sum(
        1 for o in options if isinstance(o, dict) and o.get("is_correct") is True
    )
    if any(
        not isinstance(o, dict) or not clean_text(o.get("text_zh"), required=False)
        for o in options
    ):
        raise CourseError("invalid_options", "Every option needs a text.", 422)
    if any(
        len(clean_text(o.get(key), required=False)) > OPTION_TEXT_MAX
        for o in options
        for key in ("text_zh", "text_en")
    ):
        raise CourseError(
            "invalid_options",
            f"An option is longer than {OPTION_TEXT_MAX} characters.",
            422,
        )
    if (kind == QuestionKind.SINGLE and correct != 1) or correct == 0:
        raise CourseError(
            "invalid_options",
            "A single-choice question has exactly one right option; "
            "a multiple-choice question at least one.",
            422,
        )
    fields = {
        "kind": kind,
        "text_zh": text_zh,
        "text_en": clean_text(text_en, multiline=True, required=False)[
            :QUESTION_TEXT_MAX
        ],
        "explanation_zh": clean_text(explanation_zh, multiline=True, required=False)[
            :QUESTION_TEXT_MAX
        ],
        "explanation_en": clean_text(explanation_en, multiline=True, required=False)[
            :QUESTION_TEXT_MAX
        ],
    }
    option_rows = [
        Option(
            position=i,
            text_zh=clean_text(o["text_zh"]),
            text_en=clean_text(o.get("text_en"), required=False),
            is_correct=o.get("is_correct") is True,
        )
        for i, o in enumerate(options)
    ]
    return fields, option_rows


def update_question(
    question,
    actor,
    *,
    text_zh,
    options,
    kind=QuestionKind.SINGLE,
    text_en="",
    explanation_zh="",
    explanation_en="",
):
    """Replace a question's texts and options (draft or returned courses only).

    Attempts already drawn keep their own copy of what was shown; a draft's
    attempts are a lecturer's previews, so options are simply replaced.
    """
    _check_draft(question.course, actor)
    fields, option_rows = _clean_question(
        kind, text_zh, text_en, explanation_zh, explanation_en, options
    )
    for key, value in fields.items():
        setattr(question, key, value)
    question.options = option_rows
    db.session.flush()
    return question


def delete_question(question, actor):
    """Remove a question from a draft or returned course; the rest close ranks."""
    course = question.course
    _check_draft(course, actor)
    course.questions.remove(question)
    _renumber(course.questions)
    db.session.flush()


def move_question(question, actor, offset):
    """Move a question ``offset`` places (-1 up, +1 down) within its course."""
    _check_draft(question.course, actor)
    _move(question.course.questions, question, offset)
    db.session.flush()


def update_lecture(lecture, actor, *, title_zh, title_en="", duration_seconds=None):
    """Rename a lecture (and set its length until a recording gives one)."""
    _check_draft(lecture.course, actor)
    lecture.title_zh = _clean_title(title_zh)
    title_en = clean_text(title_en, required=False)
    if len(title_en) > TITLE_MAX:
        raise CourseError(
            "invalid_title",
            f"The English title is longer than {TITLE_MAX} characters.",
            422,
        )
    lecture.title_en = title_en
    if duration_seconds is not None and lecture.media_status != MediaStatus.READY:
        _check_duration(duration_seconds)
        lecture.duration_seconds = duration_seconds
    db.session.flush()
    return lecture


def delete_lecture(lecture, actor):
    """Remove a lecture from a draft or returned course; the rest close ranks."""
    course = lecture.course
    _check_draft(course, actor)
    course.lectures.remove(lecture)
    _renumber(course.lectures)
    db.session.flush()


def move_lecture(lecture, actor, offset):
    """Move a lecture ``offset`` places (-1 up, +1 down) within its course."""
    _check_draft(lecture.course, actor)
    _move(lecture.course.lectures, lecture, offset)
    db.session.flush()


def _move(rows, row, offset):
    order = list(rows)
    index = order.index(row)
    target = min(max(index + offset, 0), len(order) - 1)
    order.insert(target, order.pop(index))
    _renumber(order)
    rows.sort(key=lambda r: r.position)


def _renumber(rows):
    for position, row in enumerate(rows):
        row.position = position


def _check_duration(duration_seconds):
    if (
        not isinstance(duration_seconds, int | float)
        or isinstance(duration_seconds, bool)
        or not 0 < duration_seconds <= DURATION_MAX_SECONDS
    ):
        raise CourseError("invalid_duration", "Duration must be 0–86400 seconds.", 422)


def import_questions(course, actor, rows):
    """Add every question of a parsed sheet (``courses.question_sheet``), or none.

    ``rows`` are ``SheetQuestion`` values already checked by the pure parser;
    each is checked again by the same rules as the form, and one refusal
    refuses the whole sheet (``CourseError`` naming the row; the caller rolls
    back).
    """
    _check_editable(course, actor)
    added = []
    for row in rows:
        try:
            added.append(
                add_question(
                    course,
                    actor,
                    kind=row.kind,
                    text_zh=row.text_zh,
                    text_en=row.text_en,
                    explanation_zh=row.explanation_zh,
                    explanation_en=row.explanation_en,
                    options=[
                        {
                            "text_zh": o.text_zh,
                            "text_en": o.text_en,
                            "is_correct": o.is_correct,
                        }
                        for o in row.options
                    ],
                )
            )
        except CourseError as error:
            raise CourseError(
                error.code, f"Row {row.row}: {error}", error.status
            ) from None
    return added


def change_course_status(course, actor, action, now, *, comment="", approval=None):
    """Submit, approve, return or archive ``course``.

    ``approval`` may carry the office's decisions at approval: ``project_number``,
    ``project_level``, ``credit_category``, ``class_hours_override`` with
    ``class_hours_override_reason``.
    """
    try:
        action = CourseAction(action)
    except ValueError:
        raise CourseError("invalid_action", "Unknown action.", 422) from None
    target = next_status(
        course.status,
        action,
        role=actor.role,
        is_lecturer_of_course=is_lecturer_of(course, actor),
    )
    if target is None:
        if is_transition(course.status, action):
            raise CourseError("forbidden", "You may not do this to this course.", 403)
        raise CourseError(
            "invalid_transition",
            f"A {course.status.value} course cannot be {action.value}ed.",
        )
    if action == CourseAction.SUBMIT:
        problems = submission_problems(
            lecture_count=len(course.lectures),
            playable_lectures=sum(1 for lec in course.lectures if lec.is_playable),
            question_count=len(course.questions),
            questions_per_attempt=course.questions_per_attempt,
        )
        if "lectures_not_ready" in problems:
            _check_media_ready(course)
        if problems:
            raise CourseError(
                "not_ready", "Not ready to submit: " + ", ".join(problems), 422
            )
        course.submitted_dt = now
    elif action == CourseAction.RETURN:
        comment = clean_text(comment, multiline=True, required=False)
        if not comment:
            raise CourseError(
                "comment_required", "Say why the course is returned.", 422
            )
    before = _review_snapshot(course)
    if action == CourseAction.APPROVE:
        _check_media_ready(course)
        _apply_approval(course, approval or {})
        _check_credit_terms(course)
        course.approved_dt = now
        course.approved_by_id = actor.id
    course.review_comment = clean_text(comment, multiline=True, required=False)
    course.status = target
    db.session.flush()
    if action == CourseAction.APPROVE:
        announce(course_published, course, now=now)  # teaching credits
    if action in (CourseAction.APPROVE, CourseAction.RETURN):
        _record_review(course, actor, action, before)
    return course


def _review_snapshot(course):
    """What the office may change in a review, as the audit log keeps it."""
    hours = course.class_hours_override
    return {
        "status": course.status,
        "project_number": course.project_number,
        "project_level": course.project_level,
        "credit_category": course.credit_category,
        "class_hours_override": (
            None if hours is None else Decimal(str(hours))  # a form gives a float
        ),
        "class_hours_override_reason": course.class_hours_override_reason,
        "media_policy": course.media_policy,
    }


def _record_review(course, actor, action, before):
    """The audit entries and the lecturers' notices of an approval or a return."""
    after = _review_snapshot(course)
    approved = action == CourseAction.APPROVE
    changed = [key for key in after if before[key] != after[key]]
    record_audit(
        actor,
        AuditAction.COURSE_APPROVED if approved else AuditAction.COURSE_RETURNED,
        course,
        before={key: before[key] for key in changed},
        after={key: after[key] for key in changed},
        reason=course.review_comment,
    )
    if before["class_hours_override"] != after["class_hours_override"]:
        record_audit(
            actor,
            AuditAction.CLASS_HOURS_OVERRIDDEN,
            course,
            before={"class_hours": before["class_hours_override"]},
            after={"class_hours": after["class_hours_override"]},
            reason=course.class_hours_override_reason,
        )
    recipients = {course.owner_id} | {lecturer.id for lecturer in course.lecturers}
    for user_id in sorted(recipients - {actor.id}):
        notify(
            user_id,
            NotificationKind.COURSE_APPROVED
            if approved
            else NotificationKind.COURSE_RETURNED,
            params=course_params(course, comment=course.review_comment),
            link=f"/teach/courses/{course.id}",
        )


def _check_media_ready(course):
    """Refuse a course with a lecture whose media is not ready (submit, approve)."""
    waiting = [lec for lec in course.lectures if not lec.is_playable]
    problems = media_problems(
        lecture_count=len(course.lectures),
        playable_lectures=len(course.lectures) - len(waiting),
    )
    if problems:
        names = "; ".join(
            f"{lec.title_zh} ({lec.media_status.value})" for lec in waiting
        )
        raise CourseError(
            "lectures_not_ready",
            "Every lecture needs ready media first"
            + (f"; not ready: {names}" if names else "")
            + ".",
            409,
        )


def _check_credit_terms(course):
    """The course must say what it awards (``certificates.rules``, issue 10)."""
    # Exact clock hours: a course with nothing to count (no lecture length, no
    # office hours) is refused; a short one shows 0 and awards nothing.
    seconds = sum(lecture.duration_seconds or 0 for lecture in course.lectures)
    hours = course.class_hours_override
    terms = credit_terms()
    problems = terms.approval_problems(
        class_hours=Decimal(str(hours if hours is not None else seconds / 3600)),
        project_level=course.project_level.value,
        project_number=course.project_number,
        category=course.credit_category,
        rule_set=terms.get_rule_set(course.rule_set_code),
    )
    if problems:
        raise CourseError(
            "invalid_credit_terms", "Cannot approve: " + "; ".join(problems) + ".", 422
        )


def _apply_approval(course, approval):
    if approval.get("media_policy") is not None:
        if approval["media_policy"] not in MEDIA_POLICIES:
            raise CourseError(
                "invalid_media_policy",
                f"media_policy must be one of {', '.join(MEDIA_POLICIES)}.",
                422,
            )
        course.media_policy = approval["media_policy"]
    if "project_number" in approval:
        course.project_number = str(approval["project_number"] or "").strip()[
            :PROJECT_NUMBER_MAX
        ]
    if "project_level" in approval:
        course.project_level = _clean_course_fields(
            {"project_level": approval["project_level"]}
        )["project_level"]
    if "has_credit_review" in approval:
        course.has_credit_review = bool(approval["has_credit_review"])
    if "credit_category" in approval:
        categories = credit_terms().get_rule_set(course.rule_set_code).categories
        if approval["credit_category"] not in categories:
            raise CourseError(
                "invalid_credit_category",
                f"Credit category must be one of {', '.join(categories)}.",
                422,
            )
        course.credit_category = approval["credit_category"]
    hours = approval.get("class_hours_override")
    if hours is not None:
        reason = str(approval.get("class_hours_override_reason") or "").strip()
        if (
            not isinstance(hours, int | float)
            or isinstance(hours, bool)
            or not 0 < hours <= CLASS_HOURS_MAX
        ):
            raise CourseError(
                "invalid_class_hours", f"Class hours must be 0–{CLASS_HOURS_MAX}.", 422
            )
        if not reason:
            raise CourseError(
                "reason_required", "Say why the class hours are changed.", 422
            )
        course.class_hours_override = hours
        course.class_hours_override_reason = reason[:REASON_MAX]


# --- enrolment -----------------------------------------------------------------


def enrol(course, learner, now, *, by=None):
    """Enrol ``learner``; enrolling twice returns the first enrolment."""
    if course.status != CourseStatus.APPROVED:
        raise CourseError("not_open", "This course is not open for enrolment.", 409)
    if learner.role != Role.LEARNER:
        raise CourseError("not_a_learner", "Only learners enrol in courses.", 422)
    existing = get_enrolment(course.id, learner.id)
    if existing is not None:
        return existing
    if (course.enrol_opens_dt and now < course.enrol_opens_dt) or (
        course.enrol_closes_dt and now > course.enrol_closes_dt
    ):
        raise CourseError(
            "enrolment_closed", "Enrolment for this course is closed.", 409
        )
    inserted = insert_ignoring_duplicates(
        Enrolment.__table__,
        {
            "course_id": course.id,
            "user_id": learner.id,
            "hospital_id": learner.hospital_id,
            "enrolled_by_id": by.id if by else None,
            "enrolled_dt": now,
        },
    )
    enrolment = get_enrolment(course.id, learner.id)
    if inserted:
        announce(learner_enrolled, enrolment, now=now)
    return enrolment


def enrol_hospital(course, hospital_id, by, now):
    """Enrol every active learner of a hospital; returns how many were new."""
    learners = db.session.scalars(
        sa.select(User).filter_by(
            hospital_id=hospital_id, role=Role.LEARNER, is_active=True
        )
    ).all()
    new = 0
    for learner in learners:
        if get_enrolment(course.id, learner.id) is None:
            enrol(course, learner, now, by=by)
            new += 1
    return new


# --- watch progress ------------------------------------------------------------


def start_play_session(learner, lecture, now):
    """A play session for an enrolled learner; returns it and the progress state.

    The new session takes over the learner's watch budget: it is the one stream
    that earns credit from now on, and beats of the learner's earlier sessions
    (other tabs, devices or lectures) count nothing more.
    """
    enrolment = get_enrolment(lecture.course_id, learner.id)
    if enrolment is None or lecture.course.status != CourseStatus.APPROVED:
        raise CourseError("not_enrolled", "Enrol in the course to watch it.", 403)
    if not lecture.is_playable:
        raise CourseError("not_playable", "This lecture is not ready to play yet.", 409)
    # Lock order, as in record_heartbeat: the learner's budget first.
    budget = _locked_budget(learner.id, now)
    insert_ignoring_duplicates(
        LectureProgress.__table__,
        {
            "user_id": learner.id,
            "lecture_id": lecture.id,
            "coverage": [],
            "covered_seconds": 0.0,
            "last_position": 0.0,
            "updated_dt": now,
        },
    )
    session = PlaySession(
        token=secrets.token_urlsafe(32),
        user_id=learner.id,
        lecture_id=lecture.id,
        started_dt=now,
    )
    db.session.add(session)
    db.session.flush()
    taken = take_over_budget(_budget_state(budget), session.id, now)
    budget.play_session_id = taken.current_session
    budget.live_viewing_id = None  # a live viewing counts no more either
    budget.credited_until_dt = taken.credited_until
    db.session.flush()
    return session, progress_state(get_progress(learner.id, lecture.id), lecture)


def _locked_budget(user_id, now):
    """The learner's watch budget row, created when missing, locked for update."""
    insert_ignoring_duplicates(
        WatchBudget.__table__,
        {"user_id": user_id, "play_session_id": None, "credited_until_dt": now},
    )
    return get_watch_budget(user_id, for_update=True)


def _budget_state(budget):
    return WatchBudgetState(
        current_session=budget.play_session_id,
        credited_until=budget.credited_until_dt,
    )


def progress_state(progress, lecture, accepted=True):
    duration = lecture.duration_seconds or 0.0
    coverage = tuple(tuple(pair) for pair in (progress.coverage if progress else []))
    return ProgressState(
        lecture_id=lecture.id,
        duration=duration,
        covered_seconds=covered_seconds(coverage),
        complete=bool(progress and progress.completed_dt),
        resume_position=resume_position(
            coverage, progress.last_position if progress else 0.0, duration
        ),
        coverage=coverage,
        accepted=accepted,
    )


# A beat's statements, built once (plain Core: building and caching a statement
# per beat cost more than running it).
_budgets = WatchBudget.__table__.c
_sessions = PlaySession.__table__.c
_progress = LectureProgress.__table__.c
_lectures = Lecture.__table__.c
_courses = Course.__table__.c
_BEAT_ROWS = (
    sa.select(
        _budgets.play_session_id,
        _budgets.credited_until_dt,
        _sessions.id,
        _sessions.last_seq,
        _sessions.started_dt,
        _progress.id.label("progress_id"),
        _progress.coverage,
        _progress.last_position,
        _progress.completed_dt,
        _lectures.duration_seconds,
        _courses.completion_threshold,
        _courses.status,
    )
    .select_from(PlaySession.__table__)
    .join(Lecture.__table__, _lectures.id == _sessions.lecture_id)
    .join(Course.__table__, _courses.id == _lectures.course_id)
    .join(WatchBudget.__table__, _budgets.user_id == _sessions.user_id)
    .join(
        LectureProgress.__table__,
        sa.and_(
            _progress.user_id == _sessions.user_id,
            _progress.lecture_id == _sessions.lecture_id,
        ),
    )
    .where(
        _sessions.token == sa.bindparam("token"),
        _sessions.user_id == sa.bindparam("user_id"),
        _sessions.lecture_id == sa.bindparam("lecture_id"),
    )
    # PostgreSQL locks the rows in this order, the budget first, as
    # start_play_session does: beats of many tabs and devices queue on it.
    .with_for_update(
        of=(WatchBudget.__table__, PlaySession.__table__, LectureProgress.__table__)
    )
)
_BEAT_PROGRESS = (
    LectureProgress.__table__.update()
    .where(_progress.id == sa.bindparam("progress_row_id"))
    .values(
        coverage=sa.bindparam("new_coverage", type_=_progress.coverage.type),
        covered_seconds=sa.bindparam("new_covered_seconds"),
        last_position=sa.bindparam("new_last_position"),
        completed_dt=sa.bindparam(
            "new_completed_dt", type_=_progress.completed_dt.type
        ),
        updated_dt=sa.bindparam("new_updated_dt", type_=_progress.updated_dt.type),
    )
)
_BEAT_SESSION = (
    PlaySession.__table__.update()
    .where(_sessions.id == sa.bindparam("session_row_id"))
    .values(
        last_seq=sa.bindparam("new_last_seq"),
        last_beat_dt=sa.bindparam(
            "new_last_beat_dt", type_=_sessions.last_beat_dt.type
        ),
        credited_seconds=_sessions.credited_seconds + sa.bindparam("media_seconds"),
    )
)
_BEAT_SPENT = (
    WatchBudget.__table__.update()
    .where(_budgets.user_id == sa.bindparam("learner"))
    .values(
        credited_until_dt=sa.bindparam(
            "new_credited_until_dt", type_=_budgets.credited_until_dt.type
        )
    )
)


# On PostgreSQL the three in one statement (one round trip): data-modifying
# CTEs run whether or not the statement reads them.
_BEAT_WRITE_PG = _BEAT_SPENT.add_cte(
    _BEAT_PROGRESS.returning(_progress.id).cte("beat_progress"),
    _BEAT_SESSION.returning(_sessions.id).cte("beat_session"),
)


class LectureUnchecked(Exception):
    """The heartbeat's short path cannot tell whether the requester may see the
    lecture (not of an approved course, or no such play session on it): the
    caller loads the lecture the long way, with its access check, and beats
    again with it."""


def record_heartbeat(learner, lecture, token, seq, raw_ranges, now, *, position=None):
    """Merge a heartbeat's played ranges into the learner's coverage.

    ``lecture`` is a ``Lecture`` the caller checked the requester may see, or
    the id of one: then only a lecture of an approved course (which every
    signed-in user may see) is served, and ``LectureUnchecked`` raised for any
    other. The caller has begun a write transaction (``begin_write_transaction``),
    so on SQLite nothing else writes between the read and the write; on
    PostgreSQL the rows are locked here. A replayed beat changes nothing and
    returns the state; a beat of a play session that another one has taken
    over is refused (409).

    One read and three updates of plain columns, no ORM objects: the beat is
    the most frequent write of the whole network (issue 17).
    """
    checked = isinstance(lecture, Lecture)
    lecture_id = lecture.id if checked else lecture
    db.session.flush()  # what the caller changed, before reading past the ORM
    connection = db.session.connection()
    row = connection.execute(
        _BEAT_ROWS,
        {"token": token, "user_id": learner.id, "lecture_id": lecture_id},
    ).first()
    if not checked and (row is None or row.status != CourseStatus.APPROVED):
        raise LectureUnchecked(lecture_id)
    if row is None:
        raise CourseError("unknown_play_session", "Unknown play session.", 404)
    lecture = _Watched(lecture_id, row.duration_seconds or 0.0)
    coverage = tuple(tuple(pair) for pair in row.coverage)
    try:
        ranges = parse_ranges(raw_ranges, lecture.duration)
        decision = decide_beat(
            PlaySessionState(row.id, row.last_seq),
            WatchBudgetState(row.play_session_id, row.credited_until_dt),
            seq,
            ranges,
            now,
        )
    except BeatRejected as rejected:
        if rejected.code == "replayed":
            return _beat_state(
                lecture, coverage, row.last_position, row.completed_dt, False
            )
        if rejected.code == "play_session_superseded":
            raise CourseError(rejected.code, str(rejected), 409) from None
        raise CourseError(rejected.code, str(rejected), 422) from None
    coverage = merge_ranges(coverage, decision.ranges)
    last_position = row.last_position
    if _is_position(position, lecture.duration):
        last_position = float(position)
    elif decision.ranges:
        last_position = decision.ranges[-1][1]
    completed_dt = row.completed_dt
    if completed_dt is None and is_complete(
        coverage, lecture.duration, row.completion_threshold
    ):
        completed_dt = now
    values = {
        "progress_row_id": row.progress_id,
        "new_coverage": [list(pair) for pair in coverage],
        "new_covered_seconds": covered_seconds(coverage),
        "new_last_position": last_position,
        "new_completed_dt": completed_dt,
        "new_updated_dt": now,
        "session_row_id": row.id,
        "new_last_seq": decision.seq,
        "new_last_beat_dt": now,
        "media_seconds": decision.media_seconds,
        "learner": learner.id,
        "new_credited_until_dt": decision.credited_until,
    }
    if connection.dialect.name == "postgresql":
        connection.execute(_BEAT_WRITE_PG, values)
    else:
        for statement in (_BEAT_PROGRESS, _BEAT_SESSION, _BEAT_SPENT):
            connection.execute(statement, values)
    # Rows a caller holds in the session (tests, the CLI) read the new values.
    for model, key in (
        (LectureProgress, row.progress_id),
        (PlaySession, row.id),
        (WatchBudget, learner.id),
    ):
        held = db.session.identity_map.get(db.session.identity_key(model, key))
        if held is not None:
            db.session.expire(held)
    announce(play_session_credited, row.started_dt, now=now)
    return _beat_state(lecture, coverage, last_position, completed_dt, True)


@dataclass(frozen=True)
class _Watched:
    id: int
    duration: float


def _beat_state(lecture, coverage, last_position, completed_dt, accepted):
    return ProgressState(
        lecture_id=lecture.id,
        duration=lecture.duration,
        covered_seconds=covered_seconds(coverage),
        complete=completed_dt is not None,
        resume_position=resume_position(coverage, last_position, lecture.duration),
        coverage=coverage,
        accepted=accepted,
    )


def _is_position(value, duration):
    return (
        isinstance(value, int | float)
        and not isinstance(value, bool)
        and 0 <= value <= duration
    )


# --- post-test -----------------------------------------------------------------


def _bank(course):
    return tuple(
        BankQuestion(
            id=q.id,
            kind=q.kind,
            option_ids=tuple(o.id for o in q.options),
            correct_ids=frozenset(o.id for o in q.options if o.is_correct),
        )
        for q in course.questions
    )


def _drawn(attempt):
    return tuple(
        DrawnQuestion(
            d["question_id"], tuple(d["option_ids"]), tuple(d.get("option_keys", ()))
        )
        for d in attempt.drawn
    )


def _new_option_key():
    return secrets.token_urlsafe(9)


def _stored(drawn):
    return [
        {
            "question_id": d.question_id,
            "option_ids": list(d.option_ids),
            "option_keys": list(d.option_keys),
        }
        for d in drawn
    ]


def option_keys(attempt):
    """``{question id: {option id: key}}``: how ``attempt`` names each option
    (for tests, the demo and the office's tools; learners see only the keys)."""
    return {
        d.question_id: dict(zip(d.option_ids, d.option_keys, strict=True))
        for d in _drawn(attempt)
    }


def has_option_keys(attempt):
    """Whether the attempt shows its options by key (attempts begun before keys
    existed get theirs when resumed)."""
    return all(d.get("option_keys") for d in attempt.drawn)


def open_attempt(enrolment, rng, now):
    """The learner's unsubmitted attempt, or a new one drawn with ``rng``.

    Returns ``(attempt, created)``. Two requests at once return the same
    attempt: the enrolment row is locked first (PostgreSQL; SQLite's write lock
    is taken before the request reads anything).
    """
    db.session.scalar(
        sa.select(Enrolment.id)
        .filter_by(id=enrolment.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    facts = enrolment_facts(enrolment)
    if facts.lectures_complete < facts.lectures_total or facts.lectures_total == 0:
        raise CourseError(
            "test_locked", "Watch every lecture before the post-test.", 403
        )
    if facts.has_passed:
        raise CourseError(
            "already_passed", "You have already passed this post-test.", 409
        )
    attempts = list_attempts(enrolment)
    for attempt in attempts:
        if attempt.submitted_dt is None:
            if not has_option_keys(attempt):
                attempt.drawn = _stored(
                    DrawnQuestion(
                        d.question_id,
                        d.option_ids,
                        tuple(_new_option_key() for _ in d.option_ids),
                    )
                    for d in _drawn(attempt)
                )
                db.session.flush()
            return attempt, False
    if len(attempts) >= enrolment.max_attempts:
        raise CourseError(
            "no_attempts_left", "No attempts are left for this post-test.", 409
        )
    drawn = draw_attempt(
        _bank(enrolment.course),
        enrolment.course.questions_per_attempt,
        rng,
        _new_option_key,
    )
    attempt = TestAttempt(
        enrolment=enrolment,
        number=len(attempts) + 1,
        drawn=_stored(drawn),
        started_dt=now,
    )
    db.session.add(attempt)
    db.session.flush()
    return attempt, True


def submit_attempt(enrolment, attempt_id, raw_answers, now):
    """Grade a submitted attempt; a second submission of the same attempt is refused."""
    attempt = (
        db.session.scalar(
            sa.select(TestAttempt)
            .filter_by(id=attempt_id, enrolment_id=enrolment.id)
            .with_for_update()
        )
        if isinstance(attempt_id, int) and not isinstance(attempt_id, bool)
        else None
    )
    if attempt is None:
        raise CourseError("unknown_attempt", "Unknown attempt.", 404)
    if attempt.submitted_dt is not None:
        raise CourseError(
            "already_submitted", "This attempt was already submitted.", 409
        )
    answers = _parse_answers(raw_answers)
    try:
        grade = grade_attempt(
            _drawn(attempt),
            _bank(enrolment.course),
            answers,
            enrolment.course.pass_mark,
        )
    except AnswerRejected as rejected:
        raise CourseError(rejected.code, str(rejected), 422) from None
    attempt.answers = {str(k): sorted(v) for k, v in grade.chosen.items()}
    attempt.submitted_dt = now
    attempt.score = grade.score
    attempt.is_passed = grade.passed
    db.session.flush()
    return attempt, grade


def _parse_answers(raw):
    """``{question id: [option keys]}`` from ``{"<question id>": key or [keys]}``."""
    if not isinstance(raw, dict):
        raise CourseError(
            "invalid_answers", "answers must map question ids to option ids.", 422
        )
    answers = {}
    for key, value in raw.items():
        try:
            question_id = int(key)
        except (TypeError, ValueError):
            raise CourseError(
                "invalid_answers", "Question ids are numbers.", 422
            ) from None
        if isinstance(value, str):
            value = [value]
        if not isinstance(value, list) or not all(
            isinstance(v, str) and 0 < len(v) <= 64 for v in value
        ):
            raise CourseError(
                "invalid_answers",
                "Answers are lists of the option ids this attempt shows.",
                422,
            )
        answers[question_id] = value
    return answers


# --- evaluation ----------------------------------------------------------------


def submit_evaluation(
    enrolment, now, *, course_quality, lecturer_quality, relevance, comments=""
):
    """Record the course evaluation; it completes the course. Only once."""
    step = enrolment_step(enrolment)
    if step in (Step.WATCH, Step.TEST, Step.FAILED):
        raise CourseError(
            "evaluation_locked", "Pass the post-test before the evaluation.", 403
        )
    if get_evaluation(enrolment) is not None:
        raise CourseError(
            "already_evaluated", "You have already evaluated this course.", 409
        )
    ratings = (course_quality, lecturer_quality, relevance)
    if not all(
        isinstance(r, int) and not isinstance(r, bool) and 1 <= r <= 5 for r in ratings
    ):
        raise CourseError(
            "invalid_rating", "Ratings are whole numbers from 1 to 5.", 422
        )
    if not isinstance(comments, str) or len(comments) > 4000:
        raise CourseError(
            "invalid_comments", "Comments are text of at most 4000 characters.", 422
        )
    db.session.add(
        Evaluation(
            enrolment_id=enrolment.id,
            course_quality=course_quality,
            lecturer_quality=lecturer_quality,
            relevance=relevance,
            comments=clean_text(comments, multiline=True, required=False),
            submitted_dt=now,
        )
    )
    enrolment.completed_dt = now
    db.session.flush()
    announce(course_completed, enrolment, now=now)  # credits, or the office's queue
    return enrolment


#: Attempts the office may grant one learner in one course, in all.
MAX_EXTRA_ATTEMPTS = 10


def grant_attempt(enrolment, granted_by, now, reason):
    """The office gives a learner one more post-test attempt, with a reason.

    Refused when the learner passed already or the grants reach
    ``MAX_EXTRA_ATTEMPTS``. The grant is one atomic increment (two officers
    granting at once grant two), logged in the audit log with before and after,
    and the learner is told in the app.
    """
    try:
        reason = clean_text(reason)
    except BlankText:
        raise CourseError(
            "reason_required", "Say why the attempt is granted.", 422
        ) from None
    if len(reason) > REASON_MAX:
        raise CourseError(
            "reason_too_long", f"A reason has at most {REASON_MAX} characters.", 422
        )
    if enrolment_facts(enrolment).has_passed:
        raise CourseError("already_passed", "The learner passed this post-test.", 409)
    result = db.session.execute(
        sa.update(Enrolment)
        .where(
            Enrolment.id == enrolment.id,
            Enrolment.extra_attempts < MAX_EXTRA_ATTEMPTS,
        )
        .values(extra_attempts=Enrolment.extra_attempts + 1)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount != 1:
        raise CourseError(
            "too_many_attempts",
            f"At most {MAX_EXTRA_ATTEMPTS} attempts are granted to one learner.",
            409,
        )
    db.session.refresh(enrolment, ["extra_attempts"])
    before, course = enrolment.extra_attempts - 1, enrolment.course
    record_audit(
        granted_by,
        AuditAction.ATTEMPT_GRANTED,
        enrolment,
        before={"extra_attempts": before, "max_attempts": course.max_attempts + before},
        after={
            "extra_attempts": enrolment.extra_attempts,
            "max_attempts": enrolment.max_attempts,
        },
        reason=reason,
        label=f"{enrolment.user.name} · {course.title_zh}",
    )
    notify(
        enrolment.user,
        NotificationKind.ATTEMPT_GRANTED,
        params=course_params(course, reason=reason),
        link=f"/courses/{course.id}",
    )
    return enrolment
