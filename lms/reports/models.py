"""The summary tables the reports read. A month is an integer YYYYMM of the
network's own calendar (Beijing time); every figure is attributed to the
learner's hospital when the raw row was made (its ``hospital_id`` snapshot)."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow


class HospitalMonth(db.Model):
    """A hospital's additive figures of one month."""

    __tablename__ = "rpt_hospital_month"

    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    #: Learners present at a session (its outcomes) and attendances recorded by
    #: a coordinator at a course's session.
    attendances: Mapped[int] = mapped_column(default=0)
    #: Distinct learners active here this month (not additive across cells).
    learners: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    #: Sessions held at this venue, and their scheduled class hours.
    sessions_held: Mapped[int] = mapped_column(default=0)
    session_hours: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=0)
    #: Sessions held elsewhere that this hospital's staff or room took part in.
    rooms_connected: Mapped[int] = mapped_column(default=0)
    #: Media seconds watched (recorded lectures) and seconds present live.
    watched_seconds: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Certificates (re)issued this month that are valid now.
    certificates: Mapped[int] = mapped_column(default=0)


class HospitalMonthCredits(db.Model):
    """Credits awarded to a hospital's learners in a month, by category (net of
    revocations; lecturers' teaching lines are in the teaching record)."""

    __tablename__ = "rpt_hospital_month_credits"

    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    category: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    credits: Mapped[Decimal] = mapped_column(sa.Numeric(14, 2), default=0)


class TopicMonth(db.Model):
    """Person-times and completions by the course's specialty and the learner's
    profession ("" for a session without a course)."""

    __tablename__ = "rpt_topic_month"

    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    specialty: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    profession: Mapped[str] = mapped_column(sa.String(32), primary_key=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    attendances: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)


class CourseMonth(db.Model):
    """A course's enrolments, completions and evaluations of one month."""

    __tablename__ = "rpt_course_month"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id"), primary_key=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    evaluations: Mapped[int] = mapped_column(default=0)
    #: The course's class hours when the month was last recomputed.
    class_hours: Mapped[Decimal] = mapped_column(
        sa.Numeric(8, 2), default=0, server_default="0"
    )
    #: Sums of the evaluations' 1–5 ratings (divide by ``evaluations``).
    course_quality: Mapped[int] = mapped_column(default=0)
    lecturer_quality: Mapped[int] = mapped_column(default=0)
    relevance: Mapped[int] = mapped_column(default=0)


class CourseHospitalMonth(db.Model):
    """A course's enrolments and completions at a hospital in a month: which
    courses a hospital's staff completed (each course's class hours are
    delivered once however many completed it) and where a lecturer's courses
    reached."""

    __tablename__ = "rpt_course_hospital_month"

    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id"), primary_key=True
    )
    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True, index=True
    )
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    enrolments: Mapped[int] = mapped_column(default=0)
    completions: Mapped[int] = mapped_column(default=0)
    #: The course's class hours when the month was last recomputed.
    class_hours: Mapped[Decimal] = mapped_column(sa.Numeric(8, 2), default=0)

    __table_args__ = (
        # A period's completed courses per hospital, read from the index alone.
        sa.Index(
            "ix_rpt_course_hospital_month_cover",
            "month",
            "hospital_id",
            "course_id",
            "completions",
            "class_hours",
        ),
    )


class LearnerMonth(db.Model):
    """A learner was active (enrolled, completed or attended) at a hospital in a
    month: distinct learners over any months are counted from these rows."""

    __tablename__ = "rpt_learner_month"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    month: Mapped[int] = mapped_column(primary_key=True, index=True)
    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True, index=True
    )

    __table_args__ = (
        # Distinct learners of months, read from the index alone.
        sa.Index(
            "ix_rpt_learner_month_month_hospital_user",
            "month",
            "hospital_id",
            "user_id",
        ),
    )


class LearnerHospitalYear(db.Model):
    """A learner was active at a hospital in a calendar year (the year's
    ``LearnerMonth`` rows, folded): a whole year's distinct learners are
    counted from these, a few times fewer rows."""

    __tablename__ = "rpt_learner_hospital_year"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), primary_key=True
    )

    __table_args__ = (
        sa.Index("ix_rpt_learner_hospital_year_year", "year", "hospital_id", "user_id"),
    )


class LearnerYear(db.Model):
    """A learner's year as the transcript counts it (rows only for people with
    ledger lines that year): what compliance is computed from."""

    __tablename__ = "rpt_learner_year"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    year: Mapped[int] = mapped_column(primary_key=True, index=True)
    credits: Mapped[Decimal] = mapped_column(sa.Numeric(9, 2), default=0)
    is_met: Mapped[bool] = mapped_column(default=False)


class StaleMark(db.Model):
    """Raw rows of a month (or a learner's year) changed: the next refresh
    recomputes it. Written in the change's own transaction, never updated; a
    refresh deletes exactly the marks it read."""

    __tablename__ = "rpt_stale"

    id: Mapped[int] = mapped_column(primary_key=True)
    month: Mapped[int | None] = mapped_column()
    #: A learner's year (user 0: every learner; year 0: every year).
    user_id: Mapped[int | None] = mapped_column()
    year: Mapped[int | None] = mapped_column()
    marked_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint(
            "(month IS NOT NULL AND user_id IS NULL AND year IS NULL) OR "
            "(month IS NULL AND user_id IS NOT NULL AND year IS NOT NULL)",
            name="month_or_learner_year",
        ),
    )


class RefreshLog(db.Model):
    """When the summary tables were last brought up to date (one row)."""

    __tablename__ = "rpt_refreshes"

    id: Mapped[int] = mapped_column(primary_key=True)
    refreshed_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    months: Mapped[int] = mapped_column(default=0)
    seconds: Mapped[float] = mapped_column(default=0.0)
