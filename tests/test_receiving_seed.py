"""seed_demo adds receipts, one return with its credit note and one three-way mismatch, once."""

from io import StringIO

import pytest
from django.core.management import call_command

from orders.finance.matching import mismatch_rows
from orders.models import CreditNote, Receipt, ReturnRequest
from procurement.models import Business

pytestmark = pytest.mark.django_db


def test_seed_demo_receiving_return_credit_note_and_mismatch():
    call_command("seed_demo", "--orders", "40", stdout=StringIO())
    acme = Business.objects.get(name="Acme Corporation")
    assert Receipt.objects.filter(business=acme, created_by__isnull=False).exists()
    credit_note = CreditNote.objects.get(business=acme)
    assert credit_note.number.startswith("CN-") and credit_note.return_request.status == ReturnRequest.Status.APPROVED
    assert credit_note.invoice.amount_credited == credit_note.total
    assert any("damaged_no_return" in row.kinds for row in mismatch_rows(business_id=acme.pk))
    counts = (Receipt.objects.count(), CreditNote.objects.count(), ReturnRequest.objects.count())
    call_command("seed_demo", "--orders", "40", stdout=StringIO())
    assert (Receipt.objects.count(), CreditNote.objects.count(), ReturnRequest.objects.count()) == counts
