"""Sign-in and registration attempts counted in the database (throttle_hits)

Revision ID: 6f3b2a9d8c14
Revises: 4d7a1c9e2b60
Create Date: 2026-11-30 08:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6f3b2a9d8c14"
down_revision = "4d7a1c9e2b60"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "throttle_hits",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("scope", sa.String(length=32), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_throttle_hits")),
    )
    with op.batch_alter_table("throttle_hits", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_throttle_hits_created_dt"), ["created_dt"], unique=False
        )
        batch_op.create_index(
            "ix_throttle_hits_scope_key",
            ["scope", "key_hash", "created_dt"],
            unique=False,
        )


def downgrade():
    with op.batch_alter_table("throttle_hits", schema=None) as batch_op:
        batch_op.drop_index("ix_throttle_hits_scope_key")
        batch_op.drop_index(batch_op.f("ix_throttle_hits_created_dt"))
    op.drop_table("throttle_hits")
