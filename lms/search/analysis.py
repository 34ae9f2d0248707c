"""Analyzers for whoosh: jieba for Chinese (with the medical dictionary), words and
stems for English, character bigrams so short terms inside long words are found."""

import functools
import logging
from pathlib import Path

import jieba
from whoosh.analysis import StemFilter, StopFilter, Token, Tokenizer
from whoosh.analysis.filters import STOP_WORDS
from whoosh.lang.porter import stem

from lms.search.query import CJK, WORD, char_bigrams, fold, load_synonyms

DATA = Path(__file__).resolve().parent / "data"
CHINESE_STOP_WORDS = frozenset(
    ["的", "了", "与", "和", "及", "在", "是", "对", "之", "或", "等", "为", "其", "以"]
)
#: Words no field holds and no query looks for.
STOPS = frozenset(STOP_WORDS) | CHINESE_STOP_WORDS


@functools.cache
def segmenter():
    """A jieba tokenizer that knows the medical terms (loaded once per process)."""
    jieba.setLogLevel(logging.WARNING)
    tokenizer = jieba.Tokenizer()
    tokenizer.load_userdict(str(DATA / "medical_terms.txt"))
    # Abbreviations stay whole words (慢阻肺, not 慢阻 + 肺) to find their synonyms.
    for term in synonyms():
        if CJK.fullmatch(term):
            tokenizer.add_word(term, freq=2000)
    return tokenizer


@functools.cache
def synonyms():
    return load_synonyms(
        (DATA / "synonyms.tsv").read_text(encoding="utf-8").splitlines()
    )


def segment(text, *, for_search=True):
    """``(word, start, end)`` for the words of ``text``, folded, offsets kept.

    In search mode jieba also yields the dictionary words inside a long word
    (``心力衰竭`` gives ``心力``, ``衰竭`` and ``心力衰竭``).
    """
    folded = fold(text)
    pieces = []
    for match in CJK.finditer(folded):
        mode = "search" if for_search else "default"
        for word, start, end in segmenter().tokenize(match.group(), mode=mode):
            pieces.append((word, match.start() + start, match.start() + end))
    for match in WORD.finditer(folded):
        pieces.append((match.group(), match.start(), match.end()))
    pieces.sort(key=lambda piece: (piece[1], piece[2]))
    return pieces


class MixedTokenizer(Tokenizer):
    """Chinese words from jieba and Latin words, with positions and offsets."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        for pos, (word, start, end) in enumerate(segment(value), start_pos):
            token.text = word
            token.boost = 1.0
            token.stopped = False
            if keeporiginal:
                token.original = word
            if positions:
                token.pos = pos
            if chars:
                token.startchar, token.endchar = start_char + start, start_char + end
            yield token


class BigramTokenizer(Tokenizer):
    """Overlapping character bigrams of the Chinese runs (Latin text is ignored)."""

    def __call__(
        self,
        value,
        positions=False,
        chars=False,
        keeporiginal=False,
        removestops=True,
        start_pos=0,
        start_char=0,
        tokenize=True,
        mode="",
        **kwargs,
    ):
        token = Token(positions, chars, removestops=removestops, mode=mode, **kwargs)
        pos = start_pos
        for match in CJK.finditer(fold(value)):
            for i, bigram in enumerate(char_bigrams(match.group())):
                token.text = bigram
                token.boost = 1.0
                token.stopped = False
                if positions:
                    token.pos = pos
                if chars:
                    token.startchar = start_char + match.start() + i
                    token.endchar = token.startchar + len(bigram)
                pos += 1
                yield token
            pos += 1  # a gap between runs, so phrases do not span them


def text_analyzer():
    return MixedTokenizer() | StopFilter(stoplist=STOPS, minsize=1) | StemFilter()


def bigram_analyzer():
    return BigramTokenizer()


def query_words(text):
    """The query's words: whole Chinese words (jieba's default mode), English words
    as typed (folded), stop words dropped. :func:`index_terms` stems them, once:
    stemming here too stemmed twice ("nursing" → "nurs" → "nur"), and the index
    holds "nurs"."""
    stops = STOPS
    pieces = segment(text, for_search=False)
    words = []
    for i, (word, _, _) in enumerate(pieces):
        if word in stops:
            continue
        if len(word) == 1 and CJK.fullmatch(word):
            word = _with_neighbour(pieces, i, stops) or word
        words.append(word)
    return words


def _with_neighbour(pieces, i, stops):
    """A lone character jieba split off a word the index holds whole or not at all
    (针 of 留置针): joined to the Chinese word it touches, the pair is found by its
    character bigrams."""
    word, start, end = pieces[i]
    before = pieces[i - 1] if i > 0 else None
    after = pieces[i + 1] if i + 1 < len(pieces) else None
    if (
        before
        and before[2] == start
        and before[0] not in stops
        and CJK.fullmatch(before[0])
    ):
        return before[0] + word
    if after and after[1] == end and after[0] not in stops and CJK.fullmatch(after[0]):
        return word + after[0]
    return None


def index_terms(word):
    """The text-field term for a word or synonym (its stem for English)."""
    return stem(word) if WORD.fullmatch(word) else word
