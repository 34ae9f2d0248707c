"""Search documents keep the analyser's terms of their highlighted fields (issue 17)

The PostgreSQL backend highlights a page's hits from these (JSON, as the FTS5
backend keeps them) instead of segmenting the fields again on every search.
Rows written before hold ``{}``: their highlights segment until the next reindex.

Revision ID: 6a1c9e3f2b84
Revises: 9d4e2a7c5b13
Create Date: 2026-12-01 00:25:00
"""

import sqlalchemy as sa
from alembic import op

revision = "6a1c9e3f2b84"
down_revision = "9d4e2a7c5b13"
branch_labels = None
depends_on = None


def upgrade():
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.add_column(
            sa.Column("highlight_terms", sa.Text(), nullable=False, server_default="{}")
        )


def downgrade():
    with op.batch_alter_table("search_documents") as batch_op:
        batch_op.drop_column("highlight_terms")
