import pytest

from lms.accounts.logins import (
    InvalidLogin,
    address_key,
    login_key,
    normalize_login,
    password_problem,
)


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
        "wang\x00@example.com",
        "wang\u200b@example.com",
        "wang\u202e@example.com",
        "wang\ud800@example.com",
        "138\x0000138000",
    ],
)
def test_text_that_is_neither_email_nor_mobile_is_rejected(text):
    with pytest.raises(InvalidLogin):
        normalize_login(text)


COMMON = frozenset({"password123", "qwertyuiop", "1234567890"})

PASSWORDS = [
    ("nine characters", "abcdefgh9", {}, "too_short"),
    ("ten characters", "abcdefgh10", {}, None),
    ("the demo password", "demo-password", {}, None),
    ("Chinese passphrase", "正确的马电池订书钉钉子", {}, None),
    ("a long common password", "password123", {}, "too_common"),
    ("common in capitals", "PASSWORD123", {}, "too_common"),
    ("common in full-width", "ｐａｓｓｗｏｒｄ１２３", {}, "too_common"),
    ("common with spaces around", " qwertyuiop ", {}, "too_common"),
    ("short wins over common", "passw", {}, "too_short"),
    ("no composition rule: lower-case only", "correcthorsebattery", {}, None),
    ("repeated characters", "aaaaaaaaaaaa", {}, "too_simple"),
    ("two characters alternating", "abababababab", {}, "too_simple"),
    (
        "the login itself",
        "doctor.wang@example.cn",
        {"login": "Doctor.Wang@example.cn"},
        "same_as_login",
    ),
    (
        "the login in capitals",
        "DOCTOR.WANG@EXAMPLE.CN",
        {"login": "doctor.wang@example.cn"},
        "same_as_login",
    ),
    (
        "the name part of the email",
        "doctor.wang",
        {"login": "doctor.wang@example.cn"},
        "same_as_login",
    ),
    ("the mobile number", "13800138000", {"login": "138 0013 8000"}, "same_as_login"),
    (
        "containing the login is allowed",
        "13800138000-my-own",
        {"login": "13800138000"},
        None,
    ),
    ("a shorter minimum from settings", "abcdefgh", {"min_length": 8}, None),
]


@pytest.mark.parametrize(
    ("password", "options", "problem"),
    [row[1:] for row in PASSWORDS],
    ids=[row[0] for row in PASSWORDS],
)
def test_password_rules(password, options, problem):
    assert password_problem(password, common=COMMON, **options) == problem


def test_the_shipped_list_refuses_common_passwords_and_keeps_the_demo_one():
    from lms.accounts.passwords import common_passwords

    common = common_passwords()
    assert len(common) > 19_000
    assert password_problem("iloveyou12", common=common) == "too_common"
    assert password_problem("demo-password", common=common) is None
    assert password_problem("correct-horse-battery", common=common) is None


LOGIN_KEYS = [
    ("full-width email", "ｗａｎｇ＠ｅｘａｍｐｌｅ．ｃｎ", "wang@example.cn"),
    ("capitals", "WANG@Example.CN", "wang@example.cn"),
    ("mobile with +86", "+86 138-0013-8000", "13800138000"),
    ("full-width mobile", "１３８００１３８０００", "13800138000"),
    ("not a login: folded", " ＮＯＴ-Ａ-ＬＯＧＩＮ ", "not-a-login"),
    ("not a login: casefold", "STRASSE-ß", "strasse-ss"),
]


@pytest.mark.parametrize(
    ("text", "key"), [row[1:] for row in LOGIN_KEYS], ids=[r[0] for r in LOGIN_KEYS]
)
def test_every_spelling_of_a_login_counts_under_one_key(text, key):
    assert login_key(text) == key


ADDRESS_KEYS = [
    ("IPv4 as it is", "203.0.113.7", "203.0.113.7"),
    ("IPv6 counts with its /64", "2001:db8:1:2:aaaa::1", "2001:db8:1:2::/64"),
    ("another address of the same /64", "2001:db8:1:2:ffff::9", "2001:db8:1:2::/64"),
    ("IPv4-mapped IPv6 is the IPv4 address", "::ffff:203.0.113.7", "203.0.113.7"),
    ("no address", None, "unknown"),
    ("not an address kept as it is", "unix-socket", "unix-socket"),
]


@pytest.mark.parametrize(
    ("address", "key"),
    [row[1:] for row in ADDRESS_KEYS],
    ids=[r[0] for r in ADDRESS_KEYS],
)
def test_addresses_count_under_their_key(address, key):
    assert address_key(address) == key
