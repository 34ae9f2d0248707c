from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.posttest import QuestionKind
from courses.workflow import CourseStatus
from lms.db import UTCDateTime, db, enum_column, utcnow
from lms.enums import CourseFormat, MediaStatus, ProjectLevel

course_lecturers = sa.Table(
    "course_lecturers",
    db.metadata,
    sa.Column(
        "course_id", sa.ForeignKey("courses.id", ondelete="CASCADE"), primary_key=True
    ),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)


class Course(db.Model):
    __tablename__ = "courses"

    id: Mapped[int] = mapped_column(primary_key=True)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_zh: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    #: A code of ``courses.disciplines.DISCIPLINES``.
    specialty: Mapped[str] = mapped_column(sa.String(32), index=True)
    #: Profession values (``lms.accounts.roles.Profession``) the course is for.
    target_professions: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: The accreditor's project number (项目编号), set at approval.
    project_number: Mapped[str] = mapped_column(sa.String(64), default="")
    project_level: Mapped[ProjectLevel] = mapped_column(
        enum_column(ProjectLevel, "project_level"), default=ProjectLevel.HOSPITAL
    )
    format: Mapped[CourseFormat] = mapped_column(
        enum_column(CourseFormat, "course_format"), default=CourseFormat.RECORDED
    )
    #: A code of ``certificates.rule_sets.RULE_SETS``.
    rule_set_code: Mapped[str] = mapped_column(sa.String(32))
    credit_category: Mapped[str] = mapped_column(sa.String(32), default="")
    #: Set by an administrator to replace the hours computed from the lectures.
    class_hours_override: Mapped[float | None] = mapped_column(sa.Numeric(6, 1))
    class_hours_override_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    #: Completions wait in the CME office's queue before credits are awarded.
    has_credit_review: Mapped[bool] = mapped_column(default=False)
    enrol_opens_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    enrol_closes_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Share (0..1) of each lecture a learner must watch.
    completion_threshold: Mapped[float] = mapped_column(default=0.95)
    pass_mark: Mapped[float] = mapped_column(default=0.6)
    max_attempts: Mapped[int] = mapped_column(default=3)
    #: Questions drawn per attempt; None draws the whole bank.
    questions_per_attempt: Mapped[int | None] = mapped_column()
    status: Mapped[CourseStatus] = mapped_column(
        enum_column(CourseStatus, "course_status"),
        default=CourseStatus.DRAFT,
        index=True,
    )
    review_comment: Mapped[str] = mapped_column(sa.Text, default="")
    #: The ladder policy for its recordings (``media_pipeline.ladder.POLICIES``),
    #: or "auto": each recording's own, from an analysis of its picture.
    media_policy: Mapped[str] = mapped_column(sa.String(32), default="auto")
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    owner = relationship("User", foreign_keys=[owner_id])
    lecturers = relationship("User", secondary=course_lecturers, order_by="User.id")
    lectures = relationship(
        "Lecture",
        back_populates="course",
        order_by="Lecture.position",
        cascade="all, delete-orphan",
    )
    questions = relationship(
        "Question",
        back_populates="course",
        order_by="Question.position",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.CheckConstraint(
            "completion_threshold > 0 AND completion_threshold <= 1",
            name="threshold_range",
        ),
        sa.CheckConstraint("pass_mark > 0 AND pass_mark <= 1", name="pass_mark_range"),
        sa.CheckConstraint("max_attempts >= 1", name="attempts_positive"),
    )

    def title(self, language):
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def description(self, language):
        if language == "en" and self.description_en:
            return self.description_en
        return self.description_zh

    def __repr__(self):
        return f"<Course {self.id} {self.title_zh!r} {self.status.value}>"


class Lecture(db.Model):
    __tablename__ = "lectures"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    lecturer_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: Length of the media in seconds; set by the media pipeline (or directly).
    duration_seconds: Mapped[float | None] = mapped_column()
    media_status: Mapped[MediaStatus] = mapped_column(
        enum_column(MediaStatus, "media_status"), default=MediaStatus.NONE
    )
    #: Overrides the course's ladder policy for this lecture (e.g. a surgery video).
    media_policy: Mapped[str | None] = mapped_column(sa.String(32))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    course = relationship("Course", back_populates="lectures")
    lecturer = relationship("User")

    __table_args__ = (
        sa.CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds > 0", name="duration_positive"
        ),
    )

    @property
    def is_playable(self):
        """Only a lecture whose transcoded media is ready counts as playable."""
        return self.media_status == MediaStatus.READY and bool(self.duration_seconds)

    def title(self, language):
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def __repr__(self):
        return f"<Lecture {self.id} course={self.course_id} {self.title_zh!r}>"


class Enrolment(db.Model):
    __tablename__ = "enrolments"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(sa.ForeignKey("courses.id"), index=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    enrolled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    enrolled_dt: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    #: Set when the last gate (the evaluation) is passed.
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    #: Post-test attempts the office granted beyond the course's own (each logged).
    extra_attempts: Mapped[int] = mapped_column(default=0, server_default="0")

    course = relationship("Course")
    user = relationship("User", foreign_keys=[user_id])

    __table_args__ = (
        sa.UniqueConstraint("course_id", "user_id"),
        sa.CheckConstraint("extra_attempts >= 0", name="extra_attempts_not_negative"),
    )

    @property
    def max_attempts(self):
        """The course's attempts and those the office granted this learner."""
        return self.course.max_attempts + self.extra_attempts

    def __repr__(self):
        return f"<Enrolment {self.id} course={self.course_id} user={self.user_id}>"


class LectureProgress(db.Model):
    """One learner's coverage of one lecture (a union of intervals, in seconds)."""

    __tablename__ = "lecture_progress"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    lecture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lectures.id", ondelete="CASCADE"), index=True
    )
    #: ``[[from, to], ...]``, sorted and disjoint.
    coverage: Mapped[list] = mapped_column(sa.JSON, default=list)
    covered_seconds: Mapped[float] = mapped_column(default=0.0)
    last_position: Mapped[float] = mapped_column(default=0.0)
    completed_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    lecture = relationship("Lecture")

    __table_args__ = (sa.UniqueConstraint("user_id", "lecture_id"),)

    def __repr__(self):
        return (
            f"<LectureProgress user={self.user_id} lecture={self.lecture_id} "
            f"{self.covered_seconds:.0f}s>"
        )


class PlaySession(db.Model):
    """One viewing of a lecture; its heartbeats are checked against wall time."""

    __tablename__ = "play_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: The unguessable id the player sends with every beat.
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    lecture_id: Mapped[int] = mapped_column(
        sa.ForeignKey("lectures.id", ondelete="CASCADE"), index=True
    )
    started_dt: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )
    last_beat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seq: Mapped[int] = mapped_column(default=0)
    #: Media seconds accepted over all beats (the plausibility budget spent).
    credited_seconds: Mapped[float] = mapped_column(default=0.0)

    def __repr__(self):
        return f"<PlaySession {self.id} user={self.user_id} lecture={self.lecture_id}>"


class WatchBudget(db.Model):
    """A learner's one credit-earning stream: which play session counts now, and
    how much media time it has spent (``courses.progress.WatchBudgetState``).

    One row per learner, locked by every beat and every new play session, so
    beats of many tabs, devices and lectures share one budget.
    """

    __tablename__ = "watch_budgets"

    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), primary_key=True)
    #: The newest play session: the only one whose beats earn credit.
    play_session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("play_sessions.id", ondelete="SET NULL")
    )
    #: Wall-clock instant up to which media credit has been spent.
    credited_until_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Or the newest live viewing of a broadcast (issue 14): then it alone earns
    #: presence, and no play session counts (at most one of both is set).
    live_viewing_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("live_viewings.id", ondelete="SET NULL")
    )

    def __repr__(self):
        return f"<WatchBudget user={self.user_id} session={self.play_session_id}>"


class Question(db.Model):
    __tablename__ = "questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(
        sa.ForeignKey("courses.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    kind: Mapped[QuestionKind] = mapped_column(
        enum_column(QuestionKind, "question_kind"), default=QuestionKind.SINGLE
    )
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    explanation_zh: Mapped[str] = mapped_column(sa.Text, default="")
    explanation_en: Mapped[str] = mapped_column(sa.Text, default="")

    course = relationship("Course", back_populates="questions")
    options = relationship(
        "Option",
        back_populates="question",
        order_by="Option.position",
        cascade="all, delete-orphan",
    )

    def text(self, language):
        return self.text_en if language == "en" and self.text_en else self.text_zh

    def explanation(self, language):
        if language == "en" and self.explanation_en:
            return self.explanation_en
        return self.explanation_zh

    def __repr__(self):
        return f"<Question {self.id} course={self.course_id} {self.kind.value}>"


class Option(db.Model):
    __tablename__ = "question_options"

    id: Mapped[int] = mapped_column(primary_key=True)
    question_id: Mapped[int] = mapped_column(
        sa.ForeignKey("questions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(default=0)
    text_zh: Mapped[str] = mapped_column(sa.Text)
    text_en: Mapped[str] = mapped_column(sa.Text, default="")
    is_correct: Mapped[bool] = mapped_column(default=False)

    question = relationship("Question", back_populates="options")

    def text(self, language):
        return self.text_en if language == "en" and self.text_en else self.text_zh

    def __repr__(self):
        return f"<Option {self.id} question={self.question_id}>"


class TestAttempt(db.Model):
    __tablename__ = "test_attempts"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id"), index=True
    )
    number: Mapped[int] = mapped_column()
    #: ``[{"question_id": 1, "option_ids": [4, 2, 3]}, ...]`` in the order shown.
    drawn: Mapped[list] = mapped_column(sa.JSON)
    #: ``{"<question id>": [option ids]}`` as submitted.
    answers: Mapped[dict | None] = mapped_column(sa.JSON)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    submitted_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    score: Mapped[float | None] = mapped_column()
    is_passed: Mapped[bool] = mapped_column(default=False)

    enrolment = relationship("Enrolment")

    __test__ = False  # not a pytest class, despite the name
    __table_args__ = (sa.UniqueConstraint("enrolment_id", "number"),)

    def __repr__(self):
        return f"<TestAttempt {self.id} enrolment={self.enrolment_id} #{self.number}>"


class Evaluation(db.Model):
    __tablename__ = "evaluations"

    id: Mapped[int] = mapped_column(primary_key=True)
    enrolment_id: Mapped[int] = mapped_column(
        sa.ForeignKey("enrolments.id"), unique=True
    )
    course_quality: Mapped[int] = mapped_column()
    lecturer_quality: Mapped[int] = mapped_column()
    relevance: Mapped[int] = mapped_column()
    comments: Mapped[str] = mapped_column(sa.Text, default="")
    submitted_dt: Mapped[datetime] = mapped_column(
        UTCDateTime, default=utcnow, index=True
    )

    __table_args__ = (
        sa.CheckConstraint(
            "course_quality BETWEEN 1 AND 5 AND lecturer_quality BETWEEN 1 AND 5 "
            "AND relevance BETWEEN 1 AND 5",
            name="ratings_range",
        ),
    )

    def __repr__(self):
        return f"<Evaluation {self.id} enrolment={self.enrolment_id}>"
