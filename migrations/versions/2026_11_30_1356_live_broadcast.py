"""Live broadcast: stream keys, broadcasts, live viewings, viewers' questions;
a live viewer's seconds on their presence (issue 14)

Revision ID: b105152c1e2e
Revises: fc5129dd11ec
Create Date: 2026-11-30 13:56:35.871324
"""

import sqlalchemy as sa
from alembic import op

revision = "b105152c1e2e"
down_revision = "fc5129dd11ec"
branch_labels = None
depends_on = None

OLD_NOTIFICATION_KINDS = (
    "course_approved",
    "course_returned",
    "certificate_issued",
    "certificate_revoked",
    "attempt_granted",
    "reminder",
    "media_approved",
    "media_rejected",
    "hospital_changed",
    "session_approved",
    "session_changed",
    "session_cancelled",
    "seat_confirmed",
    "visit_scheduled",
    "visit_declined",
)
NEW_NOTIFICATION_KINDS = ("replay_ready",)
OLD_AUDIT_ACTIONS = (
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
)
NEW_AUDIT_ACTIONS = ("stream_key_issued", "stream_key_revoked")


def _allow(table, column, constraint, values):
    """Replace an enum column's CHECK with one allowing ``values``."""
    listed = ", ".join(f"'{value}'" for value in values)
    with op.batch_alter_table(table) as batch_op:
        batch_op.drop_constraint(op.f(f"ck_{table}_{constraint}"), type_="check")
        batch_op.create_check_constraint(
            op.f(f"ck_{table}_{constraint}"), f"{column} IN ({listed})"
        )


def upgrade():
    op.create_table(
        "live_questions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("text", sa.String(length=500), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "pending",
                "shown",
                "answered",
                "hidden",
                name="question_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("moderated_by_id", sa.Integer(), nullable=True),
        sa.Column("moderated_dt", sa.DateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["moderated_by_id"],
            ["users.id"],
            name=op.f("fk_live_questions_moderated_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_live_questions_session_id_scheduled_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_live_questions_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_questions")),
    )
    with op.batch_alter_table("live_questions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_questions_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_live_questions_state"), ["state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_live_questions_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "live_viewings",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token", sa.String(length=43), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_beat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_seq", sa.BigInteger(), nullable=False),
        sa.Column("seconds", sa.Double(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_live_viewings_session_id_scheduled_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_live_viewings_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_viewings")),
        sa.UniqueConstraint("token", name=op.f("uq_live_viewings_token")),
    )
    with op.batch_alter_table("live_viewings", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_viewings_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_live_viewings_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "stream_keys",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("key_hash", sa.String(length=64), nullable=False),
        sa.Column("hint", sa.String(length=8), nullable=False),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("revoked_by_id", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_stream_keys_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["revoked_by_id"],
            ["users.id"],
            name=op.f("fk_stream_keys_revoked_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_stream_keys_session_id_scheduled_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_stream_keys")),
        sa.UniqueConstraint("key_hash", name=op.f("uq_stream_keys_key_hash")),
    )
    with op.batch_alter_table("stream_keys", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_stream_keys_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            "uq_stream_keys_active",
            ["session_id"],
            unique=True,
            sqlite_where=sa.text("revoked_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL"),
        )

    op.create_table(
        "live_broadcasts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("key_id", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "live",
                "reconnecting",
                "ended",
                name="live_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("client_id", sa.String(length=32), nullable=False),
        sa.Column("runs", sa.Integer(), nullable=False),
        sa.Column("started_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("changed_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ended_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column(
            "end_reason",
            sa.Enum(
                "stopped",
                "time_limit",
                "session_ended",
                "failed",
                name="broadcast_end",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=True,
        ),
        sa.Column("worker_beat_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("has_video", sa.Boolean(), nullable=True),
        sa.Column("has_audio", sa.Boolean(), nullable=True),
        sa.Column("recorded_seconds", sa.Double(), nullable=False),
        sa.Column("error", sa.Text(), nullable=False),
        sa.Column("replay_course_id", sa.Integer(), nullable=True),
        sa.Column("replay_lecture_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "runs >= 0", name=op.f("ck_live_broadcasts_runs_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["key_id"],
            ["stream_keys.id"],
            name=op.f("fk_live_broadcasts_key_id_stream_keys"),
        ),
        sa.ForeignKeyConstraint(
            ["replay_course_id"],
            ["courses.id"],
            name=op.f("fk_live_broadcasts_replay_course_id_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["replay_lecture_id"],
            ["lectures.id"],
            name=op.f("fk_live_broadcasts_replay_lecture_id_lectures"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_live_broadcasts_session_id_scheduled_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_live_broadcasts")),
    )
    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_live_broadcasts_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_live_broadcasts_state"), ["state"], unique=False
        )
        batch_op.create_index(
            "uq_live_broadcasts_current",
            ["session_id"],
            unique=True,
            sqlite_where=sa.text("state IN ('live', 'reconnecting')"),
            postgresql_where=sa.text("state IN ('live', 'reconnecting')"),
        )

    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("live_seconds", sa.Double(), server_default="0", nullable=False)
        )

    with op.batch_alter_table("watch_budgets", schema=None) as batch_op:
        batch_op.add_column(sa.Column("live_viewing_id", sa.Integer(), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_watch_budgets_live_viewing_id_live_viewings"),
            "live_viewings",
            ["live_viewing_id"],
            ["id"],
            ondelete="SET NULL",
        )
    _allow(
        "notifications",
        "kind",
        "notification_kind",
        OLD_NOTIFICATION_KINDS + NEW_NOTIFICATION_KINDS,
    )
    _allow(
        "audit_entries", "action", "audit_action", OLD_AUDIT_ACTIONS + NEW_AUDIT_ACTIONS
    )


def downgrade():
    op.execute(
        sa.text("DELETE FROM notifications WHERE kind IN :kinds").bindparams(
            sa.bindparam("kinds", NEW_NOTIFICATION_KINDS, expanding=True)
        )
    )
    op.execute(
        sa.text("DELETE FROM audit_entries WHERE action IN :actions").bindparams(
            sa.bindparam("actions", NEW_AUDIT_ACTIONS, expanding=True)
        )
    )
    _allow("notifications", "kind", "notification_kind", OLD_NOTIFICATION_KINDS)
    _allow("audit_entries", "action", "audit_action", OLD_AUDIT_ACTIONS)
    with op.batch_alter_table("watch_budgets", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_watch_budgets_live_viewing_id_live_viewings"),
            type_="foreignkey",
        )
        batch_op.drop_column("live_viewing_id")
    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.drop_column("live_seconds")

    with op.batch_alter_table("live_broadcasts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_live_broadcasts_current",
            sqlite_where=sa.text("state IN ('live', 'reconnecting')"),
            postgresql_where=sa.text("state IN ('live', 'reconnecting')"),
        )
        batch_op.drop_index(batch_op.f("ix_live_broadcasts_state"))
        batch_op.drop_index(batch_op.f("ix_live_broadcasts_session_id"))

    op.drop_table("live_broadcasts")
    with op.batch_alter_table("stream_keys", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_stream_keys_active",
            sqlite_where=sa.text("revoked_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_stream_keys_session_id"))

    op.drop_table("stream_keys")
    with op.batch_alter_table("live_viewings", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_viewings_user_id"))
        batch_op.drop_index(batch_op.f("ix_live_viewings_session_id"))

    op.drop_table("live_viewings")
    with op.batch_alter_table("live_questions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_live_questions_user_id"))
        batch_op.drop_index(batch_op.f("ix_live_questions_state"))
        batch_op.drop_index(batch_op.f("ix_live_questions_session_id"))

    op.drop_table("live_questions")
