"""Course rows to search documents, and the index kept in step with the database."""

import logging

import sqlalchemy as sa
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload
from werkzeug.exceptions import ServiceUnavailable

from courses.models import Course
from courses.queries import get_published_courses
from courses.workflow import CourseStatus
from lms.db import db
from lms.search import CourseDocument, get_search
from lms.search.engine import SearchUnavailable

log = logging.getLogger(__name__)


def document_for(course):
    return CourseDocument(
        id=course.id,
        title_zh=course.title_zh,
        title_en=course.title_en,
        description_zh=course.description_zh,
        description_en=course.description_en,
        lecture_titles=tuple(
            f"{lecture.title_zh} {lecture.title_en}".strip()
            for lecture in course.lectures
        ),
        lecturer_names=tuple(u.name for u in course.lecturers),
        project_number=course.project_number,
        specialty=course.specialty,
        format=course.format.value,
        credit_category=course.credit_category,
        professions=tuple(course.target_professions or ()),
    )


def sync_course(course_id):
    """Index the course if it is published, else make sure it is not in the index."""
    course = db.session.get(Course, course_id)
    if course is not None and course.status == CourseStatus.APPROVED:
        get_search().index_course(document_for(course))
    else:
        get_search().remove_course(course_id)


def rebuild_index():
    """Index every published course from scratch; returns how many."""
    courses = db.session.scalars(
        sa.select(Course)
        .where(Course.status == CourseStatus.APPROVED)
        .options(selectinload(Course.lectures), selectinload(Course.lecturers))
    )
    return get_search().rebuild(document_for(course) for course in courses)


#: Catalog filters (as in URLs) → the index's facet fields.
FILTER_FIELDS = {
    "specialty": "specialty",
    "profession": "professions",
    "format": "format",
    "credit_category": "credit_category",
}


def search_published(text, filters, *, page=1, per_page=20):
    """A search page and its ``(course, hit)`` pairs, published courses only."""
    try:
        found = get_search().search(
            text,
            filters={
                FILTER_FIELDS[k]: v for k, v in filters.items() if k in FILTER_FIELDS
            },
            page=page,
            per_page=per_page,
        )
    except SearchUnavailable as error:
        # The operator's words in the log, the reader's on the page or in the JSON.
        log.error("%s", error)
        raise ServiceUnavailable(
            _("Search is unavailable for now. Please try again later.")
        ) from error
    # An index row beyond a 32-bit id is no course (PostgreSQL's ``courses.id``).
    ids = [hit.course_id for hit in found.hits if 0 < hit.course_id < 2**31]
    courses = {course.id: course for course in get_published_courses(ids)}
    return found, [
        (courses[h.course_id], h) for h in found.hits if h.course_id in courses
    ]
