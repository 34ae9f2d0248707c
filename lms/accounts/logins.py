"""What counts as a login (an email address or a mainland mobile number), the
keys attempts at signing in are counted under, and what makes a password weak.

No I/O, no Flask, no SQLAlchemy: plain dataclasses in, plain dataclasses out.
"""

import ipaddress
import re
import unicodedata

MAX_LOGIN_LENGTH = 254
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
#: Mainland China mobile numbers: 11 digits starting 1[3-9].
_MOBILE = re.compile(r"^1[3-9]\d{9}$")


class InvalidLogin(ValueError):
    """The text is neither an email address nor a mobile number."""


def normalize_login(text):
    """The canonical form of a login: a lower-case email or 11 mobile digits.

    Full-width characters fold to half-width (NFKC), spaces and dashes inside a
    phone number are dropped, and a +86 / 0086 prefix is removed.
    """
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value or len(value) > MAX_LOGIN_LENGTH:
        raise InvalidLogin(text)
    if any(unicodedata.category(c).startswith("C") for c in value):
        # Controls (NUL: PostgreSQL refuses it), bidi and zero-width marks, lone
        # surrogates, unassigned code points: never part of a login.
        raise InvalidLogin(text)
    if "@" in value:
        value = value.lower()
        if not _EMAIL.match(value):
            raise InvalidLogin(text)
        return value
    digits = re.sub(r"[\s\-()]", "", value)
    for prefix in ("+86", "0086"):
        if digits.startswith(prefix):
            digits = digits[len(prefix) :]
    if not _MOBILE.match(digits):
        raise InvalidLogin(text)
    return digits


def login_key(text):
    """The key failed attempts at ``text`` are counted under.

    Every spelling of one account shares a key: a valid login counts under its
    canonical form (the one the account lookup uses), anything else under its
    NFKC, case-folded, stripped text.
    """
    try:
        return normalize_login(text)
    except InvalidLogin:
        return unicodedata.normalize("NFKC", text or "").casefold().strip()[:254]


def address_key(address):
    """The key attempts from a client address are counted under.

    An IPv4 address is itself; an IPv6 address counts with its whole /64 (one
    subscriber is given at least that many addresses); an IPv4 address written
    as IPv6 (``::ffff:1.2.3.4``) is the IPv4 address.
    """
    try:
        ip = ipaddress.ip_address(address or "")
    except ValueError:
        return address or "unknown"
    if ip.version == 6 and ip.ipv4_mapped:
        return str(ip.ipv4_mapped)
    if ip.version == 6:
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


#: NIST SP 800-63B §5.1.1.2: at least 8 characters, we ask 10; no composition rules.
MIN_PASSWORD_LENGTH = 10


def password_problem(password, *, min_length=MIN_PASSWORD_LENGTH, login="", common=()):
    """Why a new password is unacceptable, or None (NIST SP 800-63B style).

    Refused: shorter than ``min_length``; on the ``common`` list (lower-case
    passwords, compared case-insensitively); the login itself or an email
    address's name part; a few characters repeated ("aaaaaaaaaa").
    """
    if len(password) < min_length:
        return "too_short"
    folded = unicodedata.normalize("NFKC", password).casefold().strip()
    if folded in common or password.lower().strip() in common:
        return "too_common"
    if login:
        key = login_key(login)
        if folded in {key, key.partition("@")[0]}:
            return "same_as_login"
    if len(set(password)) < 4:
        return "too_simple"
    return None
