"""Search documents: the PostgreSQL search backend's index (issue 17)

On PostgreSQL ``terms`` is a tsvector with a GIN index; on SQLite the table
exists (one schema for both databases) and stays empty: search there is FTS5 in
a file of its own.

Revision ID: 9d4e2a7c5b13
Revises: 3f8b2c6d1e47
Create Date: 2026-11-30 23:10:00
"""

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision = "9d4e2a7c5b13"
down_revision = "3f8b2c6d1e47"
branch_labels = None
depends_on = None


def upgrade():
    op.create_table(
        "search_documents",
        sa.Column("course_id", sa.BigInteger(), autoincrement=False, nullable=False),
        sa.Column("title", sa.Text(), nullable=False),
        sa.Column("title_en", sa.Text(), nullable=False),
        sa.Column("lecturers", sa.Text(), nullable=False),
        sa.Column("lectures", sa.Text(), nullable=False),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("specialty", sa.String(length=64), nullable=False),
        sa.Column("format", sa.String(length=32), nullable=False),
        sa.Column("credit_category", sa.String(length=32), nullable=False),
        sa.Column("professions", sa.Text(), nullable=False),
        sa.Column(
            "terms",
            sa.Text().with_variant(postgresql.TSVECTOR(), "postgresql"),
            nullable=False,
        ),
        sa.PrimaryKeyConstraint("course_id", name=op.f("pk_search_documents")),
    )
    op.create_index(
        "ix_search_documents_terms",
        "search_documents",
        ["terms"],
        unique=False,
        postgresql_using="gin",
    )


def downgrade():
    op.drop_index("ix_search_documents_terms", table_name="search_documents")
    op.drop_table("search_documents")
