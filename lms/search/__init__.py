"""Course search behind a small interface. ``SEARCH_BACKEND`` = "auto" (default)
serves it from the app's database engine: SQLite FTS5 in a file of its own, or a
table of the PostgreSQL database (many app processes, one index); "whoosh" keeps
the folder index of issue 3. A cluster engine (OpenSearch) is the step beyond.

    index_course(document)   add or replace one published course
    remove_course(course_id) drop it (returned, archived, deleted)
    rebuild(documents)       start over from the database
    search(text, filters, page, per_page) -> SearchPage
    count()                  how many courses it holds
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


def backend_name(config):
    """The backend ``SEARCH_BACKEND`` names; "auto" follows the app's database."""
    name = config.get("SEARCH_BACKEND") or "auto"
    if name == "auto":
        uri = config.get("SQLALCHEMY_DATABASE_URI") or ""
        return "postgresql" if uri.startswith("postgresql") else "sqlite"
    if name not in BACKENDS:
        raise ValueError(f"SEARCH_BACKEND must be auto or one of {sorted(BACKENDS)}")
    return name


BACKENDS = ("sqlite", "postgresql", "whoosh")


def make_search(config):
    """A new backend for an app's ``config``."""
    name = backend_name(config)
    if name == "postgresql":
        from lms.search.postgresql_backend import PostgresSearch

        return PostgresSearch()
    if name == "whoosh":
        from lms.search.whoosh_backend import WhooshSearch

        backend = WhooshSearch
    else:
        from lms.search.sqlite_backend import SqliteSearch

        backend = SqliteSearch
    return backend(
        config["SEARCH_INDEX_DIR"], writer_timeout=config["SEARCH_WRITER_TIMEOUT"]
    )


def get_search():
    """The search backend of the current app (one per process)."""
    # Flask only here: importing lms.search.query (pure) must not load it.
    from flask import current_app

    backend = current_app.extensions.get("telecme_search")
    if backend is None:
        backend = make_search(current_app.config)
        current_app.extensions["telecme_search"] = backend
    return backend


#: A query of a Chinese word and an English one: planning it loads jieba with the
#: medical dictionary and the synonyms, and the backend opens its connection.
WARM_QUERY = "心力衰竭 heart"


def warm(app):
    """Pay a search's one-time costs in this process now (jieba's dictionaries,
    the synonyms, the backend's connection and facet columns), not on a learner's
    first search. For serving processes (``SEARCH_WARM_AT_START``); a failure is
    logged and the first search pays instead."""
    from lms.search.analysis import segmenter, synonyms

    synonyms()
    segmenter()
    with app.app_context():
        try:
            get_search().search(WARM_QUERY, per_page=1)
        except Exception:
            app.logger.exception("search: warming the backend at start failed")
