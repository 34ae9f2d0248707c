"""Hospital change requests: a learner asks, the CME office confirms or rejects

Revision ID: c4d2a7e91f30
Revises: 3c9e7b1f5a28
Create Date: 2026-11-30 09:20:00
"""

import sqlalchemy as sa
from alembic import op

revision = "c4d2a7e91f30"
down_revision = "3c9e7b1f5a28"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "hospital_change_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("from_hospital_id", sa.Integer(), nullable=True),
        sa.Column("to_hospital_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "confirmed",
                "rejected",
                name="hospital_change_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_hospital_change_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["from_hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_hospital_change_requests_from_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["to_hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_hospital_change_requests_to_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"],
            ["users.id"],
            name=op.f("fk_hospital_change_requests_user_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_hospital_change_requests")),
    )
    with op.batch_alter_table("hospital_change_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_hospital_change_requests_state"), ["state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_hospital_change_requests_user_id"), ["user_id"], unique=False
        )


def downgrade():
    with op.batch_alter_table("hospital_change_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_hospital_change_requests_user_id"))
        batch_op.drop_index(batch_op.f("ix_hospital_change_requests_state"))
    op.drop_table("hospital_change_requests")
