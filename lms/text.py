"""Cleaning free text typed by people (names, titles, questions) before it is stored.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

Text arrives from forms, the API and CSV imports. Control characters (NUL makes
PostgreSQL refuse the row), noncharacters (U+FFFE: XML refuses them),
bidirectional overrides (which make "‮fdp.exe" read as
"exe.pdf") and lone surrogates are removed; text that holds nothing visible once
zero-width characters and spaces are set aside is refused. Everything is stored
in Unicode NFC, so the same name typed on two keyboards compares equal.
"""

import re
import unicodedata

#: C0 controls, DEL and C1 controls.
_CONTROLS = "\x00-\x1f\x7f-\x9f"
#: Embeddings and overrides (U+202A–202E) and isolates (U+2066–2069).
_BIDI_CONTROLS = "\u202a-\u202e\u2066-\u2069"
#: Lone UTF-16 surrogates: a JSON "\\ud800" decodes to one; no database stores it.
_SURROGATES = "\ud800-\udfff"
#: Noncharacters: no text holds them, and XML (an Excel export) refuses them.
_NONCHARACTERS = "\ufdd0-\ufdef\ufffe\uffff"
_REMOVED_SINGLE_LINE = re.compile(
    f"[{_CONTROLS}{_BIDI_CONTROLS}{_SURROGATES}{_NONCHARACTERS}]"
)
_REMOVED_MULTI_LINE = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}{_SURROGATES}{_NONCHARACTERS}]"
)
#: Unicode categories that draw nothing on their own: spaces and separators,
#: controls, format characters (zero-width, bidi marks, tag characters,
#: interlinear annotation), combining marks, private use and unassigned.
_NOTHING_TO_SEE = frozenset(
    {"Zs", "Zl", "Zp", "Cc", "Cf", "Cs", "Co", "Cn", "Mn", "Me"}
)
#: Letters and symbols that render blank all the same: the Hangul fillers, the
#: Mongolian vowel separator, the blank Braille pattern, the combining grapheme
#: joiner.
_BLANK_GLYPHS = frozenset("\u115f\u1160\u180e\u3164\uffa0\u2800\u034f")


def _shows_something(text):
    return any(
        char not in _BLANK_GLYPHS and unicodedata.category(char) not in _NOTHING_TO_SEE
        for char in text
    )


class BlankText(ValueError):
    """The text holds nothing a person could read."""


def clean_text(value, *, multiline=False, required=True):
    """``value`` fit to store: NFC, without controls or bidi overrides, stripped.

    Single-line text (names, titles, options) turns tabs and line breaks into
    spaces; ``multiline`` text (descriptions, comments) keeps ``\\n`` and ``\\t``
    and turns ``\\r\\n`` into ``\\n``. Text that is empty or holds only spaces and
    zero-width characters raises :class:`BlankText` when ``required``, else
    cleans to ``""``.
    """
    text = "" if value is None else str(value)
    if multiline:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = _REMOVED_MULTI_LINE.sub("", text)
    else:
        text = re.sub("[\t\n\r\v\f\x1c-\x1f\x85\u2028\u2029]", " ", text)
        text = _REMOVED_SINGLE_LINE.sub("", text)
    text = unicodedata.normalize("NFC", text).strip()
    if not _shows_something(text):
        if required:
            raise BlankText(value)
        return ""
    return text
