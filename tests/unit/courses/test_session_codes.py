"""The room's rotating code, one row per rule (DESIGN §2.7, issue 13): the
current and the previous 20-second step are accepted, nothing else; a code
names the room it was shown in."""

from datetime import UTC, datetime, timedelta

import pytest

from courses.sessions import codes

SECRET = "ab" * 32
OTHER_SECRET = "cd" * 32
#: 08:00:05 UTC: 5 s into a step.
SHOWN = datetime(2026, 12, 1, 8, 0, 5, tzinfo=UTC)
ROOMS = (codes.VENUE, "17", "18")


def shown(key=codes.VENUE, at=SHOWN, secret=SECRET):
    return codes.current_code(secret, key, at)


@pytest.mark.parametrize(
    ("typed", "now", "expected"),
    [
        pytest.param(shown(), SHOWN, codes.VENUE, id="the code on the screen"),
        pytest.param(
            shown(), SHOWN + timedelta(seconds=14), codes.VENUE, id="same step, late"
        ),
        pytest.param(
            shown(), SHOWN + timedelta(seconds=20), codes.VENUE, id="previous step"
        ),
        pytest.param(
            shown(), SHOWN + timedelta(seconds=34), codes.VENUE, id="end of next step"
        ),
        pytest.param(shown(), SHOWN + timedelta(seconds=35), None, id="two steps old"),
        pytest.param(shown(), SHOWN + timedelta(hours=1), None, id="an hour old"),
        pytest.param(
            shown(at=SHOWN + timedelta(seconds=20)), SHOWN, None, id="next step's code"
        ),
        pytest.param(
            shown(secret=OTHER_SECRET), SHOWN, None, id="another session's code"
        ),
        pytest.param(shown(key="18"), SHOWN, "18", id="another room names that room"),
        pytest.param(shown(key="17"), SHOWN, "17", id="a booked room"),
        pytest.param(shown(key="99"), SHOWN, None, id="a room not booked"),
        pytest.param("", SHOWN, None, id="empty"),
        pytest.param("ABC", SHOWN, None, id="too short"),
        pytest.param("A" * 1000, SHOWN, None, id="very long"),
        pytest.param(None, SHOWN, None, id="not text"),
    ],
)
def test_match(typed, now, expected):
    assert codes.match(SECRET, typed, now, ROOMS) == expected


def _spread(code):
    return f" {code[:3].lower()}-{code[3:]} "


def _full_width(code):
    return "".join(chr(ord(ch) + 0xFEE0) for ch in code)


@pytest.mark.parametrize(
    "dress",
    [
        pytest.param(str.lower, id="lower case"),
        pytest.param(_spread, id="spaces and a hyphen"),
        pytest.param(_full_width, id="full-width characters"),
        pytest.param(lambda c: f"{c[:3]}\u3000{c[3:]}", id="ideographic space"),
        pytest.param(lambda c: f"{c[:3]}\uff0d{c[3:]}", id="full-width hyphen"),
    ],
)
def test_what_people_type_is_normalised(dress):
    assert codes.match(SECRET, dress(shown()), SHOWN, ROOMS) == codes.VENUE


@pytest.mark.parametrize("secret", [SECRET, OTHER_SECRET, "00" * 32])
@pytest.mark.parametrize("key", ROOMS)
def test_codes_use_the_unambiguous_alphabet(secret, key):
    for step in range(200):
        code = codes.code_for(secret, key, codes.step_of(SHOWN) + step)
        assert len(code) == 6
        assert not set(code) & set("IO01")
        assert set(code) <= set(codes.ALPHABET)


def test_codes_change_every_step_and_differ_per_room():
    step = codes.step_of(SHOWN)
    series = [codes.code_for(SECRET, codes.VENUE, step + n) for n in range(50)]
    assert len(set(series)) == 50
    rooms = {codes.code_for(SECRET, key, step) for key in ROOMS}
    assert len(rooms) == len(ROOMS)


@pytest.mark.parametrize(
    ("now", "expires"),
    [
        pytest.param(SHOWN, datetime(2026, 12, 1, 8, 0, 20, tzinfo=UTC), id="mid"),
        pytest.param(
            datetime(2026, 12, 1, 8, 0, 20, tzinfo=UTC),
            datetime(2026, 12, 1, 8, 0, 40, tzinfo=UTC),
            id="on the boundary",
        ),
        pytest.param(
            datetime(2026, 12, 1, 16, 0, 19, 999999, tzinfo=UTC),
            datetime(2026, 12, 1, 16, 0, 20, tzinfo=UTC),
            id="just before",
        ),
    ],
)
def test_expires_at_the_next_step(now, expires):
    assert codes.expires_at(now) == expires
    assert codes.current_code(SECRET, codes.VENUE, now) != codes.current_code(
        SECRET, codes.VENUE, expires
    )
