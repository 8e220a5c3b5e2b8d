"""The whole approval path in a browser: an admin sets a two-level rule (over 1,000: the approvers;
over 5,000: finance), a buyer orders 6,000, the approver then finance approve from the links in their
emails (the link opens the order page; they sign in and decide there with a POST), the buyer sees it
approved, and the GL code given at checkout on the invoice."""

import re
from decimal import Decimal

import pytest
from django.core import mail
from django.urls import reverse
from playwright.sync_api import expect

from orders.information.services import order_field_choices_add, order_field_create
from orders.models import Order, OrderField
from procurement.models import GroupMembership
from tests.factories import PASSWORD, CategoryFactory, GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.browser import browser_login
from tests.support.orders import make_budget
from tests.support.receiving import ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
Role = GroupMembership.Role


def _link_for(email: str) -> str:
    message = [m for m in mail.outbox if m.to == [email]][-1]
    return re.search(r"https?://\S+/account/orders/\S+/", message.body).group(0)


def _sign_in_from_link(page, link, email):
    page.context.clear_cookies()
    page.goto(link)
    page.get_by_label("Email").fill(email)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()


def _add_level(page, amount, deciders):
    page.get_by_label("When it applies").select_option(label="Order total at or above an amount")
    page.get_by_label("Amount (for an amount condition)").fill(amount)
    page.get_by_label("Who decides").select_option(label=deciders)
    page.get_by_label("How many must approve").select_option(label="Any one of them")
    page.get_by_role("button", name="Add level").click()


def test_two_level_approval_from_the_email_links(page, live_server, settings, group, buyer, admin_member):
    settings.SITE_URL = live_server.url
    approver = MemberFactory(business=group.business, user__email="approver@example.com")
    GroupMembershipFactory(group=group, member=approver, role=Role.APPROVER)
    finance = MemberFactory(business=group.business, user__email="finance@example.com")
    GroupMembershipFactory(group=group, member=finance, role=Role.FINANCE)
    budget = make_budget(group, name="Equipment FY26", po_number="BPO-EQ", amount="20000.00")
    ProductFactory(name="Laser cutter", sku="EQ-1", category=CategoryFactory(name="Equipment"), unit_price=Decimal("6000.00"))
    gl = order_field_create(business=group.business, name="GL code", type=OrderField.Type.CHOICE, required=True, acting_user=None)
    order_field_choices_add(field=gl, text="6100,Equipment\n6200,Software\n7000,Lab supplies", acting_user=None)

    browser_login(page, admin_member.user.email)
    page.goto("/account/business-settings/")
    page.get_by_role("link", name="Approval workflows").click()
    expect(page.get_by_role("heading", name="Approval workflows")).to_be_visible()
    _add_level(page, "1000", "The group's approvers")
    expect(page.get_by_text("Level 1 added.")).to_be_visible()
    _add_level(page, "5000", "The group's finance members")
    expect(page.get_by_text("Level 2 added.")).to_be_visible()
    expect(page.locator("#approval-levels")).to_contain_text("Order total at or above 5000.00")

    page.context.clear_cookies()
    browser_login(page, buyer.user.email)
    page.locator("main").get_by_role("link", name="Catalog").click()
    expect(page.get_by_text("Needs approval").first).to_be_visible()  # said before checkout
    page.get_by_role("button", name="Add to cart: Laser cutter").click()
    page.get_by_role("link", name="Cart", exact=True).first.click()
    expect(page.get_by_text("The order total 6000.00 is at or above 5000.00.")).to_be_visible()
    page.get_by_role("link", name="Proceed to checkout").click()
    page.get_by_label("Budget (Blanket PO)").select_option(index=0)
    page.get_by_role("combobox", name="GL code").fill("6100")
    page.get_by_role("button", name="Place order").click()
    expect(page.get_by_text(re.compile("waits for approval"))).to_be_visible()
    order = Order.objects.get()
    assert order.budget == budget

    _sign_in_from_link(page, _link_for("approver@example.com"), "approver@example.com")
    expect(page.locator("#po-number")).to_have_text(order.po_number)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Order {order.po_number} approved at your level; it waits for the next level.")).to_be_visible()

    _sign_in_from_link(page, _link_for("finance@example.com"), "finance@example.com")
    expect(page.locator("#po-number")).to_have_text(order.po_number)
    page.get_by_role("button", name="Approve").click()
    expect(page.get_by_text(f"Order {order.po_number} approved; it is placed.")).to_be_visible()

    _sign_in_from_link(page, _link_for("buyer@example.com"), "buyer@example.com")
    expect(page.locator("main")).to_contain_text("Approved (level 2)")
    expect(page.locator("main")).to_contain_text(f"by {finance.name}")
    expect(page.locator("#approval-levels").locator("xpath=..")).to_contain_text("Approved")

    # Shipped by staff (the invoice is issued with the shipment): the buyer reads the GL code on it.
    order.refresh_from_db()
    assert [(v.name, v.value) for v in order.information] == [("GL code", "6100")]
    invoice = ship(order, {order.lines.get(): 1}).invoice
    page.goto(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number}))
    expect(page.locator("tr.order-information")).to_contain_text("GL code")
    expect(page.locator("tr.order-information")).to_contain_text("6100")
