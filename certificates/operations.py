"""Writes: rule set variants, ledger lines, certificates. They flush, never commit."""

import secrets
from dataclasses import replace
from datetime import date
from decimal import Decimal, InvalidOperation

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.exc import IntegrityError

from certificates import queries
from certificates.class_ii import ClassIIFacts, ClassIIKind, calculate_class_ii
from certificates.facts import CertificateFacts, facts_to_payload, learner_number
from certificates.models import (
    Attendance,
    Certificate,
    CertificateBatch,
    CreditAward,
    RuleSetVariant,
)
from certificates.rule_sets import RULE_SETS_BY_CODE
from certificates.rules import (
    LEARNER_SOURCES,
    Activity,
    ManualKind,
    RuleSetError,
    Source,
    calculate_credits,
    plan_variant,
)
from certificates.signing import sign
from courses.models import LectureProgress, TestAttempt
from courses.queries import get_enrolment
from courses.workflow import CourseStatus
from lms.audit.actions import AuditAction
from lms.audit.operations import record_audit
from lms.db import db
from lms.notifications.kinds import NotificationKind
from lms.notifications.operations import course_params, notify
from lms.problems import StatusError
from lms.text import clean_text

#: Crockford's base32: no I, L, O or U to misread.
SERIAL_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


class CreditError(StatusError):
    """A request about credits that cannot be carried out (``lms.problems``)."""


# --- rule sets -------------------------------------------------------------------


def add_rule_set_variant(base_code, created_by, now, **form):
    """Save an administrator's variant of a built-in rule set (a new version when
    the code exists). Bad values raise ``CreditError`` and save nothing."""
    base = RULE_SETS_BY_CODE.get(base_code)
    if base is None:
        raise CreditError("invalid_rule_set", "Choose a built-in rule set.", 422)
    code = str(form.get("code") or "").strip().upper()
    if code in RULE_SETS_BY_CODE:
        raise CreditError(
            "invalid_rule_set", "A built-in rule set keeps its code.", 422
        )
    previous = [r for r in queries.list_rule_sets() if r.code == code]
    values = {
        key: str(value).strip()
        for key, value in (form.get("values") or {}).items()
        if value not in (None, "")
    }
    try:
        planned = plan_variant(
            base,
            code=code,
            version=1 + max((r.version for r in previous), default=0),
            name_zh=form.get("name_zh") or "",
            name_en=form.get("name_en") or "",
            valid_from=form.get("valid_from") or local_date(now),
            valid_until=form.get("valid_until"),
            province_code=form.get("province_code") or "",
            tier=form.get("tier") or "",
            **values,
        )
    except RuleSetError as error:
        raise CreditError("invalid_rule_set", str(error), 422) from None
    if previous and previous[-1].based_on != base.code:
        raise CreditError(
            "invalid_rule_set", f"{code} is based on {previous[-1].based_on}.", 422
        )
    variant = RuleSetVariant(
        code=planned.code,
        version=planned.version,
        based_on=base.code,
        name_zh=planned.name_zh,
        name_en=planned.name_en,
        valid_from=planned.valid_from,
        valid_until=planned.valid_until,
        province_code=planned.province_code,
        tier=planned.tier,
        values=values,
        created_dt=now,
        created_by_id=created_by.id,
    )
    try:
        # Two administrators saving at once both read the same newest version;
        # the unique (code, version) lets one in, the other is told (not retried:
        # the newer rule set may change what they meant to save).
        with db.session.begin_nested():
            db.session.add(variant)
    except IntegrityError:
        error = CreditError(
            "rule_set_changed",
            f"Another administrator saved a new version of {code} at the same "
            "moment; nothing was saved. Check the list and save again if needed.",
            409,
        )
        error.rule_set_code = code
        raise error from None
    record_audit(
        created_by,
        AuditAction.RULE_SET_CHANGED,
        variant,
        before=_variant_facts(_previous_variant(variant)),
        after=_variant_facts(variant),
        label=f"{variant.code} v{variant.version}",
    )
    return variant


def _previous_variant(variant):
    return db.session.scalar(
        sa.select(RuleSetVariant)
        .filter_by(code=variant.code)
        .where(RuleSetVariant.version < variant.version)
        .order_by(RuleSetVariant.version.desc())
        .limit(1)
    )


def _variant_facts(variant):
    """What a rule set variant says, as the audit log keeps it."""
    if variant is None:
        return None
    return {
        "based_on": variant.based_on,
        "version": variant.version,
        "valid_from": variant.valid_from,
        "valid_until": variant.valid_until,
        "province_code": variant.province_code,
        "tier": variant.tier,
        "values": dict(variant.values or {}),
    }


# --- the ledger --------------------------------------------------------------------


def _add_line(user_id, decision, rule_set, *, source, on, awarding_unit, **values):
    award = CreditAward(
        user_id=user_id,
        source=source,
        rule_set_code=rule_set.code,
        rule_set_version=rule_set.version,
        scale=rule_set.scale,
        category=decision.category,
        class_hours=decision.class_hours,
        credits=decision.credits,
        awarding_unit=awarding_unit,
        activity_date=on,
        year=on.year,
        **values,
    )
    db.session.add(award)
    db.session.flush()
    return award


def _course_line(course, user_id, decision, rule_set, source, on, issuer_name, **kw):
    return _add_line(
        user_id,
        decision,
        rule_set,
        source=source,
        on=on,
        awarding_unit=issuer_name,
        course_id=course.id,
        title_zh=course.title_zh,
        title_en=course.title_en,
        project_number=course.project_number,
        project_level=course.project_level.value,
        reason="; ".join(decision.reasons),
        **kw,
    )


def awarding_unit():
    """The unit every award and certificate names (``AWARDING_BODY_ZH``)."""
    return current_app.config["AWARDING_BODY_ZH"]


local_date = queries.local_date


def _learner_line(user_id, course_id):
    """The learner's line for this course (online or attendance: one project, one
    line), revoked or not; ``(award, is_revoked)`` or ``(None, False)``."""
    award = queries.get_learner_award(user_id, course_id)
    return award, award is not None and queries.is_revoked(award)


def award_completion(enrolment, now, *, approved_by=None):
    """The online-completion award of a completed enrolment, once.

    Returns the award, or None when the rules give nothing (a course too short,
    a rule set not in force). A course under credit review waits for an
    administrator (``approved_by``).
    """
    course = enrolment.course
    if enrolment.completed_dt is None:
        raise CreditError("not_completed", "The course is not completed yet.", 409)
    if course.has_credit_review and approved_by is None:
        return None
    existing, is_revoked = _learner_line(enrolment.user_id, course.id)
    if existing is not None:
        # Attended in a room, or revoked (final: the office may enter a manual line).
        return None if is_revoked else existing
    on = local_date(enrolment.completed_dt)
    rule_set = queries.get_rule_set(course.rule_set_code, on)
    activity = queries.course_activity(
        course,
        Source.ONLINE,
        on,
        minutes=sum(lecture.duration_seconds or 0 for lecture in course.lectures) / 60,
        test_passed=_passed(enrolment),
        person_id=enrolment.user_id,
    )
    if rule_set.credits_by_participation:
        # AMA: credit for the time the learner actually watched, not the course's.
        activity = replace(
            activity, minutes=_watched_minutes(enrolment), class_hours=None
        )
    decision = calculate_credits(activity, rule_set)
    if not decision.is_eligible:
        return None
    return _course_line(
        course,
        enrolment.user_id,
        decision,
        rule_set,
        Source.ONLINE,
        on,
        awarding_unit(),
        created_by_id=approved_by.id if approved_by else None,
    )


def record_attendance(course, learner, recorded_by, now, *, on, minutes):
    """A learner was in the room at a broadcast or on-site session of ``course``.

    Every presence is kept as an ``Attendance`` (once per learner, course and
    day; recording it again returns the first). It earns the course's one credit
    line, joins the line the learner already has, or keeps why it earned none:
    the attendance's ``award`` is None then and its ``reason`` says why.
    """
    if course.status != CourseStatus.APPROVED:
        raise CreditError("not_published", "Only a published course has sessions.", 409)
    if not isinstance(on, date) or on > local_date(now):
        raise CreditError(
            "invalid_session_date", "The session date is not in the future.", 422
        )
    length = queries.session_minutes(course)
    if (
        not isinstance(minutes, int)
        or isinstance(minutes, bool)
        or not (1 <= minutes <= length)
    ):
        # Bounded by the session: 600 minutes in a one-hour course are not 10
        # hours of presence (issue 10).
        raise CreditError(
            "invalid_minutes",
            f"Minutes attended are 1–{length}, the session's length.",
            422,
        )
    attendance = queries.get_attendance(learner.id, course.id, on)
    if attendance is not None:
        return attendance
    award, reason = _attendance_award(course, learner, recorded_by, on, minutes)
    attendance = Attendance(
        user_id=learner.id,
        course_id=course.id,
        session_date=on,
        minutes=minutes,
        award=award,
        reason=reason,
        recorded_dt=now,
        recorded_by_id=recorded_by.id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(attendance)
    except IntegrityError:  # the same sheet sent twice at once
        return queries.get_attendance(learner.id, course.id, on)
    return attendance


def _attendance_award(course, learner, recorded_by, on, minutes):
    """(the credit line an attendance earns or joins, why none)."""
    existing, is_revoked = _learner_line(learner.id, course.id)
    if existing is not None:
        if is_revoked:
            return None, "the course's credits were revoked"
        return existing, ""
    rule_set = queries.get_rule_set(course.rule_set_code, on)
    decision = calculate_credits(
        queries.course_activity(
            course, Source.ATTENDANCE, on, minutes=minutes, person_id=learner.id
        ),
        rule_set,
    )
    if not decision.is_eligible:
        return None, decision.reasons[0]
    award = _course_line(
        course,
        learner.id,
        decision,
        rule_set,
        Source.ATTENDANCE,
        on,
        awarding_unit(),
        created_by_id=recorded_by.id,
    )
    return award, ""


def _watched_minutes(enrolment):
    """Distinct minutes the learner watched, each lecture at most its length."""
    durations = {
        lecture.id: lecture.duration_seconds or 0
        for lecture in enrolment.course.lectures
    }
    rows = db.session.execute(
        sa.select(LectureProgress.lecture_id, LectureProgress.covered_seconds).where(
            LectureProgress.user_id == enrolment.user_id,
            LectureProgress.lecture_id.in_(durations),
        )
    )
    return sum(min(covered, durations[lid]) for lid, covered in rows) / 60


def _passed(enrolment):
    if not enrolment.course.questions:
        return None
    return bool(
        db.session.scalar(
            sa.select(sa.func.count()).where(
                TestAttempt.enrolment_id == enrolment.id,
                TestAttempt.is_passed.is_(True),
            )
        )
    )


def award_teaching(course, now):
    """Teaching credits for each lecturer of a delivered (approved) course, once."""
    on = local_date(course.approved_dt or now)
    rule_set = queries.get_rule_set(course.rule_set_code, on)
    minutes_by_lecturer = {}
    for lecture in course.lectures:
        lecturer_id = lecture.lecturer_id or course.owner_id
        minutes_by_lecturer[lecturer_id] = (
            minutes_by_lecturer.get(lecturer_id, 0)
            + (lecture.duration_seconds or 0) / 60
        )
    awards = []
    for lecturer_id, minutes in sorted(minutes_by_lecturer.items()):
        if queries.get_standing_award(lecturer_id, course.id, [Source.TEACHING]):
            continue
        decision = calculate_credits(
            queries.course_activity(
                course, Source.TEACHING, on, minutes=minutes, person_id=lecturer_id
            ),
            rule_set,
        )
        if decision.is_eligible:
            awards.append(
                _course_line(
                    course,
                    lecturer_id,
                    decision,
                    rule_set,
                    Source.TEACHING,
                    on,
                    awarding_unit(),
                )
            )
    return awards


def _decimal(value, name, low, high):
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise CreditError("invalid_value", f"{name} must be a number.", 422) from None
    if not number.is_finite() or not low <= number <= high:
        raise CreditError("invalid_value", f"{name} must be {low}–{high}.", 422)
    return number.quantize(Decimal("0.01"))


def record_manual_award(
    user,
    entered_by,
    now,
    *,
    title,
    rule_set_code,
    category,
    credits,
    class_hours,
    kind,
    on,
    reason,
    study_months=None,
    assessment_passed=None,
    class_ii=None,
    override_reason="",
):
    """A line an administrator enters (external activity, visiting study). A 进修
    (visiting study) line may say how many months it lasted and whether its
    assessment was passed: the rule set decides whether that meets the year.

    A Class II kind (``class_ii.ClassIIKind``) computes its credits from the
    rule set's award standard and ``class_ii`` (sessions, characters, rank,
    venue); credits that differ need ``override_reason``."""
    title = clean_text(title, required=False)
    if not title or len(title) > 200:
        raise CreditError("invalid_title", "Name the activity (1–200 characters).", 422)
    reason = clean_text(reason, multiline=True, required=False)
    if not reason:
        raise CreditError("reason_required", "Say why the credits are entered.", 422)
    kind = _manual_kind(kind)
    if not isinstance(on, date) or on > local_date(now):
        raise CreditError(
            "invalid_date", "The activity date is not in the future.", 422
        )
    study = _study(kind, study_months, assessment_passed)
    if rule_set_code:
        rule_set = queries.get_rule_set(rule_set_code, on)
    else:  # the one in force on the activity's date (CN-2006 before 2025)
        rule_set = queries.rule_set_in_force(user, on)
    if rule_set is None:
        raise CreditError("invalid_rule_set", "Unknown credit rule set.", 422)
    if isinstance(kind, ClassIIKind):
        credits, reason = _class_ii_credits(
            kind, rule_set, class_ii, credits, reason, override_reason
        )
        category = "II"
        if class_hours in (None, ""):  # a paper or a book has no class hours
            class_hours = 0
    activity = Activity(
        Source.MANUAL,
        on=on,
        category=str(category or "").strip() or rule_set.categories[0],
        credits=_decimal(credits, "Credits", Decimal("0.01"), Decimal(100)),
        class_hours=_decimal(class_hours, "Class hours", Decimal(0), Decimal(500)),
    )
    decision = calculate_credits(activity, rule_set)
    if not decision.is_eligible:
        raise CreditError("not_awarded", decision.reasons[0], 422)
    if queries.find_manual_line(user.id, title, on, decision.credits, kind.value):
        raise CreditError(
            "duplicate", "These credits were already entered for this activity.", 409
        )
    line = _add_line(
        user.id,
        decision,
        rule_set,
        source=Source.MANUAL,
        on=on,
        awarding_unit=awarding_unit(),
        manual_kind=kind.value,
        title_zh=title,
        title_en=title,
        reason=reason,
        created_by_id=entered_by.id,
        **study,
    )
    record_audit(
        entered_by,
        AuditAction.CREDIT_LINE_ADDED,
        line,
        after={
            "user_id": user.id,
            "kind": kind.value,
            "category": line.category,
            "credits": line.credits,
            "class_hours": line.class_hours,
            "activity_date": line.activity_date,
            "rule_set": f"{line.rule_set_code} v{line.rule_set_version}",
        },
        reason=reason,
        label=f"{user.name} · {title}",
    )
    return line


def _manual_kind(kind):
    for kinds in (ManualKind, ClassIIKind):
        try:
            return kinds(kind)
        except ValueError:
            continue
    raise CreditError("invalid_kind", "Unknown kind of activity.", 422)


def _class_ii_credits(kind, rule_set, facts, credits, reason, override_reason):
    """(credits, reason) of a Class II line: the standard's, or the office's
    with the reason it differs."""
    facts = facts or {}
    if not isinstance(facts, dict):
        raise CreditError(
            "invalid_class_ii", "class_ii is an object of the evidence.", 422
        )
    try:
        computed = calculate_class_ii(
            kind,
            ClassIIFacts(
                sessions=facts.get("sessions"),
                characters=facts.get("characters"),
                rank=facts.get("rank"),
                venue=str(facts.get("venue") or ""),
            ),
            rule_set,
        )
    except RuleSetError as error:
        raise CreditError("invalid_class_ii", str(error), 422) from None
    if credits in (None, ""):
        return computed, reason
    given = _decimal(credits, "Credits", Decimal("0.01"), Decimal(100))
    if given == computed:
        return given, reason
    override_reason = clean_text(override_reason, multiline=True, required=False)
    if not override_reason:
        raise CreditError(
            "override_reason_required",
            f"The standard gives {computed}; say why the credits differ.",
            422,
        )
    return given, f"{reason} (the standard gives {computed}: {override_reason})"


def _study(kind, months, passed):
    """The 进修 facts of a manual line: only a visiting-study line has them."""
    if months in (None, "") and passed in (None, ""):
        return {}
    if kind != ManualKind.VISITING:
        raise CreditError(
            "invalid_study", "Months and assessment belong to visiting study.", 422
        )
    try:
        months = int(str(months).strip())
    except ValueError:
        raise CreditError("invalid_study", "Months are a whole number.", 422) from None
    if not 1 <= months <= 60:
        raise CreditError("invalid_study", "Months of study are 1–60.", 422)
    if not isinstance(passed, bool):
        raise CreditError(
            "invalid_study", "Say whether the assessment was passed.", 422
        )
    return {"study_months": months, "has_passed_assessment": passed}


def revoke_award(award, revoked_by, now, reason):
    """A revocation line for ``award``; its certificate is revoked with it."""
    reason = clean_text(reason, multiline=True, required=False)
    if not reason:
        raise CreditError("reason_required", "Say why the credits are revoked.", 422)
    if award.revokes_id is not None:
        raise CreditError("invalid_award", "A revocation cannot be revoked.", 409)
    queries.lock_award(award)  # an issue of its certificate waits for us
    if queries.is_revoked(award):
        raise CreditError("already_revoked", "These credits are already revoked.", 409)
    line = CreditAward(
        user_id=award.user_id,
        course_id=award.course_id,
        source=award.source,
        manual_kind=award.manual_kind,
        title_zh=award.title_zh,
        title_en=award.title_en,
        project_number=award.project_number,
        project_level=award.project_level,
        rule_set_code=award.rule_set_code,
        rule_set_version=award.rule_set_version,
        scale=award.scale,
        category=award.category,
        class_hours=award.class_hours,
        credits=-award.credits,
        awarding_unit=award.awarding_unit,
        activity_date=award.activity_date,
        year=award.year,
        reason=reason,
        revokes_id=award.id,
        created_dt=now,
        created_by_id=revoked_by.id,
    )
    db.session.add(line)
    if award.course_id is not None:
        current = queries.get_current_certificate(award.user_id, award.course_id)
        if current is not None and current.award_id == award.id:
            revoke_certificate(current, revoked_by, now, reason)
    db.session.flush()
    record_audit(
        revoked_by,
        AuditAction.CREDIT_LINE_REVOKED,
        award,
        before={"credits": award.credits, "class_hours": award.class_hours},
        after={"credits": award.credits + line.credits, "revocation_line": line.id},
        reason=reason,
        label=f"{award.title_zh} · {award.year}",
    )
    return line


# --- certificates ------------------------------------------------------------------


def new_serial():
    """An unguessable serial: 80 random bits in Crockford base32, grouped."""
    number = secrets.randbits(80)
    chars = "".join(SERIAL_ALPHABET[(number >> (5 * i)) & 31] for i in range(16))
    return "TC-" + "-".join(chars[i : i + 4] for i in range(0, 16, 4))


def normalise_serial(text):
    """A serial as typed or scanned: case, spaces, dashes and look-alikes forgiven."""
    raw = "".join(c for c in str(text or "") if c.isascii() and c.isalnum()).upper()
    body = raw.removeprefix("TC").translate(str.maketrans("OIL", "011"))
    if len(body) != 16 or any(c not in SERIAL_ALPHABET for c in body):
        return raw[:32]
    return "TC-" + "-".join(body[i : i + 4] for i in range(0, 16, 4))


def _score_percent(enrolment):
    best = db.session.scalar(
        sa.select(sa.func.max(TestAttempt.score)).where(
            TestAttempt.enrolment_id == enrolment.id, TestAttempt.is_passed.is_(True)
        )
    )
    return None if best is None else round(best * 100)


def _plain(number):
    return format(Decimal(number).normalize(), "f")


def plan_facts(enrolment, award, issuer, serial, version, now):
    """What the certificate states, from server state only."""
    user, course = enrolment.user, enrolment.course
    hospital = user.hospital
    rule_set = queries.get_rule_set_version(
        award.rule_set_code, award.rule_set_version
    ) or queries.get_rule_set(award.rule_set_code)
    return CertificateFacts(
        serial=serial,
        version=version,
        learner_name=user.name,
        learner_number=learner_number(user.id),
        hospital_zh=hospital.name_zh if hospital else "",
        hospital_en=hospital.name_en if hospital else "",
        course_title_zh=course.title_zh,
        course_title_en=course.title_en,
        project_number=course.project_number,
        project_level=course.project_level.value,
        format=course.format.value,
        start_date=local_date(enrolment.enrolled_dt),
        end_date=local_date(enrolment.completed_dt),
        class_hours=_plain(award.class_hours),
        credit_category=award.category,
        credits=_plain(award.credits),
        score_percent=_score_percent(enrolment),
        awarding_body_zh=issuer.awarding_body_zh,
        awarding_body_en=issuer.awarding_body_en,
        rule_set_code=rule_set.code,
        rule_set_name_zh=rule_set.name_zh,
        rule_set_name_en=rule_set.name_en,
        issued_date=local_date(now),
        verify_url=issuer.verify_url(serial),
    )


def _signed(facts, issuer):
    payload = facts_to_payload(facts)
    return payload, sign(payload, issuer.private_pem)


def issue_certificate(
    enrolment, issuer, now, *, issued_by_id=None, after_revocation=False
):
    """The learner's certificate of the course: the current one when it exists.

    Only a completed course whose online award stands has one. Once revoked, a
    certificate comes back only when the office issues a new version on purpose
    (``after_revocation``): neither the learner nor a bulk issue undoes it.
    """
    current = queries.get_current_certificate(enrolment.user_id, enrolment.course_id)
    if current is not None:
        return current
    award = None
    if enrolment.completed_dt is not None:
        award = queries.get_learner_award(enrolment.user_id, enrolment.course_id)
        if award is not None:
            queries.lock_award(award)  # a revocation waits for us, or we for it
            if queries.is_revoked(award):  # read once locked
                award = None
    if award is None:
        raise CreditError(
            "not_eligible",
            "A certificate follows a completed course with its credits awarded.",
            409,
        )
    history = queries.list_certificate_history(enrolment.user_id, enrolment.course_id)
    if history and history[-1].revoked_dt is not None and not after_revocation:
        raise CreditError(
            "revoked",
            "This certificate was revoked; only the CME office can issue a new one.",
            409,
        )
    return _issue(enrolment, award, issuer, now, len(history) + 1, issued_by_id)


def _issue(enrolment, award, issuer, now, version, issued_by_id):
    """Insert the new version; when a concurrent request (another tab, a bulk
    issue) inserted it first, return theirs."""
    serial = new_serial()
    payload, signature = _signed(
        plan_facts(enrolment, award, issuer, serial, version, now), issuer
    )
    certificate = Certificate(
        serial=serial,
        version=version,
        user_id=enrolment.user_id,
        course_id=enrolment.course_id,
        award_id=award.id,
        payload=payload,
        signature=signature,
        key_id=issuer.key_id,
        issued_dt=now,
        issued_by_id=issued_by_id,
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:
        current = queries.get_current_certificate(
            enrolment.user_id, enrolment.course_id
        )
        if current is None:
            raise
        return current
    if issued_by_id is not None and issued_by_id != enrolment.user_id:
        _record_issue(certificate, enrolment, issued_by_id)
    return certificate


def _record_issue(certificate, enrolment, issued_by_id):
    """The office issued it (one, a bulk issue, a re-issue): logged, and the
    learner told. A learner's own download is neither."""
    reissued = certificate.version > 1
    record_audit(
        issued_by_id,
        AuditAction.CERTIFICATE_REISSUED
        if reissued
        else AuditAction.CERTIFICATE_ISSUED,
        certificate,
        before={"version": certificate.version - 1} if reissued else None,
        after={"serial": certificate.serial, "version": certificate.version},
        label=f"{certificate.serial} · {enrolment.course.title_zh}",
    )
    notify(
        enrolment.user_id,
        NotificationKind.CERTIFICATE_ISSUED,
        params=course_params(enrolment.course, serial=certificate.serial),
        link="/credits",
    )


def reissue_certificate(certificate, issuer, now, issued_by):
    """A new version from today's facts (a corrected name); the old one is kept,
    marked replaced, and verifies as replaced."""
    if not certificate.is_current:
        raise CreditError(
            "not_current", "Only the current certificate can be re-issued.", 409
        )
    if queries.is_revoked(certificate.award):
        raise CreditError(
            "credits_revoked", "The credits of this course were revoked.", 409
        )
    enrolment = get_enrolment(certificate.course_id, certificate.user_id)
    certificate.replaced_dt = now
    db.session.flush()
    return _issue(
        enrolment, certificate.award, issuer, now, certificate.version + 1, issued_by.id
    )


def revoke_certificate(certificate, revoked_by, now, reason):
    reason = clean_text(reason, multiline=True, required=False)
    if not reason:
        raise CreditError("reason_required", "Say why it is revoked.", 422)
    if certificate.revoked_dt is not None:
        raise CreditError("already_revoked", "It is already revoked.", 409)
    certificate.revoked_dt = now
    certificate.revoke_reason = reason[:2000]
    certificate.revoked_by_id = revoked_by.id
    db.session.flush()
    course = certificate.course
    record_audit(
        revoked_by,
        AuditAction.CERTIFICATE_REVOKED,
        certificate,
        before={"revoked": False},
        after={"revoked": True},
        reason=certificate.revoke_reason,
        label=f"{certificate.serial} · {course.title_zh if course else ''}",
    )
    notify(
        certificate.user_id,
        NotificationKind.CERTIFICATE_REVOKED,
        params={
            **(course_params(course) if course else {}),
            "serial": certificate.serial,
            "reason": certificate.revoke_reason,
        },
        link="/credits",
    )
    return certificate


def start_batch(course, requested_by, now):
    """A bulk issue for every eligible learner of ``course``."""
    batch = CertificateBatch(
        course_id=course.id,
        requested_by_id=requested_by.id,
        total=len(queries.list_eligible_enrolments(course.id)),
        created_dt=now,
    )
    db.session.add(batch)
    db.session.flush()
    return batch


def withdraw_attendance(attendance, withdrawn_by, now, reason):
    """A coordinator takes back a presence recorded by mistake (the wrong person
    ticked). The attendance goes; a credit line it alone earned is revoked by a
    new ledger line (never edited), with its certificate; a line the learner
    earned otherwise, or that other sessions joined, stays. The audit log keeps
    the attendance as it was, with the reason."""
    reason = clean_text(reason, multiline=True, required=False)
    if not reason:
        raise CreditError(
            "reason_required", "Say why the attendance is withdrawn.", 422
        )
    award = attendance.award
    before = {
        "user_id": attendance.user_id,
        "course_id": attendance.course_id,
        "session_date": attendance.session_date,
        "minutes": attendance.minutes,
        "award_id": attendance.award_id,
        "reason": attendance.reason,
    }
    revoked_line = None
    if award is not None and award.source == Source.ATTENDANCE:
        others = db.session.scalar(
            sa.select(sa.func.count())
            .select_from(Attendance)
            .where(Attendance.award_id == award.id, Attendance.id != attendance.id)
        )
        if not others and not queries.is_revoked(award):
            revoked_line = revoke_award(award, withdrawn_by, now, reason)
    record_audit(
        withdrawn_by,
        AuditAction.ATTENDANCE_CORRECTED,
        attendance,
        before=before,
        after={"withdrawn": True, "revocation_id": getattr(revoked_line, "id", None)},
        reason=reason,
        label=f"{attendance.session_date.isoformat()} · user {attendance.user_id}",
    )
    db.session.delete(attendance)
    db.session.flush()
    return revoked_line


# --- scheduled sessions (courses.sessions) -------------------------------------------


def _session_activity(session, source, on, *, minutes, person_id, is_distance):
    """The activity a session line is decided on: the session's credit terms, the
    minutes the session's outcome counts, and what the person already holds from
    the same project (its cap is shared with their courses' and other sessions'
    lines of that project number)."""
    role = [Source.TEACHING] if source == Source.TEACHING else LEARNER_SOURCES
    before = Decimal(0)
    if session.project_number:
        before = queries.project_credits(person_id, session.project_number, role)
    return Activity(
        source=source,
        on=on,
        category=session.credit_category,
        project_level=session.project_level.value,
        minutes=Decimal(minutes),
        is_distance=is_distance,
        is_live=True,
        project_credits_before=before,
    )


def _session_award(user_id, session_id, sources):
    """The standing line of one of ``sources`` earned at the session, if any."""
    return db.session.scalar(
        sa.select(CreditAward).where(
            CreditAward.user_id == user_id,
            CreditAward.session_id == session_id,
            CreditAward.source.in_(sources),
            queries.standing(),
        )
    )


def _insert_session_line(award, found):
    """Insert ``award``; when a concurrent run inserted the same person's line
    first (the partial unique indexes), return that one (``found()``)."""
    try:
        with db.session.begin_nested():
            db.session.add(award)
    except IntegrityError:
        existing = found()
        if existing is None:
            raise
        return existing
    return award


def award_session_attendance(session, user_id, on, *, minutes, is_distance):
    """A learner's attendance line of a session whose presence counted: source
    ATTENDANCE, once per learner and session; ``(award, reason)`` with the award
    None and the reason when the rules give nothing.

    A group viewing of a recorded course (``session.course_id``) is that course's
    one line: one project, one line, as ``record_attendance`` keeps it. A learner
    who already has the course's line (online or in another room) joins it; a new
    line names the course and the session, so completing the course online later
    joins it too.
    """
    existing = _session_award(user_id, session.id, [Source.ATTENDANCE])
    if existing is not None:
        return existing, ""
    course_id = session.course_id
    if course_id is not None:
        line, is_revoked = _learner_line(user_id, course_id)
        if line is not None:
            if is_revoked:
                return None, "the course's credits were revoked"
            return line, ""
    rule_set = queries.get_rule_set(session.rule_set_code, on)
    if rule_set is None:
        return None, f"unknown rule set {session.rule_set_code}"
    decision = calculate_credits(
        _session_activity(
            session,
            Source.ATTENDANCE,
            on,
            minutes=minutes,
            person_id=user_id,
            is_distance=is_distance,
        ),
        rule_set,
    )
    if not decision.is_eligible:
        return None, decision.reasons[0]
    award = _session_line(
        session, user_id, decision, rule_set, Source.ATTENDANCE, on, course_id
    )

    def found():
        line = _session_award(user_id, session.id, [Source.ATTENDANCE])
        if line is None and course_id is not None:
            line = queries.get_learner_award(user_id, course_id)
        return line

    return _insert_session_line(award, found), ""


def award_session_teaching(session, user_id, on, *, minutes):
    """A lecturer's teaching line of a session (live presenting, the scheduled
    minutes), once per lecturer and session; ``(award, reason)`` as
    :func:`award_session_attendance`. The project cap counts the lecturer's other
    teaching lines of the same project number."""
    existing = _session_award(user_id, session.id, [Source.TEACHING])
    if existing is not None:
        return existing, ""
    rule_set = queries.get_rule_set(session.rule_set_code, on)
    if rule_set is None:
        return None, f"unknown rule set {session.rule_set_code}"
    decision = calculate_credits(
        _session_activity(
            session,
            Source.TEACHING,
            on,
            minutes=minutes,
            person_id=user_id,
            is_distance=False,
        ),
        rule_set,
    )
    if not decision.is_eligible:
        return None, decision.reasons[0]
    award = _session_line(session, user_id, decision, rule_set, Source.TEACHING, on)
    return _insert_session_line(
        award, lambda: _session_award(user_id, session.id, [Source.TEACHING])
    ), ""


def _session_line(session, user_id, decision, rule_set, source, on, course_id=None):
    """A ledger line of a session (not yet added): titles, project and terms
    from the session, as the rules decided."""
    return CreditAward(
        user_id=user_id,
        source=source,
        course_id=course_id,
        session_id=session.id,
        title_zh=session.title_zh,
        title_en=session.title_en,
        project_number=session.project_number,
        project_level=session.project_level.value,
        rule_set_code=rule_set.code,
        rule_set_version=rule_set.version,
        scale=rule_set.scale,
        category=decision.category,
        class_hours=decision.class_hours,
        credits=decision.credits,
        awarding_unit=awarding_unit(),
        activity_date=on,
        year=on.year,
        reason="; ".join(decision.reasons),
    )
