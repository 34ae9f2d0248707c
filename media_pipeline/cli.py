"""``flask --app lms media ...``"""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.db import db, utcnow
from lms.enums import MEDIA_POLICIES
from media_pipeline import operations as ops
from media_pipeline.models import TranscodeJob
from media_pipeline.states import JobState

media_cli = AppGroup("media", help="Recordings and their HLS ladders.")


@media_cli.command("worker")
@click.option("--workers", default=2, show_default=True)
def worker_command(workers):
    """Run the background worker (the same as `flask --app lms worker`)."""
    from lms.workers.cli import run_lanes

    run_lanes(workers)


@media_cli.command("retranscode")
@click.option(
    "--all", "everything", is_flag=True, help="Every lecture with a recording."
)
@click.option("--lecture", "lecture_ids", type=int, multiple=True)
@click.option(
    "--policy",
    type=click.Choice(MEDIA_POLICIES),
    default=None,
    help="Ladder policy for the new jobs (default: each job's own; auto: from "
    "an analysis of each recording's picture).",
)
def retranscode_command(everything, lecture_ids, policy):
    """Queue a new transcode of the latest successful upload of lectures."""
    from media_pipeline.tasks import enqueue

    if not everything and not lecture_ids:
        raise click.UsageError("Give --all or one or more --lecture ID.")
    latest = (
        sa.select(sa.func.max(TranscodeJob.id))
        .where(TranscodeJob.state == JobState.SUCCEEDED)
        .group_by(TranscodeJob.lecture_id)
    )
    query = sa.select(TranscodeJob).where(TranscodeJob.id.in_(latest))
    if lecture_ids:
        query = query.where(TranscodeJob.lecture_id.in_(lecture_ids))
    jobs = []
    for done in db.session.scalars(query):
        if policy and lecture_ids:
            done.lecture.media_policy = policy  # this lecture's choice from now on
        jobs.append(ops.create_job(done.upload, utcnow(), policy=policy))
    db.session.commit()
    for job in jobs:
        enqueue(job)
    click.echo(f"Queued {len(jobs)} transcode jobs.")
