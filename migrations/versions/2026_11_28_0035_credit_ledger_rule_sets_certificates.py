"""Credit ledger, rule set variants, certificates and batches

Revision ID: 9e6e2cd047c2
Revises: 831da57b4bcf
Create Date: 2026-11-28 00:35:44.420243
"""

import sqlalchemy as sa
from alembic import op

revision = "9e6e2cd047c2"
down_revision = "831da57b4bcf"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "credit_rule_sets",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("code", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("based_on", sa.String(length=32), nullable=False),
        sa.Column("name_zh", sa.String(length=200), nullable=False),
        sa.Column("name_en", sa.String(length=200), nullable=False),
        sa.Column("valid_from", sa.Date(), nullable=False),
        sa.Column("valid_until", sa.Date(), nullable=True),
        sa.Column("province_code", sa.String(length=2), nullable=False),
        sa.Column("tier", sa.String(length=32), nullable=False),
        sa.Column("values", sa.JSON(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_credit_rule_sets_created_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_rule_sets")),
        sa.UniqueConstraint(
            "code", "version", name=op.f("uq_credit_rule_sets_code_version")
        ),
    )
    op.create_table(
        "certificate_batches",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="batch_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("total", sa.Integer(), nullable=False),
        sa.Column("done", sa.Integer(), nullable=False),
        sa.Column("archive", sa.String(length=200), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("heartbeat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "done >= 0 AND done <= total",
            name=op.f("ck_certificate_batches_done_range"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificate_batches_course_id_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_certificate_batches_requested_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificate_batches")),
    )
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificate_batches_course_id"), ["course_id"], unique=False
        )

    op.create_table(
        "credit_awards",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "online",
                "attendance",
                "teaching",
                "manual",
                name="credit_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("manual_kind", sa.String(length=32), nullable=False),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("project_number", sa.String(length=64), nullable=False),
        sa.Column("project_level", sa.String(length=32), nullable=False),
        sa.Column("rule_set_code", sa.String(length=32), nullable=False),
        sa.Column("rule_set_version", sa.Integer(), nullable=False),
        sa.Column("scale", sa.String(length=16), nullable=False),
        sa.Column("category", sa.String(length=32), nullable=False),
        sa.Column("class_hours", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("credits", sa.Numeric(precision=7, scale=2), nullable=False),
        sa.Column("awarding_unit", sa.String(length=200), nullable=False),
        sa.Column("activity_date", sa.Date(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=False),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("revokes_id", sa.Integer(), nullable=True),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "(revokes_id IS NULL AND credits > 0) OR (revokes_id IS NOT NULL AND credits <= 0)",
            name=op.f("ck_credit_awards_credits_sign"),
        ),
        sa.CheckConstraint(
            "class_hours >= 0", name=op.f("ck_credit_awards_class_hours_positive")
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_credit_awards_course_id_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_credit_awards_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["revokes_id"],
            ["credit_awards.id"],
            name=op.f("fk_credit_awards_revokes_id_credit_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_credit_awards_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_credit_awards")),
        sa.UniqueConstraint("revokes_id", name=op.f("uq_credit_awards_revokes_id")),
    )
    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_credit_awards_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_awards_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_credit_awards_year"), ["year"], unique=False
        )
        batch_op.create_index(
            "uq_credit_awards_learner",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text(
                "revokes_id IS NULL AND source IN ('online', 'attendance')"
            ),
            postgresql_where=sa.text(
                "revokes_id IS NULL AND source IN ('online', 'attendance')"
            ),
        )
        batch_op.create_index(
            "uq_credit_awards_teaching",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
        )

    op.create_table(
        "certificates",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("serial", sa.String(length=32), nullable=False),
        sa.Column("version", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=False),
        sa.Column("payload", sa.JSON(), nullable=False),
        sa.Column("signature", sa.String(length=128), nullable=False),
        sa.Column("key_id", sa.String(length=32), nullable=False),
        sa.Column("issued_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("issued_by_id", sa.Integer(), nullable=True),
        sa.Column("revoked_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoke_reason", sa.Text(), nullable=False),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.Column("replaced_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["credit_awards.id"],
            name=op.f("fk_certificates_award_id_credit_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_certificates_course_id_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["issued_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_issued_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_certificates_revoked_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_certificates_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_certificates")),
        sa.UniqueConstraint("serial", name=op.f("uq_certificates_serial")),
        sa.UniqueConstraint(
            "user_id",
            "course_id",
            "version",
            name=op.f("uq_certificates_user_id_course_id_version"),
        ),
    )
    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_certificates_course_id"), ["course_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_certificates_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_certificates_current",
            ["user_id", "course_id"],
            unique=True,
            sqlite_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "has_credit_review",
                sa.Boolean(),
                nullable=False,
                server_default=sa.false(),
            )
        )

    # ### end Alembic commands ###


def downgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("has_credit_review")

    with op.batch_alter_table("certificates", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_certificates_current",
            sqlite_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL AND replaced_dt IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_certificates_user_id"))
        batch_op.drop_index(batch_op.f("ix_certificates_course_id"))

    op.drop_table("certificates")
    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_credit_awards_teaching",
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
        )
        batch_op.drop_index(
            "uq_credit_awards_learner",
            sqlite_where=sa.text(
                "revokes_id IS NULL AND source IN ('online', 'attendance')"
            ),
            postgresql_where=sa.text(
                "revokes_id IS NULL AND source IN ('online', 'attendance')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_credit_awards_year"))
        batch_op.drop_index(batch_op.f("ix_credit_awards_user_id"))
        batch_op.drop_index(batch_op.f("ix_credit_awards_course_id"))

    op.drop_table("credit_awards")
    with op.batch_alter_table("certificate_batches", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_certificate_batches_course_id"))

    op.drop_table("certificate_batches")
    op.drop_table("credit_rule_sets")
    # ### end Alembic commands ###
