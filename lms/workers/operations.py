"""Worker heartbeats. Operations flush; the heartbeat thread commits."""

import sqlalchemy as sa

from lms.db import db
from lms.workers.models import WorkerHeartbeat


def record_heartbeat(hostname, lane, pid, restarts, now, *, started=False):
    """Note that ``lane`` on ``hostname`` is alive (``started``: a new process)."""
    row = db.session.scalar(
        sa.select(WorkerHeartbeat)
        .filter_by(hostname=hostname, lane=lane)
        .with_for_update()
    )
    if row is None:
        row = WorkerHeartbeat(hostname=hostname, lane=lane, started_dt=now)
        db.session.add(row)
    if started or row.pid != pid:
        row.started_dt = now
    row.pid, row.restarts, row.seen_dt = pid, restarts, now
    db.session.flush()
    return row
