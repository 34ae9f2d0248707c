"""Reads: rule sets, the ledger, transcripts, certificates, exports."""

import math
from datetime import date
from decimal import Decimal
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import aliased, selectinload

from certificates.models import (
    Attendance,
    Certificate,
    CertificateBatch,
    CreditAward,
    RuleSetVariant,
)
from certificates.rule_sets import BUILT_IN, DEFAULT_RULE_SET, RULE_SETS_BY_CODE
from certificates.rules import (
    LEARNER_SOURCES,
    Activity,
    LedgerLine,
    Source,
    calculate_credits,
    calculate_transcript,
    choose_requirement,
    plan_variant,
)
from courses.models import Course, Enrolment
from lms.accounts.models import User
from lms.db import db, utcnow
from lms.enums import CourseFormat, JobState
from lms.hospitals.models import Hospital


def local_date(moment):
    """The calendar date of ``moment`` where the network is (its Babel timezone):
    a course completed at 07:30 on 1 January in Beijing counts for the new year."""
    zone = ZoneInfo(current_app.config["BABEL_DEFAULT_TIMEZONE"])
    return moment.astimezone(zone).date()


# --- rule sets -------------------------------------------------------------------


def rule_set_of_variant(variant):
    """The ``RuleSet`` a saved variant stands for."""
    return plan_variant(
        RULE_SETS_BY_CODE[variant.based_on],
        code=variant.code,
        version=variant.version,
        name_zh=variant.name_zh,
        name_en=variant.name_en,
        valid_from=variant.valid_from,
        valid_until=variant.valid_until,
        province_code=variant.province_code,
        tier=variant.tier,
        **variant.values,
    )


def list_rule_sets():
    """Every rule set: the built-in ones and every version of every variant."""
    variants = db.session.scalars(
        sa.select(RuleSetVariant).order_by(RuleSetVariant.code, RuleSetVariant.version)
    )
    return [*BUILT_IN, *(rule_set_of_variant(v) for v in variants)]


def list_current_rule_sets():
    """The newest version of each rule set, built-in first (for choosing one)."""
    newest = {}
    for rule_set in list_rule_sets():
        known = newest.get(rule_set.code)
        if known is None or rule_set.version > known.version:
            newest[rule_set.code] = rule_set
    return list(newest.values())


def get_rule_set(code, on=None):
    """The version of ``code`` in force on ``on`` (the newest when not given)."""
    if code in RULE_SETS_BY_CODE:  # one version, no variant shares its code
        return RULE_SETS_BY_CODE[code]
    versions = [r for r in list_rule_sets() if r.code == code]
    if on is not None:
        in_force = [r for r in versions if r.is_in_force(on)]
        versions = in_force or versions
    return max(versions, key=lambda r: r.version, default=None)


def get_rule_set_version(code, version):
    if code in RULE_SETS_BY_CODE:
        built_in = RULE_SETS_BY_CODE[code]
        return built_in if built_in.version == version else None
    return next(
        (r for r in list_rule_sets() if r.code == code and r.version == version), None
    )


def rule_set_in_force(user, on):
    """The rule set ``user``'s lines of ``on`` fall under when none is named: the
    requirement's rule set in force that day (CN-2006 before 2025, CN-2024 after)."""
    hospital = user.hospital
    return choose_requirement(
        list_rule_sets(),
        on,
        province_code=hospital.province_code if hospital else "",
        tier=hospital.tier.value if hospital else "",
    )


def requirement_of(user, year):
    """The rule set whose yearly requirement ``user`` meets in ``year``."""
    hospital = user.hospital
    chosen = choose_requirement(
        list_rule_sets(),
        date(year, 12, 31),
        province_code=hospital.province_code if hospital else "",
        tier=hospital.tier.value if hospital else "",
    )
    return chosen or RULE_SETS_BY_CODE[DEFAULT_RULE_SET]  # a year before any rules


# --- the ledger --------------------------------------------------------------------


def list_awards(user_id, year=None):
    """A person's ledger lines (revocations included), oldest first."""
    query = sa.select(CreditAward).where(CreditAward.user_id == user_id)
    if year is not None:
        query = query.where(CreditAward.year == year)
    return list(
        db.session.scalars(query.order_by(CreditAward.activity_date, CreditAward.id))
    )


def course_activity(course, source, on, *, minutes, test_passed=None, person_id=None):
    """The activity a course line is decided on. The office's class hours stand
    for the whole course online; a room or a lecturer counts its own minutes.
    ``person_id``'s credits from other courses of the same project share its cap."""
    role = [Source.TEACHING] if source == Source.TEACHING else LEARNER_SOURCES
    before = Decimal(0)
    if person_id is not None and course.project_number:
        before = project_credits(
            person_id, course.project_number, role, exclude_course_id=course.id
        )
    return Activity(
        source=source,
        on=on,
        category=course.credit_category,
        project_level=course.project_level.value,
        minutes=Decimal(str(round(minutes, 3))),
        class_hours=(
            Decimal(str(course.class_hours_override))
            if course.class_hours_override is not None and source == Source.ONLINE
            else None
        ),
        is_distance=course.format != CourseFormat.ONSITE,
        is_live=course.format != CourseFormat.RECORDED,
        project_credits_before=before,
        test_passed=test_passed,
    )


def session_minutes(course):
    """How long a session of ``course`` lasts, in whole minutes: the office's class
    hours (clock hours: a multi-day on-site project) or its lectures' length."""
    if course.class_hours_override is not None:
        return int(Decimal(str(course.class_hours_override)) * 60)
    seconds = sum(lecture.duration_seconds or 0 for lecture in course.lectures)
    return math.ceil(seconds / 60)


def course_award(course, on=None):
    """What completing ``course`` on ``on`` (today) awards under its rule set,
    level, category and format (a ``CreditDecision``): what the catalog promises."""
    on = on or local_date(utcnow())
    rule_set = get_rule_set(course.rule_set_code, on)
    minutes = sum(lecture.duration_seconds or 0 for lecture in course.lectures) / 60
    return calculate_credits(
        course_activity(course, Source.ONLINE, on, minutes=minutes, test_passed=True),
        rule_set,
    )


def project_credits(user_id, project_number, sources, *, exclude_course_id=None):
    """Standing credits ``user_id`` holds from courses of ``project_number`` in
    one role (``sources``): the project cap counts them all.

    Read to add a line: the person's row is locked first, until the transaction
    ends, so two activities of one project credited at once (two courses
    approved, two sessions ended, a completion and a session) take turns and
    the second sees the first's line."""
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    query = sa.select(sa.func.coalesce(sa.func.sum(CreditAward.credits), 0)).where(
        CreditAward.user_id == user_id,
        CreditAward.project_number == project_number,
        CreditAward.source.in_(sources),
        standing(),
    )
    if exclude_course_id is not None:
        query = query.where(
            sa.or_(
                CreditAward.course_id.is_(None),
                CreditAward.course_id != exclude_course_id,
            )
        )
    return Decimal(str(db.session.scalar(query)))


def revoked_ids(awards):
    return {a.revokes_id for a in awards if a.revokes_id is not None}


def ledger_lines(awards):
    """The ledger as the transcript rule reads it: revocation lines fold into
    the lines they revoke."""
    revoked = revoked_ids(awards)
    return [
        LedgerLine(
            award_id=a.id,
            on=a.activity_date,
            source=a.source,
            scale=a.scale,
            category=a.category,
            class_hours=a.class_hours,
            credits=a.credits,
            manual_kind=a.manual_kind,
            is_revoked=a.id in revoked,
            study_months=a.study_months,
            has_passed_assessment=a.has_passed_assessment,
        )
        for a in awards
        if a.revokes_id is None
    ]


def get_transcript(user, year):
    """(transcript, awards by id) for ``user``'s ``year``."""
    awards = list_awards(user.id, year)
    transcript = calculate_transcript(
        ledger_lines(awards), requirement_of(user, year), year
    )
    return transcript, {a.id: a for a in awards}


def get_transcripts(users, year):
    """``{user id: Transcript}`` of many people's ``year`` in two queries (their
    ledger lines and the rule sets), whatever their number; each person's
    hospital must be loaded with them."""
    users = list(users)
    by_user = {u.id: [] for u in users}
    if by_user:
        for award in db.session.scalars(
            sa.select(CreditAward)
            .where(CreditAward.user_id.in_(by_user), CreditAward.year == year)
            .order_by(CreditAward.activity_date, CreditAward.id)
        ):
            by_user[award.user_id].append(award)
    rule_sets, last_day = list_rule_sets(), date(year, 12, 31)
    transcripts = {}
    for user in users:
        hospital = user.hospital
        requirement = (
            choose_requirement(
                rule_sets,
                last_day,
                province_code=hospital.province_code if hospital else "",
                tier=hospital.tier.value if hospital else "",
            )
            or RULE_SETS_BY_CODE[DEFAULT_RULE_SET]
        )
        transcripts[user.id] = calculate_transcript(
            ledger_lines(by_user[user.id]), requirement, year
        )
    return transcripts


def transcript_years(user_id):
    return list(
        db.session.scalars(
            sa.select(CreditAward.year)
            .where(CreditAward.user_id == user_id)
            .distinct()
            .order_by(CreditAward.year.desc())
        )
    )


def standing():
    """The clause of an award line that no revocation line cancels."""
    revocation = aliased(CreditAward)
    return sa.and_(
        CreditAward.revokes_id.is_(None),
        ~sa.select(revocation.id)
        .where(revocation.revokes_id == CreditAward.id)
        .exists(),
    )


def get_standing_award(user_id, course_id, sources):
    """The standing line of one of ``sources`` for this person and course."""
    return db.session.scalar(
        sa.select(CreditAward).where(
            CreditAward.user_id == user_id,
            CreditAward.course_id == course_id,
            CreditAward.source.in_(sources),
            standing(),
        )
    )


def get_attendance(user_id, course_id, on):
    """The attendance of a learner at a session of a course on ``on``, if kept."""
    return db.session.scalar(
        sa.select(Attendance).filter_by(
            user_id=user_id, course_id=course_id, session_date=on
        )
    )


def list_attendance_sessions(hospital_id, *, page=1, per_page=50):
    """A hospital's sessions, newest first: one row per course and day with the
    people present, their minutes, and how many earned a credit line; ``(rows,
    has_next)`` for the page, in one query."""
    query = (
        sa.select(
            Attendance.course_id,
            Attendance.session_date,
            sa.func.count().label("people"),
            sa.func.sum(Attendance.minutes).label("minutes"),
            sa.func.count(Attendance.award_id).label("credited"),
            Course.title_zh,
            Course.title_en,
        )
        .join(User, User.id == Attendance.user_id)
        .join(Course, Course.id == Attendance.course_id)
        .where(User.hospital_id == hospital_id)
        .group_by(
            Attendance.course_id,
            Attendance.session_date,
            Course.title_zh,
            Course.title_en,
        )
        .order_by(Attendance.session_date.desc(), Attendance.course_id)
        .offset((page - 1) * per_page)
        .limit(per_page + 1)
    )
    rows = db.session.execute(query).all()
    return rows[:per_page], len(rows) > per_page


def list_session_attendances(course_id, on, hospital_id):
    """The hospital's people present at a session, with their credit lines."""
    return list(
        db.session.scalars(
            sa.select(Attendance)
            .join(User, User.id == Attendance.user_id)
            .where(
                Attendance.course_id == course_id,
                Attendance.session_date == on,
                User.hospital_id == hospital_id,
            )
            .options(
                selectinload(Attendance.award),
                selectinload(Attendance.user),
                selectinload(Attendance.recorded_by),
            )
            .order_by(User.name, User.id)
        )
    )


def get_learner_award(user_id, course_id):
    """The learner's line for a course (online or attendance), revoked or not."""
    return db.session.scalar(
        sa.select(CreditAward).where(
            CreditAward.user_id == user_id,
            CreditAward.course_id == course_id,
            CreditAward.source.in_(LEARNER_SOURCES),
            CreditAward.revokes_id.is_(None),
        )
    )


def find_manual_line(user_id, title, on, credits, kind):
    """A standing manual line for the same activity, date and credits, if any."""
    return db.session.scalar(
        sa.select(CreditAward)
        .where(
            CreditAward.user_id == user_id,
            CreditAward.source == "manual",
            CreditAward.title_zh == title,
            CreditAward.activity_date == on,
            CreditAward.credits == credits,
            CreditAward.manual_kind == kind,
            standing(),
        )
        .limit(1)
    )


def lock_award(award):
    """Hold the award's row until the transaction ends (PostgreSQL; SQLite's
    writers already hold the database), so a revocation and an issue of its
    certificate happen one after the other."""
    db.session.execute(
        sa.select(CreditAward.id).where(CreditAward.id == award.id).with_for_update()
    )


def is_revoked(award):
    return db.session.scalar(
        sa.select(sa.select(CreditAward.id).filter_by(revokes_id=award.id).exists())
    )


def list_review_queue():
    """Completions of courses under credit review that wait for the office."""
    awarded = sa.select(CreditAward.id).where(
        CreditAward.user_id == Enrolment.user_id,
        CreditAward.course_id == Enrolment.course_id,
        CreditAward.source.in_(LEARNER_SOURCES),
    )
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(Course, Course.id == Enrolment.course_id)
            .where(
                Course.has_credit_review.is_(True),
                Enrolment.completed_dt.is_not(None),
                ~awarded.exists(),
            )
            .options(selectinload(Enrolment.user), selectinload(Enrolment.course))
            .order_by(Enrolment.completed_dt)
        )
    )


def list_awards_for_export(
    *, year=None, hospital_id=None, province=None, course_id=None
):
    """(award, learner, hospital) rows, revocation lines included, for exports."""
    query = (
        sa.select(CreditAward, User, Hospital)
        .join(User, User.id == CreditAward.user_id)
        .outerjoin(Hospital, Hospital.id == User.hospital_id)
        .order_by(CreditAward.id)
    )
    if year:
        query = query.where(CreditAward.year == year)
    if hospital_id:
        query = query.where(User.hospital_id == hospital_id)
    if province:
        query = query.where(Hospital.province_code == province)
    if course_id:
        query = query.where(CreditAward.course_id == course_id)
    return list(db.session.execute(query))


# --- certificates ------------------------------------------------------------------


def get_certificate(serial):
    return db.session.scalar(sa.select(Certificate).filter_by(serial=serial))


def get_current_certificate(user_id, course_id):
    return db.session.scalar(
        sa.select(Certificate).where(
            Certificate.user_id == user_id,
            Certificate.course_id == course_id,
            Certificate.revoked_dt.is_(None),
            Certificate.replaced_dt.is_(None),
        )
    )


def list_certificate_history(user_id, course_id):
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .filter_by(user_id=user_id, course_id=course_id)
            .order_by(Certificate.version)
        )
    )


def get_newest_version(certificate):
    return db.session.scalar(
        sa.select(Certificate)
        .filter_by(user_id=certificate.user_id, course_id=certificate.course_id)
        .order_by(Certificate.version.desc())
        .limit(1)
    )


def list_certificates_of_user(user_id):
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.user_id == user_id)
            .options(selectinload(Certificate.course))
            .order_by(Certificate.issued_dt.desc(), Certificate.id.desc())
        )
    )


def list_certificates_of_course(course_id):
    return list(
        db.session.scalars(
            sa.select(Certificate)
            .where(Certificate.course_id == course_id)
            .options(selectinload(Certificate.user))
            .order_by(Certificate.user_id, Certificate.version)
        )
    )


def list_eligible_enrolments(course_id):
    """Completed enrolments whose learner line stands and whose newest certificate
    (if any) was not revoked: a bulk issue gives each of them one."""
    revoked, later = aliased(Certificate), aliased(Certificate)
    newest_revoked = (
        sa.select(revoked.id)
        .where(
            revoked.user_id == Enrolment.user_id,
            revoked.course_id == Enrolment.course_id,
            revoked.revoked_dt.is_not(None),
            ~sa.select(later.id)
            .where(
                later.user_id == revoked.user_id,
                later.course_id == revoked.course_id,
                later.version > revoked.version,
            )
            .exists(),
        )
        .exists()
    )
    return list(
        db.session.scalars(
            sa.select(Enrolment)
            .join(
                CreditAward,
                sa.and_(
                    CreditAward.user_id == Enrolment.user_id,
                    CreditAward.course_id == Enrolment.course_id,
                    CreditAward.source.in_(LEARNER_SOURCES),
                    standing(),
                ),
            )
            .where(
                Enrolment.course_id == course_id,
                Enrolment.completed_dt.is_not(None),
                ~newest_revoked,
            )
            .options(selectinload(Enrolment.user))
            .order_by(Enrolment.id)
        )
    )


def get_batch(batch_id):
    return db.session.get(CertificateBatch, batch_id)


def list_batches(course_id):
    return list(
        db.session.scalars(
            sa.select(CertificateBatch)
            .filter_by(course_id=course_id)
            .order_by(CertificateBatch.id.desc())
        )
    )


def list_stale_batches(now, stale_after):
    """Running bulk issues whose worker has not beaten for ``stale_after``."""
    return list(
        db.session.scalars(
            sa.select(CertificateBatch).where(
                CertificateBatch.state == JobState.RUNNING,
                CertificateBatch.heartbeat_dt < now - stale_after,
            )
        )
    )
