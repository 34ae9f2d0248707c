"""``flask --app lms media ...``"""

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from lms.db import db, utcnow
from lms.enums import MEDIA_POLICIES
from media_pipeline.models import TranscodeJob

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
    """Queue a new transcode of the recording of lectures: the one in flight,
    else the version awaiting review, else the live one (never a rejected or
    superseded version: ``media_pipeline.overrides``)."""
    from courses.models import Lecture
    from media_pipeline.overrides import transcode_again
    from media_pipeline.tasks import enqueue

    if not everything and not lecture_ids:
        raise click.UsageError("Give --all or one or more --lecture ID.")
    query = (
        sa.select(Lecture)
        .where(Lecture.id.in_(sa.select(TranscodeJob.lecture_id).distinct()))
        .order_by(Lecture.id)
    )
    if lecture_ids:
        query = query.where(Lecture.id.in_(lecture_ids))
    jobs, unchanged = [], 0
    now = utcnow()
    for lecture in db.session.scalars(query):
        if policy and lecture_ids:
            lecture.media_policy = policy  # this lecture's choice from now on
        wanted = (
            policy or lecture.media_policy or lecture.course.media_policy or "lecture"
        )
        result = transcode_again(lecture, wanted, now)
        if result.job is not None:
            jobs.append(result.job)
        elif result.in_flight is not None:
            unchanged += 1
    db.session.commit()
    for job in jobs:
        enqueue(job)
    click.echo(f"Queued {len(jobs)} transcode jobs.")
    if unchanged:
        click.echo(
            f"{unchanged} already transcoding with that ladder: left as they are."
        )
