"""The buyer's order is approved: the bell shows 1, opening the notification lands on the order page,
the count drops."""

import re

import pytest
from django.core import mail
from playwright.sync_api import expect

from orders.approvals.services import order_approve
from tests.support.browser import browser_login
from tests.support.orders import make_member, place_pending

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_buyer_opens_the_approved_notification_from_the_bell(page, buyer, group):
    order = place_pending(buyer, group)
    approver = make_member(group, "approver")
    order_approve(order=order, approver=approver, acting_user=approver.user)  # committed: the email left too
    assert [m.subject for m in mail.outbox] == [f"Your order {order.po_number} was approved"]

    browser_login(page, buyer.user.email)
    bell = page.get_by_role("link", name="Notifications: 1 unread")
    expect(bell).to_be_visible()
    bell.click()
    expect(page.get_by_role("heading", name="Notifications")).to_be_visible()
    page.get_by_role("button", name=f"Your order {order.po_number} was approved").click()

    expect(page).to_have_url(re.compile(rf"/account/orders/{re.escape(order.po_number)}/$"))
    expect(page.locator("#po-number")).to_have_text(order.po_number)
    expect(page.get_by_role("link", name="Notifications: 0 unread")).to_be_visible()
