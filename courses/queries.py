"""Reading courses, enrolments and progress."""

from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

from courses.access import Actor, can_manage_course, can_view_course
from courses.credit_terms import credit_terms
from courses.gates import EnrolmentFacts, next_lecture, next_step
from courses.models import (
    Course,
    Enrolment,
    Evaluation,
    Lecture,
    LectureProgress,
    PlaySession,
    TestAttempt,
    WatchBudget,
    course_lecturers,
)
from courses.posttest import BankQuestion
from courses.posttest import question_statistics as tally_questions
from courses.progress import retention_curve, watched_share
from courses.workflow import CourseStatus
from lms.db import db


def actor_of(user):
    """The plain facts of a signed-in user that access rules need."""
    if user is None or not user.is_authenticated:
        return None
    return Actor(id=user.id, role=user.role, hospital_id=user.hospital_id)


def is_lecturer_of(course, user):
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    return user.id == course.owner_id or any(u.id == user.id for u in course.lecturers)


def may_view(course, user):
    """Whether ``user`` (maybe anonymous) may see ``course``."""
    # Who teaches the course matters only before it is published (saves a query).
    teaches = course.status != CourseStatus.APPROVED and is_lecturer_of(course, user)
    return can_view_course(actor_of(user), course.status, teaches)


def may_manage(course, user):
    """Whether ``user`` may edit ``course`` and see its learners (lecturers, office)."""
    return can_manage_course(actor_of(user), is_lecturer_of(course, user))


def class_hours(course):
    """The course's class hours in clock hours: the office's override, else
    computed from the lectures by the course's rule set (one home for the rule)."""
    if course.class_hours_override is not None:
        return float(course.class_hours_override)
    seconds = sum(lecture.duration_seconds or 0 for lecture in course.lectures)
    terms = credit_terms()
    rule_set = terms.get_rule_set(course.rule_set_code)
    return float(terms.calculate_class_hours(Decimal(seconds) / 60, rule_set))


def course_credits(course):
    """The credits completing ``course`` today awards (0 when none)."""
    decision = credit_terms().course_award(course)
    return decision.credits if decision.is_eligible else Decimal(0)


def list_catalog(
    *,
    specialty=None,
    profession=None,
    format=None,
    credit_category=None,
    page=1,
    per_page=20,
):
    """Approved courses, newest approval first, filtered."""
    query = (
        sa.select(Course)
        .where(Course.status == CourseStatus.APPROVED)
        .options(selectinload(Course.lectures), selectinload(Course.lecturers))
        .order_by(Course.approved_dt.desc(), Course.id.desc())
    )
    if specialty:
        query = query.where(Course.specialty == specialty)
    if format:
        query = query.where(Course.format == format)
    if credit_category:
        query = query.where(Course.credit_category == credit_category)
    if profession:
        # JSON lists are searched as text on both SQLite and PostgreSQL.
        query = query.where(
            sa.cast(Course.target_professions, sa.String).like(f'%"{profession}"%')
        )
    return db.paginate(query, page=page, per_page=per_page, error_out=False)


def get_published_courses(ids):
    """Published courses with these ids, in the order given (search results)."""
    if not ids:
        return []
    rows = db.session.scalars(
        sa.select(Course)
        .where(Course.id.in_(ids), Course.status == CourseStatus.APPROVED)
        .options(selectinload(Course.lectures), selectinload(Course.lecturers))
    )
    by_id = {course.id: course for course in rows}
    return [by_id[i] for i in ids if i in by_id]


def list_courses_of_lecturer(user):
    teaches = (
        sa.select(course_lecturers.c.course_id)
        .where(course_lecturers.c.user_id == user.id)
        .scalar_subquery()
    )
    query = (
        sa.select(Course)
        .where(sa.or_(Course.owner_id == user.id, Course.id.in_(teaches)))
        .order_by(Course.id.desc())
    )
    return db.session.scalars(query).all()


def list_courses_awaiting_approval():
    query = (
        sa.select(Course)
        .where(Course.status == CourseStatus.SUBMITTED)
        .order_by(Course.submitted_dt)
    )
    return db.session.scalars(query).all()


def get_enrolment(course_id, user_id):
    return db.session.scalar(
        sa.select(Enrolment).filter_by(course_id=course_id, user_id=user_id)
    )


def _locked(query, for_update):
    """Lock the row (PostgreSQL) and read it afresh, not from the identity map."""
    if not for_update:
        return query
    return query.with_for_update().execution_options(populate_existing=True)


def get_enrolments(user_id, course_ids):
    """``{course id: Enrolment}`` of one user among ``course_ids`` (one query)."""
    if not course_ids:
        return {}
    rows = db.session.scalars(
        sa.select(Enrolment).where(
            Enrolment.user_id == user_id, Enrolment.course_id.in_(course_ids)
        )
    )
    return {row.course_id: row for row in rows}


def get_play_session(token, *, for_update=False):
    query = sa.select(PlaySession).filter_by(token=token)
    return db.session.scalar(_locked(query, for_update))


def get_watch_budget(user_id, *, for_update=False):
    """The learner's watch budget (``None`` before their first play session)."""
    query = sa.select(WatchBudget).filter_by(user_id=user_id)
    return db.session.scalar(_locked(query, for_update))


def get_progress(user_id, lecture_id, *, for_update=False):
    query = sa.select(LectureProgress).filter_by(user_id=user_id, lecture_id=lecture_id)
    return db.session.scalar(_locked(query, for_update))


def progress_by_lecture(user_id, course):
    """``{lecture id: LectureProgress}`` of one learner in one course."""
    ids = [lecture.id for lecture in course.lectures]
    if not ids:
        return {}
    rows = db.session.scalars(
        sa.select(LectureProgress).where(
            LectureProgress.user_id == user_id, LectureProgress.lecture_id.in_(ids)
        )
    )
    return {row.lecture_id: row for row in rows}


def list_attempts(enrolment):
    return db.session.scalars(
        sa.select(TestAttempt)
        .filter_by(enrolment_id=enrolment.id)
        .order_by(TestAttempt.number)
    ).all()


def get_open_attempt(enrolment):
    """The learner's unsubmitted post-test attempt, or None (reads only)."""
    return db.session.scalar(
        sa.select(TestAttempt)
        .filter_by(enrolment_id=enrolment.id, submitted_dt=None)
        .order_by(TestAttempt.number.desc())
    )


def get_evaluation(enrolment):
    return db.session.scalar(sa.select(Evaluation).filter_by(enrolment_id=enrolment.id))


def enrolment_facts(enrolment, progress=None):
    """The gate facts of an enrolment; pass ``progress`` when already loaded."""
    course = enrolment.course
    if progress is None:
        progress = progress_by_lecture(enrolment.user_id, course)
    complete = sum(1 for p in progress.values() if p.completed_dt is not None)
    attempts = [a for a in list_attempts(enrolment) if a.submitted_dt is not None]
    return EnrolmentFacts(
        lectures_total=len(course.lectures),
        lectures_complete=complete,
        has_passed=any(a.is_passed for a in attempts),
        attempts_used=len(attempts),
        max_attempts=enrolment.max_attempts,
        has_evaluated=get_evaluation(enrolment) is not None,
    )


def enrolment_step(enrolment):
    return next_step(enrolment_facts(enrolment))


def enrolment_overview(enrolment):
    """``(step, watched share)`` for a dashboard row, from one read of the progress."""
    progress = progress_by_lecture(enrolment.user_id, enrolment.course)
    share = watched_share(
        [lecture.duration_seconds or 0 for lecture in enrolment.course.lectures],
        [row.covered_seconds for row in progress.values()],
    )
    return next_step(enrolment_facts(enrolment, progress)), share


def enrolment_overviews(enrolments):
    """``{enrolment id: (step, watched share)}`` of many enrolments (courses and
    lectures loaded with them) in five queries, however many there are: the
    learner's dashboard."""
    if not enrolments:
        return {}
    facts = enrolment_facts_of(enrolments)
    course_ids = {e.course_id for e in enrolments}
    covered = {}
    for user_id, lecture_id, seconds in db.session.execute(
        sa.select(
            LectureProgress.user_id,
            LectureProgress.lecture_id,
            LectureProgress.covered_seconds,
        )
        .join(Lecture, Lecture.id == LectureProgress.lecture_id)
        .where(
            LectureProgress.user_id.in_({e.user_id for e in enrolments}),
            Lecture.course_id.in_(course_ids),
        )
    ):
        covered[user_id, lecture_id] = seconds
    return {
        e.id: (
            next_step(facts[e.id]),
            watched_share(
                [lecture.duration_seconds or 0 for lecture in e.course.lectures],
                [
                    covered[e.user_id, lecture.id]
                    for lecture in e.course.lectures
                    if (e.user_id, lecture.id) in covered
                ],
            ),
        )
        for e in enrolments
    }


def list_enrolments_of_user(user_id):
    return db.session.scalars(
        sa.select(Enrolment)
        .filter_by(user_id=user_id)
        .options(selectinload(Enrolment.course).selectinload(Course.lectures))
        .order_by(Enrolment.enrolled_dt.desc())
    ).all()


def get_course_for_review(course_id):
    """A course with its lectures, lecturers, questions and their options, read
    in a fixed number of queries (the office's review page), or None."""
    from courses.models import Question

    return db.session.scalar(
        sa.select(Course)
        .where(Course.id == course_id)
        .options(
            selectinload(Course.lectures),
            selectinload(Course.lecturers),
            selectinload(Course.questions).selectinload(Question.options),
        )
    )


def enrolment_facts_of(enrolments):
    """``{enrolment id: EnrolmentFacts}`` of many enrolments in four queries,
    however many there are (the office's and coordinators' lists; courses
    loaded with the enrolments)."""
    enrolments = list(enrolments)
    if not enrolments:
        return {}
    ids = [e.id for e in enrolments]
    course_ids = {e.course_id for e in enrolments}
    user_ids = {e.user_id for e in enrolments}
    lectures = dict(
        db.session.execute(
            sa.select(Lecture.course_id, sa.func.count())
            .where(Lecture.course_id.in_(course_ids))
            .group_by(Lecture.course_id)
        ).all()
    )
    complete = {
        (user_id, course_id): count
        for user_id, course_id, count in db.session.execute(
            sa.select(LectureProgress.user_id, Lecture.course_id, sa.func.count())
            .join(Lecture, Lecture.id == LectureProgress.lecture_id)
            .where(
                LectureProgress.user_id.in_(user_ids),
                Lecture.course_id.in_(course_ids),
                LectureProgress.completed_dt.is_not(None),
            )
            .group_by(LectureProgress.user_id, Lecture.course_id)
        )
    }
    attempts = {
        enrolment_id: (used, bool(passed))
        for enrolment_id, used, passed in db.session.execute(
            sa.select(
                TestAttempt.enrolment_id,
                sa.func.count(),
                sa.func.max(sa.case((TestAttempt.is_passed, 1), else_=0)),
            )
            .where(
                TestAttempt.enrolment_id.in_(ids), TestAttempt.submitted_dt.is_not(None)
            )
            .group_by(TestAttempt.enrolment_id)
        )
    }
    evaluated = set(
        db.session.scalars(
            sa.select(Evaluation.enrolment_id).where(Evaluation.enrolment_id.in_(ids))
        )
    )
    facts = {}
    for e in enrolments:
        used, passed = attempts.get(e.id, (0, False))
        facts[e.id] = EnrolmentFacts(
            lectures_total=lectures.get(e.course_id, 0),
            lectures_complete=complete.get((e.user_id, e.course_id), 0),
            has_passed=passed,
            attempts_used=used,
            max_attempts=e.course.max_attempts + e.extra_attempts,
            has_evaluated=e.id in evaluated,
        )
    return facts


def course_statistics(course):
    """Enrolled, completed, completion rate, average best score of a course."""
    enrolled = db.session.scalar(
        sa.select(sa.func.count()).select_from(Enrolment).filter_by(course_id=course.id)
    )
    completed = db.session.scalar(
        sa.select(sa.func.count())
        .select_from(Enrolment)
        .where(Enrolment.course_id == course.id, Enrolment.completed_dt.is_not(None))
    )
    best = (
        sa.select(sa.func.max(TestAttempt.score).label("best"))
        .join(Enrolment, Enrolment.id == TestAttempt.enrolment_id)
        .where(Enrolment.course_id == course.id, TestAttempt.submitted_dt.is_not(None))
        .group_by(TestAttempt.enrolment_id)
        .subquery()
    )
    average = db.session.scalar(sa.select(sa.func.avg(best.c.best)))
    return {
        "enrolled": enrolled,
        "completed": completed,
        "completion_rate": completed / enrolled if enrolled else 0.0,
        "average_score": float(average) if average is not None else None,
    }


def lecture_retention(lecture, buckets=20):
    """Share of the lecture's viewers who watched each part (where viewers stop)."""
    coverages = [
        [tuple(pair) for pair in row]
        for row in db.session.scalars(
            sa.select(LectureProgress.coverage).filter_by(lecture_id=lecture.id)
        )
        if row
    ]
    return {
        "viewers": len(coverages),
        "curve": retention_curve(coverages, lecture.duration_seconds or 0, buckets),
    }


def get_lecture(lecture_id):
    return db.session.get(Lecture, lecture_id)


def continue_lecture(course, completed_ids, *, after=None):
    """The lecture a learner goes on with (``courses.gates.next_lecture``), or None.

    ``completed_ids`` are the ids of the lectures the learner has completed;
    only playable lectures are offered."""
    playable = [lecture for lecture in course.lectures if lecture.is_playable]
    found = next_lecture([lec.id for lec in playable], completed_ids, after=after)
    return next((lec for lec in playable if lec.id == found), None)


def completed_lecture_ids(progress):
    """The lectures completed in ``progress_by_lecture``'s answer."""
    return {i for i, row in progress.items() if row.completed_dt is not None}


def evaluation_summary(course, *, comments_limit=200):
    """Learners' evaluations of a course: how many, the average of each rating
    and the comments, newest first (without names: evaluations are anonymous)."""
    row = db.session.execute(
        sa.select(
            sa.func.count(Evaluation.id),
            sa.func.avg(Evaluation.course_quality),
            sa.func.avg(Evaluation.lecturer_quality),
            sa.func.avg(Evaluation.relevance),
        )
        .join(Enrolment, Enrolment.id == Evaluation.enrolment_id)
        .where(Enrolment.course_id == course.id)
    ).one()
    comments = db.session.execute(
        sa.select(Evaluation.comments, Evaluation.submitted_dt)
        .join(Enrolment, Enrolment.id == Evaluation.enrolment_id)
        .where(Enrolment.course_id == course.id, Evaluation.comments != "")
        .order_by(Evaluation.submitted_dt.desc(), Evaluation.id.desc())
        .limit(comments_limit)
    ).all()

    def average(value):
        return round(float(value), 1) if value is not None else None

    return {
        "count": row[0],
        "course_quality": average(row[1]),
        "lecturer_quality": average(row[2]),
        "relevance": average(row[3]),
        "comments": comments,
    }


def question_statistics(course):
    """``{question id: QuestionStatistics}`` over every submitted attempt of the
    course (one query for the attempts)."""
    rows = db.session.execute(
        sa.select(TestAttempt.drawn, TestAttempt.answers)
        .join(Enrolment, Enrolment.id == TestAttempt.enrolment_id)
        .where(Enrolment.course_id == course.id, TestAttempt.submitted_dt.is_not(None))
    ).all()
    bank = tuple(
        BankQuestion(
            id=q.id,
            kind=q.kind,
            option_ids=tuple(o.id for o in q.options),
            correct_ids=frozenset(o.id for o in q.options if o.is_correct),
        )
        for q in course.questions
    )
    attempts = [
        (
            [d["question_id"] for d in drawn],
            {int(k): v for k, v in (answers or {}).items()},
        )
        for drawn, answers in rows
    ]
    return {s.question_id: s for s in tally_questions(bank, attempts)}


def answer_review(attempt, questions):
    """What a learner answered in a submitted ``attempt``, per question in the
    order shown: ``[{question, options (shown order), chosen ids, right ids,
    is_right}]``. Show it only after a pass or the last attempt
    (``courses.gates.may_review_answers``)."""
    chosen = {int(k): set(v) for k, v in (attempt.answers or {}).items()}
    review = []
    for drawn in attempt.drawn:
        question = questions.get(drawn["question_id"])
        if question is None:
            continue  # deleted since (only possible before publication)
        by_id = {o.id: o for o in question.options}
        options = [by_id[i] for i in drawn["option_ids"] if i in by_id]
        right = {o.id for o in question.options if o.is_correct}
        picked = chosen.get(question.id, set())
        review.append(
            {
                "question": question,
                "options": options,
                "chosen": picked,
                "right": right,
                "is_right": picked == right,
            }
        )
    return review
