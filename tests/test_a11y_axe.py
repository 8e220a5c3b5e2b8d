"""axe-core over every page each demo role can reach: zero serious or critical WCAG 2.x A/AA violations.

The crawl starts from Your Account for Business and every URL pattern without an object id in the URLconf
(as test_isolation_walk.py walks it, so a new page is covered without touching this file), then follows
the links each page shows. Each distinct URL pattern is checked once per role (the first URL met for it),
in one browser context per role, so the run stays short as the data grows.
"""

from __future__ import annotations

from collections import deque
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Error as PlaywrightError
from django.core.management import call_command
from django.urls import Resolver404, URLPattern, URLResolver, get_resolver, resolve, reverse
from playwright.sync_api import expect

from orders.models import Shipment
from procurement.seed import DEMO_PASSWORD
from tests.support.a11y import axe_violations
from tests.support.browser import browser_login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

#: (login, phone): the business admin, who reaches the most pages, crawls at 390 px (a phone), where no page
#: may scroll sideways; the others at desktop width.
ROLES = [("alice@acme.example", True), ("bob@acme.example", False), ("carol@acme.example", False),
         ("dan@acme.example", False)]
PHONE = {"width": 390, "height": 844}
#: Not pages: downloads and actions (they are checked where they are linked from).
#: /api/ is left out: its only page is the API docs (Swagger UI), third-party markup for developers, not a
#: screen of the product (exception with its reason, as the issue allows).
SKIP_SUFFIXES = ("/pdf/", "/export/", "/logout/", "/download/", "/ubl/", "/factur-x/")


def _walk(patterns, prefix=""):
    for entry in patterns:
        if isinstance(entry, URLResolver):
            if entry.namespace == "admin":
                continue  # staff-only Django admin: Django's own templates
            yield from _walk(entry.url_patterns, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield "/" + prefix + str(entry.pattern)


def urlconf_pages() -> list[str]:
    """Every URL of the URLconf that takes no object id: reachable without knowing any data."""
    return sorted(route for route in _walk(get_resolver().url_patterns) if "<" not in route and "^" not in route)


def _pattern(path: str) -> str | None:
    try:
        match = resolve(path)
    except Resolver404:
        return None
    return match.view_name


PAGE_WIDTH = "() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]"


def crawl(page, start: list[str], *, phone: bool = False, axed: set | None = None) -> tuple[list[str], list[str]]:
    """Visit every distinct URL pattern reachable from `start` once; axe each. Returns (visited, violations).

    `axed`, shared across the roles' crawls, holds the patterns axe has checked already: every role still
    visits (and must be able to open) every page it reaches, but axe runs once per pattern, at the first role
    that reaches it, the business admin first (who holds every role, so sees every role's controls). Axe
    is most of the crawl's time; checking each page four times doubled the CI run's longest test."""
    queue, seen_patterns, queued, visited, problems = deque(start), set(), set(start), [], []
    while queue:  # finite: each URL pattern is visited once
        url = queue.popleft()
        path = urlsplit(url).path
        name = _pattern(path)
        if name is None or name in seen_patterns or path.endswith(SKIP_SUFFIXES) or path.startswith(("/admin/", "/api/")):
            continue
        seen_patterns.add(name)
        try:
            response = page.goto(url)
        except PlaywrightError as exc:  # a link that downloads a file instead of showing a page
            if "Download is starting" in str(exc):
                continue
            raise
        if response is None or response.status != 200 or "text/html" not in (response.headers.get("content-type") or ""):
            continue  # not for this role (403), or a download
        visited.append(f"{name} {url}")
        if axed is None or name not in axed:
            problems.extend(axe_violations(page, where=f"{name} {url}"))
            if axed is not None:
                axed.add(name)
        if phone:
            scroll, client = page.evaluate(PAGE_WIDTH)
            if scroll > client:
                problems.append(f"{name} {url}: the page scrolls sideways at {client} px ({scroll} px wide)")
        for href in page.eval_on_selector_all("a[href]", "els => els.map(e => e.getAttribute('href'))"):
            parts = urlsplit(href)
            if parts.scheme or parts.netloc or not parts.path.startswith("/"):
                continue
            link = parts.path + (f"?{parts.query}" if parts.query else "")
            if link not in queued and _pattern(parts.path) not in seen_patterns:
                queued.add(link)
                queue.append(link)
    return visited, problems


@pytest.fixture
def demo(transactional_db):
    call_command("seed_demo", "--orders", "8", "--lines-per-order", "3", stdout=open("/dev/null", "w"))


def test_every_page_each_demo_role_reaches_passes_axe(_playwright_browser, live_server, demo):
    pages = urlconf_pages()
    all_visited, problems = [], []
    # Anonymous: the public pages, and the registration form after a failed submit (its error state).
    context = _playwright_browser.new_context(base_url=live_server.url, bypass_csp=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    visited, found = crawl(page, ["/", "/login/", "/register/"])
    all_visited += visited
    problems += found
    page.goto("/register/")
    page.get_by_role("button", name="Create").first.click()
    expect(page.locator(".invalid-feedback, .alert-danger").first).to_be_visible()
    problems += axe_violations(page, where="register (errors)")
    context.close()

    # Each URL pattern is visited once, at the first URL met: start at a shipped order, so that the order
    # page the crawl checks links to its packing slip, label and invoice whatever order the seed lists first.
    shipped = Shipment.objects.select_related("order").order_by("id").first().order
    shipped_url = reverse("orders:order_detail", kwargs={"po_number": shipped.po_number})
    axed: set[str] = set()
    for email, phone in ROLES:
        size = {"viewport": PHONE} if phone else {}
        context = _playwright_browser.new_context(base_url=live_server.url, bypass_csp=True, **size)
        context.set_default_timeout(15_000)
        page = context.new_page()
        browser_login(page, email, DEMO_PASSWORD)
        expect(page).to_have_url(f"{live_server.url}/account/")
        visited, found = crawl(page, ["/account/", shipped_url, *pages], phone=phone, axed=axed)
        all_visited += [f"{email}: {v}" for v in visited]
        problems += [f"{email}: {p}" for p in found]
        context.close()

    print(f"\naxe checked {len(all_visited)} pages")
    # The crawl did reach the areas: a page per role at least, and the admin sees the deep pages.
    names = " ".join(all_visited)
    for must in ("procurement:account", "budgets:allocations", "orders:order_detail", "orders:invoice_detail",
                 "orders:packing_slip", "orders:shipping_label", "orders:reconciliation", "orders:catalog"):
        assert must in names, f"the crawl never reached {must}"
    assert not problems, "\n".join(problems)
