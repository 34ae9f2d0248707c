"""Reading people from a sheet: every bad row named with its line, nothing guessed."""

import pytest

from lms.accounts.importing import MAX_ROWS, parse_user_csv
from lms.accounts.roles import Profession, Role

HEADER = "login,name,hospital,role,profession,password\n"


def test_good_rows_are_read_with_defaults():
    parsed = parse_user_csv(
        HEADER
        + "A@Example.CN,张三,H1,,,\n"
        + "138 0013 8000,李四,H1,协调员,护士, secret with spaces \n"
    )
    assert parsed.errors == ()
    first, second = parsed.rows
    assert (first.login, first.role, first.profession, first.password) == (
        "a@example.cn",
        Role.LEARNER,
        Profession.OTHER,
        "",
    )
    assert (second.login, second.role, second.profession) == (
        "13800138000",
        Role.SITE_COORDINATOR,
        Profession.NURSE,
    )
    assert second.password == "secret with spaces"
    assert (first.line, second.line) == (2, 3)


@pytest.mark.parametrize(
    ("row", "code"),
    [
        pytest.param(",张三,H1,,,", "empty", id="no-login"),
        pytest.param("a@example.cn,,H1,,,", "empty", id="no-name"),
        pytest.param("a@example.cn,张三,,,,", "empty", id="no-hospital"),
        pytest.param("not a login,张三,H1,,,", "invalid_login", id="bad-login"),
        pytest.param("a\x00@example.cn,张三,H1,,,", "invalid_login", id="nul-login"),
        pytest.param(
            "a@example.cn," + "名" * 101 + ",H1,,,", "too_long", id="long-name"
        ),
        pytest.param(
            "a@example.cn,张三,H1,administrator,,", "unknown_role", id="no-office"
        ),
        pytest.param(
            "a@example.cn,张三,H1,,astronaut,", "unknown_profession", id="job"
        ),
        pytest.param(
            "a@example.cn,张三,H1,,," + "p" * 257, "too_long", id="long-password"
        ),
        pytest.param(
            "a@example.cn,张三,H1,,,,extra", "too_many_fields", id="extra-cell"
        ),
    ],
)
def test_each_bad_row_is_named_with_its_line(row, code):
    parsed = parse_user_csv(HEADER + "ok@example.cn,好,H1,,,\n" + row + "\n")
    assert [r.login for r in parsed.rows] == ["ok@example.cn"]
    assert parsed.errors and parsed.errors[0].line == 3
    assert parsed.errors[0].code == code


def test_a_login_twice_names_the_first_line():
    parsed = parse_user_csv(HEADER + "a@example.cn,甲,H1,,,\nA@example.cn,乙,H1,,,\n")
    assert [(e.line, e.code, e.params) for e in parsed.errors] == [
        (3, "duplicate_login", ("a@example.cn", 2))
    ]


def test_missing_columns_are_named():
    parsed = parse_user_csv("login,name\na@example.cn,甲\n")
    assert parsed.rows == ()
    assert parsed.errors[0].code == "missing_columns"
    assert parsed.errors[0].params == ("hospital",)


def test_a_sheet_past_the_row_limit_says_so():
    rows = "".join(f"u{i}@example.cn,甲,H1,,,\n" for i in range(MAX_ROWS + 1))
    parsed = parse_user_csv(HEADER + rows)
    assert parsed.errors[-1].code == "too_many_rows"


def test_a_sheet_of_twenty_thousand_people_is_read_and_one_more_is_refused():
    from lms.limits import USER_IMPORT_ROWS_MAX

    assert MAX_ROWS == USER_IMPORT_ROWS_MAX == 20000
    rows = "".join(f"u{i}@example.cn,甲,H1,,,\n" for i in range(USER_IMPORT_ROWS_MAX))
    parsed = parse_user_csv(HEADER + rows)
    assert len(parsed.rows) == USER_IMPORT_ROWS_MAX and parsed.errors == ()
    more = rows + "".join(f"v{i}@example.cn,乙,H1,,,\n" for i in range(100_000))
    parsed = parse_user_csv(HEADER + more)
    assert [(e.line, e.code, e.params) for e in parsed.errors] == [
        (USER_IMPORT_ROWS_MAX + 2, "too_many_rows", (USER_IMPORT_ROWS_MAX,))
    ]
