"""The PostgreSQL backend's index: one row per published course, in the app's
database (``lms.search.postgresql_backend``). The table exists on SQLite too, so
both databases have one schema; there it stays empty (SQLite search uses FTS5)."""

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import TSVECTOR
from sqlalchemy.orm import Mapped, mapped_column

from lms.db import db


class SearchDocument(db.Model):
    __tablename__ = "search_documents"
    __table_args__ = (
        sa.Index("ix_search_documents_terms", "terms", postgresql_using="gin"),
    )

    course_id: Mapped[int] = mapped_column(
        sa.BigInteger, primary_key=True, autoincrement=False
    )
    title: Mapped[str] = mapped_column(sa.Text)
    title_en: Mapped[str] = mapped_column(sa.Text)
    lecturers: Mapped[str] = mapped_column(sa.Text)
    lectures: Mapped[str] = mapped_column(sa.Text)
    body: Mapped[str] = mapped_column(sa.Text)
    specialty: Mapped[str] = mapped_column(sa.String(64))
    format: Mapped[str] = mapped_column(sa.String(32))
    credit_category: Mapped[str] = mapped_column(sa.String(32))
    #: ",doctor,nurse," (a value is found by its commas), "" for none.
    professions: Mapped[str] = mapped_column(sa.Text)
    #: Our analyser's tokens with positions and weights (A titles, B lecturers,
    #: C lecture titles, D descriptions).
    terms: Mapped[str] = mapped_column(sa.Text().with_variant(TSVECTOR(), "postgresql"))
    #: ``{field: [[term, start, end], ...]}`` of the highlighted fields (JSON), so
    #: a page's highlights need no segmenting; ``{}`` (rows of before): segment.
    highlight_terms: Mapped[str] = mapped_column(sa.Text, server_default="{}")
