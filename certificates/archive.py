"""Names of the PDFs inside a bulk issue's ZIP: by hospital, then learner.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

A member name is ``<hospital>/<learner name>-<learner number>-<serial>.pdf``. Each
part is made safe for every unzip tool the network uses, Windows Explorer above
all: no path separators or characters Windows refuses, no control or
direction-changing characters, no trailing dots or spaces, no reserved device
names, and a bounded length. The serial keeps every name unique.
"""

import unicodedata

#: Characters Windows refuses in a file name, path separators included.
WINDOWS_FORBIDDEN = frozenset('<>:"/\\|?*')
#: Device names Windows reserves whatever the extension ("CON.pdf" too).
WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
#: Characters kept of one part (Windows allows 255 per part, 260 per path).
MAX_PART = 60
#: The folder of learners without a hospital.
NO_HOSPITAL = "no-hospital"


def safe_part(text, fallback):
    """``text`` as one safe path part, or ``fallback`` when nothing is left."""
    text = unicodedata.normalize("NFC", text or "")
    kept = []
    for char in text:
        category = unicodedata.category(char)
        if char in WINDOWS_FORBIDDEN or category in ("Cc", "Cf", "Cs", "Co", "Cn"):
            kept.append("_" if char in WINDOWS_FORBIDDEN else "")
        elif category.startswith("Z"):
            kept.append(" ")
        else:
            kept.append(char)
    part = " ".join("".join(kept).split())[:MAX_PART].strip(" .")
    if not part or set(part) <= {"_"}:
        return fallback
    if part.split(".")[0].upper() in WINDOWS_RESERVED:
        part = f"_{part}"
    return part


def archive_member_name(hospital, learner_name, learner_number, serial):
    """Where one certificate sits in the ZIP."""
    folder = safe_part(hospital, NO_HOSPITAL)
    learner = safe_part(learner_name, "learner")
    number = safe_part(learner_number, "")
    stem = "-".join(p for p in (learner, number, safe_part(serial, "")) if p)
    return f"{folder}/{stem}.pdf"
