"""Refunds against credit notes: a credit on a paid invoice is owed back; the refund settles it.

balance due = total − credited − paid + refunded; month: opening + invoiced − credited − paid + refunded = closing.
"""

import datetime
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orders.finance.payments import MonthClosedError, PaymentError, payment_record
from orders.finance.reconciliation import month_close, reconciliation_csv, reconciliation_month
from orders.finance.refunds import RefundError, credit_notes_to_refund, refund_record
from orders.models import CreditNote, Invoice, Refund, ReturnRequest
from orders.returns.services import return_approve, return_request
from tests.factories import MemberFactory
from tests.support.receiving import placed_order, receive, ship

pytestmark = pytest.mark.django_db


def _credit(buyer, group, business, *, paid):
    """39.00 invoiced (3 × 10.00 + 2 × 4.50), `paid` paid, then 1 × 10.00 returned and credited."""
    order = placed_order(buyer, group, ("10.00", 3), ("4.50", 2))
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 2})
    if paid:
        payment_record(business=business, received_on=timezone.localdate(), amount=Decimal(paid), acting_user=None,
                       po_number=order.po_number)
    line = receive(shipment, buyer).lines.get(order_line=first)
    request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.DAMAGED, member=buyer, acting_user=buyer.user)
    return return_approve(return_request_=request, acting_user=None)


@pytest.fixture
def paid_credit(buyer, group, business):
    return _credit(buyer, group, business, paid="39.00")


def test_a_credit_on_a_paid_invoice_is_owed_back(paid_credit, business):
    invoice = Invoice.objects.get(pk=paid_credit.invoice_id)
    assert invoice.status == Invoice.Status.PAID
    assert (invoice.balance_due, invoice.refund_owed) == (Decimal("-10.00"), Decimal("10.00"))
    assert credit_notes_to_refund(business=business) == [paid_credit]


def test_refund_settles_the_credit_note_and_the_month_balances(paid_credit, business):
    today = timezone.localdate()
    refund = refund_record(business=business, credit_note=paid_credit, received_on=today, amount="10.00", acting_user=None,
                           reference="REFUND CN")
    paid_credit.refresh_from_db()
    invoice = Invoice.objects.get(pk=paid_credit.invoice_id)
    assert refund.amount == Decimal("10.00") and paid_credit.amount_refunded == Decimal("10.00")
    assert paid_credit.refund_outstanding == Decimal("0.00")
    assert (invoice.amount_refunded, invoice.balance_due, invoice.refund_owed) == (Decimal("10.00"), Decimal("0.00"), Decimal("0.00"))
    assert credit_notes_to_refund(business=business) == []
    s = reconciliation_month(business=business, year=today.year, month=today.month)
    assert (s.invoiced, s.credited, s.paid, s.refunded, s.refunds_n) == (
        Decimal("39.00"), Decimal("10.00"), Decimal("39.00"), Decimal("10.00"), 1)
    assert s.opening + s.invoiced - s.credited - s.paid + s.refunded == s.closing == s.closing_check == s.opening
    csv_text = reconciliation_csv(business=business, summary=s)
    assert "Refunded,10.00" in csv_text and f"10.00,{paid_credit.number},{paid_credit.order.po_number}" in csv_text


def test_refund_in_a_later_month_carries_the_balance(paid_credit, business):
    """The credit month closes below zero (owed back); the refund month opens there and returns to zero."""
    today = timezone.localdate()
    later = (today.replace(day=1) + datetime.timedelta(days=40)).replace(day=3)
    refund_record(business=business, credit_note=paid_credit, received_on=later, amount="10.00", acting_user=None)
    first = reconciliation_month(business=business, year=today.year, month=today.month)
    second = reconciliation_month(business=business, year=later.year, month=later.month)
    assert first.closing == first.closing_check == first.opening - Decimal("10.00") and first.refunded == 0
    assert second.opening == first.closing and second.refunded == Decimal("10.00")
    assert second.closing == second.closing_check == first.opening


def test_never_more_than_owed_and_never_twice(paid_credit, business):
    today = timezone.localdate()
    with pytest.raises(RefundError, match="at most 10.00"):
        refund_record(business=business, credit_note=paid_credit, received_on=today, amount="10.01", acting_user=None)
    refund_record(business=business, credit_note=paid_credit, received_on=today, amount="4.00", acting_user=None)
    refund_record(business=business, credit_note=paid_credit, received_on=today, amount="6.00", acting_user=None)
    with pytest.raises(RefundError, match="already refunded in full"):
        refund_record(business=business, credit_note=paid_credit, received_on=today, amount="0.01", acting_user=None)
    for bad in ("0", "-5", "abc"):
        with pytest.raises(PaymentError):
            refund_record(business=business, credit_note=paid_credit, received_on=today, amount=bad, acting_user=None)
    assert Refund.objects.count() == 2


def test_credit_on_an_unpaid_invoice_is_not_refunded(buyer, group, business):
    """The credit reduced what is left to pay: nothing comes back."""
    credit_note = _credit(buyer, group, business, paid=None)
    assert credit_notes_to_refund(business=business) == []
    with pytest.raises(RefundError, match="Nothing to refund"):
        refund_record(business=business, credit_note=credit_note, received_on=timezone.localdate(), amount="1.00", acting_user=None)


def test_partly_paid_invoice_refunds_only_the_overpayment(buyer, group, business):
    credit_note = _credit(buyer, group, business, paid="35.00")  # 39 − 10 credited = 29 due; 6 overpaid
    with pytest.raises(RefundError, match="at most 6.00"):
        refund_record(business=business, credit_note=credit_note, received_on=timezone.localdate(), amount="10.00", acting_user=None)
    refund_record(business=business, credit_note=credit_note, received_on=timezone.localdate(), amount="6.00", acting_user=None)
    credit_note.refresh_from_db()
    assert credit_note.invoice.balance_due == Decimal("0.00") and credit_note.refund_outstanding == Decimal("4.00")


def test_closed_month_refuses_refunds(paid_credit, business, admin_member):
    today = timezone.localdate()
    month_close(business=business, year=today.year, month=today.month, member=admin_member, acting_user=None)
    with pytest.raises(MonthClosedError):
        refund_record(business=business, credit_note=paid_credit, received_on=today, amount="10.00", acting_user=None)


def test_another_business_credit_note_is_refused(paid_credit, other_business):
    with pytest.raises(RefundError):
        refund_record(business=other_business, credit_note=paid_credit, received_on=timezone.localdate(), amount="1.00", acting_user=None)


def test_database_refuses_over_refunding(paid_credit):
    with pytest.raises(IntegrityError), transaction.atomic():
        CreditNote.objects.filter(pk=paid_credit.pk).update(amount_refunded=paid_credit.total + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=paid_credit.invoice_id).update(amount_refunded=Decimal("10.01"))  # overpaid by 10.00


def test_finance_records_a_refund_from_the_page(client, paid_credit, admin_member, django_assert_max_num_queries):
    client.force_login(admin_member.user)
    url = reverse("orders:refund_create")
    page = client.get(url).content.decode()
    assert paid_credit.number in page and "Credit notes to refund" in page
    bad = client.post(url, {"credit_note_number": "CN-NOPE", "received_on": timezone.localdate().isoformat(),
                            "amount": "10.00", "method": "ACH"})
    assert bad.status_code == 400 and "No credit note" in bad.content.decode()
    too_much = client.post(url, {"credit_note_number": paid_credit.number.lower(), "received_on": timezone.localdate().isoformat(),
                                 "amount": "11.00", "method": "ACH"})
    assert too_much.status_code == 400 and Refund.objects.count() == 0
    response = client.post(url, {"credit_note_number": paid_credit.number, "received_on": timezone.localdate().isoformat(),
                                 "amount": "10.00", "method": "Wire", "reference": "SUPPLIER REFUND"})
    assert response.status_code == 302 and response.url == reverse("orders:payments")
    with django_assert_max_num_queries(12):
        payments = client.get(reverse("orders:payments")).content.decode()
    assert 'data-testid="refunds"' in payments and paid_credit.number in payments and "SUPPLIER REFUND" in payments
    recon = client.get(reverse("orders:reconciliation")).content.decode()
    assert 'data-testid="refunded"' in recon


def test_refund_page_is_finance_only(client, buyer, business):
    client.force_login(buyer.user)
    assert client.get(reverse("orders:refund_create")).status_code == 403
    clerk = MemberFactory(business=business)
    client.force_login(clerk.user)
    assert client.post(reverse("orders:refund_create"), {}).status_code == 403
