"""Queue tasks for the search index: the worker is its only writer."""

from lms.db import db
from lms.queue import task
from lms.search.documents import sync_course


@task(retries=3, retry_delay=10)
def reindex_course(course_id):
    sync_course(course_id)
    db.session.commit()  # the PostgreSQL index is a table of the app's database


def course_changed(course_id):
    """Call after committing a change to a course: the worker updates the index."""
    reindex_course(course_id)
