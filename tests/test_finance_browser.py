"""Finance closes a month from a bank CSV: import, resolve the one unmatched payment, zero difference."""

import datetime
import os

import pytest
from playwright.sync_api import expect

from orders.models import Payment
from tests.support.browser import browser_login
from tests.support.finance import finance_member, make_invoice

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SHOTS = os.environ.get("FINANCE_SCREENSHOTS")  # a directory: save screenshots of each page there


def _shot(page, name):
    if SHOTS:
        page.screenshot(path=os.path.join(SHOTS, f"{name}.png"), full_page=True)


def test_finance_imports_a_csv_resolves_the_unmatched_payment_and_the_month_reconciles(page, business, group, tmp_path):
    member = finance_member(group, email="finance@example.com")
    paid = make_invoice(group=group, po_number="PO-2026-000123", number="INV-2026-000045", total="250.00",
                        issued_on=datetime.date(2026, 3, 3))
    other = make_invoice(group=group, po_number="PO-2026-000124", number="INV-2026-000046", total="75.50",
                         issued_on=datetime.date(2026, 3, 4))
    statement = tmp_path / "march.csv"
    statement.write_text(
        "Date,Amount,Description\n"
        "2026-03-20,250.00,ACH ACME PO-2026-000123 INV-2026-000045\n"
        "2026-03-21,75.50,WIRE TRANSFER REF 88231 THANK YOU\n"
        "2026-03-22,80.00,WIRE TRANSFER REF 99999\n"
    )
    browser_login(page, member.user.email)
    page.wait_for_url("**/account/")
    page.get_by_role("link", name="Reconciliation").first.click()
    page.get_by_role("link", name="Import bank statement").first.click()
    page.get_by_label("Bank statement").set_input_files(str(statement))
    page.get_by_role("button", name="Preview").click()
    expect(page.get_by_text("1 matched")).to_be_visible()
    _shot(page, "statement-preview")
    page.get_by_role("button", name="Confirm import").click()
    page.wait_for_url("**/account/reconciliation/?month=2026-03")
    expect(page.locator("body")).to_contain_text("Imported 3 payments")
    expect(page.get_by_test_id("difference")).to_have_text("$155.50")

    # The 75.50 wire had no number (one invoice of that balance was suggested): finance applies it.
    page.get_by_label("Invoice or PO number for the payment of $75.50 on").fill(other.number)
    page.get_by_label("Invoice or PO number for the payment of $75.50 on").locator("..").get_by_role("button", name="Apply").click()
    expect(page.locator("body")).to_contain_text("applied")
    # The 80.00 line is not a payment of ours.
    page.get_by_label("Invoice or PO number for the payment of $80.00 on").locator("..").get_by_role("button", name="Not ours").click()
    expect(page.get_by_test_id("difference")).to_have_text("$0.00")
    expect(page.get_by_test_id("closing")).to_have_text("$0.00")
    _shot(page, "reconciliation")
    page.get_by_role("button", name="Close month").click()
    expect(page.get_by_role("button", name="Reopen")).to_be_visible()
    assert Payment.objects.filter(business=business, resolved_by=member).count() == 2
    paid.refresh_from_db()
    other.refresh_from_db()
    assert (paid.status, other.status) == ("paid", "paid")
    if SHOTS:
        page.goto("/account/analytics/")
        _shot(page, "analytics")
        page.goto("/account/analytics/orders/")
        _shot(page, "orders-report")
        from tests.factories import AllocationFactory, BudgetFactory, UserFactory

        budget = BudgetFactory(group=group, po_number="BPO-2026-0001", name="Office supplies FY26")
        AllocationFactory(budget=budget, member=member, amount="300.00")
        page.goto("/account/analytics/budgets/")
        _shot(page, "budget-report")
        page.goto("/account/payments/")
        _shot(page, "payments")
        UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
        page.get_by_role("button", name="Log out").click()
        browser_login(page, "staff@example.com")
        page.goto("/admin/orders/payment/support/?q=PO-2026-000123")
        _shot(page, "admin-support")
        page.get_by_role("link", name="PO-2026-000123").first.click()
        _shot(page, "admin-story")
