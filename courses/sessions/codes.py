"""The room's rotating sign-in code: six characters that change every 20 s.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.

A code is HMAC-SHA256(the session's secret, room key + time step), written in an
alphabet without look-alikes (no I, O, 0 or 1). The room key is ``"venue"`` (the
venue's own screen) or a room reservation's id, so a code also tells in which
room it was shown. The current and the previous step are accepted, nothing else
(a code read out at the last second still works; a photo sent to a friend an
hour later does not).
"""

import hashlib
import hmac
import unicodedata
from datetime import UTC, datetime, timedelta

#: How long one code is shown.
STEP_SECONDS = 20
#: Letters and digits that cannot be taken for one another (no I/O/0/1).
ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
LENGTH = 6
#: The room key of the venue's own screen (a booked room's key is its reservation id).
VENUE = "venue"
#: Steps accepted: the current one and the one before it.
ACCEPTED_STEPS = (0, 1)


def step_of(now):
    """The 20-second step ``now`` falls in (steps count from the Unix epoch)."""
    return int(now.timestamp()) // STEP_SECONDS


def step_start(step):
    """When ``step`` begins (aware, UTC)."""
    return datetime.fromtimestamp(step * STEP_SECONDS, UTC)


def expires_at(now):
    """When the code shown at ``now`` is replaced on the screen (it is still
    accepted for one more step after that)."""
    return step_start(step_of(now) + 1)


def room_key(reservation_id=None):
    """The key of a booked room (its reservation id) or of the venue (None)."""
    return VENUE if reservation_id is None else str(reservation_id)


def code_for(secret, key, step):
    """The code shown in room ``key`` during ``step``."""
    message = f"{key}:{step}".encode()
    digest = hmac.new(bytes.fromhex(secret), message, hashlib.sha256).digest()
    number = int.from_bytes(digest[:8], "big")
    chars = []
    for _ in range(LENGTH):
        number, index = divmod(number, len(ALPHABET))
        chars.append(ALPHABET[index])
    return "".join(chars)


def current_code(secret, key, now):
    """The code room ``key`` shows at ``now``."""
    return code_for(secret, key, step_of(now))


def normalise(typed):
    """What a person typed, as a code: full-width letters made ASCII (NFKC),
    upper case, spaces and hyphens dropped. Returns "" when it cannot be a code
    (so it matches nothing)."""
    if not isinstance(typed, str) or len(typed) > 64:
        return ""
    text = unicodedata.normalize("NFKC", typed).upper()
    text = "".join(ch for ch in text if not ch.isspace() and ch not in "-‐‑–—_")
    if len(text) != LENGTH or any(ch not in ALPHABET for ch in text):
        return ""
    return text


def match(secret, typed, now, room_keys):
    """The room key whose code ``typed`` is, at ``now`` or one step before;
    None when it is none of them. Every candidate is compared (in constant
    time), so the answer's timing tells nothing about the code."""
    code = normalise(typed)
    if not code:
        return None
    step = step_of(now)
    found = None
    for key in room_keys:
        for back in ACCEPTED_STEPS:
            expected = code_for(secret, key, step - back)
            if hmac.compare_digest(expected, code) and found is None:
                found = key
    return found


def seconds_left(now):
    """Seconds until the next code (for the screen's countdown)."""
    return (expires_at(now) - now) / timedelta(seconds=1)
