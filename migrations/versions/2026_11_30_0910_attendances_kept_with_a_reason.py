"""Attendances: every recorded presence kept, with why it earned no credit

Nothing already awarded is recomputed or back-filled (issue 10).

Revision ID: 8b4e6a1d2c75
Revises: 5a8d2f6c1e93
Create Date: 2026-11-30 09:10:00
"""

import sqlalchemy as sa
from alembic import op

revision = "8b4e6a1d2c75"
down_revision = "5a8d2f6c1e93"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "attendances",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("session_date", sa.Date(), nullable=False),
        sa.Column("minutes", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("recorded_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("recorded_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint("minutes > 0", name=op.f("ck_attendances_minutes_positive")),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["credit_awards.id"],
            name=op.f("fk_attendances_award_id_credit_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"], ["courses.id"], name=op.f("fk_attendances_course_id_courses")
        ),
        sa.ForeignKeyConstraint(
            ["recorded_by_id"],
            ["users.id"],
            name=op.f("fk_attendances_recorded_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_attendances_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_attendances")),
        sa.UniqueConstraint(
            "user_id",
            "course_id",
            "session_date",
            name=op.f("uq_attendances_user_id_course_id_session_date"),
        ),
    )
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_attendances_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_attendances_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("attendances", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_attendances_user_id"))
        batch_op.drop_index(batch_op.f("ix_attendances_course_id"))
    op.drop_table("attendances")
