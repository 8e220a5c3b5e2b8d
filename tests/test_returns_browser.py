"""The full path in a browser: the buyer receives 2 of 3 items, returns 1, staff approve in admin, the buyer
sees the credit note with the PO number, finance records the supplier's refund of the credit (the invoice was
paid before the return) and sees the month reconcile with the credit and the refund."""

import re

from decimal import Decimal

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from orders.finance.payments import payment_record
from orders.models import CreditNote, ReceiptLine, Refund
from procurement.models import User
from tests.factories import PASSWORD
from tests.support.browser import browser_login
from tests.support.finance import finance_member
from tests.support.receiving import placed_order, ship

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_receive_return_credit_note_and_reconcile(page, business, group, buyer):
    order = placed_order(buyer, group, ("10.00", 3))
    shipment = ship(order, {order.lines.get(): 3})
    line = shipment.lines.get()
    finance = finance_member(group, email="finance@example.com")
    User.objects.create_superuser(email="staff@example.com", password=PASSWORD)
    # The invoice (3 × 10.00) is paid in full before anything comes back: the credit will be owed back.
    payment_record(business=business, received_on=timezone.localdate(), amount=Decimal("30.00"), acting_user=None,
                   po_number=order.po_number)

    # The buyer receives 2 of the 3 items (one missing).
    browser_login(page, buyer.user.email)
    page.wait_for_url("**/account/")
    page.goto(f"/account/orders/{order.po_number}/")
    page.get_by_role("link", name="Record receipt").click()
    page.locator(f"#id_received_{line.pk}").fill("2")
    page.locator(f"#id_missing_{line.pk}").fill("1")
    page.locator(f"#id_note_{line.pk}").fill("One box missing")
    page.get_by_role("button", name="Record receipt").click()
    expect(page.get_by_text(f"Receipt recorded for {order.po_number}")).to_be_visible()
    expect(page.get_by_text("(1 missing)")).to_be_visible()

    # They ask to return one of the two.
    page.get_by_role("link", name="Return items").click()
    page.get_by_label("Quantity to return").fill("1")
    page.get_by_label("Wrong item").check()
    page.get_by_role("button", name="Request return").click()
    expect(page.get_by_text("Return requested")).to_be_visible()
    expect(page.locator("#returns ~ div .badge").get_by_text("Requested")).to_be_visible()
    assert ReceiptLine.objects.get().quantity_returned == 1

    # Staff approve it in Django admin.
    page.context.clear_cookies()
    page.goto("/admin/login/")
    page.locator("#id_username").fill("staff@example.com")
    page.locator("#id_password").fill(PASSWORD)
    page.locator("input[type=submit]").click()
    page.goto("/admin/orders/returnrequest/")
    page.locator("input[name=_selected_action]").first.check()
    page.locator("select[name=action]").select_option("approve_selected")
    page.locator("button[name=index]").click()
    expect(page.get_by_text(re.compile(r"Credit note CN-\d{4}-000001 issued"))).to_be_visible()
    credit_note = CreditNote.objects.get()

    # The buyer sees the credit note, with the PO number on it.
    page.context.clear_cookies()
    browser_login(page, buyer.user.email)
    page.wait_for_url("**/account/")
    page.goto(f"/account/orders/{order.po_number}/")
    page.get_by_role("link", name=credit_note.number).first.click()
    expect(page.locator("#credit-note-number")).to_have_text(credit_note.number)
    expect(page.locator(".po-number-big")).to_have_text(order.po_number)

    # Finance records the supplier's refund of the credit note from the Payments page.
    page.context.clear_cookies()
    browser_login(page, finance.user.email)
    page.wait_for_url("**/account/")
    page.goto("/account/payments/")
    page.get_by_role("link", name="Record a refund").click()
    page.get_by_role("link", name=f"Refund {credit_note.number}").click()
    expect(page.get_by_label("Credit note number")).to_have_value(credit_note.number)
    page.get_by_label("Amount").fill("10.00")
    page.get_by_role("button", name="Save").click()
    expect(page.get_by_text(f"Refund of 10.00 recorded against credit note {credit_note.number}")).to_be_visible()
    expect(page.get_by_test_id("refunds").get_by_role("link", name=credit_note.number)).to_be_visible()
    assert Refund.objects.get().amount == Decimal("10.00")

    # Finance sees the month reconcile: opening + invoiced − credited − paid + refunded = closing.
    page.goto("/account/reconciliation/")
    expect(page.get_by_test_id("credited")).to_contain_text("10.00")
    expect(page.get_by_test_id("refunded")).to_contain_text("10.00")
    expect(page.get_by_test_id("closing")).to_have_text(re.compile(r"^\D*0\.00\D*$"))  # 0 + 30 − 10 − 30 + 10
    page.goto("/account/invoices/")
    expect(page.get_by_role("link", name=credit_note.number, exact=True)).to_be_visible()
