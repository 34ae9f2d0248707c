"""A heartbeat kept while a long step runs that reports no progress of its own
(the content analysis, the stills, a remux, a chunk's ffmpeg seeking deep into
a recording): without it the job would look dead after ``JOB_STALE_SECONDS``
and be taken back while its worker still works.

The beat runs in a thread of its own, with its own database session; a hung
step is still stopped by the runner's time limits.
"""

import logging
import threading
from contextlib import contextmanager

from flask import current_app

from lms.db import begin_write_transaction, db

logger = logging.getLogger(__name__)

#: Seconds between two beats.
BEAT_SECONDS = 2.0


@contextmanager
def beating(beat, seconds=BEAT_SECONDS):
    """Call ``beat()`` (a write, committed here) every ``seconds`` while the
    block runs. ``beat`` returning False (the job stopped, the attempt was
    taken back) ends the beats and sets the event this yields, which a step
    reporting progress checks to stop its ffmpeg."""
    app = current_app._get_current_object()
    stop = threading.Event()
    stopped = threading.Event()

    def loop():
        with app.app_context():
            try:
                while not stop.wait(seconds):
                    try:
                        begin_write_transaction()
                        alive = beat()
                        db.session.commit()
                    except Exception:
                        db.session.rollback()
                        logger.exception("a heartbeat write failed")
                        continue
                    if alive is False:
                        stopped.set()
                        return
            finally:
                db.session.remove()

    thread = threading.Thread(target=loop, name="heartbeat", daemon=True)
    thread.start()
    try:
        yield stopped
    finally:
        stop.set()
        thread.join()
