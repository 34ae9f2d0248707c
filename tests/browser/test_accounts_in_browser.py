"""Registration, sign-in and the main pages, in Chromium, in both languages."""

import re

import pytest
from playwright.sync_api import expect

from lms.accounts.operations import create_user
from lms.accounts.roles import Role
from lms.hospitals.network import Tier
from lms.hospitals.operations import create_hospital
from tests.conftest import unique


@pytest.fixture
def county_hospital(committed):
    code = unique("BR")
    committed(
        create_hospital,
        code=code,
        name_zh=f"浏览器县人民医院{code}",
        name_en=f"Browser County Hospital {code}",
        tier=Tier.COUNTY,
        province_code="53",
        city="曲靖",
    )
    return code


def hospital_option(page, code):
    return page.locator("#hospital_id option", has_text=code).first.get_attribute(
        "value"
    )


@pytest.mark.parametrize(
    ("locale", "texts"),
    [
        (
            "zh-CN",
            {
                "register": "注册",
                "sign_in": "登录",
                "sign_out": "退出",
                "hello": "您好",
                "lang": "zh-CN",
                "bad": "账号或密码不正确",
            },
        ),
        (
            "en-US",
            {
                "register": "Register",
                "sign_in": "Sign in",
                "sign_out": "Sign out",
                "hello": "Hello",
                "lang": "en",
                "bad": "Login or password is incorrect",
            },
        ),
    ],
)
def test_a_learner_registers_signs_out_and_signs_in(
    new_page, screenshot, county_hospital, locale, texts
):
    page = new_page(locale=locale)
    page.goto("/")
    expect(page.locator("html")).to_have_attribute("lang", texts["lang"])
    screenshot(page, f"home-{locale}")

    page.get_by_role("link", name=texts["register"], exact=True).first.click()
    login = f"{unique('learner')}@example.cn"
    page.fill("#name", "欧阳晓华")
    page.fill("#login", login)
    page.select_option("#hospital_id", hospital_option(page, county_hospital))
    page.select_option("#profession", "nurse")
    page.fill("#professional_title", "主管护师")
    page.fill("#password", "a-good-password")
    page.fill("#confirm", "a-good-password")
    screenshot(page, f"register-{locale}")
    page.locator("main form button[type=submit]").click()

    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("h1")).to_contain_text(f"{texts['hello']}")
    expect(page.locator("h1")).to_contain_text("欧阳晓华")
    screenshot(page, f"dashboard-learner-{locale}")

    page.get_by_role("button", name=texts["sign_out"]).click()
    page.get_by_role("link", name=texts["sign_in"], exact=True).first.click()
    page.fill("#login", login)
    page.fill("#password", "wrong-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator(".flash-error")).to_contain_text(texts["bad"])
    page.fill("#password", "a-good-password")
    screenshot(page, f"login-{locale}")
    page.locator("main form button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/dashboard$"))
    expect(page.locator("h1")).to_contain_text("欧阳晓华")


def test_the_language_switch_changes_every_page(new_page):
    page = new_page(locale="zh-CN")
    page.goto("/login")
    expect(page.locator("h1")).to_have_text("登录")
    page.get_by_role("button", name="English").click()
    expect(page.locator("h1")).to_have_text("Sign in")
    page.goto("/register")
    expect(page.locator("h1")).to_have_text("Create a learner account")
    page.get_by_role("button", name="中文").click()
    expect(page.locator("h1")).to_have_text("注册学员账号")


def test_administrator_pages(new_page, screenshot, committed, county_hospital):
    login = f"{unique('admin')}@example.cn"
    committed(
        create_user,
        login=login,
        name="管理员测试",
        password="admin-password",
        role=Role.ADMINISTRATOR,
    )
    page = new_page(locale="zh-CN")
    page.goto("/login")
    page.fill("#login", login)
    page.fill("#password", "admin-password")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("h1")).to_contain_text("管理员测试")
    screenshot(page, "dashboard-admin-zh-CN")

    page.get_by_role("link", name="医院", exact=True).click()
    page.fill("main input[name=q]", county_hospital)
    page.get_by_role("button", name="筛选").click()
    expect(page.locator("tbody tr")).to_have_count(1)
    screenshot(page, "admin-hospitals-zh-CN")
    page.locator("tbody a").first.click()
    page.select_option("#tier", "municipal")
    page.get_by_role("button", name="保存").click()
    expect(page.locator(".flash-success")).to_be_visible()

    page.get_by_role("link", name="用户", exact=True).click()
    expect(page.locator("h1")).to_have_text("用户")
    screenshot(page, "admin-users-zh-CN")


def test_pages_fit_a_phone_screen(new_page, screenshot):
    page = new_page(locale="zh-CN", width=375, height=740)
    for path, name in [("/", "home"), ("/register", "register"), ("/login", "login")]:
        page.goto(path)
        scroll_width = page.evaluate("document.documentElement.scrollWidth")
        assert scroll_width <= 375, f"{path} scrolls sideways ({scroll_width}px)"
        screenshot(page, f"phone-{name}-zh-CN")
