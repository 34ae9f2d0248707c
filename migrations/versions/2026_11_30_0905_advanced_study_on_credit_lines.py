"""进修 (advanced study) on manual credit lines: months and the assessment

Adds two nullable columns and a range check; no line is recomputed (lines
already awarded stay as issued, issue 10).

Revision ID: 5a8d2f6c1e93
Revises: 7c1e5d3a9f42
Create Date: 2026-11-30 09:05:00
"""

import sqlalchemy as sa
from alembic import op

revision = "5a8d2f6c1e93"
down_revision = "7c1e5d3a9f42"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("study_months", sa.Integer(), nullable=True))
        batch_op.add_column(
            sa.Column("has_passed_assessment", sa.Boolean(), nullable=True)
        )
        batch_op.create_check_constraint(
            batch_op.f("ck_credit_awards_study_months_range"),
            "study_months IS NULL OR study_months BETWEEN 1 AND 60",
        )


def downgrade():
    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("ck_credit_awards_study_months_range"), type_="check"
        )
        batch_op.drop_column("has_passed_assessment")
        batch_op.drop_column("study_months")
