"""Cleaning free text typed by people (names, titles, questions) before it is stored.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

Text arrives from forms, the API and CSV imports. Control characters (NUL makes
PostgreSQL refuse the row), bidirectional overrides (which make "‮fdp.exe" read as
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
_REMOVED_SINGLE_LINE = re.compile(f"[{_CONTROLS}{_BIDI_CONTROLS}{_SURROGATES}]")
_REMOVED_MULTI_LINE = re.compile(
    f"[\x00-\x08\x0b-\x1f\x7f-\x9f{_BIDI_CONTROLS}{_SURROGATES}]"
)
#: Characters that show nothing: zero-width space, joiners, word joiner, BOM, and
#: the invisible operators and fillers (Hangul fillers render blank too).
_INVISIBLE = re.compile(
    "[\\s\u00ad\u034f\u115f\u1160\u180e\u200b-\u200f\u2060-\u2064\u3164\ufeff\uffa0]"
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
    if not _INVISIBLE.sub("", text):
        if required:
            raise BlankText(value)
        return ""
    return text
