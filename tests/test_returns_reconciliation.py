"""Credit notes in reconciliation: they reduce the amount due; opening + invoiced − credited − paid = closing."""

from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.finance.payments import payment_record
from orders.finance.reconciliation import reconciliation_csv, reconciliation_month
from orders.models import Invoice, Payment, ReturnRequest
from orders.returns.services import return_approve, return_request
from tests.support.receiving import placed_order, receive, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def credited(buyer, group):
    """An invoice of 3 × 10.00 + 2 × 4.50 = 39.00, with 1 × 10.00 returned and credited."""
    order = placed_order(buyer, group, ("10.00", 3), ("4.50", 2))
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 2})
    receipt = receive(shipment, buyer)
    line = receipt.lines.get(order_line=first)
    request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.DAMAGED, member=buyer, acting_user=buyer.user)
    credit_note = return_approve(return_request_=request, acting_user=None)
    return order, Invoice.objects.get(pk=shipment.invoice.pk), credit_note


def test_credit_note_reduces_the_amount_due_and_the_month_balances(credited, business):
    order, invoice, credit_note = credited
    assert (invoice.total, invoice.amount_credited, invoice.balance_due) == (Decimal("39.00"), Decimal("10.00"), Decimal("29.00"))
    today = timezone.localdate()
    summary = reconciliation_month(business=business, year=today.year, month=today.month)
    assert (summary.invoiced, summary.credited, summary.paid) == (Decimal("39.00"), Decimal("10.00"), Decimal("0.00"))
    assert summary.closing == summary.opening + Decimal("29.00") and summary.balances
    assert "Credited" in reconciliation_csv(business=business, summary=summary)


def test_payment_of_the_net_amount_settles_the_invoice(credited, business):
    order, invoice, _ = credited
    today = timezone.localdate()
    payment = payment_record(business=business, received_on=today, amount=Decimal("29.00"), acting_user=None,
                             po_number=order.po_number)
    invoice.refresh_from_db()
    assert payment.status == Payment.Status.MATCHED and payment.unapplied == Decimal("0.00")
    assert invoice.status == Invoice.Status.PAID and invoice.balance_due == Decimal("0.00")
    summary = reconciliation_month(business=business, year=today.year, month=today.month)
    assert summary.opening + summary.invoiced - summary.credited - summary.paid == summary.closing == summary.closing_check
    assert summary.closing == summary.opening  # everything issued this month is settled


def test_paying_the_gross_leaves_the_credit_on_the_payment(credited, business):
    order, invoice, _ = credited
    payment = payment_record(business=business, received_on=timezone.localdate(), amount=Decimal("39.00"),
                             acting_user=None, invoice_number=invoice.number)
    assert payment.amount_applied == Decimal("29.00") and payment.is_overpaid


def test_reconciliation_page_shows_credited(client, credited, admin_member):
    client.force_login(admin_member.user)
    page = client.get(reverse("orders:reconciliation")).content.decode()
    assert 'data-testid="credited"' in page and "10.00" in page
