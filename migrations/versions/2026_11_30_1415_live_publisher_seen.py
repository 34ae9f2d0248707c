"""When nginx last spoke of a broadcast's live publisher (issue 14)

Revision ID: 3f6a2d9c8b41
Revises: b105152c1e2e
Create Date: 2026-11-30 14:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3f6a2d9c8b41"
down_revision = "b105152c1e2e"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("publisher_seen_dt", sa.DateTime(timezone=True), nullable=True)
        )


def downgrade():
    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.drop_column("publisher_seen_dt")
