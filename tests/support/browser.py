"""Playwright against Debian's chromium (its own browser download cannot work here).

Without a chromium the browser tests are skipped, and the skip reason says so. The fixtures are
registered in tests/conftest.py; tests import `browser_login` from here.
"""

import os
import shutil

import pytest

from tests.factories import PASSWORD


CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or shutil.which("chromium-browser")
CHROMIUM_ARGS = [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
    "--disable-component-update", "--no-first-run", "--disable-sync", "--disable-quic",
]


@pytest.fixture(scope="session")
def _playwright_browser():
    if not CHROMIUM:
        pytest.skip("browser test skipped: no chromium installed (apt-get install chromium)")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"  # Playwright's sync API runs an event loop
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        browser = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        yield browser
        browser.close()


@pytest.fixture
def page(_playwright_browser, live_server):
    """A fresh browser page; `page.base_url` is the live server's address.

    Chromium enforces the Content-Security-Policy: any script or style it refuses (inline code left in a
    template) is reported on the console, and the test errors at teardown with the message.
    """
    from playwright.sync_api import expect

    # Generous waits: on a loaded CI machine a page (a PDF above all) can take many seconds. Auto-waiting
    # assertions return as soon as the condition holds, so a long limit costs nothing when all is well.
    expect.set_options(timeout=30_000)
    context = _playwright_browser.new_context(base_url=live_server.url)
    context.set_default_timeout(30_000)
    pg = context.new_page()
    pg.base_url = live_server.url
    csp_violations = []
    pg.on("console", lambda msg: csp_violations.append(f"{pg.url}: {msg.text}") if "Content Security Policy" in msg.text else None)
    yield pg
    context.close()
    assert not csp_violations, f"the Content-Security-Policy blocked {len(csp_violations)}: {sorted(set(csp_violations))[:3]}"


def browser_login(page, email, password=PASSWORD):
    page.goto("/login/")
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
