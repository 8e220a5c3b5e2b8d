"""Payments: record them, apply them to invoices, resolve the unmatched ones.

Money moves only here. Applying a payment locks the payment row and the invoice rows (in id order, so
two payments touching the same invoices never deadlock), re-reads each balance under the lock and
updates `Invoice.amount_paid` with F() expressions. Payments are never deleted: a wrong one is marked
"not ours". Nothing changes in a closed month (`month_is_closed` below; months are closed in
`orders.finance.reconciliation`).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Case, F, Q, Value, When
from django.utils import timezone

from orders.models import Invoice, Order, Payment, PaymentAllocation
from procurement.errors import ApplicationError
from procurement.history import history_save, model_update
from procurement.models import Business, Member
from procurement.money import ZERO, MoneyError, money_parse
from procurement.webhooks import Event, webhook_emit


class PaymentError(ApplicationError):
    """A payment cannot be recorded or applied; the message is shown to the user."""


class MonthClosedError(PaymentError):
    pass


def month_is_closed(*, business: Business, on: datetime.date) -> bool:
    from orders.models import MonthClose

    return MonthClose.objects.filter(business=business, year=on.year, month=on.month, closed=True).exists()


def _check_month_open(*, business: Business, on: datetime.date) -> None:
    """Inside the writing transaction: the month's close row is locked, so a Close month waits for us."""
    from orders.models import MonthClose

    closed = MonthClose.objects.select_for_update().filter(business=business, year=on.year, month=on.month, closed=True)
    if closed.exists():
        raise MonthClosedError(f"{on:%B %Y} is closed. Reopen the month on the Reconciliation page to change it.")


def amount_positive(amount) -> Decimal:
    """A money amount typed or given for a payment or refund: more than zero, else PaymentError."""
    try:
        amount = money_parse(amount) if amount is not None else None
    except MoneyError as exc:
        raise PaymentError(str(exc)) from exc
    if amount is None or amount <= 0:
        raise PaymentError("The amount must be more than zero.")
    return amount


def month_open_check(*, business: Business, on: datetime.date) -> None:
    """Refuse a change in a closed month; locks the month's close row (the first lock of the finance chain)."""
    _check_month_open(business=business, on=on)


def invoices_open(*, business: Business):
    """The business's invoices with a balance due (not void), oldest first: the order payments settle them in."""
    return (
        Invoice.objects.filter(business=business, total__gt=F("amount_paid") + F("amount_credited"))
        .exclude(status=Invoice.Status.VOID)
        .order_by("issued_on", "id")
    )


def open_invoices_for_orders(*, business: Business, order_ids) -> list[Invoice]:
    """Invoices of these orders with a balance due, oldest first (the order payments settle them in)."""
    return list(invoices_open(business=business).filter(order_id__in=list(order_ids)))


def payment_target_find(*, business: Business, number: str) -> tuple[Invoice | None, Order | None]:
    """The invoice numbered `number` (case-insensitive), else the order with that PO number.

    Raises PaymentError when `number` is empty or names neither in the business.
    """
    number = (number or "").strip()
    if not number:
        raise PaymentError("Type the invoice or PO number this payment pays.")
    invoice = Invoice.objects.filter(business=business, number__iexact=number).select_related("order").first()
    order = None if invoice else Order.objects.filter(business=business, po_number__iexact=number).first()
    if invoice is None and order is None:
        raise PaymentError(f"No invoice or PO number “{number}” in your business.")
    return invoice, order


def payment_targets(*, business: Business, po_number: str = "", invoice_number: str = "") -> list[Invoice]:
    """The invoices a payment for this PO and/or invoice number settles, in the order it settles them.

    The named invoice comes first; then the PO's other open invoices, oldest first. Raises PaymentError
    when a number is not one of the business's.
    """
    targets: list[Invoice] = []
    invoice = None
    if invoice_number:
        invoice = Invoice.objects.filter(business=business, number__iexact=invoice_number.strip()).select_related("order").first()
        if invoice is None:
            raise PaymentError(f"No invoice {invoice_number} in your business.")
        if invoice.status == Invoice.Status.VOID:
            raise PaymentError(f"Invoice {invoice.number} is void.")
        targets.append(invoice)
    if po_number:
        order = Order.objects.filter(business=business, po_number__iexact=po_number.strip()).first()
        if order is None:
            raise PaymentError(f"No order with PO number {po_number} in your business.")
        if invoice is not None and invoice.order_id != order.pk:
            raise PaymentError(f"Invoice {invoice.number} belongs to PO {invoice.order.po_number}, not {order.po_number}.")
        targets += [inv for inv in open_invoices_for_orders(business=business, order_ids=[order.pk]) if inv not in targets]
    return targets


@transaction.atomic
def payment_apply(*, payment: Payment, invoices: list[Invoice], acting_user, prefer_exact: bool = False) -> Payment:
    """Apply what is left of `payment` to `invoices` in the given order; the remainder stays a credit.

    With `prefer_exact`, an invoice whose balance equals the payment's amount is settled first (a bank
    line that names a PO usually pays exactly one of its invoices).
    """
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_month_open(business=payment.business, on=payment.received_on)
    if payment.status == Payment.Status.NOT_OURS:
        raise PaymentError("This payment is marked as not ours.")
    wanted = [inv.pk for inv in invoices]
    locked = {
        inv.pk: inv
        for inv in Invoice.objects.select_for_update().filter(business=payment.business, pk__in=wanted).order_by("id")
    }
    ordered = [locked[pk] for pk in dict.fromkeys(wanted) if pk in locked]
    remaining = payment.amount - payment.amount_applied
    if prefer_exact:
        exact = [inv for inv in ordered if inv.balance_due == remaining]
        if exact:
            ordered = [exact[0]] + [inv for inv in ordered if inv.pk != exact[0].pk]
    applied = ZERO
    for invoice in ordered:
        if remaining <= 0:
            break
        if invoice.status == Invoice.Status.VOID:
            continue
        take = min(remaining, invoice.balance_due)  # net of its credit notes
        if take <= 0:
            continue
        PaymentAllocation.objects.create(
            business=payment.business, payment=payment, invoice=invoice, amount=take, created_by=acting_user
        )
        # Status from the pre-update values: F() in an UPDATE reads the row as it was.
        Invoice.objects.filter(pk=invoice.pk).update(
            amount_paid=F("amount_paid") + take,
            status=Case(
                When(total__lte=F("amount_paid") + F("amount_credited") + take, then=Value(Invoice.Status.PAID)),
                default=Value(Invoice.Status.PARTLY_PAID),
            ),
        )
        if invoice.amount_paid + take >= invoice.total:
            webhook_emit(business=payment.business_id, event=Event.INVOICE_PAID, payload={
                "number": invoice.number, "po_number": invoice.order.po_number, "total": str(invoice.total),
                "currency": invoice.currency, "payment_id": payment.pk, "received_on": payment.received_on.isoformat(),
            })
        remaining -= take
        applied += take
    if applied or ordered:
        model_update(
            instance=payment, acting_user=acting_user, update_fields=True,
            fields={"amount_applied": payment.amount_applied + applied, "status": Payment.Status.MATCHED},
        )
    return payment


@transaction.atomic
def payment_record(
    *,
    business: Business,
    received_on: datetime.date,
    amount: Decimal,
    acting_user,
    method: str = "",
    reference: str = "",
    po_number: str = "",
    invoice_number: str = "",
    invoices: list[Invoice] | None = None,
    statement_import=None,
    fingerprint: str | None = None,
    prefer_exact: bool = False,
    mismatch_reason: str = "",
) -> Payment:
    """Record a payment and apply it to its invoices (found from the numbers unless given).

    Without any number (or with no open invoice behind it) the payment stays unmatched, waiting for
    finance to resolve it on the Reconciliation page.
    """
    amount = amount_positive(amount)
    _check_month_open(business=business, on=received_on)
    if invoices is None:
        invoices = payment_targets(business=business, po_number=po_number, invoice_number=invoice_number)
    payment = Payment(
        business=business, received_on=received_on, amount=amount, method=method[:30], reference=reference[:255],
        po_number=po_number.strip()[:64], invoice_number=invoice_number.strip()[:64],
        statement_import=statement_import, fingerprint=fingerprint, created_by=acting_user,
        mismatch_reason=(mismatch_reason or "").strip()[:255],
    )
    history_save(payment, acting_user=acting_user)
    if invoices:
        payment = payment_apply(payment=payment, invoices=invoices, acting_user=acting_user, prefer_exact=prefer_exact)
    return payment


@transaction.atomic
def payment_resolve(
    *, payment: Payment, member: Member, acting_user, invoice: Invoice | None = None, order: Order | None = None
) -> Payment:
    """Finance resolves an unmatched (or overpaid) payment by choosing the invoice or the PO it pays."""
    if invoice is None and order is None:
        raise PaymentError("Choose an invoice or a PO number.")
    if invoice is not None:
        targets = [invoice]
        if order is not None:
            targets += open_invoices_for_orders(business=payment.business, order_ids=[order.pk])
    else:
        targets = open_invoices_for_orders(business=payment.business, order_ids=[order.pk])
        if not targets:
            raise PaymentError(f"PO {order.po_number} has no invoice with a balance due.")
    if invoice is not None and invoice.balance_due <= 0:
        raise PaymentError(f"Invoice {invoice.number} is already paid in full.")
    before = set(payment.allocations.values_list("pk", flat=True))
    payment = payment_apply(payment=payment, invoices=targets, acting_user=acting_user, prefer_exact=True)
    applied = payment.allocations.exclude(pk__in=before).select_related("invoice").order_by("id")
    chosen = f"invoice {invoice.number}" if invoice is not None else f"PO {order.po_number}"
    payment.resolved_by = member
    payment.resolved_at = timezone.now()
    payment.po_number = order.po_number if order is not None else invoice.order.po_number
    if invoice is not None:
        payment.invoice_number = invoice.number
    payment.resolution_note = (
        f"Applied to {chosen}: " + ", ".join(f"{a.amount} to {a.invoice.number}" for a in applied)
    )[:255]
    history_save(
        payment, acting_user=acting_user,
        update_fields=["resolved_by", "resolved_at", "po_number", "invoice_number", "resolution_note"],
    )
    return payment


@transaction.atomic
def payment_mark_not_ours(*, payment: Payment, member: Member, acting_user, note: str = "") -> Payment:
    """A bank line that is not a payment of our invoices: kept (never deleted) but out of the totals."""
    payment = Payment.objects.select_for_update().get(pk=payment.pk)
    _check_month_open(business=payment.business, on=payment.received_on)
    if payment.amount_applied > 0:
        raise PaymentError("This payment is already applied to invoices.")
    model_update(instance=payment, acting_user=acting_user, update_fields=True, fields={
        "status": Payment.Status.NOT_OURS, "resolved_by": member, "resolved_at": timezone.now(),
        "resolution_note": (note or "Marked as not ours")[:255],
    })
    return payment


def payments_needing_attention(*, business: Business, payments=None):
    """Unmatched payments and matched ones with money left over (overpaid), of `payments` if given."""
    payments = Payment.objects.all() if payments is None else payments
    return payments.filter(business=business).filter(
        Q(status=Payment.Status.UNMATCHED) | Q(status=Payment.Status.MATCHED, amount_applied__lt=F("amount"))
    )
