"""Transcode chunks: a long recording's job in pieces run by any media worker (issue 16)

Revision ID: 3f8b2c6d1e47
Revises: 6c0a4e1d9b27
Create Date: 2026-11-30 19:56:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3f8b2c6d1e47"
down_revision = "6c0a4e1d9b27"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "transcode_chunks",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("job_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("is_audio", sa.Boolean(), nullable=False),
        sa.Column("start_seconds", sa.Double(), nullable=False),
        sa.Column("end_seconds", sa.Double(), nullable=True),
        sa.Column("first_segment", sa.Integer(), nullable=False),
        sa.Column("policy", sa.String(length=32), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "running",
                "succeeded",
                "failed",
                "cancelled",
                name="chunk_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("heartbeat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("worker", sa.String(length=100), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("finished_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["job_id"],
            ["transcode_jobs.id"],
            name=op.f("fk_transcode_chunks_job_id_transcode_jobs"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_transcode_chunks")),
        sa.UniqueConstraint(
            "job_id", "position", name=op.f("uq_transcode_chunks_job_id_position")
        ),
    )
    with op.batch_alter_table("transcode_chunks", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_transcode_chunks_job_id"), ["job_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("transcode_chunks", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_transcode_chunks_job_id"))
    op.drop_table("transcode_chunks")
