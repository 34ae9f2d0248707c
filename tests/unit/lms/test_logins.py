import pytest

from lms.accounts.logins import InvalidLogin, normalize_login, password_problem


@pytest.mark.parametrize(
    ("text", "login"),
    [
        ("Doctor.Wang@Example.COM", "doctor.wang@example.com"),
        ("  learner@example.com ", "learner@example.com"),
        ("１３８００１３８０００", "13800138000"),  # full-width digits
        ("138-0013-8000", "13800138000"),
        ("+86 138 0013 8000", "13800138000"),
        ("008613800138000", "13800138000"),
        ("ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ", "wang@example.cn"),  # full-width email
    ],
)
def test_logins_fold_to_one_canonical_form(text, login):
    assert normalize_login(text) == login


@pytest.mark.parametrize(
    "text",
    [
        "",
        "   ",
        "not-an-email",
        "12345",
        "23800138000",
        "1380013800",
        "a@b",
        "x" * 300,
        "wang@@example.com",
        "wang@example .com",
    ],
)
def test_text_that_is_neither_email_nor_mobile_is_rejected(text):
    with pytest.raises(InvalidLogin):
        normalize_login(text)


@pytest.mark.parametrize(
    ("password", "problem"),
    [
        ("short", "too_short"),
        ("aaaaaaaaaaaa", "too_simple"),
        ("abababababab", "too_simple"),
        ("demo-password", None),
        ("正确的马电池订书钉", None),
    ],
)
def test_password_rules(password, problem):
    assert password_problem(password, 8) == problem
