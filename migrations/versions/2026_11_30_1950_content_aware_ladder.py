"""Content-aware ladders: the policy "auto" and what the analysis found (issue 16)

A job keeps the policy asked for (``policy``, now possibly "auto") and gets the
class the analysis detected, the policy its ladder used, the measured features
and why the analysis fell back, if it did.

Courses: "auto" is the new default. A course not yet approved (draft, submitted,
returned) holding "lecture" never had it chosen (it was the column's default and
the office has not seen the approval form yet), so it becomes "auto". An approved
or archived course keeps "lecture": the office submitted it on the approval form
and its recordings were made with it.

Revision ID: 6c0a4e1d9b27
Revises: 959242a676a4
Create Date: 2026-11-30 19:50:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6c0a4e1d9b27"
down_revision = "959242a676a4"
branch_labels = None
depends_on = None

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
    "session_approved",
    "session_cancelled",
    "session_ended",
    "attendance_vouched",
    "visit_decided",
    "stream_key_issued",
    "stream_key_revoked",
)
#: The office's ladder choice for one lecture.
NEW_AUDIT_ACTIONS = ("media_policy_changed",)


def _allow(table, column, constraint, values):
    """Replace an enum column's CHECK with one allowing ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{constraint}"), type_="check")
        batch_op.create_check_constraint(
            op.f(f"ck_{table}_{constraint}"), f"{column} IN ({listed})"
        )


def upgrade():
    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("content_class", sa.String(length=16)))
        batch_op.add_column(sa.Column("used_policy", sa.String(length=32)))
        batch_op.add_column(sa.Column("content_features", sa.JSON()))
        batch_op.add_column(
            sa.Column("analysis_note", sa.Text(), nullable=False, server_default="")
        )

    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.alter_column(
            "media_policy",
            existing_type=sa.String(length=32),
            existing_nullable=False,
            server_default="auto",
        )
    op.execute(
        "UPDATE courses SET media_policy = 'auto' WHERE media_policy = 'lecture'"
        " AND status IN ('draft', 'submitted', 'returned')"
    )
    _allow("audit_entries", "action", "audit_action", AUDIT_ACTIONS + NEW_AUDIT_ACTIONS)
    # Jobs that ran before: the policy asked for is the one used.
    op.execute(
        "UPDATE transcode_jobs SET used_policy = policy WHERE state = 'succeeded'"
    )


def downgrade():
    op.execute(
        sa.text("DELETE FROM audit_entries WHERE action IN :actions").bindparams(
            sa.bindparam("actions", NEW_AUDIT_ACTIONS, expanding=True)
        )
    )
    _allow("audit_entries", "action", "audit_action", AUDIT_ACTIONS)
    op.execute(
        "UPDATE transcode_jobs SET policy = COALESCE(used_policy, 'lecture')"
        " WHERE policy = 'auto'"
    )
    op.execute("UPDATE lectures SET media_policy = NULL WHERE media_policy = 'auto'")
    op.execute(
        "UPDATE courses SET media_policy = 'lecture' WHERE media_policy = 'auto'"
    )
    op.execute("UPDATE transcode_jobs SET policy = 'lecture' WHERE policy = 'screen'")
    op.execute(
        "UPDATE lectures SET media_policy = 'lecture' WHERE media_policy = 'screen'"
    )
    op.execute(
        "UPDATE courses SET media_policy = 'lecture' WHERE media_policy = 'screen'"
    )
    with op.batch_alter_table("courses", schema=None) as batch_op:
        batch_op.alter_column(
            "media_policy",
            existing_type=sa.String(length=32),
            existing_nullable=False,
            server_default="lecture",
        )

    with op.batch_alter_table("transcode_jobs", schema=None) as batch_op:
        batch_op.drop_column("analysis_note")
        batch_op.drop_column("content_features")
        batch_op.drop_column("used_policy")
        batch_op.drop_column("content_class")
