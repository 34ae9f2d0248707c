import enum
from datetime import datetime

import sqlalchemy as sa
from flask_login import UserMixin
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.accounts.roles import Profession, Role
from lms.db import UTCDateTime, db, enum_column, utcnow


class User(UserMixin, db.Model):
    __tablename__ = "users"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Normalised email address or mobile number (``lms.accounts.logins``).
    login: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(100))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    role: Mapped[Role] = mapped_column(enum_column(Role, "role"), index=True)
    profession: Mapped[Profession] = mapped_column(
        enum_column(Profession, "profession"), default=Profession.OTHER
    )
    #: Free text such as 主治医师 / attending physician.
    professional_title: Mapped[str] = mapped_column(sa.String(100), default="")
    hospital_id: Mapped[int | None] = mapped_column(
        sa.ForeignKey("hospitals.id"), index=True
    )
    #: Preferred interface language; None follows the browser.
    locale: Mapped[str | None] = mapped_column(sa.String(16))
    is_active: Mapped[bool] = mapped_column(default=True)
    #: Bumped on password change or deactivation: every older session ends.
    session_version: Mapped[int] = mapped_column(default=1)
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    hospital = relationship("Hospital", back_populates="users")
    api_tokens = relationship("ApiToken", back_populates="user", lazy="dynamic")

    __table_args__ = (
        sa.CheckConstraint("length(login) > 0", name="login_not_empty"),
        sa.CheckConstraint(
            "role = 'administrator' OR hospital_id IS NOT NULL",
            name="hospital_required",
        ),
    )

    def get_id(self):
        return f"{self.id}:{self.session_version}"

    def __repr__(self):
        return f"<User {self.id} {self.login} {self.role.value}>"


class ApiToken(db.Model):
    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: SHA-256 of the token; the token itself is shown once and never stored.
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    #: The first characters of the token, to tell tokens apart in lists.
    prefix: Mapped[str] = mapped_column(sa.String(16))
    label: Mapped[str] = mapped_column(sa.String(100), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_dt: Mapped[datetime] = mapped_column(UTCDateTime)
    last_used_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    user = relationship("User", back_populates="api_tokens")

    def is_valid_at(self, now):
        return self.revoked_dt is None and self.expires_dt > now

    def __repr__(self):
        return f"<ApiToken {self.id} user={self.user_id} {self.prefix}>"


class ThrottleHit(db.Model):
    """One counted attempt (a refused sign-in, a registration), for ``throttle``.

    Rows live in the database so that every process, the web pages and the API
    count together and a restart forgets nothing; rows older than the longest
    window are deleted as new ones arrive.
    """

    __tablename__ = "throttle_hits"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: What is counted, e.g. ``login-account`` or ``register-address``.
    scope: Mapped[str] = mapped_column(sa.String(32))
    #: SHA-256 of the counted key (a normalised login, a client address): the
    #: table never holds the logins strangers typed.
    key_hash: Mapped[str] = mapped_column(sa.String(64))
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    __table_args__ = (
        sa.Index("ix_throttle_hits_scope_key", "scope", "key_hash", "created_dt"),
    )

    def __repr__(self):
        return f"<ThrottleHit {self.id} {self.scope} {self.created_dt}>"


class HospitalChangeState(enum.StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"


class HospitalChangeRequest(db.Model):
    """A learner asks to move to another hospital; the CME office confirms it."""

    __tablename__ = "hospital_change_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    #: The hospital when the request was made (the learner's may change meanwhile).
    from_hospital_id: Mapped[int | None] = mapped_column(sa.ForeignKey("hospitals.id"))
    to_hospital_id: Mapped[int] = mapped_column(sa.ForeignKey("hospitals.id"))
    reason: Mapped[str] = mapped_column(sa.String(500), default="")
    state: Mapped[HospitalChangeState] = mapped_column(
        enum_column(HospitalChangeState, "hospital_change_state"),
        default=HospitalChangeState.PENDING,
        index=True,
    )
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    #: The office's note, e.g. why a request was rejected.
    decision_note: Mapped[str] = mapped_column(sa.String(500), default="")

    user = relationship("User", foreign_keys=[user_id])
    from_hospital = relationship("Hospital", foreign_keys=[from_hospital_id])
    to_hospital = relationship("Hospital", foreign_keys=[to_hospital_id])
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    def __repr__(self):
        return (
            f"<HospitalChangeRequest {self.id} user={self.user_id} "
            f"to={self.to_hospital_id} {self.state.value}>"
        )
