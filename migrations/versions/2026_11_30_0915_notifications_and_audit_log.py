"""Notifications and the audit log

Two new tables; nothing back-filled (issue 11).

Revision ID: 3c9e7b1f5a28
Revises: 8b4e6a1d2c75
Create Date: 2026-11-30 09:15:00
"""

import sqlalchemy as sa
from alembic import op

revision = "3c9e7b1f5a28"
down_revision = "8b4e6a1d2c75"
branch_labels = None
depends_on = None

NOTIFICATION_KINDS = (
    "course_approved",
    "course_returned",
    "certificate_issued",
    "certificate_revoked",
    "attempt_granted",
    "reminder",
    "media_approved",
    "media_rejected",
    "hospital_changed",
)
AUDIT_ACTIONS = (
    "course_approved",
    "course_returned",
    "class_hours_overridden",
    "certificate_issued",
    "certificate_reissued",
    "certificate_revoked",
    "credit_line_added",
    "credit_line_revoked",
    "rule_set_changed",
    "attempt_granted",
    "attendance_corrected",
    "password_reset",
    "role_changed",
    "user_changed",
    "hospital_change_confirmed",
    "media_approved",
    "media_rejected",
    "users_imported",
)


def _enum(values, name):
    return sa.Enum(
        *values, name=name, native_enum=False, create_constraint=True, length=32
    )


def upgrade():
    op.create_table(
        "notifications",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind", _enum(NOTIFICATION_KINDS, "notification_kind"), nullable=False
        ),
        sa.Column("params", sa.JSON(), nullable=False),
        sa.Column("link", sa.String(length=300), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("read_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_notifications_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_notifications")),
    )
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.create_index(
            "ix_notifications_user_id_read_dt", ["user_id", "read_dt"], unique=False
        )
        batch_op.create_index(
            "ix_notifications_user_id_created_dt",
            ["user_id", "created_dt"],
            unique=False,
        )
    op.create_table(
        "audit_entries",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("actor_id", sa.Integer(), nullable=True),
        sa.Column("action", _enum(AUDIT_ACTIONS, "audit_action"), nullable=False),
        sa.Column("target_type", sa.String(length=40), nullable=False),
        sa.Column("target_id", sa.Integer(), nullable=True),
        sa.Column("target_label", sa.String(length=300), nullable=False),
        sa.Column("before", sa.JSON(), nullable=True),
        sa.Column("after", sa.JSON(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["actor_id"], ["users.id"], name=op.f("fk_audit_entries_actor_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_audit_entries")),
    )
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.create_index("ix_audit_entries_created_dt", ["created_dt"])
        batch_op.create_index(
            "ix_audit_entries_action_created_dt", ["action", "created_dt"]
        )
        batch_op.create_index(
            "ix_audit_entries_actor_id_created_dt", ["actor_id", "created_dt"]
        )
        batch_op.create_index(
            "ix_audit_entries_target_type_target_id", ["target_type", "target_id"]
        )


def downgrade():
    with op.batch_alter_table("audit_entries", schema=None) as batch_op:
        batch_op.drop_index("ix_audit_entries_target_type_target_id")
        batch_op.drop_index("ix_audit_entries_actor_id_created_dt")
        batch_op.drop_index("ix_audit_entries_action_created_dt")
        batch_op.drop_index("ix_audit_entries_created_dt")
    op.drop_table("audit_entries")
    with op.batch_alter_table("notifications", schema=None) as batch_op:
        batch_op.drop_index("ix_notifications_user_id_created_dt")
        batch_op.drop_index("ix_notifications_user_id_read_dt")
    op.drop_table("notifications")
