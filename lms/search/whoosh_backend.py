"""The search interface on a whoosh index in a folder (one writer at a time)."""

import math
from pathlib import Path

from whoosh import index
from whoosh.fields import ID, KEYWORD, TEXT, Schema
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.query import And, Or, Phrase, Term
from whoosh.sorting import Count, FieldFacet

from lms.search import FACETS, SearchHit, SearchPage
from lms.search.analysis import bigram_analyzer, index_terms, query_words, synonyms
from lms.search.engine import BIGRAM_FIELDS, PROJECT_WEIGHT, TEXT_FIELDS
from lms.search.query import CJK, char_bigrams, clean_query, compose, plan_query


def make_schema():
    from lms.search.analysis import text_analyzer

    text = text_analyzer()
    return Schema(
        id=ID(stored=True, unique=True),
        title=TEXT(analyzer=text, stored=True),
        title_en=TEXT(analyzer=text, stored=True),
        lecturers=TEXT(analyzer=text, stored=True),
        lectures=TEXT(analyzer=text, stored=True),
        body=TEXT(analyzer=text, stored=True),
        title_bigrams=TEXT(analyzer=bigram_analyzer(), phrase=True),
        body_bigrams=TEXT(analyzer=bigram_analyzer(), phrase=True),
        project_number=ID(stored=True),
        specialty=ID(stored=True, sortable=True),
        format=ID(stored=True, sortable=True),
        credit_category=ID(stored=True, sortable=True),
        professions=KEYWORD(stored=True, commas=True),
    )


def to_fields(doc):
    body = compose(f"{doc.description_zh}\n{doc.description_en}".strip())
    lectures = compose("\n".join(doc.lecture_titles))
    lecturers = compose(" ".join(doc.lecturer_names))
    return {
        "id": str(doc.id),
        "title": compose(doc.title_zh),
        "title_en": compose(doc.title_en),
        "lecturers": lecturers,
        "lectures": lectures,
        "body": body,
        "title_bigrams": compose(doc.title_zh),
        "body_bigrams": f"{body}\n{lectures}\n{lecturers}",
        "project_number": doc.project_number.strip().casefold(),
        "specialty": doc.specialty,
        "format": doc.format,
        "credit_category": doc.credit_category,
        "professions": ",".join(doc.professions),
    }


def _needs_bigrams(word, searcher):
    """Bigram phrases find a word inside longer words. Two-character words always
    get one (a single cheap term); longer words only when the index does not hold
    them as a word already (phrases over positions are the costly part)."""
    if not (CJK.fullmatch(word) and len(word) >= 2):
        return False
    if len(word) == 2 or searcher is None:
        return True
    return not any(searcher.doc_frequency(name, word) for name, _ in TEXT_FIELDS)


def build_query(text, searcher=None):
    """A whoosh query for what was typed, or None when nothing searchable is left."""
    plan = plan_query(query_words(clean_query(text)), synonyms())
    if not plan:
        return None
    groups = []
    for group in plan:
        alternatives = []
        for word in group.alternatives:
            term = index_terms(word)
            alternatives += [
                Term(name, term, boost=boost) for name, boost in TEXT_FIELDS
            ]
            alternatives.append(Term("project_number", word, boost=PROJECT_WEIGHT))
            if _needs_bigrams(word, searcher):
                bigrams = char_bigrams(word)
                for name, boost in BIGRAM_FIELDS:
                    alternatives.append(
                        Phrase(name, bigrams, boost=boost)
                        if len(bigrams) > 1
                        else Term(name, bigrams[0], boost=boost)
                    )
        groups.append(Or(alternatives))
    return And(groups) if len(groups) > 1 else groups[0]


class WhooshSearch:
    def __init__(self, directory, *, writer_timeout=30.0):
        self.directory = Path(directory)
        self.writer_timeout = writer_timeout

    # --- writing (the worker, or `flask search reindex`) ---------------------------

    def _index(self, create=False):
        if create or not index.exists_in(self.directory):
            self.directory.mkdir(parents=True, exist_ok=True)
            return index.create_in(self.directory, make_schema())
        return index.open_dir(self.directory)

    def index_course(self, doc):
        writer = self._index().writer(timeout=self.writer_timeout)
        writer.update_document(**to_fields(doc))
        writer.commit()

    def remove_course(self, course_id):
        if not index.exists_in(self.directory):
            return
        writer = self._index().writer(timeout=self.writer_timeout)
        writer.delete_by_term("id", str(course_id))
        writer.commit()

    def rebuild(self, documents):
        ix = self._index(create=True)
        writer = ix.writer(timeout=self.writer_timeout, limitmb=256)
        count = 0
        for doc in documents:
            writer.add_document(**to_fields(doc))
            count += 1
        writer.commit()
        return count

    # --- reading (every web process) -------------------------------------------------

    def count(self):
        """How many courses the index holds."""
        if not index.exists_in(self.directory):
            return 0
        return index.open_dir(self.directory).doc_count()

    def search(self, text, *, filters=None, page=1, per_page=20):
        empty = SearchPage(hits=(), total=0, page=1, pages=0, facets={})
        if not index.exists_in(self.directory):
            return empty
        filter_terms = [Term(k, v) for k, v in (filters or {}).items() if v]
        facets = {
            name: FieldFacet(name, maptype=Count, allow_overlap=name == "professions")
            for name in FACETS
        }
        with index.open_dir(self.directory).searcher() as searcher:
            query = build_query(text, searcher)
            if query is None:
                return empty
            results = searcher.search(
                query,
                limit=page * per_page,
                filter=And(filter_terms) if filter_terms else None,
                groupedby=facets,
                terms=True,
            )
            results.fragmenter = ContextFragmenter(maxchars=160, surround=50)
            results.formatter = HtmlFormatter(tagname="mark", between=" … ")
            hits = [
                SearchHit(
                    course_id=int(hit["id"]),
                    score=hit.score,
                    title_html=hit.highlights("title", minscore=0) or "",
                    title_en_html=hit.highlights("title_en", minscore=0) or "",
                    snippet_html=hit.highlights("body")
                    or hit.highlights("lectures")
                    or "",
                )
                for hit in results[(page - 1) * per_page : page * per_page]
            ]
            total = len(results)
            return SearchPage(
                hits=tuple(hits),
                total=total,
                page=page,
                pages=math.ceil(total / per_page),
                facets={
                    name: {k: v for k, v in results.groups(name).items() if k}
                    for name in FACETS
                },
            )
