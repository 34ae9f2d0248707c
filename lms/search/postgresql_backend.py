"""The search interface on PostgreSQL: a table of the app's database (every app
process and worker shares it, and it is backed up and restored with the data).

Each course's ``terms`` is a ``tsvector`` written from our analyser's tokens as a
tsvector literal, not by ``to_tsvector``: PostgreSQL's parser would split CJK
text and project numbers its own way. Weights: A titles (and the project
number), B lecturers, C lecture titles, D descriptions; CJK bigrams are lexemes
of their own (``~ab``), the project number is ``#2026-04-01-017``. A query is a
tsquery literal of tokens we produced and quoted: nothing typed is tsquery syntax.

Writes go through the app's session: the caller (the worker's task, the CLI)
commits.
"""

import json
import math

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import insert

from lms.db import db
from lms.search import FACETS, SearchHit, SearchPage
from lms.search.engine import (
    RUN_GAP,
    document_fields,
    document_terms,
    facet_counts,
    highlight_terms,
    page_hit_html,
    plan_tokens,
    project_term,
)
from lms.search.models import SearchDocument

#: (field, weight letter, lexeme prefix), in position order.
FIELD_WEIGHTS = (
    ("title", "A", ""),
    ("title_en", "A", ""),
    ("lecturers", "B", ""),
    ("lectures", "C", ""),
    ("body", "D", ""),
    ("title_bigrams", "A", "~"),
    ("body_bigrams", "D", "~"),
)
#: ts_rank's weights of D, C, B, A: the FTS5 backend's 1 : 1.5 : 2.5 : 4.
RANK_WEIGHTS = "{0.25, 0.375, 0.625, 1.0}"
MAX_POSITION = 16383
MAX_POSITIONS_PER_LEXEME = 256
STORED = ("title", "title_en", "lecturers", "lectures", "body")
TABLE = SearchDocument.__table__


def lexeme(token):
    """A quoted tsvector/tsquery lexeme: whatever is inside is only ever a lexeme."""
    return "'" + token.replace("\\", "\\\\").replace("'", "''") + "'"


#: PostgreSQL's longest lexeme (bytes); a longer word is not indexed.
MAX_LEXEME_BYTES = 2046


def tsvector_literal(doc, tokens):
    """The ``tsvector`` of a course (``tokens``: its :func:`document_terms`), as
    PostgreSQL's input syntax."""
    positions = {}
    position = 0

    def add(token, weight):
        if len(token.encode()) > MAX_LEXEME_BYTES:
            return  # PostgreSQL refuses the whole row; its to_tsvector skips them too
        entries = positions.setdefault(token, [])
        if len(entries) < MAX_POSITIONS_PER_LEXEME:
            entries.append(f"{min(position, MAX_POSITION)}{weight}")

    for name, weight, prefix in FIELD_WEIGHTS:
        position += 1  # a gap between fields, so a phrase never spans two
        for token in tokens[name]:
            position += 1
            if token != RUN_GAP:
                add(prefix + token, weight)
        if name == "title_en" and doc.project_number:
            position += 2
            add("#" + project_term(doc.project_number), "A")
    return " ".join(
        f"{lexeme(token)}:{','.join(entries)}" for token, entries in positions.items()
    )


def tsquery_literal(groups):
    """AND of groups, each an OR of its alternatives (word, project, bigram phrase)."""
    clauses = []
    for group in groups:
        options = []
        for alt in group:
            options.append(lexeme(alt.term))
            options.append(lexeme("#" + alt.project))
            if alt.parts:
                options.append("(" + " <-> ".join(map(lexeme, alt.parts)) + ")")
            if alt.bigrams:
                options.append(
                    "(" + " <-> ".join(lexeme("~" + b) for b in alt.bigrams) + ")"
                )
        clauses.append("(" + " | ".join(options) + ")")
    return " & ".join(clauses)


def _row(doc):
    fields = document_fields(doc)
    tokens, terms = document_terms(doc)
    return {
        "course_id": doc.id,
        **{name: fields[name] for name in STORED},
        "specialty": doc.specialty or "",
        "format": doc.format or "",
        "credit_category": doc.credit_category or "",
        "professions": "," + ",".join(doc.professions) + "," if doc.professions else "",
        "terms": tsvector_literal(doc, tokens),
        "highlight_terms": json.dumps(terms, ensure_ascii=False, separators=(",", ":")),
    }


def _filter_sql(filters):
    sql, params = [], {}
    for i, (name, value) in enumerate((filters or {}).items()):
        if not value:
            continue
        if name == "professions":
            sql.append(f"position(:f{i} in professions) > 0")
            params[f"f{i}"] = f",{value},"
        elif name in FACETS:
            sql.append(f"{name} = :f{i}")
            params[f"f{i}"] = value
    return "".join(f" AND {s}" for s in sql), params


class PostgresSearch:
    # --- writing (the worker, or `flask search reindex`; the caller commits) ---------

    def index_course(self, doc):
        row = _row(doc)
        statement = insert(TABLE).values(**row)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=[TABLE.c.course_id],
                set_={k: statement.excluded[k] for k in row if k != "course_id"},
            )
        )

    def remove_course(self, course_id):
        db.session.execute(sa.delete(TABLE).where(TABLE.c.course_id == course_id))

    def rebuild(self, documents):
        db.session.execute(sa.delete(TABLE))
        count, batch = 0, []
        for doc in documents:
            batch.append(_row(doc))
            count += 1
            if len(batch) == 1000:
                db.session.execute(insert(TABLE), batch)
                batch = []
        if batch:
            db.session.execute(insert(TABLE), batch)
        return count

    # --- reading (every web process) -------------------------------------------------

    def count(self):
        """How many courses the index holds."""
        return db.session.scalar(sa.select(sa.func.count()).select_from(TABLE))

    @staticmethod
    def _holds_term(term):
        return (
            db.session.execute(
                sa.text(
                    "SELECT 1 FROM search_documents"
                    " WHERE terms @@ CAST(:q AS tsquery) LIMIT 1"
                ),
                {"q": lexeme(term)},
            ).first()
            is not None
        )

    def search(self, text, *, filters=None, page=1, per_page=20):
        empty = SearchPage(hits=(), total=0, page=1, pages=0, facets={})
        groups = plan_tokens(text, self._holds_term)
        if not groups:
            return empty
        where, params = _filter_sql(filters)
        # One pass over the matches: the page and the facet counts of the same
        # rows (a second @@ over 10,000s of tsvectors cost as much again).
        found = db.session.execute(
            sa.text(
                "WITH hits AS MATERIALIZED (SELECT course_id, specialty, professions,"
                " credit_category, format, ts_rank(CAST(:w AS float4[]), terms,"
                " CAST(:q AS tsquery)) AS score FROM search_documents"
                f" WHERE terms @@ CAST(:q AS tsquery){where})"
                " (SELECT 0, course_id, score, NULL, NULL, NULL, NULL, 0 FROM hits"
                " ORDER BY score DESC, course_id LIMIT :limit OFFSET :skip)"
                " UNION ALL (SELECT 1, NULL, NULL, specialty, professions,"
                " credit_category, format, count(*) FROM hits GROUP BY 4, 5, 6, 7)"
            ),
            {
                **params,
                "q": tsquery_literal(groups),
                "w": RANK_WEIGHTS,
                "limit": per_page,
                "skip": (page - 1) * per_page,
            },
        ).all()
        ranked = [(row[1], row[2]) for row in found if row[0] == 0]
        combos = [row[3:] for row in found if row[0] == 1]
        total = sum(row[-1] for row in combos)
        stored = {}
        if ranked:
            stored = {
                row[0]: row[1:]
                for row in db.session.execute(
                    sa.select(
                        TABLE.c.course_id,
                        *(TABLE.c[n] for n in STORED),
                        TABLE.c.highlight_terms,
                    ).where(TABLE.c.course_id.in_([i for i, _ in ranked]))
                )
            }
        rows = [(i, score, *stored[i]) for i, score in ranked if i in stored]
        marks = highlight_terms(groups)
        hits = []
        for course_id, score, *stored, terms in rows:
            title, title_en, snippet = page_hit_html(
                dict(zip(STORED, stored, strict=True)), marks, json.loads(terms)
            )
            hits.append(SearchHit(course_id, score, title, title_en, snippet))
        return SearchPage(
            hits=tuple(hits),
            total=total,
            page=page,
            pages=math.ceil(total / per_page),
            facets=facet_counts(combos),
        )
