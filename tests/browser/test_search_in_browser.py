"""Searching in Chinese from the box on every page, then opening a result."""

import re

from playwright.sync_api import expect

from lms.search.documents import sync_course
from tests.builders import build_scene


def test_a_chinese_search_finds_and_opens_a_course(new_page, screenshot, committed):
    def publish():
        scene = build_scene(title_zh="急性脑卒中的早期识别与转诊")
        return scene.course.id

    course_id = committed(publish)
    committed(sync_course, course_id)

    page = new_page(locale="zh-CN")
    page.goto("/")
    box = page.locator("header input[name=q]")
    box.fill("卒中")
    box.press("Enter")
    expect(page).to_have_url(re.compile(r"/courses/\?q="))
    result = page.locator(f"article.course-card a[href='/courses/{course_id}']")
    expect(result.locator("mark")).to_contain_text("卒中")
    expect(page.locator("main p.muted").first).to_contain_text("共找到")
    screenshot(page, "search-results-zh-CN")
    result.click()
    expect(page).to_have_url(re.compile(rf"/courses/{course_id}$"))
    expect(page.locator("h1")).to_contain_text("急性脑卒中的早期识别与转诊")
