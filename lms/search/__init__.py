"""Course search behind a small interface, so a cluster engine (OpenSearch) can
replace the whoosh index when one machine's index is outgrown.

    index_course(document)   add or replace one published course
    remove_course(course_id) drop it (returned, archived, deleted)
    rebuild(documents)       start over from the database
    search(text, filters, page, per_page) -> SearchPage
"""

from dataclasses import dataclass, field


@dataclass(frozen=True)
class CourseDocument:
    """What the index knows of a course: plain values, built from the database."""

    id: int
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    lecture_titles: tuple[str, ...]
    lecturer_names: tuple[str, ...]
    project_number: str
    specialty: str
    format: str
    credit_category: str
    professions: tuple[str, ...]


@dataclass(frozen=True)
class SearchHit:
    course_id: int
    score: float
    #: Escaped HTML with the matches in <mark>; safe to render.
    title_html: str
    title_en_html: str
    snippet_html: str


@dataclass(frozen=True)
class SearchPage:
    hits: tuple[SearchHit, ...]
    total: int
    page: int
    pages: int
    facets: dict = field(default_factory=dict)


FACETS = ("specialty", "professions", "credit_category", "format")


def get_search():
    """The search backend of the current app (one per process)."""
    # Flask only here: importing lms.search.query (pure) must not load it.
    from flask import current_app

    backend = current_app.extensions.get("telecme_search")
    if backend is None:
        from lms.search.whoosh_backend import WhooshSearch

        backend = WhooshSearch(
            current_app.config["SEARCH_INDEX_DIR"],
            writer_timeout=current_app.config["SEARCH_WRITER_TIMEOUT"],
        )
        current_app.extensions["telecme_search"] = backend
    return backend
