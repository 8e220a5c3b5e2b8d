import pytest
from django.db import connection

from tests.factories import BusinessFactory, GroupFactory, GroupMembershipFactory, MemberFactory

PASSWORD = "correct-horse-battery"


def pytest_collection_modifyitems(config, items):
    # Threaded row-lock tests need PostgreSQL; on SQLite they are skipped with the reason.
    for item in items:
        if "postgres" in item.keywords and connection.vendor != "postgresql":
            item.add_marker(pytest.mark.skip(reason="needs PostgreSQL row locks (run with DATABASE_URL=postgres://...)"))


@pytest.fixture
def business(db):
    return BusinessFactory()


@pytest.fixture
def admin_member(business):
    return MemberFactory(business=business, is_business_admin=True, user__email="admin@example.com")


@pytest.fixture
def group(business):
    return GroupFactory(business=business)


@pytest.fixture
def buyer(group):
    member = MemberFactory(business=group.business, user__email="buyer@example.com")
    GroupMembershipFactory(group=group, member=member, role="buyer")
    return member


@pytest.fixture
def other_business(db):
    """A second tenant, to prove isolation."""
    return BusinessFactory(name="Other Corp")


@pytest.fixture
def other_member(other_business):
    return MemberFactory(business=other_business, is_business_admin=True, user__email="intruder@other.example")


def login(client, member):
    client.force_login(member.user)
    return client


# --- Browser tests -------------------------------------------------------------------------------
# Playwright drives Debian's chromium (its own browser download cannot work here). Without a
# chromium the browser tests are skipped, and the skip reason says so.
import os  # noqa: E402
import shutil  # noqa: E402

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
    context = _playwright_browser.new_context(base_url=live_server.url)
    context.set_default_timeout(15_000)
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
