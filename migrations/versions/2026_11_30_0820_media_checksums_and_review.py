"""Upload checksums and the office's review of new media for published lectures

Revision ID: b3e1f0c2d4a5
Revises: 9e6e2cd047c2
Create Date: 2026-11-30 08:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "b3e1f0c2d4a5"
down_revision = "9e6e2cd047c2"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("expected_sha256", sa.String(length=64), nullable=True)
        )
        batch_op.add_column(sa.Column("sha256", sa.String(length=64), nullable=True))

    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("duration_seconds", sa.Double(), nullable=True))
        batch_op.add_column(
            sa.Column(
                "review_state",
                sa.Enum(
                    "pending",
                    "approved",
                    "rejected",
                    "superseded",
                    name="media_review_state",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=True,
            )
        )
        batch_op.add_column(sa.Column("reviewed_by_id", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("reviewed_dt", sa.DateTime(timezone=True), nullable=True)
        )
        batch_op.add_column(
            sa.Column("review_comment", sa.Text(), nullable=False, server_default="")
        )
        batch_op.create_index(
            batch_op.f("ix_transcode_jobs_review_state"), ["review_state"], unique=False
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_transcode_jobs_reviewed_by_id_users"),
            "users",
            ["reviewed_by_id"],
            ["id"],
        )


def downgrade():
    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_transcode_jobs_reviewed_by_id_users"), type_="foreignkey"
        )
        batch_op.drop_index(batch_op.f("ix_transcode_jobs_review_state"))
        batch_op.drop_constraint(
            batch_op.f("ck_transcode_jobs_media_review_state"), type_="check"
        )
        batch_op.drop_column("review_comment")
        batch_op.drop_column("reviewed_dt")
        batch_op.drop_column("reviewed_by_id")
        batch_op.drop_column("review_state")
        batch_op.drop_column("duration_seconds")

    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.drop_column("sha256")
        batch_op.drop_column("expected_sha256")
