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


def run_lanes(workers, lane=None, restarts=0):
    """One lane in this process, or every lane under a supervisor."""
    if lane is not None:
        run_worker(lane, workers, restarts)
        return
    logging.getLogger("lms.workers").setLevel(logging.INFO)
    click.echo(f"Supervising the worker lanes: {', '.join(LANES)}", err=True)
    Supervisor({name: lane_argv(workers) for name in LANES}).run()
