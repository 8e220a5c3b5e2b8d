"""Refunds: money the supplier pays back against a credit note.

A credit note reduces what is due on its invoice. When the invoice was already paid (in full or past
what is now due), the balance goes negative: the supplier owes that money back. A refund matched to
the credit note brings it back to zero:

    balance due = total − credited − paid + refunded          (per invoice, never above zero by a refund)
    closing     = opening + invoiced − credited − paid + refunded   (per month, orders.finance.reconciliation)

Lock order (the finance chain, docs/architecture.md): the MonthClose row of the refund's month, then
the Invoice row, then the CreditNote row. The checks re-read both under the lock; the CHECKs
``credit_note_never_over_refunded`` and ``invoice_refund_within_overpayment`` stand behind them.
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import F

from orders.finance.payments import PaymentError, amount_positive, month_open_check
from orders.models import CreditNote, Invoice, Refund
from procurement.history import history_save
from procurement.models import Business
from procurement.money import ZERO


class RefundError(PaymentError):
    """The refund cannot be recorded as given; the message is shown to the user. Nothing was saved."""


def credit_note_refundable(credit_note: CreditNote) -> Decimal:
    """What can still be refunded against `credit_note`: its unrefunded part, at most what the invoice was overpaid."""
    invoice = credit_note.invoice
    if invoice.status == Invoice.Status.VOID:
        return ZERO
    return max(ZERO, min(credit_note.refund_outstanding, invoice.refund_owed))


def credit_note_find(*, business: Business, number: str) -> CreditNote:
    number = (number or "").strip()
    if not number:
        raise RefundError("Type the credit note number this refund is for.")
    credit_note = CreditNote.objects.filter(business=business, number__iexact=number).select_related("invoice", "order").first()
    if credit_note is None:
        raise RefundError(f"No credit note “{number}” in your business.")
    return credit_note


@transaction.atomic
def refund_record(
    *, business: Business, credit_note: CreditNote, received_on: datetime.date, amount, acting_user,
    method: str = "", reference: str = "",
) -> Refund:
    """Record a refund received against `credit_note` (never more than it credits, nor than was overpaid)."""
    amount = amount_positive(amount)
    if received_on is None:
        raise RefundError("Enter the date the refund was received.")
    if credit_note.business_id != business.pk:
        raise RefundError("No such credit note in your business.")
    month_open_check(business=business, on=received_on)
    invoice = Invoice.objects.select_for_update().get(pk=credit_note.invoice_id, business=business)
    locked = CreditNote.objects.select_for_update().get(pk=credit_note.pk, business=business)
    locked.invoice = invoice
    refundable = credit_note_refundable(locked)
    if refundable <= 0:
        if locked.refund_outstanding <= 0:
            raise RefundError(f"Credit note {locked.number} is already refunded in full.")
        raise RefundError(
            f"Nothing to refund on credit note {locked.number}: invoice {invoice.number} was not paid beyond what "
            "is now due, so the credit reduced what is left to pay."
        )
    if amount > refundable:
        raise RefundError(f"Credit note {locked.number}: at most {refundable} {locked.currency} can still be refunded.")
    refund = Refund(
        business=business, credit_note=locked, received_on=received_on, amount=amount, method=(method or "")[:30],
        reference=(reference or "").strip()[:255], created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    history_save(refund, acting_user=acting_user)
    CreditNote.objects.filter(pk=locked.pk).update(amount_refunded=F("amount_refunded") + amount)
    Invoice.objects.filter(pk=invoice.pk).update(amount_refunded=F("amount_refunded") + amount)
    return refund


def credit_notes_to_refund(*, business: Business, limit: int = 200) -> list[CreditNote]:
    """Credit notes the supplier still owes money back on, oldest first (one query)."""
    candidates = (
        CreditNote.objects.filter(business=business, amount_refunded__lt=F("total"))
        .exclude(invoice__status=Invoice.Status.VOID)
        .filter(invoice__amount_paid__gt=F("invoice__total") - F("invoice__amount_credited") + F("invoice__amount_refunded"))
        .select_related("invoice", "order").order_by("issued_on", "id")[:limit]
    )
    return [cn for cn in candidates if credit_note_refundable(cn) > 0]
