"""A worker lane's heartbeat: a thread beside the consumer writes a row every
``WORKER_HEARTBEAT_SECONDS`` (in its own app context and transaction)."""

import os
import socket
import threading

from lms.db import begin_write_transaction, db, utcnow
from lms.workers.operations import record_heartbeat


class Heartbeat:
    """``with Heartbeat(app, lane, restarts): consume()``."""

    def __init__(self, app, lane, restarts=0):
        self.app, self.lane, self.restarts = app, lane, restarts
        self.interval = float(app.config["WORKER_HEARTBEAT_SECONDS"])
        self.stopped = threading.Event()
        self.thread = threading.Thread(
            target=self._run, name=f"heartbeat-{lane}", daemon=True
        )

    def __enter__(self):
        self.beat(started=True)  # seen before the first task runs
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stopped.set()
        self.thread.join(timeout=self.interval + 5)

    def beat(self, started=False):
        with self.app.app_context():
            try:
                begin_write_transaction()
                record_heartbeat(
                    socket.gethostname(),
                    self.lane,
                    os.getpid(),
                    self.restarts,
                    utcnow(),
                    started=started,
                )
                db.session.commit()
            except Exception:  # a busy or unreachable database: try next beat
                db.session.rollback()
                self.app.logger.exception("worker heartbeat of %s failed", self.lane)

    def _run(self):
        while not self.stopped.wait(self.interval):
            self.beat()
