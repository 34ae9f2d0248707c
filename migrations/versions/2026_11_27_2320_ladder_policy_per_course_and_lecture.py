"""Ladder policy per course and lecture

Revision ID: 831da57b4bcf
Revises: 5a24d5cb4f71
Create Date: 2026-11-27 23:20:47.989364
"""

import sqlalchemy as sa
from alembic import op

revision = "831da57b4bcf"
down_revision = "5a24d5cb4f71"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "media_policy",
                sa.String(length=32),
                nullable=False,
                server_default="lecture",
            )
        )

    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("media_policy", sa.String(length=32), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("lectures", schema=None) as batch_op:
        batch_op.drop_column("media_policy")

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.drop_column("media_policy")
