"""A live viewer's spans present, and when a question was first shown (issue 14)

Revision ID: 7d3e9a41c5b2
Revises: 3f6a2d9c8b41
Create Date: 2026-11-30 14:45:00
"""

import sqlalchemy as sa
from alembic import op

revision = "7d3e9a41c5b2"
down_revision = "3f6a2d9c8b41"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_spans", sa.JSON(), nullable=True))
    with op.batch_alter_table("live_questions", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("shown_dt", sa.DateTime(timezone=True), nullable=True)
        )
    # Questions viewers see already were shown when last moderated (a hidden one
    # of before is taken as never shown: its id reaches nobody).
    op.execute(
        "UPDATE live_questions SET shown_dt = moderated_dt "
        "WHERE state IN ('shown', 'answered')"
    )


def downgrade():
    with op.batch_alter_table("live_questions", schema=None) as batch_op:
        batch_op.drop_column("shown_dt")
    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.drop_column("live_spans")
