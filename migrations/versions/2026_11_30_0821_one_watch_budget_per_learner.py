"""One watch budget per learner: the play session that counts and its spent time

Revision ID: 4d7a1c9e2b60
Revises: b3e1f0c2d4a5
Create Date: 2026-11-30 08:21:00
"""

import sqlalchemy as sa
from alembic import op

revision = "4d7a1c9e2b60"
down_revision = "b3e1f0c2d4a5"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "watch_budgets",
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("play_session_id", sa.Integer(), nullable=True),
        sa.Column("credited_until_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["play_session_id"],
            ["play_sessions.id"],
            name=op.f("fk_watch_budgets_play_session_id_play_sessions"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_watch_budgets_user_id_users")
        ),
        sa.PrimaryKeyConstraint("user_id", name=op.f("pk_watch_budgets")),
    )


def downgrade():
    op.drop_table("watch_budgets")
