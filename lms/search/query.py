"""Folding text and planning a search from what a person typed.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import functools
import re
import unicodedata
from dataclasses import dataclass

#: What a query may be, whatever was typed: longer input is cut, not refused.
MAX_QUERY_CHARS = 200
MAX_QUERY_TERMS = 16

CJK = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")
#: Latin words, numbers, and codes such as project numbers (2026-04-01-017).
WORD = re.compile(r"[a-z0-9]+(?:[-._/][a-z0-9]+)*")
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u200b-\u200f\u202a-\u202e\u2066-\u2069]")


@functools.lru_cache(maxsize=16384)
def fold_char(char):
    """One character folded: full-width to half-width, upper to lower case, a
    Latin letter without its accent (Sjögren, Ménière are typed without)."""
    folded = unicodedata.normalize("NFKC", char).casefold()
    if len(folded) != 1:
        return char
    if not folded.isascii():
        base, *marks = unicodedata.normalize("NFD", folded)
        if base.isascii() and marks and all(map(unicodedata.combining, marks)):
            return base
    return folded


def compose(text):
    """``text`` in NFC: an accent typed as a letter and a combining mark
    (``Me\u0301nie\u0300re``, as macOS and some PDFs write) becomes one letter,
    which :func:`fold` can fold. Applied to every text before it is stored or
    folded, so fold's offsets index the stored (composed) text."""
    return unicodedata.normalize("NFC", text)


def fold(text):
    """Fold a text character by character (offsets stay the same)."""
    return "".join(fold_char(c) for c in text)


def clean_query(raw):
    """What is worth searching for in ``raw``: folded, no control characters, capped."""
    if not isinstance(raw, str):
        return ""
    text = compose(_CONTROL.sub(" ", raw)[: MAX_QUERY_CHARS * 4])
    return " ".join(fold(text).split())[:MAX_QUERY_CHARS]


def char_bigrams(run):
    """The overlapping two-character pieces of a CJK run (a lone character as is)."""
    if len(run) < 2:
        return [run] if run else []
    return [run[i : i + 2] for i in range(len(run) - 1)]


def load_synonyms(lines):
    """``{term: {terms that mean the same}}`` from "short<TAB>full" lines, both ways."""
    synonyms = {}
    for line in lines:
        line = line.strip()
        if not line or line.startswith("#") or "\t" not in line:
            continue
        short, full = (fold(part.strip()) for part in line.split("\t", 1))
        synonyms.setdefault(short, set()).add(full)
        synonyms.setdefault(full, set()).add(short)
    return synonyms


@dataclass(frozen=True)
class TermGroup:
    """One word of the query and what else may stand for it; any one must match."""

    alternatives: tuple[str, ...]


def plan_query(words, synonyms):
    """Every typed word must match (AND); each word by itself or a synonym (OR).

    ``words`` are the query's words as the analyzer split them; duplicates and
    words beyond :data:`MAX_QUERY_TERMS` are dropped, so a query of hundreds of
    ORs costs no more than sixteen words.
    """
    groups, seen = [], set()
    for word in words:
        if word in seen or not (CJK.search(word) or WORD.fullmatch(word)):
            continue
        seen.add(word)
        alternatives = (word, *sorted(synonyms.get(word, ())))
        groups.append(TermGroup(alternatives))
        if len(groups) == MAX_QUERY_TERMS:
            break
    return tuple(groups)
