"""Scheduled sessions, their days, reservations, visit requests, presence in the
room and what each person's attendance came to (DESIGN §2.7)."""

from datetime import datetime
from decimal import Decimal

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from courses.sessions.states import (
    BroadcastEnd,
    LiveState,
    OutcomeRole,
    PresenceSource,
    QuestionState,
    ReservationKind,
    ReservationState,
    SessionKind,
    SessionState,
    VisitState,
)
from lms.db import UTCDateTime, db, enum_column, utcnow
from lms.enums import ProjectLevel

session_lecturers = sa.Table(
    "session_lecturers",
    db.metadata,
    sa.Column(
        "session_id",
        sa.ForeignKey("scheduled_sessions.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    sa.Column("user_id", sa.ForeignKey("users.id"), primary_key=True),
)

ACTIVE = "state IN ('booked', 'waiting')"


class ScheduledSession(db.Model):
    """A broadcast, group viewing, on-site training, skills training or case
    conference, on one or more days, with its audience, capacity and credit
    terms (approved by the office like a course's)."""

    __tablename__ = "scheduled_sessions"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    title_zh: Mapped[str] = mapped_column(sa.String(200))
    title_en: Mapped[str] = mapped_column(sa.String(200), default="")
    description_zh: Mapped[str] = mapped_column(sa.Text, default="")
    description_en: Mapped[str] = mapped_column(sa.Text, default="")
    state: Mapped[SessionState] = mapped_column(
        enum_column(SessionState, "session_state"),
        default=SessionState.PLANNED,
        index=True,
    )
    #: Where it happens: a hospital (the hub's studio is at the hub) and its room.
    venue_hospital_id: Mapped[int] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    venue_room: Mapped[str] = mapped_column(sa.String(100), default="")
    #: The recorded course a group viewing shows (None for the other kinds).
    course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"))
    #: Seats in all (rooms' seats and learners' own seats together) ...
    capacity: Mapped[int] = mapped_column()
    #: ... and at most this many in one hospital's room (None: no limit).
    room_capacity: Mapped[int | None] = mapped_column()
    #: Who it is for; an empty list is no restriction.
    audience_hospital_ids: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience_tiers: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience_provinces: Mapped[list] = mapped_column(sa.JSON, default=list)
    audience_professions: Mapped[list] = mapped_column(sa.JSON, default=list)
    #: Only learners with a seat of their own or in their hospital's room may
    #: sign in; otherwise anyone in the audience may walk in (flagged "not booked").
    is_booking_required: Mapped[bool] = mapped_column(default=False)
    #: Credit terms (as a course's): a code of ``certificates.rule_sets``.
    rule_set_code: Mapped[str] = mapped_column(sa.String(32))
    project_level: Mapped[ProjectLevel] = mapped_column(
        enum_column(ProjectLevel, "project_level"), default=ProjectLevel.HOSPITAL
    )
    credit_category: Mapped[str] = mapped_column(sa.String(32), default="")
    project_number: Mapped[str] = mapped_column(sa.String(64), default="")
    #: Share (0..1] of the scheduled time a learner must be present for credit.
    min_presence: Mapped[Decimal] = mapped_column(
        sa.Numeric(3, 2), default=Decimal("0.80")
    )
    #: Booking closes then (None: at the first day's start).
    booking_closes_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Sign-in opens this many minutes before each day's start.
    doors_open_minutes: Mapped[int] = mapped_column(default=30)
    #: The rotating room codes' key (hex); never shown.
    code_secret: Mapped[str] = mapped_column(sa.String(64))
    #: iCalendar SEQUENCE: raised on every change people's calendars must follow.
    sequence: Mapped[int] = mapped_column(default=0)
    owner_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    approved_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    approved_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: When the credits task finished turning attendance into ledger lines.
    credited_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    owner = relationship("User", foreign_keys=[owner_id])
    venue = relationship("Hospital")
    course = relationship("Course")
    lecturers = relationship("User", secondary=session_lecturers, order_by="User.id")
    days = relationship(
        "SessionDay",
        back_populates="session",
        order_by="SessionDay.starts_dt",
        cascade="all, delete-orphan",
    )

    __table_args__ = (
        sa.CheckConstraint("capacity >= 1", name="capacity_positive"),
        sa.CheckConstraint(
            "room_capacity IS NULL OR room_capacity >= 1", name="room_capacity_positive"
        ),
        sa.CheckConstraint(
            "min_presence > 0 AND min_presence <= 1", name="min_presence_range"
        ),
        sa.CheckConstraint(
            "doors_open_minutes BETWEEN 0 AND 240", name="doors_open_range"
        ),
        sa.CheckConstraint("sequence >= 0", name="sequence_not_negative"),
    )

    def title(self, language):
        return self.title_en if language == "en" and self.title_en else self.title_zh

    def description(self, language):
        if language == "en" and self.description_en:
            return self.description_en
        return self.description_zh

    @property
    def starts_dt(self):
        return self.days[0].starts_dt if self.days else None

    @property
    def ends_dt(self):
        return self.days[-1].ends_dt if self.days else None

    def __repr__(self):
        return f"<ScheduledSession {self.id} {self.kind.value} {self.state.value}>"


class SessionDay(db.Model):
    """One day of a session: its start and end (stored in UTC, scheduled and
    shown in Asia/Shanghai)."""

    __tablename__ = "session_days"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id", ondelete="CASCADE"), index=True
    )
    starts_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_dt: Mapped[datetime] = mapped_column(UTCDateTime)

    session = relationship("ScheduledSession", back_populates="days")

    __table_args__ = (
        sa.CheckConstraint("ends_dt > starts_dt", name="ends_after_start"),
        sa.UniqueConstraint("session_id", "starts_dt"),
    )

    @property
    def minutes(self):
        return int((self.ends_dt - self.starts_dt).total_seconds() // 60)

    def __repr__(self):
        return f"<SessionDay {self.id} {self.starts_dt:%Y-%m-%d %H:%M}>"


class Reservation(db.Model):
    """A learner's own seat, or a hospital's room with seats (booked by its
    coordinator): booked, on the waiting list, or cancelled."""

    __tablename__ = "reservations"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    kind: Mapped[ReservationKind] = mapped_column(
        enum_column(ReservationKind, "reservation_kind")
    )
    state: Mapped[ReservationState] = mapped_column(
        enum_column(ReservationState, "reservation_state")
    )
    #: The learner (a seat) or the coordinator who booked (a room).
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital, or the hospital whose room it is.
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    seats: Mapped[int] = mapped_column(default=1)
    room: Mapped[str] = mapped_column(sa.String(100), default="")
    is_equipment_tested: Mapped[bool] = mapped_column(default=False)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    cancelled_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session = relationship("ScheduledSession")
    user = relationship("User", foreign_keys=[user_id])
    hospital = relationship("Hospital")

    __table_args__ = (
        sa.CheckConstraint("seats >= 1", name="seats_positive"),
        sa.CheckConstraint("kind = 'room' OR seats = 1", name="a_learner_has_one_seat"),
        # One active seat per learner, one active room per hospital, per session.
        sa.Index(
            "uq_reservations_seat",
            "session_id",
            "user_id",
            unique=True,
            sqlite_where=sa.text(f"kind = 'seat' AND {ACTIVE}"),
            postgresql_where=sa.text(f"kind = 'seat' AND {ACTIVE}"),
        ),
        sa.Index(
            "uq_reservations_room",
            "session_id",
            "hospital_id",
            unique=True,
            sqlite_where=sa.text(f"kind = 'room' AND {ACTIVE}"),
            postgresql_where=sa.text(f"kind = 'room' AND {ACTIVE}"),
        ),
    )

    def __repr__(self):
        return (
            f"<Reservation {self.id} {self.kind.value} session={self.session_id} "
            f"{self.state.value} {self.seats}>"
        )


class VisitRequest(db.Model):
    """A hospital asking for on-site training or guidance; the office schedules
    it as an on-site session, or declines with a reason."""

    __tablename__ = "visit_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"), index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    #: ONSITE (training or guidance) or SKILLS.
    kind: Mapped[SessionKind] = mapped_column(enum_column(SessionKind, "session_kind"))
    topic: Mapped[str] = mapped_column(sa.String(200))
    #: What the hospital needs, and when would suit it (free text).
    details: Mapped[str] = mapped_column(sa.Text, default="")
    expected_attendees: Mapped[int] = mapped_column(default=1)
    state: Mapped[VisitState] = mapped_column(
        enum_column(VisitState, "visit_state"), default=VisitState.REQUESTED, index=True
    )
    session_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id")
    )
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    hospital = relationship("Hospital")
    requested_by = relationship("User", foreign_keys=[requested_by_id])
    session = relationship("ScheduledSession")

    __table_args__ = (
        sa.CheckConstraint(
            "expected_attendees BETWEEN 1 AND 10000", name="attendees_range"
        ),
    )


class Presence(db.Model):
    """A person's presence on one day of a session: signed in and out by the
    room's code, vouched for by the coordinator, or watched live."""

    __tablename__ = "session_presences"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("session_days.id"))
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The person's hospital when they signed in.
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    #: The room whose code was used (None: the venue's own screen).
    reservation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reservations.id"))
    source: Mapped[PresenceSource] = mapped_column(
        enum_column(PresenceSource, "presence_source")
    )
    signed_in_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    signed_out_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Minutes within the day's scheduled hours (set at sign-out or vouching;
    #: for a live viewer, the whole minutes of ``live_seconds``).
    minutes: Mapped[int | None] = mapped_column()
    #: A live viewer's seconds present within the day's hours, summed from the
    #: heartbeats of the one stream that counted (0 for a room's presence).
    live_seconds: Mapped[float] = mapped_column(default=0.0, server_default="0")
    #: When a live viewer was present: ``[from, to]`` pairs of ISO moments, in
    #: order (``live_presence.merge_span``). Hours between them are not present
    #: (the overlap rule reads them); None on rows older than them.
    live_spans: Mapped[list | None] = mapped_column(sa.JSON)
    #: For the office: "other_hospital", "above_headcount", "not_booked", ...
    flags: Mapped[list] = mapped_column(sa.JSON, default=list)
    vouched_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    vouch_reason: Mapped[str] = mapped_column(sa.String(500), default="")
    updated_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User", foreign_keys=[user_id])
    day = relationship("SessionDay")
    reservation = relationship("Reservation")
    hospital = relationship("Hospital")
    vouched_by = relationship("User", foreign_keys=[vouched_by_id])

    __table_args__ = (
        sa.UniqueConstraint("day_id", "user_id"),
        sa.CheckConstraint("minutes IS NULL OR minutes >= 0", name="minutes_range"),
        sa.CheckConstraint(
            "signed_out_dt IS NULL OR signed_out_dt >= signed_in_dt",
            name="out_after_in",
        ),
    )


class RoomHeadcount(db.Model):
    """The number of people a room's coordinator counted on a day."""

    __tablename__ = "room_headcounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    day_id: Mapped[int] = mapped_column(sa.ForeignKey("session_days.id"))
    #: The hospital's room (None: the venue).
    reservation_id: Mapped[int | None] = mapped_column(sa.ForeignKey("reservations.id"))
    headcount: Mapped[int] = mapped_column()
    entered_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    entered_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        sa.CheckConstraint("headcount BETWEEN 0 AND 100000", name="headcount_range"),
        sa.Index(
            "uq_room_headcounts_room",
            "day_id",
            "reservation_id",
            unique=True,
            sqlite_where=sa.text("reservation_id IS NOT NULL"),
            postgresql_where=sa.text("reservation_id IS NOT NULL"),
        ),
        sa.Index(
            "uq_room_headcounts_venue",
            "day_id",
            unique=True,
            sqlite_where=sa.text("reservation_id IS NULL"),
            postgresql_where=sa.text("reservation_id IS NULL"),
        ),
    )


class SessionOutcome(db.Model):
    """What a person's part in an ended session came to: the credit line it
    earned, or why none (kept for every learner present and every lecturer)."""

    __tablename__ = "session_outcomes"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The learner's hospital when the row was made (issue 15's reports).
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    role: Mapped[OutcomeRole] = mapped_column(enum_column(OutcomeRole, "outcome_role"))
    presence_minutes: Mapped[int] = mapped_column(default=0)
    scheduled_minutes: Mapped[int] = mapped_column(default=0)
    award_id: Mapped[int | None] = mapped_column(sa.ForeignKey("credit_awards.id"))
    #: Why it earned no credit ("" when it did).
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    award = relationship("CreditAward")

    __table_args__ = (sa.UniqueConstraint("session_id", "user_id", "role"),)


class CalendarFeed(db.Model):
    """A secret iCalendar feed URL of a person or of a hospital (one of both)."""

    __tablename__ = "calendar_feeds"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: SHA-256 of the secret in the URL (the secret itself is shown once).
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    user_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"), index=True)
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        sa.CheckConstraint(
            "(user_id IS NULL) <> (hospital_id IS NULL)", name="one_owner"
        ),
    )


# --- live broadcast (issue 14, DESIGN §2.8) -------------------------------------


class StreamKey(db.Model):
    """The key a studio encoder pushes a broadcast session with. Only its
    SHA-256 is kept (the key is shown once); revoked keys are refused."""

    __tablename__ = "stream_keys"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    key_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The key's last four characters, to tell keys apart on the page.
    hint: Mapped[str] = mapped_column(sa.String(8), default="")
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))

    session = relationship("ScheduledSession")

    __table_args__ = (
        # One key in force per session: issuing a new one revokes the old.
        sa.Index(
            "uq_stream_keys_active",
            "session_id",
            unique=True,
            sqlite_where=sa.text("revoked_dt IS NULL"),
            postgresql_where=sa.text("revoked_dt IS NULL"),
        ),
    )


class LiveBroadcast(db.Model):
    """One broadcast of a session: from the first accepted push until the push
    stops for longer than the reconnect window (a drop and a return within it
    is the same broadcast, and its replay has a gap). Its live ladder writes
    ``runs`` folders (one per push); the recording becomes a replay lecture."""

    __tablename__ = "live_broadcasts"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    key_id: Mapped[int] = mapped_column(sa.ForeignKey("stream_keys.id"))
    state: Mapped[LiveState] = mapped_column(
        enum_column(LiveState, "live_state"), default=LiveState.LIVE, index=True
    )
    #: nginx's id of the publisher that is live (a refused second publisher's
    #: ``on_publish_done`` names another one, and ends nothing).
    client_id: Mapped[str] = mapped_column(sa.String(32), default="")
    #: When nginx last spoke of the live publisher (its on_publish, then every
    #: on_update): silent for long, its end was never reported (nginx or the
    #: app restarted) and the next push takes over rather than being refused.
    publisher_seen_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: Pushes accepted so far; the live ladder writes run N into ``r<N>/``.
    runs: Mapped[int] = mapped_column(default=0)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    #: When the current push began (live) or the last one stopped (reconnecting).
    changed_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    end_reason: Mapped[BroadcastEnd | None] = mapped_column(
        enum_column(BroadcastEnd, "broadcast_end")
    )
    #: Written by the live ladder's worker every few seconds; stale while live
    #: means the worker died, and the ladder is started again.
    worker_beat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: What the pushed stream carries (a stream without one still plays).
    has_video: Mapped[bool | None] = mapped_column()
    has_audio: Mapped[bool | None] = mapped_column()
    #: Seconds recorded over all runs (the replay's length before transcoding).
    recorded_seconds: Mapped[float] = mapped_column(default=0.0)
    error: Mapped[str] = mapped_column(sa.Text, default="")
    #: The replay: a draft course of the session and this broadcast's lecture.
    replay_course_id: Mapped[int | None] = mapped_column(sa.ForeignKey("courses.id"))
    replay_lecture_id: Mapped[int | None] = mapped_column(sa.ForeignKey("lectures.id"))

    session = relationship("ScheduledSession")
    key = relationship("StreamKey")
    replay_course = relationship("Course")
    replay_lecture = relationship("Lecture")

    __table_args__ = (
        sa.CheckConstraint("runs >= 0", name="runs_not_negative"),
        # One broadcast under way per session at a time.
        sa.Index(
            "uq_live_broadcasts_current",
            "session_id",
            unique=True,
            sqlite_where=sa.text("state IN ('live', 'reconnecting')"),
            postgresql_where=sa.text("state IN ('live', 'reconnecting')"),
        ),
    )

    def __repr__(self):
        return f"<LiveBroadcast {self.id} session={self.session_id} {self.state.value}>"


class LiveViewing(db.Model):
    """One player of a remote viewer watching a session live (a tab, a device).
    Like a recorded lecture's play session, the newest takes over the learner's
    watch budget: only one stream earns presence at a time."""

    __tablename__ = "live_viewings"

    id: Mapped[int] = mapped_column(primary_key=True)
    token: Mapped[str] = mapped_column(sa.String(43), unique=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_beat_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_seq: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Seconds of presence this viewing earned.
    seconds: Mapped[float] = mapped_column(default=0.0)


class LiveQuestion(db.Model):
    """A viewer's text question during a broadcast, moderated by a host."""

    __tablename__ = "live_questions"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(
        sa.ForeignKey("scheduled_sessions.id"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    text: Mapped[str] = mapped_column(sa.String(500))
    state: Mapped[QuestionState] = mapped_column(
        enum_column(QuestionState, "question_state"),
        default=QuestionState.PENDING,
        index=True,
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    moderated_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    moderated_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: When a moderator first showed (or answered) it to every viewer; a question
    #: hidden before that reaches no other viewer, not even as a removed id.
    shown_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", foreign_keys=[user_id])
