"""What the database backends (SQLite FTS5, PostgreSQL) share: a course's tokens
per field, the query plan in tokens, and highlights of the page's hits.

The engines never see text: they get our analyser's tokens (jieba search-mode
words, English stems, CJK character bigrams), so both find exactly what the
analyser says, and nothing a person types reaches an engine's query syntax.
"""

import re
from dataclasses import dataclass

from markupsafe import escape

from lms.search import FACETS
from lms.search.analysis import (
    STOPS,
    index_terms,
    query_words,
    segment,
    synonyms,
)
from lms.search.query import (
    CJK,
    WORD,
    char_bigrams,
    clean_query,
    compose,
    fold,
    plan_query,
)

#: Where a word may match, and how much a match there counts: titles first (every
#: backend, whoosh included).
TEXT_FIELDS = (
    ("title", 4.0),
    ("title_en", 4.0),
    ("lecturers", 2.5),
    ("lectures", 1.5),
    ("body", 1.0),
)
BIGRAM_FIELDS = (("title_bigrams", 3.0), ("body_bigrams", 0.8))
PROJECT_WEIGHT = 3.0
#: Between two CJK runs in a bigram field, so a phrase never spans them.
RUN_GAP = "."
_PARTS = re.compile(r"[a-z0-9]+")


class SearchUnavailable(Exception):
    """The index cannot be read (a corrupt or missing file): an operator rebuilds
    it with ``flask search reindex``; the catalog without a query still works."""


def word_terms(text):
    """``(term, start, end)``: the text-field terms of ``text`` with their offsets.

    Stop words dropped, English stemmed; a word joined by hyphens or dots
    (``covid-19``, ``evidence-based``) also gives its parts, so each part finds it.
    """
    for word, start, end in segment(text):
        if word in STOPS:
            continue
        yield index_terms(word), start, end
        if WORD.fullmatch(word) and not _PARTS.fullmatch(word):
            for part in _PARTS.finditer(word):
                if part.group() not in STOPS:
                    yield (
                        index_terms(part.group()),
                        start + part.start(),
                        start + part.end(),
                    )


def bigram_terms(text):
    """The character bigrams of the CJK runs of ``text``, :data:`RUN_GAP` between."""
    terms = []
    for match in CJK.finditer(fold(text)):
        if terms:
            terms.append(RUN_GAP)
        terms += char_bigrams(match.group())
    return terms


def project_term(project_number):
    """A project number is found as one word, as typed (folded)."""
    return fold(project_number.strip())


def document_fields(doc):
    """A course's text per field, as stored for highlights and tokenised for search."""
    body = f"{doc.description_zh}\n{doc.description_en}".strip()
    lectures = "\n".join(doc.lecture_titles)
    lecturers = " ".join(doc.lecturer_names)
    fields = {
        "title": doc.title_zh,
        "title_en": doc.title_en,
        "lecturers": lecturers,
        "lectures": lectures,
        "body": body,
    }
    return {name: compose(text) for name, text in fields.items()}


#: The fields a hit's highlights come from.
HIGHLIGHTED = ("title", "title_en", "lectures", "body")


def document_terms(doc):
    """``(tokens, terms)``: ``{field: [token, ...]}`` for every text and bigram
    field, and ``{field: [(term, start, end), ...]}`` of the highlighted fields
    (kept by a backend, a page's highlights need no segmenting)."""
    fields = document_fields(doc)
    terms = {name: list(word_terms(fields[name])) for name, _ in TEXT_FIELDS}
    tokens = {name: [t for t, _, _ in terms[name]] for name, _ in TEXT_FIELDS}
    tokens["title_bigrams"] = bigram_terms(fields["title"])
    tokens["body_bigrams"] = bigram_terms(
        f"{fields['body']}\n{fields['lectures']}\n{fields['lecturers']}"
    )
    return tokens, {name: terms[name] for name in HIGHLIGHTED}


def document_tokens(doc):
    """``{field: [token, ...]}`` of a course, for every text and bigram field."""
    return document_terms(doc)[0]


@dataclass(frozen=True)
class Alternative:
    """One way a query word may match: its text-field term, the project number as
    typed, and (for a CJK word not held whole) its bigrams in a row."""

    term: str
    project: str
    bigrams: tuple[str, ...] = ()
    #: A hyphenated word's parts in a row: "near-infrared" finds "near infrared".
    parts: tuple[str, ...] = ()


def plan_tokens(text, holds_term):
    """The query as groups (all must match) of :class:`Alternative` (any may).

    ``holds_term(term)`` says whether a text field of the index holds a CJK
    word whole; words of three or more characters it holds need no bigram
    phrase (the whoosh backend's rule, so recall stays the same).
    """
    plan = plan_query(query_words(clean_query(text)), synonyms())
    groups = []
    for group in plan:
        alternatives = []
        for word in group.alternatives:
            term = index_terms(word)
            bigrams = ()
            if (
                CJK.fullmatch(word)
                and len(word) >= 2
                and (len(word) == 2 or not holds_term(term))
            ):
                bigrams = tuple(char_bigrams(word))
            alternatives.append(Alternative(term, word, bigrams, _parts(word)))
        groups.append(tuple(alternatives))
    return tuple(groups)


def _parts(word):
    if not WORD.fullmatch(word) or _PARTS.fullmatch(word):
        return ()
    parts = [index_terms(p) for p in _PARTS.findall(word) if p not in STOPS]
    return tuple(parts) if len(parts) > 1 else ()


# --- highlights (the page's hits only) -------------------------------------------


def highlight_terms(groups):
    """What a highlight marks: the terms, and the CJK words found by bigrams."""
    terms = {t for group in groups for alt in group for t in (alt.term, *alt.parts)}
    words = {
        "".join([alt.bigrams[0], *(b[1] for b in alt.bigrams[1:])])
        for group in groups
        for alt in group
        if alt.bigrams
    }
    return frozenset(terms), frozenset(words)


def _probe(term):
    """A piece of any word whose term is ``term`` (a stem keeps all but its last
    letters), so a field without it needs no segmenting."""
    return term if CJK.fullmatch(term) else term[: max(1, min(4, len(term) - 2))]


def _spans(text, marks, text_terms=None):
    terms, words = marks
    folded = fold(text)
    spans = []
    if any(_probe(term) in folded for term in terms):
        if text_terms is None:
            text_terms = word_terms(text)
        spans = [(s, e) for term, s, e in text_terms if term in terms]
    if words:
        for word in words:
            at = folded.find(word)
            while at != -1:
                spans.append((at, at + len(word)))
                at = folded.find(word, at + 1)
    spans.sort()
    merged = []
    for start, end in spans:
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def _marked(text, spans, start, end):
    out, at = [], start
    for s, e in spans:
        if e <= start or s >= end:
            continue
        s, e = max(s, start), min(e, end)
        out.append(escape(text[at:s]))
        out.append(f"<mark>{escape(text[s:e])}</mark>")
        at = e
    out.append(escape(text[at:end]))
    return "".join(str(piece) for piece in out)


def highlight_whole(text, marks, text_terms=None):
    """All of ``text``, escaped, its matches in ``<mark>``; empty if none match."""
    spans = _spans(text, marks, text_terms)
    return _marked(text, spans, 0, len(text)) if spans else ""


def highlight_snippet(text, marks, text_terms=None, *, surround=50, maxchars=160):
    """Pieces of ``text`` around its matches (escaped, ``<mark>``), `` … `` between."""
    spans = _spans(text, marks, text_terms)
    windows = []
    for s, e in spans:
        start, end = max(0, s - surround), min(len(text), e + surround)
        if windows and start <= windows[-1][1]:
            windows[-1] = (windows[-1][0], end)
        else:
            windows.append((start, end))
    pieces, used = [], 0
    for start, end in windows:
        if used and used + end - start > maxchars:
            break
        pieces.append(_marked(text, spans, start, end).strip())
        used += end - start
    return " … ".join(pieces)


def page_hit_html(stored, marks, terms=None):
    """``(title_html, title_en_html, snippet_html)`` of one hit's stored fields
    (``terms``: the fields' terms as :func:`document_terms` gave them, if kept)."""
    terms = terms or {}
    return (
        highlight_whole(stored["title"], marks, terms.get("title")),
        highlight_whole(stored["title_en"], marks, terms.get("title_en")),
        highlight_snippet(stored["body"], marks, terms.get("body"))
        or highlight_snippet(stored["lectures"], marks, terms.get("lectures")),
    )


def facet_counts(combos):
    """``{facet: {value: count}}`` from the counts per combination of values, rows
    of ``(specialty, professions, credit_category, format, count)``."""
    facets = {name: {} for name in FACETS}
    for specialty, professions, credit_category, format_, count in combos:
        values = {
            "specialty": (specialty,),
            "professions": tuple(p for p in professions.split(",") if p),
            "credit_category": (credit_category,),
            "format": (format_,),
        }
        for name in FACETS:
            for value in values[name]:
                if value:
                    facets[name][value] = facets[name].get(value, 0) + count
    return facets
