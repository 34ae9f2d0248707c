"""The task queue: Huey on SQLite in ``instance/`` by default, on Redis (priority
queue) when ``LMS_QUEUE_URL`` names one. The same tasks run either way.

Three lanes, each a queue of its own consumed by a worker process of its own:
the **media** lane runs transcodes one at a time (each may take an hour); the
**live** lane runs broadcasts' live ladders, one thread each (LIVE_WORKERS at
once; each runs for as long as its broadcast); the **fast** lane runs
everything else (search indexing, sweeps, bulk issues) and the periodic tasks,
so a long transcode or broadcast never keeps them waiting.

Tasks run inside an app context of the process that runs them: the worker
(``flask --app lms worker``) or, with ``QUEUE_IMMEDIATE``, the caller itself.
"""

import functools
from pathlib import Path

from flask import current_app, has_app_context
from huey import Huey
from huey.storage import SqliteStorage

#: Configured by :func:`init_app`; tasks are registered on them at import time.
huey = Huey("telecme", storage_class=SqliteStorage, filename=":memory:")
media_huey = Huey("telecme-media", storage_class=SqliteStorage, filename=":memory:")
#: Live ladders: each task runs for as long as its broadcast is pushed.
live_huey = Huey("telecme-live", storage_class=SqliteStorage, filename=":memory:")
#: Lane name → its queue. The fast lane also runs the periodic tasks.
LANES = {"fast": huey, "media": media_huey, "live": live_huey}
#: Threads of a lane's consumer: transcodes run one at a time.
MEDIA_WORKERS = 1
_app = None


def init_app(app):
    """Point the queue at the configured storage."""
    global _app
    _app = app
    url = app.config.get("QUEUE_URL")
    for queue in LANES.values():
        # Leave immediate mode first: turning it off restores the storage it replaced.
        queue.immediate = False
        if url and url.startswith(("redis://", "rediss://", "unix://")):
            from huey.storage import PriorityRedisStorage

            queue.storage = PriorityRedisStorage(queue.name, url=url)
        else:
            path = url or str(Path(app.instance_path) / "queue.sqlite3")
            Path(path).parent.mkdir(parents=True, exist_ok=True)
            queue.storage = SqliteStorage(queue.name, filename=path)
        queue.immediate = bool(app.config.get("QUEUE_IMMEDIATE"))


def task(lane="fast", **options):
    """A Huey task of ``lane`` whose body runs in an app context (the worker's, or
    the caller's)."""

    def decorator(function):
        @functools.wraps(function)
        def in_app_context(*args, **kwargs):
            if has_app_context():
                return function(*args, **kwargs)
            with _app.app_context():
                return function(*args, **kwargs)

        return LANES[lane].task(**options)(in_app_context)

    return decorator


def periodic_task(schedule):
    """A periodic task of the fast lane, run in the worker's app context."""

    def decorator(function):
        @functools.wraps(function)
        def in_app_context():
            with _app.app_context():
                return function()

        return huey.periodic_task(schedule)(in_app_context)

    return decorator


#: Every module that defines tasks: the worker imports them all.
TASK_MODULES = (
    "lms.search.tasks",
    "media_pipeline.tasks",
    "certificates.tasks",
    "lms.notifications.tasks",
    "lms.accounts.tasks",
    "courses.sessions.tasks",
    "media_pipeline.live_tasks",
    "lms.reports.tasks",
)


def run_worker(lane, workers=1, restarts=0):
    """Consume ``lane``'s tasks in this process until stopped (SIGINT/SIGTERM),
    beating the worker's heartbeat meanwhile."""
    import importlib

    from huey.consumer import Consumer

    from lms.workers.heartbeat import Heartbeat

    for module in TASK_MODULES:
        importlib.import_module(module)

    queue = LANES[lane]
    if lane == "media":
        workers = MEDIA_WORKERS
    elif lane == "live":
        # One thread per broadcast that may be pushed at once.
        workers = current_app.config["LIVE_WORKERS"]
    current_app.logger.info(
        "worker lane %s consuming %s", lane, queue.storage.__class__.__name__
    )
    with Heartbeat(current_app._get_current_object(), lane, restarts):
        Consumer(
            queue, workers=workers, worker_type="thread", periodic=lane == "fast"
        ).run()
