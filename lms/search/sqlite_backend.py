"""The search interface on SQLite FTS5, fed by our analyser's tokens (the embedded
default when the app's database is SQLite).

The index is its own SQLite file in ``SEARCH_INDEX_DIR``, not a table of the
app's database: it is derived data (``flask search reindex`` rebuilds it, so it
needs no backup), and its writes (a rebuild of 100,000 courses is one long
transaction) must not hold the app database's single write lock while learners'
heartbeats wait. WAL mode: every web process reads while the worker writes.

The FTS5 table holds tokens, space-joined; its ``ascii`` tokenizer keeps every
non-ASCII character and ``- . _ /`` inside a token, so a token we wrote is one
FTS5 token. A query is built only from tokens we produced and quoted.
"""

import json
import math
import os
import sqlite3
import threading
from collections import Counter
from itertools import chain
from pathlib import Path

from lms.search import FACETS, SearchHit, SearchPage
from lms.search.engine import (
    BIGRAM_FIELDS,
    PROJECT_WEIGHT,
    TEXT_FIELDS,
    SearchUnavailable,
    document_fields,
    document_terms,
    facet_counts,
    highlight_terms,
    page_hit_html,
    plan_tokens,
    project_term,
)

#: Raised when the tokens or tables change: an index of another version is rebuilt.
SCHEMA_VERSION = 3
FILE_NAME = "search.sqlite3"
FTS_COLUMNS = (
    *(name for name, _ in TEXT_FIELDS),
    *(name for name, _ in BIGRAM_FIELDS),
    "project_number",
)
WEIGHTS = (
    *(w for _, w in TEXT_FIELDS),
    *(w for _, w in BIGRAM_FIELDS),
    PROJECT_WEIGHT,
)
STORED = ("title", "title_en", "lecturers", "lectures", "body")
SCHEMA = (
    "CREATE TABLE IF NOT EXISTS docs (id INTEGER PRIMARY KEY,"
    + "".join(f" {name} TEXT NOT NULL," for name in STORED)
    + " specialty TEXT NOT NULL, format TEXT NOT NULL,"
    " credit_category TEXT NOT NULL, professions TEXT NOT NULL,"
    " highlight_terms TEXT NOT NULL)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS terms USING fts5("
    + ", ".join(FTS_COLUMNS)
    + ", tokenize = \"ascii tokenchars '-._/'\", detail = full)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS vocab USING fts5vocab(terms, 'row')",
    # Raised by every write: a process's facet columns are read again.
    "CREATE TABLE IF NOT EXISTS generation (id INTEGER PRIMARY KEY, value INTEGER)",
    "INSERT OR IGNORE INTO generation VALUES (1, 0)",
)
RANK = "bm25(terms, " + ", ".join(str(w) for w in WEIGHTS) + ")"


def quoted(token):
    """An FTS5 string: whatever is inside is only ever a token, never syntax."""
    return '"' + token.replace('"', '""') + '"'


def match_expression(groups):
    """The FTS5 MATCH text of a plan: AND of groups, each an OR of its alternatives."""
    text_columns = "{" + " ".join(name for name, _ in TEXT_FIELDS) + "}"
    bigram_columns = "{" + " ".join(name for name, _ in BIGRAM_FIELDS) + "}"
    clauses = []
    for group in groups:
        options = []
        for alt in group:
            options.append(f"{text_columns} : {quoted(alt.term)}")
            options.append(f"project_number : {quoted(alt.project)}")
            if alt.parts:
                phrase = " + ".join(quoted(p) for p in alt.parts)
                options.append(f"{text_columns} : ({phrase})")
            if alt.bigrams:
                phrase = " + ".join(quoted(b) for b in alt.bigrams)
                options.append(f"{bigram_columns} : ({phrase})")
        clauses.append("(" + " OR ".join(options) + ")")
    return " AND ".join(clauses)


def _filter_sql(filters):
    """``(sql, params)`` narrowing ``docs d`` to the catalog filters."""
    sql, params = [], []
    for name, value in (filters or {}).items():
        if not value:
            continue
        if name == "professions":
            sql.append("instr(d.professions, ?) > 0")
            params.append(f",{value},")
        elif name in FACETS:
            sql.append(f"d.{name} = ?")
            params.append(value)
    return "".join(f" AND {s}" for s in sql), params


class SqliteSearch:
    def __init__(self, directory, *, writer_timeout=30.0):
        self.path = Path(directory) / FILE_NAME
        self.writer_timeout = writer_timeout
        self._local = threading.local()
        self._columns_lock = threading.Lock()
        self._columns = None

    # --- connections (one per thread and process) ------------------------------------

    def _connect(self):
        local = self._local
        try:
            inode = os.stat(self.path).st_ino
        except OSError:
            inode = None
        # A file deleted and made again (an operator's fresh reindex) is another
        # index: a connection to the old inode would read the deleted one forever.
        if (
            getattr(local, "pid", None) != os.getpid()
            or local.path != self.path
            or local.inode != inode
        ):
            if getattr(local, "conn", None) is not None:
                local.conn.close()
                local.conn = None
            conn = None
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
                conn = sqlite3.connect(
                    self.path, timeout=self.writer_timeout, isolation_level=None
                )
                conn.execute("PRAGMA journal_mode = WAL")
                conn.execute("PRAGMA synchronous = NORMAL")
                version = conn.execute("PRAGMA user_version").fetchone()[0]
                if version != SCHEMA_VERSION:
                    self._create(conn)
            except (sqlite3.DatabaseError, OSError) as error:
                if conn is not None:
                    conn.close()
                raise SearchUnavailable(
                    f"search index unavailable ({self.path}: {error});"
                    " run flask search reindex"
                ) from error
            local.conn, local.pid, local.path = conn, os.getpid(), self.path
            local.inode = os.stat(self.path).st_ino
        return local.conn

    def _create(self, conn):
        conn.execute("BEGIN IMMEDIATE")
        try:
            if conn.execute("PRAGMA user_version").fetchone()[0] != SCHEMA_VERSION:
                for table in ("vocab", "terms", "docs", "generation"):
                    conn.execute(f"DROP TABLE IF EXISTS {table}")
                for statement in SCHEMA:
                    conn.execute(statement)
                conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION}")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise

    # --- writing (the worker, or `flask search reindex`) -----------------------------

    @staticmethod
    def _rows(doc):
        fields = document_fields(doc)
        tokens, terms = document_terms(doc)
        doc_row = (
            doc.id,
            *(fields[name] for name in STORED),
            doc.specialty or "",
            doc.format or "",
            doc.credit_category or "",
            "," + ",".join(doc.professions) + "," if doc.professions else "",
            json.dumps(terms, ensure_ascii=False, separators=(",", ":")),
        )
        term_row = (
            doc.id,
            *(" ".join(tokens[name]) for name in FTS_COLUMNS[:-1]),
            project_term(doc.project_number or ""),
        )
        return doc_row, term_row

    def _write(self, conn, rows):
        conn.executemany(
            f"INSERT INTO docs VALUES ({', '.join('?' * (len(STORED) + 6))})",
            (doc_row for doc_row, _ in rows),
        )
        conn.executemany(
            f"INSERT INTO terms (rowid, {', '.join(FTS_COLUMNS)})"
            f" VALUES ({', '.join('?' * (len(FTS_COLUMNS) + 1))})",
            (term_row for _, term_row in rows),
        )

    def _transaction(self, work):
        conn = self._connect()
        conn.execute("BEGIN IMMEDIATE")
        try:
            result = work(conn)
            conn.execute("UPDATE generation SET value = value + 1")
            conn.execute("COMMIT")
        except BaseException:
            conn.execute("ROLLBACK")
            raise
        return result

    @staticmethod
    def _delete(conn, course_id):
        conn.execute("DELETE FROM docs WHERE id = ?", (course_id,))
        conn.execute("DELETE FROM terms WHERE rowid = ?", (course_id,))

    def index_course(self, doc):
        rows = [self._rows(doc)]  # the analyser's work before the write lock

        def write(conn):
            self._delete(conn, doc.id)
            self._write(conn, rows)

        self._transaction(write)

    def remove_course(self, course_id):
        self._transaction(lambda conn: self._delete(conn, course_id))

    def rebuild(self, documents):
        rows = [self._rows(doc) for doc in documents]

        def write(conn):
            conn.execute("DELETE FROM docs")
            conn.execute("DELETE FROM terms")
            self._write(conn, rows)
            conn.execute("INSERT INTO terms (terms) VALUES ('optimize')")

        self._transaction(write)
        return len(rows)

    # --- reading (every web process) -------------------------------------------------

    def count(self):
        """How many courses the index holds."""
        return self._connect().execute("SELECT count(*) FROM docs").fetchone()[0]

    def _holds_term(self, conn):
        def holds(term):
            row = conn.execute("SELECT 1 FROM vocab WHERE term = ?", (term,)).fetchone()
            return row is not None

        return holds

    def _facet_columns(self, conn):
        """``(combination of each course, combinations)``: the facet values of
        every course, read once per process and index generation (as whoosh's
        column readers are), so counting facets reads no rows."""
        # A file made again starts its generations anew: its inode tells it apart.
        generation = (
            self._local.inode,
            conn.execute("SELECT value FROM generation").fetchone()[0],
        )
        with self._columns_lock:
            columns = self._columns
            if columns is None or columns[0] != generation:
                combos, index, of_course = [], {}, {}
                for course_id, *values in conn.execute(
                    "SELECT id, specialty, professions, credit_category, format"
                    " FROM docs"
                ):
                    key = tuple(values)
                    if key not in index:
                        index[key] = len(combos)
                        combos.append(key)
                    of_course[course_id] = index[key]
                columns = self._columns = (generation, of_course, combos)
        return columns[1], columns[2]

    def search(self, text, *, filters=None, page=1, per_page=20):
        empty = SearchPage(hits=(), total=0, page=1, pages=0, facets={})
        conn = self._connect()
        groups = plan_tokens(text, self._holds_term(conn))
        if not groups:
            return empty
        match = match_expression(groups)
        where, params = _filter_sql(filters)
        skip = (page - 1) * per_page
        conn.execute("BEGIN")  # one snapshot for the counts and the page
        try:
            of_course, combos = self._facet_columns(conn)
            # Counted in C (Counter, map, chain): a broad word matches 10,000s.
            matched = Counter(
                map(
                    of_course.get,
                    chain.from_iterable(
                        conn.execute(
                            "SELECT rowid FROM terms WHERE terms MATCH ?", (match,)
                        )
                    ),
                )
            )
            counts = [
                matched[i] if _wanted(combo, filters) else 0
                for i, combo in enumerate(combos)
            ]
            total = sum(counts)
            rows = []
            if total > skip:
                ranked = conn.execute(
                    f"SELECT terms.rowid, {RANK} AS score FROM terms"
                    + (" JOIN docs d ON d.id = terms.rowid" if where else "")
                    + f" WHERE terms MATCH ?{where}"
                    " ORDER BY score, terms.rowid LIMIT ? OFFSET ?",
                    (match, *params, per_page, skip),
                ).fetchall()
                stored = {
                    row[0]: row[1:]
                    for row in conn.execute(
                        f"SELECT id, {', '.join(STORED)}, highlight_terms FROM docs"
                        f" WHERE id IN ({', '.join('?' * len(ranked))})",
                        [course_id for course_id, _ in ranked],
                    )
                }
                rows = [(i, score, *stored[i]) for i, score in ranked if i in stored]
        finally:
            conn.execute("COMMIT")
        marks = highlight_terms(groups)
        hits = []
        for course_id, score, *fields, terms in rows:
            title, title_en, snippet = page_hit_html(
                dict(zip(STORED, fields, strict=True)), marks, json.loads(terms)
            )
            hits.append(SearchHit(course_id, -score, title, title_en, snippet))
        facet_rows = [
            (*combo, count)
            for combo, count in zip(combos, counts, strict=True)
            if count
        ]
        return SearchPage(
            hits=tuple(hits),
            total=total,
            page=page,
            pages=math.ceil(total / per_page),
            facets=facet_counts(facet_rows),
        )


def _wanted(combo, filters):
    """Whether the courses of a facet combination pass the catalog filters."""
    values = dict(zip(FACETS, combo, strict=True))
    for name, value in (filters or {}).items():
        if not value or name not in values:
            continue
        if name == "professions":
            if f",{value}," not in values["professions"]:
                return False
        elif values[name] != value:
            return False
    return True
