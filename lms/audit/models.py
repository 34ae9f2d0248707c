from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.audit.actions import AuditAction
from lms.db import UTCDateTime, db, enum_column, utcnow


class AuditEntry(db.Model):
    """One change the office answers for: who, what, on what, before and after."""

    __tablename__ = "audit_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: None for the system itself (a task, a CLI run without a person).
    actor_id: Mapped[int | None] = mapped_column(sa.ForeignKey("users.id"))
    action: Mapped[AuditAction] = mapped_column(
        enum_column(AuditAction, "audit_action")
    )
    #: The changed row's table (``courses``, ``certificates``, ``users``...).
    target_type: Mapped[str] = mapped_column(sa.String(40))
    target_id: Mapped[int | None] = mapped_column()
    #: How the row read at the time (a course's title, a serial, a login).
    target_label: Mapped[str] = mapped_column(sa.String(300), default="")
    before: Mapped[dict | None] = mapped_column(sa.JSON)
    after: Mapped[dict | None] = mapped_column(sa.JSON)
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor = relationship("User")

    __table_args__ = (
        sa.Index("ix_audit_entries_created_dt", "created_dt"),
        sa.Index("ix_audit_entries_action_created_dt", "action", "created_dt"),
        sa.Index("ix_audit_entries_actor_id_created_dt", "actor_id", "created_dt"),
        sa.Index("ix_audit_entries_target_type_target_id", "target_type", "target_id"),
    )

    def __repr__(self):
        return (
            f"<AuditEntry {self.id} {self.action.value} "
            f"{self.target_type}:{self.target_id} actor={self.actor_id}>"
        )
