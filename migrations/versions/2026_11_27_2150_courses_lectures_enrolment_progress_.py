"""Courses, lectures, enrolment, progress, post-tests, evaluations

Revision ID: a42964adce68
Revises: e7c9c942a775
Create Date: 2026-11-27 21:50:36.818229
"""

import sqlalchemy as sa
from alembic import op

revision = "a42964adce68"
down_revision = "e7c9c942a775"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "courses",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column("specialty", sa.String(length=32), nullable=False),
        sa.Column("target_professions", sa.JSON(), nullable=False),
        sa.Column("project_number", sa.String(length=64), nullable=False),
        sa.Column(
            "project_level",
            sa.Enum(
                "national",
                "provincial",
                "municipal",
                "hospital",
                name="project_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "format",
            sa.Enum(
                "recorded",
                "live",
                "onsite",
                name="course_format",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("rule_set_code", sa.String(length=32), nullable=False),
        sa.Column("credit_category", sa.String(length=32), nullable=False),
        sa.Column(
            "class_hours_override", sa.Numeric(precision=6, scale=1), nullable=True
        ),
        sa.Column("class_hours_override_reason", sa.String(length=500), nullable=False),
        sa.Column("enrol_opens_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("enrol_closes_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("completion_threshold", sa.Double(), nullable=False),
        sa.Column("pass_mark", sa.Double(), nullable=False),
        sa.Column("max_attempts", sa.Integer(), nullable=False),
        sa.Column("questions_per_attempt", sa.Integer(), nullable=True),
        sa.Column(
            "status",
            sa.Enum(
                "draft",
                "submitted",
                "approved",
                "returned",
                "archived",
                name="course_status",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("review_comment", sa.Text(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "completion_threshold > 0 AND completion_threshold <= 1",
            name=op.f("ck_courses_threshold_range"),
        ),
        sa.CheckConstraint(
            "max_attempts >= 1", name=op.f("ck_courses_attempts_positive")
        ),
        sa.CheckConstraint(
            "pass_mark > 0 AND pass_mark <= 1", name=op.f("ck_courses_pass_mark_range")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_courses_approved_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"], ["users.id"], name=op.f("fk_courses_owner_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_courses")),
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_courses_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_courses_specialty"), ["specialty"], unique=False
        )
        batch_op.create_index(batch_op.f("ix_courses_status"), ["status"], unique=False)

    op.create_table(
        "course_lecturers",
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_course_lecturers_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_course_lecturers_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "course_id", "user_id", name=op.f("pk_course_lecturers")
        ),
    )
    op.create_table(
        "enrolments",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("enrolled_by_id", sa.Integer(), nullable=True),
        sa.Column("enrolled_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_enrolments_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["enrolled_by_id"],
            ["users.id"],
            name=op.f("fk_enrolments_enrolled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_enrolments_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_enrolments")),
        sa.UniqueConstraint(
            "course_id", "user_id", name=op.f("uq_enrolments_course_id_user_id")
        ),
    )
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_enrolments_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_enrolments_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "lectures",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("lecturer_id", sa.Integer(), nullable=True),
        sa.Column("duration_seconds", sa.Double(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "duration_seconds IS NULL OR duration_seconds > 0",
            name=op.f("ck_lectures_duration_positive"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_lectures_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["lecturer_id"], ["users.id"], name=op.f("fk_lectures_lecturer_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lectures")),
    )
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lectures_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "single",
                "multiple",
                name="question_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("explanation_zh", sa.Text(), nullable=False),
        sa.Column("explanation_en", sa.Text(), nullable=False),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_questions_course_id_courses"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_questions")),
    )
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_questions_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "evaluations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("course_quality", sa.Integer(), nullable=False),
        sa.Column("lecturer_quality", sa.Integer(), nullable=False),
        sa.Column("relevance", sa.Integer(), nullable=False),
        sa.Column("comments", sa.Text(), nullable=False),
        sa.Column("submitted_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "course_quality BETWEEN 1 AND 5 AND lecturer_quality BETWEEN 1 AND 5 AND relevance BETWEEN 1 AND 5",
            name=op.f("ck_evaluations_ratings_range"),
        ),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_evaluations_enrolment_id_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_evaluations")),
        sa.UniqueConstraint("enrolment_id", name=op.f("uq_evaluations_enrolment_id")),
    )
    op.create_table(
        "lecture_progress",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lecture_id", sa.Integer(), nullable=False),
        sa.Column("coverage", sa.JSON(), nullable=False),
        sa.Column("covered_seconds", sa.Double(), nullable=False),
        sa.Column("last_position", sa.Double(), nullable=False),
        sa.Column("completed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("updated_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["lecture_id"],
            ["lectures.id"],
            name=op.f("fk_lecture_progress_lecture_id_lectures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_lecture_progress_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_lecture_progress")),
        sa.UniqueConstraint(
            "user_id", "lecture_id", name=op.f("uq_lecture_progress_user_id_lecture_id")
        ),
    )
    with op.batch_alter_table("lecture_progress", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_lecture_progress_lecture_id"), ["lecture_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_lecture_progress_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "play_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("lecture_id", sa.Integer(), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_beat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seq", sa.Integer(), nullable=False),
        sa.Column("credited_seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["lecture_id"],
            ["lectures.id"],
            name=op.f("fk_play_sessions_lecture_id_lectures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_play_sessions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_play_sessions")),
        sa.UniqueConstraint("token", name=op.f("uq_play_sessions_token")),
    )
    with op.batch_alter_table("play_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_play_sessions_lecture_id"), ["lecture_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_play_sessions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "question_options",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("question_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("text_zh", sa.Text(), nullable=False),
        sa.Column("text_en", sa.Text(), nullable=False),
        sa.Column("is_correct", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["question_id"],
            ["questions.id"],
            name=op.f("fk_question_options_question_id_questions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_question_options")),
    )
    with op.batch_alter_table("question_options", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_question_options_question_id"), ["question_id"], unique=False
        )

    op.create_table(
        "test_attempts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("enrolment_id", sa.Integer(), nullable=False),
        sa.Column("number", sa.Integer(), nullable=False),
        sa.Column("drawn", sa.JSON(), nullable=False),
        sa.Column("answers", sa.JSON(), nullable=True),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("submitted_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("score", sa.Double(), nullable=True),
        sa.Column("is_passed", sa.Boolean(), nullable=False),
        sa.ForeignKeyConstraint(
            ["enrolment_id"],
            ["enrolments.id"],
            name=op.f("fk_test_attempts_enrolment_id_enrolments"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_test_attempts")),
        sa.UniqueConstraint(
            "enrolment_id", "number", name=op.f("uq_test_attempts_enrolment_id_number")
        ),
    )
    with op.batch_alter_table("test_attempts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_test_attempts_enrolment_id"), ["enrolment_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("test_attempts", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_test_attempts_enrolment_id"))

    op.drop_table("test_attempts")
    with op.batch_alter_table("question_options", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_question_options_question_id"))

    op.drop_table("question_options")
    with op.batch_alter_table("play_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_play_sessions_user_id"))
        batch_op.drop_index(batch_op.f("ix_play_sessions_lecture_id"))

    op.drop_table("play_sessions")
    with op.batch_alter_table("lecture_progress", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lecture_progress_user_id"))
        batch_op.drop_index(batch_op.f("ix_lecture_progress_lecture_id"))

    op.drop_table("lecture_progress")
    op.drop_table("evaluations")
    with op.batch_alter_table("questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_questions_course_id"))

    op.drop_table("questions")
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_lectures_course_id"))

    op.drop_table("lectures")
    with op.batch_alter_table("enrolments", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_enrolments_user_id"))
        batch_op.drop_index(batch_op.f("ix_enrolments_course_id"))

    op.drop_table("enrolments")
    op.drop_table("course_lecturers")
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_courses_status"))
        batch_op.drop_index(batch_op.f("ix_courses_specialty"))
        batch_op.drop_index(batch_op.f("ix_courses_owner_id"))

    op.drop_table("courses")
