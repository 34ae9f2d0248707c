"""What a JSON body may hold (lms.edge.load_json), one row per rule."""

import pytest

from lms.edge import MAX_JSON_DEPTH, JSONError, JSONTooDeep, load_json


def nested(depth):
    """``depth`` lists inside each other: 1 is ``[]``, 2 is ``[[]]``."""
    value = []
    for _ in range(depth - 1):
        value = [value]
    return value


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        pytest.param('{"seq": 1}', {"seq": 1}, id="small-int"),
        pytest.param(f'{{"n": {2**63 - 1}}}', {"n": 2**63 - 1}, id="max-int64"),
        pytest.param(f'{{"n": {-(2**63)}}}', {"n": -(2**63)}, id="min-int64"),
        pytest.param(
            '{"r": [[0.5, 1e300]]}', {"r": [[0.5, 1e300]]}, id="finite-floats"
        ),
        pytest.param('"NaN"', "NaN", id="nan-as-text-is-text"),
        pytest.param(
            "[" * MAX_JSON_DEPTH + "]" * MAX_JSON_DEPTH,
            nested(MAX_JSON_DEPTH),
            id="max-depth",
        ),
    ],
)
def test_json_within_bounds_is_read(text, expected):
    assert load_json(text) == expected


@pytest.mark.parametrize(
    ("text", "error"),
    [
        pytest.param(f'{{"n": {2**63}}}', JSONError, id="int-past-64-bits"),
        pytest.param(f'{{"n": {-(2**63) - 1}}}', JSONError, id="int-below-64-bits"),
        pytest.param('{"n": ' + "1" * 400 + "}", JSONError, id="400-digits"),
        pytest.param('{"n": 1e400}', JSONError, id="float-overflows-to-inf"),
        pytest.param('{"n": NaN}', JSONError, id="nan"),
        pytest.param('{"n": Infinity}', JSONError, id="infinity"),
        pytest.param('{"n": -Infinity}', JSONError, id="minus-infinity"),
        pytest.param(
            "[" * (MAX_JSON_DEPTH + 1) + "]" * (MAX_JSON_DEPTH + 1),
            JSONTooDeep,
            id="past-max-depth",
        ),
        pytest.param("[" * 100_000 + "]" * 100_000, JSONTooDeep, id="recursion"),
    ],
)
def test_json_past_bounds_is_refused(text, error):
    with pytest.raises(error):
        load_json(text)


def test_too_deep_is_malformed_and_bad_numbers_are_invalid():
    assert JSONTooDeep.status == 400 and JSONError.status == 422
    assert issubclass(JSONError, ValueError)  # Flask's get_json: invalid JSON
