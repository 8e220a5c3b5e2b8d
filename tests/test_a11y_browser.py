"""Keyboard only, phones and forms: the checkout with Tab and Enter alone, the app at 390 px with the menu,
and a failed submit that moves the focus to the error summary."""

from __future__ import annotations

import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.support.browser import browser_login
from tests.factories import CategoryFactory, ProductFactory
from tests.support.orders import make_budget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

FOCUSED_NAME = """() => {
  const el = document.activeElement;
  if (!el) return "";
  return (el.getAttribute("aria-label") || el.innerText || el.value || "").trim();
}"""


def tab_to(page, name: str | re.Pattern, *, limit: int = 120) -> None:
    """Press Tab until the focused element's accessible text matches `name` (keyboard only, no mouse)."""
    seen = []
    for _ in range(limit):
        page.keyboard.press("Tab")
        text = page.evaluate(FOCUSED_NAME)
        seen.append(text)
        if (name.search(text) if isinstance(name, re.Pattern) else text == name):
            return
    raise AssertionError(f"Tab never reached {name!r}; focus went through {seen}")


def _shop(group):
    budget = make_budget(group, name="Office supplies FY26", po_number="BPO-2026-OPS", amount="500.00")
    office = CategoryFactory(name="Office Supplies", code="OFFICE")
    ProductFactory(name="Copy paper, 10 reams", sku="OFF-0001", category=office, unit_price=Decimal("42.99"))
    return budget


def test_checkout_with_the_keyboard_alone(page, buyer, group):
    _shop(group)
    browser_login(page, buyer.user.email)
    expect(page).to_have_url(re.compile("/account/$"))
    page.goto("/catalog/")
    # The first Tab reaches the skip link; it jumps over the navigation.
    tab_to(page, "Skip to content", limit=3)
    page.keyboard.press("Enter")
    tab_to(page, "Add to cart: Copy paper, 10 reams")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Added 1 × Copy paper, 10 reams to your cart.")).to_be_visible()
    tab_to(page, "Cart")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/cart/$"))
    tab_to(page, "Proceed to checkout")
    page.keyboard.press("Enter")
    expect(page).to_have_url(re.compile("/checkout/"))
    expect(page.get_by_label("Budget (Blanket PO)")).to_have_value(str(group.budgets.get().pk))
    tab_to(page, "Place order")
    page.keyboard.press("Enter")
    expect(page.get_by_text("Order placed. Your PO number is BPO-2026-OPS-1.")).to_be_visible()
    order = Order.objects.get()
    assert (order.total, order.buyer_id) == (Decimal("42.99"), buyer.pk)


def _no_page_scroll(page):
    widths = page.evaluate("() => [document.documentElement.scrollWidth, document.documentElement.clientWidth]")
    if widths[0] > widths[1]:
        wide = page.evaluate("""() => [...document.querySelectorAll('body *')]
            .filter(el => el.getBoundingClientRect().right > document.documentElement.clientWidth + 1 && !el.closest('.table-responsive'))
            .slice(0, 8).map(el => el.tagName + '.' + el.className + ' ' + Math.round(el.getBoundingClientRect().right))""")
        chain = page.evaluate("""() => { const out = []; let el = document.querySelector('table');
            while (el) { const cs = getComputedStyle(el); out.push(el.tagName + '.' + el.className + ' w=' + Math.round(el.getBoundingClientRect().width) + ' sw=' + el.scrollWidth + ' ov=' + cs.overflowX + ' disp=' + cs.display); el = el.parentElement; } return out; }""")
        raise AssertionError(f"{page.url} scrolls sideways at 390 px: {widths}; too wide: {wide}; chain: {chain}")


def test_phone_390px_menu_and_an_order(_playwright_browser, live_server, buyer, group):
    _shop(group)
    context = _playwright_browser.new_context(base_url=live_server.url, viewport={"width": 390, "height": 844},
                                              is_mobile=True, has_touch=True)
    context.set_default_timeout(15_000)
    page = context.new_page()
    try:
        browser_login(page, buyer.user.email)
        expect(page).to_have_url(re.compile("/account/$"))
        _no_page_scroll(page)
        # The navigation is folded into the menu button.
        catalog = page.get_by_role("navigation", name="Sections").get_by_role("link", name="Catalog")
        expect(catalog).to_be_hidden()
        menu = page.get_by_role("button", name="Menu")
        expect(menu).to_have_attribute("aria-expanded", "false")
        menu.click()
        expect(menu).to_have_attribute("aria-expanded", "true")
        expect(catalog).to_be_visible()
        catalog.click()
        expect(page).to_have_url(re.compile("/catalog/$"))
        _no_page_scroll(page)
        page.get_by_role("button", name="Add to cart: Copy paper, 10 reams").click()
        expect(page.get_by_text("Added 1 × Copy paper, 10 reams to your cart.")).to_be_visible()
        page.get_by_role("button", name="Menu").click()
        page.get_by_role("navigation", name="Main").get_by_role("link", name="Cart").click()
        expect(page).to_have_url(re.compile("/cart/$"))
        _no_page_scroll(page)
        page.get_by_role("link", name="Proceed to checkout").click()
        expect(page).to_have_url(re.compile("/checkout/"))
        _no_page_scroll(page)
        page.get_by_role("button", name="Place order").click()
        expect(page.get_by_text("Order placed. Your PO number is BPO-2026-OPS-1.")).to_be_visible()
        _no_page_scroll(page)
        # Wide tables scroll inside their own focusable region, not the page.
        page.goto("/account/orders/")
        region = page.get_by_role("region", name=re.compile("Orders"))
        expect(region).to_have_attribute("tabindex", "0")
        _no_page_scroll(page)
        assert Order.objects.filter(buyer=buyer).count() == 1
    finally:
        context.close()


def test_failed_submit_focuses_the_error_summary_and_ties_errors_to_fields(page, admin_member):
    browser_login(page, admin_member.user.email)
    expect(page).to_have_url(re.compile("/account/$"))
    page.goto("/account/business-settings/company/")
    # Required fields say so in words.
    expect(page.get_by_text("Company name (required)")).to_be_visible()
    page.get_by_label("Company name").fill("")
    page.get_by_label("Currency").fill("EURO")
    page.get_by_role("button", name="Save").click()
    summary = page.get_by_role("alert").filter(has_text="with what you entered")
    expect(summary).to_be_focused()
    expect(summary.get_by_role("link", name=re.compile("Company name"))).to_be_visible()
    name = page.get_by_label("Company name")
    expect(name).to_have_attribute("aria-invalid", "true")
    # The field's description is its error message (Django sets aria-describedby, crispy renders the id).
    described = name.get_attribute("aria-describedby") or ""
    error_id = next(part for part in described.split() if part.endswith("_error"))
    expect(page.locator(f"#{error_id}")).to_have_class(re.compile("invalid-feedback"))
    expect(page.locator(f"#{error_id}")).not_to_be_empty()
    # The summary's link takes the keyboard to the field.
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")
    expect(name).to_be_focused()


def _pdf_pages(data: bytes) -> list[tuple[float, float]]:
    import io

    from pypdf import PdfReader

    return [(round(float(p.mediabox.width)), round(float(p.mediabox.height))) for p in PdfReader(io.BytesIO(data)).pages]


def test_documents_print_on_one_page_and_the_label_alone(page, admin_member, group):
    from tests.factories import OrderLineFactory
    from tests.support.finance import make_invoice

    invoice = make_invoice(group=group, total="1234.56")
    for i in range(10):  # a realistic order: eleven lines
        OrderLineFactory(order=invoice.order, sku=f"SKU-{i:03}", description=f"Office chair, ergonomic, model {i}")
    shipment = invoice.shipment
    browser_login(page, admin_member.user.email)
    expect(page).to_have_url(re.compile("/account/$"))
    po = invoice.order.po_number
    for url in (f"/account/invoices/{invoice.number}/", f"/account/orders/{po}/shipments/{shipment.pk}/packing-slip/"):
        page.goto(url)
        expect(page.locator(".doc-sheet")).to_be_visible()
        for paper in ("Letter", "A4"):
            pages = _pdf_pages(page.pdf(format=paper))
            assert len(pages) == 1, f"{url} prints on {len(pages)} {paper} pages"
    page.goto(f"/account/orders/{po}/shipments/{shipment.pk}/label/")
    expect(page.locator(".doc-label")).to_be_visible()
    assert _pdf_pages(page.pdf(width="4in", height="6in")) == [(288, 432)]  # one 4 x 6 in page, nothing else
