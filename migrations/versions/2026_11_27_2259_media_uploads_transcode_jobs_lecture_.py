"""Media uploads, transcode jobs, lecture media status

Revision ID: 5a24d5cb4f71
Revises: a42964adce68
Create Date: 2026-11-27 22:59:13.657932
"""

import sqlalchemy as sa
from alembic import op

revision = "5a24d5cb4f71"
down_revision = "a42964adce68"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "media_uploads",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("lecture_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("filename", sa.String(length=200), nullable=False),
        sa.Column("size", sa.BigInteger(), nullable=False),
        sa.Column("received", sa.BigInteger(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("completed_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "received >= 0 AND received <= size",
            name=op.f("ck_media_uploads_received_range"),
        ),
        sa.CheckConstraint("size > 0", name=op.f("ck_media_uploads_size_positive")),
        sa.ForeignKeyConstraint(
            ["lecture_id"],
            ["lectures.id"],
            name=op.f("fk_media_uploads_lecture_id_lectures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_media_uploads_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_media_uploads")),
        sa.UniqueConstraint("token", name=op.f("uq_media_uploads_token")),
    )
    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_media_uploads_lecture_id"), ["lecture_id"], unique=False
        )

    op.create_table(
        "transcode_jobs",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("lecture_id", sa.Integer(), nullable=False),
        sa.Column("upload_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="job_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("progress", sa.Double(), nullable=False),
        sa.Column("heartbeat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "progress >= 0 AND progress <= 1",
            name=op.f("ck_transcode_jobs_progress_range"),
        ),
        sa.ForeignKeyConstraint(
            ["lecture_id"],
            ["lectures.id"],
            name=op.f("fk_transcode_jobs_lecture_id_lectures"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["upload_id"],
            ["media_uploads.id"],
            name=op.f("fk_transcode_jobs_upload_id_media_uploads"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcode_jobs")),
    )
    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcode_jobs_lecture_id"), ["lecture_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_transcode_jobs_state"), ["state"], unique=False
        )

    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "media_status",
                sa.Enum(
                    "none",
                    "processing",
                    "ready",
                    "failed",
                    name="media_status",
                    native_enum=False,
                    create_constraint=True,
                    length=32,
                ),
                nullable=False,
                server_default="none",
            )
        )


def downgrade():
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("ck_lectures_media_status"), type_="check")
        batch_op.drop_column("media_status")

    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcode_jobs_state"))
        batch_op.drop_index(batch_op.f("ix_transcode_jobs_lecture_id"))

    op.drop_table("transcode_jobs")
    with op.batch_alter_table("media_uploads", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_media_uploads_lecture_id"))

    op.drop_table("media_uploads")
