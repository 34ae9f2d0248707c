"""Debian's Chromium driven by Playwright against the app served on loopback.

``playwright install`` downloads a browser and cannot work here; Playwright's
own driver talks to /usr/bin/chromium (installed by ``make test``) instead.
"""

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("LMS_TEST_CHROMIUM", "/usr/bin/chromium")
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-artifacts" / "screenshots"
CHROMIUM_ARGS = [
    "--no-sandbox",  # tests run as root in CI
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--disable-dev-shm-usage",
]


@pytest.fixture(scope="session")
def browser():
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"{CHROMIUM} is missing: `make test` installs Debian's chromium",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=CHROMIUM_ARGS
        )
        yield browser
        browser.close()


@pytest.fixture
def new_page(browser, live_server):
    """Open a page in a fresh browser profile with a language and screen size."""
    contexts = []

    def factory(locale="zh-CN", width=1280, height=800):
        context = browser.new_context(
            base_url=live_server,
            locale=locale,
            viewport={"width": width, "height": height},
        )
        context.set_default_timeout(15_000)
        contexts.append(context)
        return context.new_page()

    yield factory
    for context in contexts:
        context.close()


@pytest.fixture
def screenshot():
    """Save a full-page screenshot to test-artifacts/screenshots/NAME.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page, name):
        path = SCREENSHOTS / f"{name}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    return take


@pytest.fixture
def committed(app):
    """Run a function in an app context and commit: data the live server can see."""
    from lms.db import begin_write_transaction, db

    def run(function, *args, **kwargs):
        with app.app_context():
            # As the app's writers do: the live server may write at the same time.
            begin_write_transaction()
            result = function(*args, **kwargs)
            db.session.commit()
            return result

    return run
