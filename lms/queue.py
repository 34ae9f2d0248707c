"""The task queue: Huey on SQLite in ``instance/`` by default, on Redis (priority
queue) when ``LMS_QUEUE_URL`` names one. The same tasks run either way.

Tasks run inside an app context of the process that runs them: the worker
(``flask --app lms worker``) or, with ``QUEUE_IMMEDIATE``, the caller itself.
"""

import functools
from pathlib import Path

from flask import current_app, has_app_context
from huey import Huey
from huey.storage import SqliteStorage

#: Configured by :func:`init_app`; tasks are registered on it at import time.
huey = Huey("telecme", storage_class=SqliteStorage, filename=":memory:")
_app = None


def init_app(app):
    """Point the queue at the configured storage."""
    global _app
    _app = app
    # Leave immediate mode first: turning it off restores the storage it replaced.
    huey.immediate = False
    url = app.config.get("QUEUE_URL")
    if url and url.startswith(("redis://", "rediss://", "unix://")):
        from huey.storage import PriorityRedisStorage

        huey.storage = PriorityRedisStorage("telecme", url=url)
    else:
        path = url or str(Path(app.instance_path) / "queue.sqlite3")
        Path(path).parent.mkdir(parents=True, exist_ok=True)
        huey.storage = SqliteStorage("telecme", filename=path)
    huey.immediate = bool(app.config.get("QUEUE_IMMEDIATE"))


def task(**options):
    """A Huey task whose body runs in an app context (the worker's, or the caller's)."""

    def decorator(function):
        @functools.wraps(function)
        def in_app_context(*args, **kwargs):
            if has_app_context():
                return function(*args, **kwargs)
            with _app.app_context():
                return function(*args, **kwargs)

        return huey.task(**options)(in_app_context)

    return decorator


def periodic_task(schedule):
    """A Huey periodic task whose body runs in the worker's app context."""

    def decorator(function):
        @functools.wraps(function)
        def in_app_context():
            with _app.app_context():
                return function()

        return huey.periodic_task(schedule)(in_app_context)

    return decorator


#: Every module that defines tasks: the worker imports them all.
TASK_MODULES = ("lms.search.tasks", "media_pipeline.tasks", "certificates.tasks")


def run_worker(workers=1):
    """Consume tasks until stopped (SIGINT/SIGTERM)."""
    import importlib

    from huey.consumer import Consumer

    for module in TASK_MODULES:
        importlib.import_module(module)

    current_app.logger.info("worker consuming %s", huey.storage.__class__.__name__)
    Consumer(huey, workers=workers, worker_type="thread", periodic=True).run()
