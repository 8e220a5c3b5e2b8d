"""seed_demo adds receipts, one return with its credit note, one three-way mismatch and one refund, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from orders.finance.matching import mismatch_rows
from orders.models import CreditNote, Invoice, Receipt, Refund, ReturnRequest
from procurement.models import Business

pytestmark = pytest.mark.django_db


def test_seed_demo_receiving_return_credit_note_and_mismatch():
    call_command("seed_demo", "--orders", "40", stdout=StringIO())
    acme = Business.objects.get(name="Acme Corporation")
    assert Receipt.objects.filter(business=acme, created_by__isnull=False).exists()
    credit_note = CreditNote.objects.filter(business=acme, refunds__isnull=True).get()
    assert credit_note.number.startswith("CN-") and credit_note.return_request.status == ReturnRequest.Status.APPROVED
    assert credit_note.invoice.amount_credited == credit_note.total
    assert any("damaged_no_return" in row.kinds for row in mismatch_rows(business_id=acme.pk))
    refund = Refund.objects.select_related("credit_note__invoice").get(business=acme)
    refunded = refund.credit_note
    assert refund.amount == refunded.total == refunded.amount_refunded and refunded.invoice.status == Invoice.Status.PAID
    assert refunded.invoice.balance_due == 0 and refunded.invoice.amount_refunded == refund.amount
    counts = (Receipt.objects.count(), CreditNote.objects.count(), ReturnRequest.objects.count(), Refund.objects.count())
    call_command("seed_demo", "--orders", "40", stdout=StringIO())
    assert (Receipt.objects.count(), CreditNote.objects.count(), ReturnRequest.objects.count(), Refund.objects.count()) == counts
