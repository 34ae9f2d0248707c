"""What the office's page shows of the worker."""

import sqlalchemy as sa

from lms.db import db
from lms.queue import LANES
from lms.workers.health import judge_lane
from lms.workers.models import WorkerHeartbeat


def list_lane_health(now, interval_seconds):
    """Every lane's health on every host seen (one query); a lane never seen on
    any host is listed as such."""
    rows = db.session.scalars(
        sa.select(WorkerHeartbeat).order_by(
            WorkerHeartbeat.lane, WorkerHeartbeat.hostname
        )
    ).all()
    seen = {row.lane for row in rows}
    health = [judge_lane(row.lane, row, now, interval_seconds) for row in rows]
    health += [judge_lane(lane, None, now, interval_seconds) for lane in LANES]
    return [h for h in health if h.seen_dt is not None or h.lane not in seen]
