"""Worker lanes' heartbeats (worker_heartbeats) and a code for why a job failed

Revision ID: 7c1e5d3a9f42
Revises: 6f3b2a9d8c14
Create Date: 2026-11-30 08:55:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7c1e5d3a9f42"
down_revision = "6f3b2a9d8c14"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "worker_heartbeats",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hostname", sa.String(length=255), nullable=False),
        sa.Column("lane", sa.String(length=32), nullable=False),
        sa.Column("pid", sa.Integer(), nullable=False),
        sa.Column("restarts", sa.Integer(), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("seen_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_worker_heartbeats")),
        sa.UniqueConstraint(
            "hostname", "lane", name=op.f("uq_worker_heartbeats_hostname_lane")
        ),
    )
    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "error_code", sa.String(length=32), nullable=False, server_default=""
            )
        )


def downgrade():
    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.drop_column("error_code")
    op.drop_table("worker_heartbeats")
