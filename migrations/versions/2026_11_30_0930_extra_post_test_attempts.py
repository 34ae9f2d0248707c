"""Enrolments: post-test attempts the office granted beyond the course's own

Revision ID: 9d3f1a6b2e84
Revises: c4d2a7e91f30
Create Date: 2026-11-30 09:30:00
"""

import sqlalchemy as sa
from alembic import op

revision = "9d3f1a6b2e84"
down_revision = "c4d2a7e91f30"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.add_column(
            sa.Column(
                "extra_attempts", sa.Integer(), server_default="0", nullable=False
            )
        )
        batch_op.create_check_constraint(
            op.f("ck_enrolments_extra_attempts_not_negative"), "extra_attempts >= 0"
        )


def downgrade():
    with op.batch_alter_table("enrolments") as batch_op:
        batch_op.drop_constraint(
            op.f("ck_enrolments_extra_attempts_not_negative"), type_="check"
        )
        batch_op.drop_column("extra_attempts")
