"""``flask --app lms reports ...``"""

import click
from flask.cli import AppGroup

from lms.reports.rules import PeriodError, parse_period
from lms.reports.summaries import rebuild, refresh_pending

reports_cli = AppGroup("reports", help="The network reports' summary tables.")


@reports_cli.command("rebuild")
@click.option("--start", help="First month, YYYY-MM (default: the first with data).")
@click.option("--end", help="Last month, YYYY-MM (default: this month).")
def rebuild_command(start, end):
    """Recompute the summary tables from the raw rows."""
    first = last = None
    if start or end:
        from datetime import date

        try:
            period = parse_period(start=start, end=end, today=date.today())
        except PeriodError as exc:
            raise click.BadParameter(str(exc)) from exc
        first, last = period.first, period.last
    result = rebuild(first, last, progress=lambda m: click.echo(f"month {m}"))
    click.echo(
        f"Rebuilt {len(result.months)} month(s) and {result.learner_years} "
        f"learner-year(s) in {result.seconds:.1f} s."
    )


@reports_cli.command("refresh")
def refresh_command():
    """Recompute what changed since the last refresh (as the worker does)."""
    result = refresh_pending()
    click.echo(
        f"Refreshed {len(result.months)} month(s) and {result.learner_years} "
        f"learner-year(s) in {result.seconds:.1f} s."
    )
