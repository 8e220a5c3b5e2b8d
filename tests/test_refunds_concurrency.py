"""Refunds under concurrency (PostgreSQL): two refunds racing for one credit note never over-refund."""

from decimal import Decimal

import pytest
from django.utils import timezone

from orders.finance.payments import payment_record
from orders.finance.refunds import RefundError, refund_record
from orders.models import CreditNote, Invoice, Refund, ReturnRequest
from orders.returns.services import return_approve, return_request
from tests.factories import GroupFactory
from tests.support.orders import make_buyer
from tests.support.receiving import placed_order, receive, ship
from tests.support.threads import run_at_once

THREADS = 12


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_refunds_never_exceed_the_credit_note():
    group = GroupFactory()
    buyer = make_buyer(group)
    order = placed_order(buyer, group, ("10.00", 3))
    line = order.lines.get()
    shipment = ship(order, {line: 3})
    payment_record(business=order.business, received_on=timezone.localdate(), amount=Decimal("30.00"), acting_user=None,
                   po_number=order.po_number)
    receipt_line = receive(shipment, buyer).lines.get()
    request = return_request(receipt_line=receipt_line, quantity=1, reason=ReturnRequest.Reason.DAMAGED, member=buyer,
                             acting_user=buyer.user)
    credit_note = return_approve(return_request_=request, acting_user=None)  # 10.00 owed back

    def refund(i):
        try:
            refund_record(business=order.business, credit_note=CreditNote.objects.get(pk=credit_note.pk),
                          received_on=timezone.localdate(), amount=Decimal("6.00"), acting_user=None, reference=f"R{i}")
            return "refunded"
        except RefundError:
            return "refused"

    results, errors = run_at_once(refund, THREADS)
    assert errors == [], errors
    assert results.count("refunded") == 1 and results.count("refused") == THREADS - 1
    credit_note.refresh_from_db()
    invoice = Invoice.objects.get(pk=credit_note.invoice_id)
    assert credit_note.amount_refunded == Decimal("6.00") == invoice.amount_refunded
    assert Refund.objects.filter(credit_note=credit_note).count() == 1 and invoice.balance_due == Decimal("-4.00")
