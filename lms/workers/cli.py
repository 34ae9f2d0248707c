"""What ``flask --app lms worker`` runs."""

import logging
import sys

import click

from lms.queue import LANES, run_worker
from lms.workers.supervisor import Supervisor


def lane_argv(workers):
    def argv(lane, restarts):
        return [
            sys.executable,
            "-m",
            "flask",
            "--app",
            "lms",
            "worker",
            "--lane",
            lane,
            "--workers",
            str(workers),
            "--restarts",
            str(restarts),
        ]

    return argv


def run_lanes(workers, lanes=(), restarts=0):
    """One lane in this process, or several (default: every lane) under a
    supervisor: a worker machine of the scaled-out stack may run only the media
    lanes, another only the fast one."""
    if isinstance(lanes, str):
        lanes = (lanes,)
    chosen = [name for name in LANES if name in set(lanes)] or list(LANES)
    if len(lanes) == 1:
        run_worker(chosen[0], workers, restarts)
        return
    logging.getLogger("lms.workers").setLevel(logging.INFO)
    click.echo(f"Supervising the worker lanes: {', '.join(chosen)}", err=True)
    Supervisor({name: lane_argv(workers) for name in chosen}).run()
