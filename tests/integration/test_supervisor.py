"""The supervisor restarts a lane that dies, waiting longer each time it dies
again soon, and starting afresh once it had run steadily (real processes)."""

import itertools
import signal
import threading
import time

import pytest

from lms.workers.supervisor import Supervisor


def supervise_for(seconds, **options):
    """Run a supervisor of one lane that exits at once; the times it was started."""
    starts = []

    def command(lane, restarts):
        starts.append((time.monotonic(), restarts))
        return ["/bin/true"]

    supervisor = Supervisor({"fast": command}, poll_seconds=0.01, **options)
    threading.Timer(seconds, supervisor.stopping.set).start()
    supervisor.run()
    return starts


def test_a_lane_that_keeps_dying_is_restarted_with_doubling_delays():
    starts = supervise_for(2.5, base_delay=0.1, max_delay=0.4, steady_seconds=60)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(starts)]
    assert [restarts for _, restarts in starts[:5]] == [0, 1, 2, 3, 4]
    for gap, delay in zip(gaps, [0.1, 0.2, 0.4, 0.4, 0.4], strict=False):
        assert gap >= delay
    # Capped: not more starts than 2.5 s of 0.4 s waits allow, after the first few.
    assert 4 <= len(starts) <= 3 + 2.5 / 0.4


def test_a_lane_that_ran_steadily_starts_over_at_the_base_delay():
    starts = supervise_for(2.0, base_delay=0.1, max_delay=10, steady_seconds=0)
    gaps = [b - a for (a, _), (b, _) in itertools.pairwise(starts)]
    # Doubling from 0.1 s would allow 5 starts in 2 s (0, 0.1, 0.3, 0.7, 1.5).
    assert len(starts) >= 7 and all(gap < 1.0 for gap in gaps)


def test_the_supervisor_gives_back_the_signal_handlers_it_took():
    before = signal.getsignal(signal.SIGINT)
    supervise_for(0.1)
    assert signal.getsignal(signal.SIGINT) is before


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_signal_stops_every_lane(signum):
    started = []

    def command(lane, restarts):
        started.append(lane)
        return ["sleep", "60"]

    supervisor = Supervisor({"fast": command, "media": command}, poll_seconds=0.01)
    threading.Timer(1.0, signal.raise_signal, [signum]).start()
    began = time.monotonic()
    supervisor.run()
    assert time.monotonic() - began < 10
    assert sorted(started) == ["fast", "media"]
    assert all(lane.process.poll() is not None for lane in supervisor.lanes)
