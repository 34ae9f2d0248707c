"""Keeping the summary tables up to date (the fast lane's periodic task)."""

from huey import crontab

from lms.queue import periodic_task
from lms.reports.summaries import refresh_pending


@periodic_task(crontab(minute="*"))
def refresh_reports():
    """Recompute the months changed since the last run (and the current one)."""
    refresh_pending()
