"""The interface speaks Simplified Chinese and English."""

from pathlib import Path

from babel.messages.extract import extract_from_dir
from babel.messages.pofile import read_po

from tests.conftest import csrf_token_from

ROOT = Path(__file__).resolve().parents[2]
CATALOG = ROOT / "lms/translations/zh_Hans_CN/LC_MESSAGES/messages.po"


def test_a_zh_cn_browser_gets_chinese(client):
    html = client.get("/", headers={"Accept-Language": "zh-CN,zh;q=0.9,en;q=0.8"}).text
    assert '<html lang="zh-CN">' in html
    assert "继续医学教育" in html and "Continuing medical education" not in html


def test_an_english_browser_gets_english(client):
    html = client.get("/", headers={"Accept-Language": "en-GB,en;q=0.9"}).text
    assert '<html lang="en">' in html
    assert "Continuing medical education" in html


def test_a_browser_without_a_preference_gets_chinese(client):
    assert "继续医学教育" in client.get("/").text


def test_the_switch_overrides_the_browser(client):
    english = {"Accept-Language": "en-US"}
    token = csrf_token_from(client.get("/", headers=english).text)
    response = client.post(
        "/language/zh", data={"csrf_token": token, "next": "/login"}, headers=english
    )
    assert response.location == "/login"
    assert "登录" in client.get("/login", headers=english).text


def test_form_errors_are_translated_too(client):
    html = client.post(
        "/register",
        headers={"Accept-Language": "zh-CN"},
        data={"csrf_token": csrf_token_from(client.get("/register").text)},
    ).text
    assert "This field is required" not in html


def test_every_message_in_the_code_is_in_the_catalog_and_translated():
    with CATALOG.open("rb") as f:
        catalog = read_po(f)
    mapping = [("lms/**.py", "python"), ("lms/templates/**.html", "jinja2")]
    keywords = {
        "_": None,
        "gettext": None,
        "ngettext": (1, 2),
        "_l": None,
        "lazy_gettext": None,
    }
    in_code = {
        message[2] if isinstance(message[2], str) else message[2][0]
        for message in extract_from_dir(
            str(ROOT), method_map=mapping, keywords=keywords
        )
    }
    missing = sorted(m for m in in_code if m and m not in catalog)
    untranslated = sorted(m.id for m in catalog if m.id and (not m.string or m.fuzzy))
    assert missing == [], "run `make translations` and translate"
    assert untranslated == []
