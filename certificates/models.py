from datetime import date, datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from certificates.rules import Source
from lms.db import UTCDateTime, db, enum_column, utcnow
from lms.enums import JobState


class RuleSetVariant(db.Model):
    """A rule set an administrator added: a built-in one with a few values changed.

    Never edited once saved; a change is a new version with a later start.
    """

    __tablename__ = "credit_rule_sets"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int] = mapped_column()
    #: The built-in rule set it changes (``certificates.rule_sets.BUILT_IN``).
    based_on: Mapped[str] = mapped_column(sa.String(32))
    name_zh: Mapped[str] = mapped_column(sa.String(200))
    name_en: Mapped[str] = mapped_column(sa.String(200))
    valid_from: Mapped[date] = mapped_column(sa.Date)
    valid_until: Mapped[date | None] = mapped_column(sa.Date)
    province_code: Mapped[str] = mapped_column(sa.String(2), default="")
    tier: Mapped[str] = mapped_column(sa.String(32), default="")
    #: The changed values (``certificates.rules.VARIANT_FIELDS``), as text.
    values: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    __table_args__ = (sa.UniqueConstraint("code", "version"),)

    def __repr__(self):
        return f"<RuleSetVariant {self.code} v{self.version}>"


LEARNER_LINE = "revokes_id IS NULL AND source IN ('online', 'attendance')"
TEACHING_LINE = "revokes_id IS NULL AND source = 'teaching'"
SESSION_LEARNER_LINE = "revokes_id IS NULL AND source = 'attendance'"


class CreditAward(db.Model):
    """One line of the credit ledger. Append-only: a revocation is a new line."""

    __tablename__ = "credit_awards"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    course_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("courses.id"), index=True
    )
    source: Mapped[Source] = mapped_column(enum_column(Source, "credit_source"))
    #: Manual lines: ``certificates.rules.ManualKind``.
    manual_kind: Mapped[str] = mapped_column(sa.String(32), default="")
    #: The activity as it was called when awarded (a course may be renamed later).
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    #: The scheduled session (``courses.sessions``) a line was earned at.
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    project_number: Mapped[str] = mapped_column(sa.String(64), default="")
    project_level: Mapped[str] = mapped_column(sa.String(32), default="")
    rule_set_code: Mapped[str] = mapped_column(sa.String(32))
    rule_set_version: Mapped[int] = mapped_column()
    #: The credit system of the rule set ("CN", "AMA", "ANCC").
    scale: Mapped[str] = mapped_column(sa.String(16))
    category: Mapped[str] = mapped_column(sa.String(32))
    class_hours: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    #: Negative on a revocation line, which cancels the line it names.
    credits: Mapped[Decimal] = mapped_column(sa.Numeric(7, 2))
    awarding_unit: Mapped[str] = mapped_column(sa.String(200), default="")
    activity_date: Mapped[date] = mapped_column(sa.Date, index=True)
    year: Mapped[int] = mapped_column(index=True)
    #: Why a manual line or a revocation was entered; the rules' notes otherwise.
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    #: 进修 (advanced study) lines: months studied, and whether the assessment at
    #: the end was passed; the rule set decides whether they meet the year.
    study_months: Mapped[int | None] = mapped_column()
    has_passed_assessment: Mapped[bool | None] = mapped_column()
    #: The line this one revokes.
    revokes_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("credit_awards.id"), unique=True
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    revokes = relationship("CreditAward", remote_side=[id])

    __table_args__ = (
        sa.CheckConstraint(
            "(revokes_id IS NULL AND credits > 0) OR "
            "(revokes_id IS NOT NULL AND credits <= 0)",
            name="credits_sign",
        ),
        sa.CheckConstraint("class_hours >= 0", name="class_hours_positive"),
        sa.CheckConstraint(
            "study_months IS NULL OR study_months BETWEEN 1 AND 60",
            name="study_months_range",
        ),
        # One line per learner and course, however earned (one project), and one
        # teaching line per lecturer and course.
        sa.Index(
            "uq_credit_awards_learner",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=sa.text(LEARNER_LINE),
            postgresql_where=sa.text(LEARNER_LINE),
        ),
        sa.Index(
            "uq_credit_awards_teaching",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=sa.text(TEACHING_LINE),
            postgresql_where=sa.text(TEACHING_LINE),
        ),
        # One line per person, session and role.
        sa.Index(
            "uq_credit_awards_session_learner",
            "user_id",
            "session_id",
            unique=True,
            sqlite_where=sa.text(SESSION_LEARNER_LINE),
            postgresql_where=sa.text(SESSION_LEARNER_LINE),
        ),
        sa.Index(
            "uq_credit_awards_session_teaching",
            "user_id",
            "session_id",
            unique=True,
            sqlite_where=sa.text(TEACHING_LINE),
            postgresql_where=sa.text(TEACHING_LINE),
        ),
    )

    def title(self, language):
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def __repr__(self):
        return f"<CreditAward {self.id} user={self.user_id} {self.credits}>"


@sa.event.listens_for(CreditAward, "before_update")
@sa.event.listens_for(CreditAward, "before_delete")
def _ledger_lines_are_never_edited(mapper, connection, target):
    raise ValueError(
        "Credit ledger lines are never edited or deleted; add a revocation line."
    )


class Attendance(db.Model):
    """A learner's presence at a session of a course, as a coordinator recorded
    it: kept whether or not it earned credit (``reason`` says why not)."""

    __tablename__ = "attendances"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    session_date: Mapped[date] = mapped_column(sa.Date, index=True)
    minutes: Mapped[int] = mapped_column()
    #: The credit line this presence earned (or the course's line it joins).
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_awards.id"))
    #: Why it earned no credit ("" when it did).
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    recorded_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    award = relationship("CreditAward")
    user = relationship("User", foreign_keys=[user_id])
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "session_date"),
        sa.CheckConstraint("minutes > 0", name="minutes_positive"),
    )

    def __repr__(self):
        return (
            f"<Attendance {self.id} user={self.user_id} course={self.course_id} "
            f"{self.session_date} {self.minutes} min>"
        )


class Certificate(db.Model):
    """A signed certificate of one course for one learner, one version of it."""

    __tablename__ = "certificates"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Unguessable; printed on the PDF and in its QR code.
    serial: Mapped[str] = mapped_column(sa.String(32), unique=True)
    version: Mapped[int] = mapped_column(default=1)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    award_id: Mapped[int] = mapped_column(sa.ForeignKey("credit_awards.id"))
    #: The signed facts (``certificates.facts.facts_to_payload``).
    payload: Mapped[dict] = mapped_column(sa.JSON)
    signature: Mapped[str] = mapped_column(sa.String(128))
    key_id: Mapped[str] = mapped_column(sa.String(32))
    issued_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    issued_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoke_reason: Mapped[str] = mapped_column(sa.Text, default="")
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Set when a newer version replaced this one (re-issue).
    replaced_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
    course = relationship("Course")
    award = relationship("CreditAward")

    __table_args__ = (
        sa.UniqueConstraint("user_id", "course_id", "version"),
        # At most one current certificate per learner and course.
        sa.Index(
            "uq_certificates_current",
            "user_id",
            "course_id",
            unique=True,
            sqlite_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
        ),
    )

    @property
    def is_current(self):
        return self.revoked_dt is None and self.replaced_dt is None

    @property
    def status(self):
        """ "valid", "revoked" or "replaced" (by a newer version)."""
        if self.revoked_dt is not None:
            return "revoked"
        return "replaced" if self.replaced_dt is not None else "valid"

    def __repr__(self):
        return f"<Certificate {self.serial} v{self.version} user={self.user_id}>"


class CertificateBatch(db.Model):
    """Issuing every eligible learner of a course, in the background, into one ZIP."""

    __tablename__ = "certificate_batches"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[JobState] = mapped_column(
        enum_column(JobState, "batch_state"), default=JobState.PENDING
    )
    total: Mapped[int] = mapped_column(default=0)
    done: Mapped[int] = mapped_column(default=0)
    #: The ZIP's name in the media storage, once written.
    archive: Mapped[str] = mapped_column(sa.String(200), default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: Set by the running worker after each chunk; a stale one means it died.
    heartbeat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    finished_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    course = relationship("Course")

    __table_args__ = (
        sa.CheckConstraint("done >= 0 AND done <= total", name="done_range"),
    )

    def __repr__(self):
        return f"<CertificateBatch {self.id} course={self.course_id} {self.state}>"
