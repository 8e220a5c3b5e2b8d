"""A buyer adds to cart, checks out against a Blanket PO and reads the PO number on the order page."""

import os
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from orders.models import Order
from tests.support.browser import browser_login
from tests.factories import CategoryFactory, ProductFactory
from tests.support.orders import make_budget

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("SCREENSHOT_DIR")


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_buyer_checks_out_against_a_blanket_po(page, buyer, group):
    budget = make_budget(group, name="Office supplies FY26", po_number="BPO-2026-OPS", amount="500.00")
    office = CategoryFactory(name="Office Supplies", code="OFFICE")
    ProductFactory(name="Copy paper, 10 reams", sku="OFF-0001", category=office, unit_price=Decimal("42.99"))
    ProductFactory(name="Stapler", sku="OFF-0004", category=office, unit_price=Decimal("18.75"))

    browser_login(page, buyer.user.email)
    page.locator("main").get_by_role("link", name="Catalog").click()
    page.get_by_label("Search by name or SKU").fill("paper")
    page.get_by_role("button", name="Search").click()
    page.get_by_label("Quantity of Copy paper, 10 reams").fill("2")
    page.get_by_role("button", name="Add to cart: Copy paper, 10 reams").click()
    expect(page.get_by_text("Added 2 × Copy paper, 10 reams to your cart.")).to_be_visible()
    _shot(page, "catalog")

    page.get_by_role("link", name="Cart", exact=True).first.click()
    expect(page.get_by_role("row", name=re.compile("Total")).get_by_text("$85.98")).to_be_visible()
    _shot(page, "cart")
    page.get_by_role("link", name="Proceed to checkout").click()
    page.get_by_label("Budget (Blanket PO)").select_option(label=f"{budget.name} · Blanket PO {budget.po_number} · $500.00 remaining")
    expect(page.get_by_text("BPO-2026-OPS-1")).to_be_visible()  # the preview of the number it will get
    _shot(page, "checkout")
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("Order placed. Your PO number is BPO-2026-OPS-1.")).to_be_visible()
    expect(page.locator("#po-number")).to_have_text("BPO-2026-OPS-1")
    expect(page.locator("main")).to_contain_text("Blanket PO BPO-2026-OPS")
    _shot(page, "order")
    order = Order.objects.get()
    assert (order.po_number, order.total, order.buyer_id) == ("BPO-2026-OPS-1", Decimal("85.98"), buyer.pk)
    budget.refresh_from_db()
    assert budget.spent == Decimal("85.98")
