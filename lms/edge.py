"""What a request may carry, checked where it enters: ids in URLs, JSON numbers and
nesting, query arguments. Bad input becomes a 4xx here, never an error deeper in.
"""

import json
import math
import re

from flask import abort, request
from flask.json.provider import DefaultJSONProvider
from werkzeug.routing import IntegerConverter
from wtforms import DecimalField

#: Every JSON integer fits a signed 64-bit column, or the body is refused.
MAX_INT = 2**63 - 1
MIN_INT = -(2**63)
#: Ids and counters are INTEGER columns: 32 bits on PostgreSQL.
MAX_ID = 2**31 - 1
#: Deeper JSON than this is refused (no API body nests beyond a few levels).
MAX_JSON_DEPTH = 32
#: The most pages a list may be asked for (more would overflow an OFFSET).
MAX_PAGE = 100_000


class BoundedIntConverter(IntegerConverter):
    """``<int:...>`` in URLs: an id from 1 to MAX_ID, anything else is a 404.

    werkzeug's own converter takes any number of digits: SQLite raises
    OverflowError on an id beyond 64 bits, PostgreSQL on one beyond 32.
    """

    regex = r"\d{1,19}"

    def __init__(self, map, fixed_digits=0, min=1, max=MAX_ID, signed=False):
        super().__init__(map, fixed_digits=fixed_digits, min=min, max=max)

    def to_python(self, value):
        """An id out of range is 0, which no row has: the view answers 404. (A
        refused match made werkzeug answer 405 to a PATCH of
        ``/courses/<2^59>``, naming the GET of a rule whose id did not match.)"""
        number = int(value)
        return number if self.min <= number <= self.max else 0


class JSONError(ValueError):
    """A JSON body that parses but cannot be used as data (a ValueError, so
    Flask's ``get_json`` treats it as invalid JSON); ``status`` is the answer."""

    status = 422


class JSONTooDeep(JSONError):
    """JSON nested deeper than any of our bodies: malformed, a 400."""

    status = 400


def _parse_int(text):
    # Checked on the digits first: int() of thousands of digits costs time.
    if len(text.lstrip("-")) > 19 or not MIN_INT <= int(text) <= MAX_INT:
        raise JSONError(f"integer out of range: {text[:24]}")
    return int(text)


def _parse_float(text):
    value = float(text)
    if not math.isfinite(value):
        raise JSONError(f"number out of range: {text[:24]}")
    return value


def _parse_constant(name):
    raise JSONError(f"{name} is not a number JSON allows")


def _check_depth(data):
    """Refuse JSON nested deeper than MAX_JSON_DEPTH (walked without recursion)."""
    stack = [(data, 1)]
    while stack:
        value, depth = stack.pop()
        if isinstance(value, dict | list):
            if depth > MAX_JSON_DEPTH:
                raise JSONTooDeep(f"nested deeper than {MAX_JSON_DEPTH} levels")
            items = value.values() if isinstance(value, dict) else value
            stack.extend((item, depth + 1) for item in items)


def load_json(text, **kwargs):
    """``json.loads`` reading only what our columns and rules can hold: integers
    of 64 bits, finite numbers (no NaN or Infinity), MAX_JSON_DEPTH levels."""
    kwargs.setdefault("parse_int", _parse_int)
    kwargs.setdefault("parse_float", _parse_float)
    kwargs.setdefault("parse_constant", _parse_constant)
    try:
        data = json.loads(text, **kwargs)
    except RecursionError:
        raise JSONTooDeep("nested too deeply") from None
    _check_depth(data)
    return data


class BoundedJSONProvider(DefaultJSONProvider):
    """Flask's JSON with :func:`load_json` (``request.get_json`` and ours)."""

    def loads(self, s, **kwargs):
        return load_json(s, **kwargs)


# --- query arguments -------------------------------------------------------------


def int_arg(name, default=None, *, low=1, high=MAX_ID):
    """The query argument ``name`` as a whole number in ``low..high``; a 400
    that names it otherwise (``?page=1e20``, ``?page=-1``)."""
    raw = request.args.get(name, "").strip()
    if not raw:
        return default
    if not re.fullmatch(r"-?\d{1,19}", raw) or not low <= int(raw) <= high:
        abort(400, f"{name} must be a whole number from {low} to {high}.")
    return int(raw)


def page_arg():
    """``?page=``: 1 by default, at most MAX_PAGE."""
    return int_arg("page", 1, high=MAX_PAGE)


def choice_arg(name, choices):
    """The query argument ``name`` if it is one of ``choices``, None when absent;
    a 400 for anything else (``?format=x``)."""
    raw = request.args.get(name) or None
    if raw is not None and raw not in choices:
        listed = f": {', '.join(sorted(choices))}" if len(choices) <= 10 else ""
        abort(400, f"Unknown {name}{listed}.")
    return raw


def catalog_filters():
    """The catalog's filters from the query (pages and API alike)."""
    from courses.disciplines import DISCIPLINES_BY_CODE
    from lms.accounts.roles import Profession
    from lms.enums import CourseFormat

    return {
        "specialty": choice_arg("specialty", DISCIPLINES_BY_CODE),
        "profession": choice_arg("profession", {p.value for p in Profession}),
        "format": choice_arg("format", {f.value for f in CourseFormat}),
        # Categories differ by rule set; an unknown one simply matches nothing.
        "credit_category": request.args.get("credit_category") or None,
    }


# --- forms -------------------------------------------------------------------------


class FiniteDecimalField(DecimalField):
    """A decimal form field refusing NaN and infinities (WTForms' NumberRange
    raises ValueError on ``sNaN``, a 500, and lets ``Infinity`` through a minimum)."""

    def process_formdata(self, valuelist):
        super().process_formdata(valuelist)
        if self.data is not None and not self.data.is_finite():
            self.data = None
            raise ValueError(self.gettext("Not a valid decimal value."))


def form_id(name):
    """A posted id (1 to MAX_ID), or None for anything else."""
    raw = request.form.get(name, "").strip()
    if re.fullmatch(r"\d{1,19}", raw) and 1 <= int(raw) <= MAX_ID:
        return int(raw)
    return None
