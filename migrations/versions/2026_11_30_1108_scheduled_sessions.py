"""Scheduled sessions: days, reservations, visit requests, presence in the room,
headcounts, outcomes, calendar feeds; credit lines name their session (issue 13)

Revision ID: fc5129dd11ec
Revises: 9d3f1a6b2e84
Create Date: 2026-11-30 11:08:13.291490
"""

import sqlalchemy as sa
from alembic import op

revision = "fc5129dd11ec"
down_revision = "9d3f1a6b2e84"
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
)
NEW_NOTIFICATION_KINDS = (
    "session_approved",
    "session_changed",
    "session_cancelled",
    "seat_confirmed",
    "visit_scheduled",
    "visit_declined",
)
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
)
NEW_AUDIT_ACTIONS = (
    "session_approved",
    "session_cancelled",
    "session_ended",
    "attendance_vouched",
    "visit_decided",
)


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
        "calendar_feeds",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=True),
        sa.Column("hospital_id", sa.Integer(), nullable=True),
        sa.Column("created_by_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("revoked_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("last_used_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "(user_id IS NULL) <> (hospital_id IS NULL)",
            name=op.f("ck_calendar_feeds_one_owner"),
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["users.id"],
            name=op.f("fk_calendar_feeds_created_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_calendar_feeds_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_calendar_feeds_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feeds")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_calendar_feeds_token_hash")),
    )
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_hospital_id"), ["hospital_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_calendar_feeds_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "scheduled_sessions",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "broadcast",
                "group_viewing",
                "onsite",
                "skills",
                "case_conference",
                name="session_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("title_zh", sa.String(length=200), nullable=False),
        sa.Column("title_en", sa.String(length=200), nullable=False),
        sa.Column("description_zh", sa.Text(), nullable=False),
        sa.Column("description_en", sa.Text(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "planned",
                "open",
                "under_way",
                "ended",
                "cancelled",
                name="session_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("venue_hospital_id", sa.Integer(), nullable=False),
        sa.Column("venue_room", sa.String(length=100), nullable=False),
        sa.Column("course_id", sa.Integer(), nullable=True),
        sa.Column("capacity", sa.Integer(), nullable=False),
        sa.Column("room_capacity", sa.Integer(), nullable=True),
        sa.Column("audience_hospital_ids", sa.JSON(), nullable=False),
        sa.Column("audience_tiers", sa.JSON(), nullable=False),
        sa.Column("audience_provinces", sa.JSON(), nullable=False),
        sa.Column("audience_professions", sa.JSON(), nullable=False),
        sa.Column("is_booking_required", sa.Boolean(), nullable=False),
        sa.Column("rule_set_code", sa.String(length=32), nullable=False),
        sa.Column(
            "project_level",
            sa.Enum(
                "national",
                "provincial",
                "municipal",
                "hospital",
                name="project_level",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("credit_category", sa.String(length=32), nullable=False),
        sa.Column("project_number", sa.String(length=64), nullable=False),
        sa.Column("min_presence", sa.Numeric(precision=3, scale=2), nullable=False),
        sa.Column("booking_closes_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("doors_open_minutes", sa.Integer(), nullable=False),
        sa.Column("code_secret", sa.String(length=64), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("owner_id", sa.Integer(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("approved_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("approved_by_id", sa.Integer(), nullable=True),
        sa.Column("cancelled_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancel_reason", sa.String(length=500), nullable=False),
        sa.Column("ended_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("ended_by_id", sa.Integer(), nullable=True),
        sa.Column("credited_dt", sa.DateTime(timezone=True), nullable=True),
        sa.CheckConstraint(
            "capacity >= 1", name=op.f("ck_scheduled_sessions_capacity_positive")
        ),
        sa.CheckConstraint(
            "doors_open_minutes BETWEEN 0 AND 240",
            name=op.f("ck_scheduled_sessions_doors_open_range"),
        ),
        sa.CheckConstraint(
            "min_presence > 0 AND min_presence <= 1",
            name=op.f("ck_scheduled_sessions_min_presence_range"),
        ),
        sa.CheckConstraint(
            "room_capacity IS NULL OR room_capacity >= 1",
            name=op.f("ck_scheduled_sessions_room_capacity_positive"),
        ),
        sa.CheckConstraint(
            "sequence >= 0", name=op.f("ck_scheduled_sessions_sequence_not_negative")
        ),
        sa.ForeignKeyConstraint(
            ["approved_by_id"],
            ["users.id"],
            name=op.f("fk_scheduled_sessions_approved_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["course_id"],
            ["courses.id"],
            name=op.f("fk_scheduled_sessions_course_id_courses"),
        ),
        sa.ForeignKeyConstraint(
            ["ended_by_id"],
            ["users.id"],
            name=op.f("fk_scheduled_sessions_ended_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["owner_id"],
            ["users.id"],
            name=op.f("fk_scheduled_sessions_owner_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["venue_hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_scheduled_sessions_venue_hospital_id_hospitals"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_scheduled_sessions")),
    )
    with op.batch_alter_table("scheduled_sessions", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_scheduled_sessions_owner_id"), ["owner_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_sessions_state"), ["state"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_scheduled_sessions_venue_hospital_id"),
            ["venue_hospital_id"],
            unique=False,
        )

    op.create_table(
        "reservations",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "seat",
                "room",
                name="reservation_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column(
            "state",
            sa.Enum(
                "booked",
                "waiting",
                "cancelled",
                name="reservation_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=True),
        sa.Column("seats", sa.Integer(), nullable=False),
        sa.Column("room", sa.String(length=100), nullable=False),
        sa.Column("is_equipment_tested", sa.Boolean(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("cancelled_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("cancelled_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "kind = 'room' OR seats = 1",
            name=op.f("ck_reservations_a_learner_has_one_seat"),
        ),
        sa.CheckConstraint("seats >= 1", name=op.f("ck_reservations_seats_positive")),
        sa.ForeignKeyConstraint(
            ["cancelled_by_id"],
            ["users.id"],
            name=op.f("fk_reservations_cancelled_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_reservations_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_reservations_session_id_scheduled_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_reservations_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_reservations")),
    )
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_reservations_hospital_id"), ["hospital_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reservations_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_reservations_user_id"), ["user_id"], unique=False
        )
        batch_op.create_index(
            "uq_reservations_room",
            ["session_id", "hospital_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'room' AND state IN ('booked', 'waiting')"),
            postgresql_where=sa.text(
                "kind = 'room' AND state IN ('booked', 'waiting')"
            ),
        )
        batch_op.create_index(
            "uq_reservations_seat",
            ["session_id", "user_id"],
            unique=True,
            sqlite_where=sa.text("kind = 'seat' AND state IN ('booked', 'waiting')"),
            postgresql_where=sa.text(
                "kind = 'seat' AND state IN ('booked', 'waiting')"
            ),
        )

    op.create_table(
        "session_days",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("starts_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("ends_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "ends_dt > starts_dt", name=op.f("ck_session_days_ends_after_start")
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_session_days_session_id_scheduled_sessions"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_days")),
        sa.UniqueConstraint(
            "session_id", "starts_dt", name=op.f("uq_session_days_session_id_starts_dt")
        ),
    )
    with op.batch_alter_table("session_days", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_days_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_days_starts_dt"), ["starts_dt"], unique=False
        )

    op.create_table(
        "session_lecturers",
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_session_lecturers_session_id_scheduled_sessions"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_lecturers_user_id_users")
        ),
        sa.PrimaryKeyConstraint(
            "session_id", "user_id", name=op.f("pk_session_lecturers")
        ),
    )
    op.create_table(
        "visit_requests",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=False),
        sa.Column("requested_by_id", sa.Integer(), nullable=False),
        sa.Column(
            "kind",
            sa.Enum(
                "broadcast",
                "group_viewing",
                "onsite",
                "skills",
                "case_conference",
                name="session_kind",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("topic", sa.String(length=200), nullable=False),
        sa.Column("details", sa.Text(), nullable=False),
        sa.Column("expected_attendees", sa.Integer(), nullable=False),
        sa.Column(
            "state",
            sa.Enum(
                "requested",
                "scheduled",
                "declined",
                "withdrawn",
                name="visit_state",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("session_id", sa.Integer(), nullable=True),
        sa.Column("decision_note", sa.String(length=500), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.Column("decided_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("decided_by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "expected_attendees BETWEEN 1 AND 10000",
            name=op.f("ck_visit_requests_attendees_range"),
        ),
        sa.ForeignKeyConstraint(
            ["decided_by_id"],
            ["users.id"],
            name=op.f("fk_visit_requests_decided_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_visit_requests_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["requested_by_id"],
            ["users.id"],
            name=op.f("fk_visit_requests_requested_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_visit_requests_session_id_scheduled_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_visit_requests")),
    )
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_visit_requests_hospital_id"), ["hospital_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_visit_requests_state"), ["state"], unique=False
        )

    op.create_table(
        "room_headcounts",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.Column("headcount", sa.Integer(), nullable=False),
        sa.Column("entered_by_id", sa.Integer(), nullable=False),
        sa.Column("entered_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "headcount BETWEEN 0 AND 100000",
            name=op.f("ck_room_headcounts_headcount_range"),
        ),
        sa.ForeignKeyConstraint(
            ["day_id"],
            ["session_days.id"],
            name=op.f("fk_room_headcounts_day_id_session_days"),
        ),
        sa.ForeignKeyConstraint(
            ["entered_by_id"],
            ["users.id"],
            name=op.f("fk_room_headcounts_entered_by_id_users"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_room_headcounts_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_room_headcounts_session_id_scheduled_sessions"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_room_headcounts")),
    )
    with op.batch_alter_table("room_headcounts", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_room_headcounts_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            "uq_room_headcounts_room",
            ["day_id", "reservation_id"],
            unique=True,
            sqlite_where=sa.text("reservation_id IS NOT NULL"),
            postgresql_where=sa.text("reservation_id IS NOT NULL"),
        )
        batch_op.create_index(
            "uq_room_headcounts_venue",
            ["day_id"],
            unique=True,
            sqlite_where=sa.text("reservation_id IS NULL"),
            postgresql_where=sa.text("reservation_id IS NULL"),
        )

    op.create_table(
        "session_outcomes",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column(
            "role",
            sa.Enum(
                "learner",
                "lecturer",
                name="outcome_role",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("presence_minutes", sa.Integer(), nullable=False),
        sa.Column("scheduled_minutes", sa.Integer(), nullable=False),
        sa.Column("award_id", sa.Integer(), nullable=True),
        sa.Column("reason", sa.Text(), nullable=False),
        sa.Column("created_dt", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["award_id"],
            ["credit_awards.id"],
            name=op.f("fk_session_outcomes_award_id_credit_awards"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_session_outcomes_session_id_scheduled_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_outcomes_user_id_users")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_outcomes")),
        sa.UniqueConstraint(
            "session_id",
            "user_id",
            "role",
            name=op.f("uq_session_outcomes_session_id_user_id_role"),
        ),
    )
    with op.batch_alter_table("session_outcomes", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_outcomes_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_outcomes_user_id"), ["user_id"], unique=False
        )

    op.create_table(
        "session_presences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("session_id", sa.Integer(), nullable=False),
        sa.Column("day_id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("hospital_id", sa.Integer(), nullable=True),
        sa.Column("reservation_id", sa.Integer(), nullable=True),
        sa.Column(
            "source",
            sa.Enum(
                "code",
                "vouched",
                "live",
                name="presence_source",
                native_enum=False,
                create_constraint=True,
                length=32,
            ),
            nullable=False,
        ),
        sa.Column("signed_in_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("signed_out_dt", sa.DateTime(timezone=True), nullable=True),
        sa.Column("minutes", sa.Integer(), nullable=True),
        sa.Column("flags", sa.JSON(), nullable=False),
        sa.Column("vouched_by_id", sa.Integer(), nullable=True),
        sa.Column("vouch_reason", sa.String(length=500), nullable=False),
        sa.Column("updated_dt", sa.DateTime(timezone=True), nullable=False),
        sa.CheckConstraint(
            "minutes IS NULL OR minutes >= 0",
            name=op.f("ck_session_presences_minutes_range"),
        ),
        sa.CheckConstraint(
            "signed_out_dt IS NULL OR signed_out_dt >= signed_in_dt",
            name=op.f("ck_session_presences_out_after_in"),
        ),
        sa.ForeignKeyConstraint(
            ["day_id"],
            ["session_days.id"],
            name=op.f("fk_session_presences_day_id_session_days"),
        ),
        sa.ForeignKeyConstraint(
            ["hospital_id"],
            ["hospitals.id"],
            name=op.f("fk_session_presences_hospital_id_hospitals"),
        ),
        sa.ForeignKeyConstraint(
            ["reservation_id"],
            ["reservations.id"],
            name=op.f("fk_session_presences_reservation_id_reservations"),
        ),
        sa.ForeignKeyConstraint(
            ["session_id"],
            ["scheduled_sessions.id"],
            name=op.f("fk_session_presences_session_id_scheduled_sessions"),
        ),
        sa.ForeignKeyConstraint(
            ["user_id"], ["users.id"], name=op.f("fk_session_presences_user_id_users")
        ),
        sa.ForeignKeyConstraint(
            ["vouched_by_id"],
            ["users.id"],
            name=op.f("fk_session_presences_vouched_by_id_users"),
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_session_presences")),
        sa.UniqueConstraint(
            "day_id", "user_id", name=op.f("uq_session_presences_day_id_user_id")
        ),
    )
    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_session_presences_hospital_id"),
            ["hospital_id"],
            unique=False,
        )
        batch_op.create_index(
            batch_op.f("ix_session_presences_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            batch_op.f("ix_session_presences_user_id"), ["user_id"], unique=False
        )

    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.add_column(sa.Column("session_id", sa.Integer(), nullable=True))
        batch_op.create_index(
            batch_op.f("ix_credit_awards_session_id"), ["session_id"], unique=False
        )
        batch_op.create_index(
            "uq_credit_awards_session_learner",
            ["user_id", "session_id"],
            unique=True,
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'attendance'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'attendance'"),
        )
        batch_op.create_index(
            "uq_credit_awards_session_teaching",
            ["user_id", "session_id"],
            unique=True,
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_credit_awards_session_id_scheduled_sessions"),
            "scheduled_sessions",
            ["session_id"],
            ["id"],
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
    with op.batch_alter_table("credit_awards", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_credit_awards_session_id_scheduled_sessions"),
            type_="foreignkey",
        )
        batch_op.drop_index(
            "uq_credit_awards_session_teaching",
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'teaching'"),
        )
        batch_op.drop_index(
            "uq_credit_awards_session_learner",
            sqlite_where=sa.text("revokes_id IS NULL AND source = 'attendance'"),
            postgresql_where=sa.text("revokes_id IS NULL AND source = 'attendance'"),
        )
        batch_op.drop_index(batch_op.f("ix_credit_awards_session_id"))
        batch_op.drop_column("session_id")

    with op.batch_alter_table("session_presences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_presences_user_id"))
        batch_op.drop_index(batch_op.f("ix_session_presences_session_id"))
        batch_op.drop_index(batch_op.f("ix_session_presences_hospital_id"))

    op.drop_table("session_presences")
    with op.batch_alter_table("session_outcomes", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_outcomes_user_id"))
        batch_op.drop_index(batch_op.f("ix_session_outcomes_session_id"))

    op.drop_table("session_outcomes")
    with op.batch_alter_table("room_headcounts", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_room_headcounts_venue",
            sqlite_where=sa.text("reservation_id IS NULL"),
            postgresql_where=sa.text("reservation_id IS NULL"),
        )
        batch_op.drop_index(
            "uq_room_headcounts_room",
            sqlite_where=sa.text("reservation_id IS NOT NULL"),
            postgresql_where=sa.text("reservation_id IS NOT NULL"),
        )
        batch_op.drop_index(batch_op.f("ix_room_headcounts_session_id"))

    op.drop_table("room_headcounts")
    with op.batch_alter_table("visit_requests", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_visit_requests_state"))
        batch_op.drop_index(batch_op.f("ix_visit_requests_hospital_id"))

    op.drop_table("visit_requests")
    op.drop_table("session_lecturers")
    with op.batch_alter_table("session_days", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_session_days_starts_dt"))
        batch_op.drop_index(batch_op.f("ix_session_days_session_id"))

    op.drop_table("session_days")
    with op.batch_alter_table("reservations", schema=None) as batch_op:
        batch_op.drop_index(
            "uq_reservations_seat",
            sqlite_where=sa.text("kind = 'seat' AND state IN ('booked', 'waiting')"),
            postgresql_where=sa.text(
                "kind = 'seat' AND state IN ('booked', 'waiting')"
            ),
        )
        batch_op.drop_index(
            "uq_reservations_room",
            sqlite_where=sa.text("kind = 'room' AND state IN ('booked', 'waiting')"),
            postgresql_where=sa.text(
                "kind = 'room' AND state IN ('booked', 'waiting')"
            ),
        )
        batch_op.drop_index(batch_op.f("ix_reservations_user_id"))
        batch_op.drop_index(batch_op.f("ix_reservations_session_id"))
        batch_op.drop_index(batch_op.f("ix_reservations_hospital_id"))

    op.drop_table("reservations")
    with op.batch_alter_table("scheduled_sessions", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_scheduled_sessions_venue_hospital_id"))
        batch_op.drop_index(batch_op.f("ix_scheduled_sessions_state"))
        batch_op.drop_index(batch_op.f("ix_scheduled_sessions_owner_id"))

    op.drop_table("scheduled_sessions")
    with op.batch_alter_table("calendar_feeds", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_user_id"))
        batch_op.drop_index(batch_op.f("ix_calendar_feeds_hospital_id"))

    op.drop_table("calendar_feeds")
