"""Demo payments: a few paying the demo invoices, one the bank shows that nobody has matched yet."""

import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from orders.finance.payments import MonthClosedError, payment_record
from orders.models import Invoice, Payment
from procurement.models import Business
from procurement.money import CENT


@transaction.atomic
def seed_payments(*, business: Business, stdout=None) -> int:
    """Idempotent: each demo payment has a fixed fingerprint, so a second run adds nothing."""
    created = 0
    existing = set(Payment.objects.filter(business=business, fingerprint__startswith="seed:").values_list("fingerprint", flat=True))
    invoices = list(Invoice.objects.filter(business=business).exclude(status=Invoice.Status.VOID).select_related("order").order_by("issued_on", "id")[:4])
    plans = []
    for i, invoice in enumerate(invoices):
        amount = invoice.total if i != 1 else (invoice.total / 2).quantize(CENT)  # one partly paid
        if amount > 0:
            plans.append((f"seed:invoice:{invoice.number}", invoice.issued_on + datetime.timedelta(days=10), amount,
                          f"ACH {invoice.order.po_number} {invoice.number}", invoice))
    plans.append(("seed:unmatched", timezone.localdate(), Decimal("123.45"), "WIRE TRANSFER REF 88231 THANK YOU", None))
    for fingerprint, received_on, amount, reference, invoice in plans:
        if fingerprint in existing:
            continue
        received_on = min(received_on, timezone.localdate())
        try:
            payment_record(
                business=business, received_on=received_on, amount=amount, acting_user=None, method="ACH",
                reference=reference, po_number=invoice.order.po_number if invoice else "",
                invoice_number=invoice.number if invoice else "", invoices=[invoice] if invoice else [],
                fingerprint=fingerprint,
            )
        except MonthClosedError:
            continue
        created += 1
    if stdout is not None:
        stdout.write(f"Payments: {created} created for {business.name}")
    return created
