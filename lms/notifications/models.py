from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, enum_column, utcnow
from lms.notifications.kinds import NotificationKind


class Notification(db.Model):
    """One notice to one person, shown in the app (and mailed when configured)."""

    __tablename__ = "notifications"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    kind: Mapped[NotificationKind] = mapped_column(
        enum_column(NotificationKind, "notification_kind")
    )
    #: Values the message names (a course's titles, a reason), rendered in the
    #: reader's language at display time: never a translated sentence.
    params: Mapped[dict] = mapped_column(sa.JSON, default=dict)
    #: A path inside the app (``/teach/courses/3``), or empty.
    link: Mapped[str] = mapped_column(sa.String(300), default="")
    created_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_dt: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (
        # The header's unread count and the list, newest first, per person.
        sa.Index("ix_notifications_user_id_read_dt", "user_id", "read_dt"),
        sa.Index("ix_notifications_user_id_created_dt", "user_id", "created_dt"),
    )

    @property
    def is_read(self):
        return self.read_dt is not None

    def __repr__(self):
        return f"<Notification {self.id} user={self.user_id} {self.kind.value}>"
