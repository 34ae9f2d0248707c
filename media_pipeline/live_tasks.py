"""Queue tasks of the live lane: a broadcast's ladder, run for as long as it is
pushed, and what happens when it ends."""

import threading

from flask import current_app

from lms.queue import task


def start_ladder(broadcast_id):
    """Start the live ladder of a new broadcast (after the commit that created it).

    On the live lane of the worker; with ``QUEUE_IMMEDIATE`` (tests, a single
    process) the same task body runs in a daemon thread of this process with an
    app context of its own: a request never waits for a broadcast's length.
    """
    if current_app.config.get("QUEUE_IMMEDIATE"):
        app = current_app._get_current_object()

        def run():
            with app.app_context():
                run_broadcast.call_local(broadcast_id)

        thread = threading.Thread(
            target=run, name=f"live-ladder-b{broadcast_id}", daemon=True
        )
        thread.start()
        return thread
    return run_broadcast(broadcast_id)


@task(lane="live")
def run_broadcast(broadcast_id):
    """Run the ladder of every push of the broadcast until it ends."""
