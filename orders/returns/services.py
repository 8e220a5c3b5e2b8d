"""Returns of received items: the buyer requests, staff approve (issuing a credit note) or refuse.

Lock order (docs/architecture.md): the Order row first, then the receipt line / return rows, then the
Invoice row, then the Budget row (``budget_release``), then the credit note Counter row. Every return
transaction starts with the order row, so concurrent requests and decisions on one order queue.
The database backs the limits: a receipt line's returned quantity (requested or approved) never exceeds
what was received; one credit note per return; an invoice is never credited beyond its total.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F, Sum
from django.utils import timezone

from budgets.ledger import budget_release
from budgets.models import LedgerEntry
from orders.documents.services import invoice_line_amount, invoice_tax
from orders.models import CreditNote, CreditNoteLine, Invoice, Order, ReceiptLine, ReturnRequest
from orders.pagecache import order_version_bump
from orders.rollup import spend_rollup_credit
from procurement.errors import ApplicationError
from procurement.models import Member
from procurement.numbering.services import credit_note_number_next

Reason = ReturnRequest.Reason


class ReturnError(ApplicationError):
    """The return cannot be requested or decided as asked; `str()` is fit for the user. Nothing was saved."""


def member_may_request_return(*, member: Member, order: Order) -> bool:
    """The order's buyer, or a business admin."""
    return member.business_id == order.business_id and member.is_active and (
        order.buyer_id == member.pk or member.is_business_admin
    )


@transaction.atomic
def return_request(
    *, receipt_line: ReceiptLine, quantity: int, reason: str, reason_text: str = "", member: Member, acting_user,
) -> ReturnRequest:
    """Ask to return `quantity` of a received line; reserves it so it cannot be asked for twice."""
    order = Order.objects.select_for_update().get(pk=receipt_line.receipt.order_id, business_id=receipt_line.business_id)
    line = ReceiptLine.objects.select_for_update().select_related("order_line").get(pk=receipt_line.pk)
    if not member_may_request_return(member=member, order=order):
        raise ReturnError("Only the buyer can ask to return items of this order.")
    reason_text = (reason_text or "").strip()[:255]
    if reason not in Reason.values:
        raise ReturnError("Choose a reason for the return.")
    if reason == Reason.OTHER and not reason_text:
        raise ReturnError("Say why you return the items (reason: other).")
    try:
        quantity = int(quantity)
    except (TypeError, ValueError):
        raise ReturnError("Enter how many to return.") from None
    if quantity < 1:
        raise ReturnError("Return at least one item.")
    if quantity > line.returnable:
        raise ReturnError(
            f"{line.order_line.sku}: only {line.returnable} of the {line.quantity_received} received can still be returned."
        )
    ReceiptLine.objects.filter(pk=line.pk).update(quantity_returned=F("quantity_returned") + quantity)
    order_version_bump(order_id=order.pk)
    request = ReturnRequest(
        business_id=order.business_id, order=order, receipt_line=line, order_line=line.order_line,
        quantity=quantity, reason=reason, reason_text=reason_text if reason == Reason.OTHER else "", requested_by=member,
    )
    request._history_user = acting_user
    request.save()
    return request


def _lock_request(return_request_: ReturnRequest) -> tuple[Order, ReturnRequest]:
    order = Order.objects.select_for_update().get(pk=return_request_.order_id, business_id=return_request_.business_id)
    locked = ReturnRequest.objects.select_for_update().select_related("order_line", "receipt_line__receipt__shipment").get(pk=return_request_.pk)
    if locked.status != ReturnRequest.Status.REQUESTED:
        raise ReturnError(f"This return was already {locked.get_status_display().lower()}.")
    return order, locked


@transaction.atomic
def return_refuse(*, return_request_: ReturnRequest, note: str = "", acting_user) -> ReturnRequest:
    """Staff refuse the return: the reserved quantity can be asked for again."""
    order, locked = _lock_request(return_request_)
    ReceiptLine.objects.filter(pk=locked.receipt_line_id).update(quantity_returned=F("quantity_returned") - locked.quantity)
    order_version_bump(order_id=order.pk)
    locked.status = ReturnRequest.Status.REFUSED
    locked.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()[:255]
    locked._history_user = acting_user
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])
    return locked


@transaction.atomic
def return_approve(*, return_request_: ReturnRequest, note: str = "", acting_user) -> CreditNote:
    """Staff approve the return: a credit note against the shipment's invoice, and the amount back to the budget.

    The credit note (numbered ``CN-<year>-<seq>`` from the business's gap-free counter) carries the PO
    number, the original invoice number and the returned line. Its subtotal goes back through the
    ledger to the Blanket PO charge of the order, and so to the allocation that spent it.
    """
    order, locked = _lock_request(return_request_)
    order_version_bump(order_id=order.pk)
    shipment = locked.receipt_line.receipt.shipment
    invoice = Invoice.objects.select_for_update().filter(shipment=shipment).first()
    if invoice is None or invoice.status == Invoice.Status.VOID:
        raise ReturnError("The shipment has no valid invoice to credit; void invoices cannot be credited.")
    today = timezone.localdate()
    order_line = locked.order_line
    amount = invoice_line_amount(quantity=locked.quantity, unit_price=order_line.unit_price)
    tax = invoice_tax(subtotal=amount, tax_rate=invoice.tax_rate)
    if invoice.amount_credited + amount + tax > invoice.total:
        raise ReturnError(f"Invoice {invoice.number} cannot be credited beyond its total.")

    locked.status = ReturnRequest.Status.APPROVED
    locked.decided_by = acting_user if getattr(acting_user, "pk", None) else None
    locked.decided_at = timezone.now()
    locked.decision_note = (note or "").strip()[:255]
    locked._history_user = acting_user
    locked.save(update_fields=["status", "decided_by", "decided_at", "decision_note"])

    credited = amount + tax
    Invoice.objects.filter(pk=invoice.pk).update(amount_credited=F("amount_credited") + credited)
    if invoice.amount_paid and invoice.amount_paid + invoice.amount_credited + credited >= invoice.total:
        Invoice.objects.filter(pk=invoice.pk).update(status=Invoice.Status.PAID)  # settled: paid plus credited
    invoice.refresh_from_db()
    _release_to_budget(order=order, amount=amount, acting_user=acting_user, note=f"Return on {order.po_number}")

    credit_note = CreditNote(
        business_id=order.business_id, order=order, invoice=invoice, return_request=locked,
        number=credit_note_number_next(business=order.business, issued_on=today), issued_on=today,
        subtotal=amount, tax_rate=invoice.tax_rate, tax=tax, total=amount + tax, currency=invoice.currency,
        created_by=locked.decided_by,
    )
    credit_note._history_user = acting_user
    credit_note.save()
    CreditNoteLine.objects.create(
        business_id=order.business_id, credit_note=credit_note, order_line=order_line, sku=order_line.sku,
        description=order_line.description, quantity=locked.quantity, unit_price=order_line.unit_price, amount=amount,
    )
    spend_rollup_credit(order=order, amounts={order_line.pk: amount})  # roll-up hook: last lock (7)
    return credit_note


def _release_to_budget(*, order: Order, amount: Decimal, acting_user, note: str) -> None:
    """Give `amount` back to the order's Blanket PO charge (capped at what is still charged)."""
    if order.budget_id is None:
        return
    charge = LedgerEntry.objects.filter(order_id=order.pk, kind=LedgerEntry.Kind.CHARGE).order_by("id").first()
    if charge is None:
        return
    released = charge.releases.aggregate(total=Sum("amount"))["total"] or Decimal("0.00")
    amount = min(amount, charge.amount - released)
    if amount > 0:
        user = acting_user if getattr(acting_user, "pk", None) else None
        budget_release(charge=charge, amount=amount, acting_user=user, note=note)
