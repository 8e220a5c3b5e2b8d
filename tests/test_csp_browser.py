"""The Content-Security-Policy in a real browser: chromium enforces it, and the page fixture fails a test
on any refused script or style. These pages carry what used to be inline: the documents' @page rule (a
nonce), the print button and the cancel confirmation (static/js/app.js), and the barcode's colours."""

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orders.documents.services import invoice_issue
from orders.models import Order
from tests.support.browser import browser_login
from tests.factories import MemberFactory
from tests.support.isolation.documents import order_with_lines, ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HAS_PAGE_RULE = """() => [...document.styleSheets].some(sheet => {
  try { return [...sheet.cssRules].some(rule => rule.cssText.startsWith("@page")); } catch (e) { return false; }
})"""


def test_documents_keep_their_page_rule_barcode_and_print_button(page):
    admin = MemberFactory(user__email="admin@csp.example", is_business_admin=True)
    order = order_with_lines(business=admin.business)
    shipment = ship(order, {line: line.quantity for line in order.lines.all()}, tracking_number="1ZCSP00000000001")
    invoice = invoice_issue(shipment=shipment, acting_user=admin.user)
    browser_login(page, admin.user.email)
    expect(page).to_have_url(f"{page.base_url}{reverse('procurement:account')}")

    page.goto(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}))
    expect(page.get_by_role("heading", level=1)).to_contain_text(invoice.number)
    assert page.evaluate(HAS_PAGE_RULE), "the invoice's @page rule (nonce) was not applied"

    page.goto(reverse("orders:shipping_label", kwargs={"po_number": order.po_number, "shipment_id": shipment.pk}))
    barcode = page.locator("svg.barcode").first
    expect(barcode).to_be_visible()
    assert page.evaluate(HAS_PAGE_RULE)
    # The barcode's white background and black bars survive the refused style attributes.
    assert barcode.locator("rect").first.evaluate("e => getComputedStyle(e).fill") == "rgb(255, 255, 255)"
    assert barcode.locator("rect").nth(1).evaluate("e => getComputedStyle(e).fill") == "rgb(0, 0, 0)"

    # The Print button is wired by static/js/app.js (no onclick attribute).
    page.evaluate("() => { window.__printed = 0; window.print = () => { window.__printed += 1; }; }")
    page.get_by_role("button", name="Print").click()
    assert page.evaluate("() => window.__printed") == 1


def test_cancel_asks_first_without_inline_script(page):
    buyer = MemberFactory(user__email="buyer@csp.example")
    order = order_with_lines(business=buyer.business, buyer=buyer, blanket=False)
    browser_login(page, buyer.user.email)
    expect(page).to_have_url(f"{page.base_url}{reverse('procurement:account')}")
    page.goto(reverse("orders:order_detail", kwargs={"po_number": order.po_number}))
    asked = []
    page.once("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name="Cancel order").click()
    expect(page.get_by_role("button", name="Cancel order")).to_be_visible()
    assert asked == [f"Cancel order {order.po_number}?"]
    order.refresh_from_db()
    assert order.status != Order.Status.CANCELLED
