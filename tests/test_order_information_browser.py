"""A buyer checks out filling a GL code from a long list (searched through the combobox), then reads
it on the order page and on the invoice."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse
from playwright.sync_api import expect

from orders.information.services import order_field_choices_add, order_field_create
from orders.models import Order, OrderField
from orders.seed.information import gl_codes
from tests.support.browser import browser_login
from tests.support.orders import fill_cart
from tests.support.receiving import ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_searches_the_gl_code_list_and_sees_it_on_the_order_and_invoice(page, buyer, group):
    gl = order_field_create(business=group.business, name="GL code", type=OrderField.Type.CHOICE, required=True, acting_user=None)
    order_field_choices_add(field=gl, text="\n".join(f"{c},{label}" for c, label in gl_codes()), acting_user=None)
    fill_cart(buyer, ("42.99", 2))

    browser_login(page, buyer.user.email)
    page.goto("/checkout/")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_role("link", name=re.compile("Enter GL code"))).to_be_visible()  # checked on the server

    box = page.get_by_role("combobox", name="GL code")
    box.fill("lab supplies · res")
    option = page.get_by_role("option", name="7000-800 · Lab supplies · Research and development")
    expect(option).to_be_visible()
    box.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", option.get_attribute("id"))
    box.press("Enter")
    expect(box).to_have_value("7000-800")
    expect(page.get_by_role("listbox")).to_be_hidden()
    page.get_by_role("button", name="Place order").click()

    expect(page.get_by_text("Order placed.")).to_be_visible()
    expect(page.locator("main")).to_contain_text("7000-800 · Lab supplies · Research and development")
    order = Order.objects.get()
    assert [(v.name, v.value) for v in order.information] == [("GL code", "7000-800")]

    line = order.lines.get()
    invoice = ship(order, {line: 2}).invoice
    page.goto(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}))
    expect(page.locator("tr.order-information")).to_contain_text("GL code")
    expect(page.locator("tr.order-information")).to_contain_text("7000-800")
    assert order.total == Decimal("85.98")
