from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import UTCDateTime, db, utcnow


class WorkerHeartbeat(db.Model):
    """The last sign of life of a worker lane on a host (one row each)."""

    __tablename__ = "worker_heartbeats"

    id: Mapped[int] = mapped_column(primary_key=True)
    hostname: Mapped[str] = mapped_column(sa.String(255))
    #: The queue lane the process consumes (``fast`` or ``media``).
    lane: Mapped[str] = mapped_column(sa.String(32))
    pid: Mapped[int] = mapped_column()
    #: Times the supervisor restarted this lane since it started itself.
    restarts: Mapped[int] = mapped_column(default=0)
    started_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    seen_dt: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (sa.UniqueConstraint("hostname", "lane"),)

    def __repr__(self):
        return f"<WorkerHeartbeat {self.id} {self.hostname}/{self.lane} pid={self.pid}>"
