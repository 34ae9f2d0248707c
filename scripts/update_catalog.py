"""Rebuild the Chinese catalog from the code's messages, keeping every translation.

Usage: python scripts/update_catalog.py POT_FILE [TRANSLATIONS.py]
Obsolete messages are dropped; new ones are added (translated when the optional
Python file's ``ZH`` dictionary has them, else empty, which the tests catch).
"""

import runpy
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

CATALOG = Path(__file__).resolve().parent.parent / (
    "lms/translations/zh_Hans_CN/LC_MESSAGES/messages.po"
)


def main(pot_path, extra=None):
    with open(pot_path, "rb") as f:
        template = read_po(f)
    with CATALOG.open("rb") as f:
        current = read_po(f)
    known = {m.id: m.string for m in current if m.id and _translated(m.string)}
    if extra:
        for name, value in runpy.run_path(extra).items():
            if name.startswith("ZH") and isinstance(value, dict):
                known.update(value)
    catalog = Catalog(
        locale="zh_Hans_CN",
        project="TeleCME",
        version="1",
        header_comment="# Simplified Chinese interface text of TeleCME.",
        fuzzy=False,
    )
    missing = []
    for message in template:
        if message.id:
            string = known.get(message.id) or _plural(message.id, known)
            catalog.add(message.id, string or "")
            if not string:
                missing.append(message.id)
    with CATALOG.open("wb") as f:
        write_po(f, catalog, no_location=True, omit_header=False, width=88)
    for message_id in missing:
        print(f"untranslated: {message_id}")


def _translated(string):
    return any(string) if isinstance(string, tuple) else bool(string)


def _plural(message_id, known):
    """Chinese has one plural form: a plural message takes its singular's text,
    or its plural's, when only those are known."""
    if not isinstance(message_id, tuple):
        return None
    text = next((known.get(form) for form in message_id if known.get(form)), None)
    return (text,) if text else None


if __name__ == "__main__":
    main(*sys.argv[1:])
