"""Keep one worker process per lane running: a lane that dies (killed, out of
memory, a crash) is started again, after a delay that doubles while it keeps
dying and resets once it has run steadily.

The supervisor itself holds no app, database or queue: it only starts, watches
and stops processes, so there is little in it that can fail.
"""

import ctypes
import logging
import signal
import subprocess
import sys
import threading
import time

from lms.workers.health import restart_delay

logger = logging.getLogger(__name__)

_PR_SET_PDEATHSIG = 1
_libc = ctypes.CDLL(None, use_errno=True) if sys.platform.startswith("linux") else None


def _stop_with_the_supervisor():
    """In the child, before exec: SIGTERM when the supervisor dies (even by -9)."""
    if _libc is not None:
        _libc.prctl(_PR_SET_PDEATHSIG, signal.SIGTERM)


class Lane:
    def __init__(self, name, command):
        self.name, self.command = name, command
        self.process = None
        self.started_at = 0.0
        self.failures = 0  # deaths in a row, each within ``steady_seconds``
        self.restarts = 0
        self.due_at = 0.0


class Supervisor:
    """``Supervisor({"fast": argv, "media": argv}).run()`` until SIGTERM/SIGINT.

    ``command(lane_name, restarts)`` may also be a callable returning the argv.
    """

    def __init__(
        self,
        commands,
        *,
        base_delay=1.0,
        max_delay=60.0,
        steady_seconds=60.0,
        stop_grace=10.0,
        poll_seconds=0.2,
    ):
        self.lanes = [Lane(name, command) for name, command in commands.items()]
        self.base_delay, self.max_delay = base_delay, max_delay
        self.steady_seconds, self.stop_grace = steady_seconds, stop_grace
        self.poll_seconds = poll_seconds
        self.stopping = threading.Event()

    def argv(self, lane):
        if callable(lane.command):
            return lane.command(lane.name, lane.restarts)
        return lane.command

    def start(self, lane):
        lane.process = subprocess.Popen(
            self.argv(lane), preexec_fn=_stop_with_the_supervisor
        )
        lane.started_at = time.monotonic()
        logger.info("worker lane %s started (pid %s)", lane.name, lane.process.pid)

    def check(self, lane, now):
        """Start a lane that is due; notice one that died and schedule it."""
        if lane.process is None:
            if now >= lane.due_at:
                self.start(lane)
            return
        code = lane.process.poll()
        if code is None:
            return
        ran = now - lane.started_at
        lane.failures = 1 if ran >= self.steady_seconds else lane.failures + 1
        lane.restarts += 1
        delay = restart_delay(lane.failures, self.base_delay, self.max_delay)
        logger.warning(
            "worker lane %s (pid %s) exited with %s after %.0f s; restarting in %.0f s",
            lane.name,
            lane.process.pid,
            code,
            ran,
            delay,
        )
        lane.process, lane.due_at = None, now + delay

    def run(self):
        """Supervise until SIGTERM or SIGINT; then stop every lane and return."""
        previous = {
            signum: signal.signal(signum, lambda *_: self.stopping.set())
            for signum in (signal.SIGTERM, signal.SIGINT)
        }
        try:
            while not self.stopping.is_set():
                now = time.monotonic()
                for lane in self.lanes:
                    self.check(lane, now)
                self.stopping.wait(self.poll_seconds)
        finally:
            self.stop()
            for signum, handler in previous.items():
                signal.signal(signum, handler)

    def stop(self):
        """SIGTERM every lane, then SIGKILL what is left after the grace period."""
        running = [lane.process for lane in self.lanes if lane.process is not None]
        for process in running:
            if process.poll() is None:
                process.terminate()
        deadline = time.monotonic() + self.stop_grace
        for process in running:
            try:
                process.wait(max(0.0, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
