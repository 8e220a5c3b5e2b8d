"""Demo receiving: receipts for shipped orders, one return with its credit note, one three-way mismatch,
and (after the payments) one refund: a return on a paid invoice, its credit note refunded by the supplier.

Idempotent: each step looks for what it would create and does nothing when it is there already.
Everything goes through the same services the pages use.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from orders.finance.payments import MonthClosedError, payment_record
from orders.finance.refunds import refund_record
from orders.models import CreditNote, Invoice, Order, Receipt, ReceiptLine, Refund, ReturnRequest, Shipment
from orders.receiving.services import LineCount, receipt_record
from orders.returns.services import return_approve, return_request
from procurement.models import Business

RECEIPTS = 3


def _unreceived_shipments(business: Business):
    today = timezone.localdate()
    return (
        Shipment.objects.filter(business=business, receipt__isnull=True, ship_date__lte=today, invoice__isnull=False,
                                order__status__in=[Order.Status.SHIPPED, Order.Status.DELIVERED],
                                order__buyer__is_active=True)
        .exclude(invoice__status="void")
        .select_related("order__buyer__user").order_by("ship_date", "id")
    )


def _receive(shipment: Shipment, *, damaged: int = 0) -> None:
    counts = {}
    for n, line in enumerate(shipment.lines.order_by("id")):
        hurt = damaged if n == 0 else 0
        counts[line.pk] = LineCount(received=line.quantity, damaged=min(hurt, line.quantity),
                                    note="Box crushed in transit" if hurt else "")
    received_on = min(timezone.localdate(), shipment.ship_date + datetime.timedelta(days=2))
    buyer = shipment.order.buyer
    receipt_record(shipment=shipment, counts=counts, received_on=received_on, member=buyer, acting_user=buyer.user)


@transaction.atomic
def seed_receiving(*, business: Business, stdout=None) -> dict:
    made = {"receipts": 0, "credit_notes": 0, "mismatches": 0}
    # Receipts: a few shipped orders received in full (more come from the bulk seeder's Received orders).
    if not Receipt.objects.filter(business=business, created_by__isnull=False).exists():
        for shipment in list(_unreceived_shipments(business)[:RECEIPTS]):
            _receive(shipment)
            made["receipts"] += 1
    # One return with its credit note.
    if not CreditNote.objects.filter(business=business).exists():
        line = (
            ReceiptLine.objects.filter(business=business, quantity_received__gt=0, quantity_returned=0,
                                       receipt__shipment__invoice__isnull=False, receipt__order__buyer__is_active=True)
            .exclude(receipt__shipment__invoice__status="void")
            .select_related("receipt__order__buyer__user").order_by("id").first()
        )
        if line is not None:
            buyer = line.receipt.order.buyer
            request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.WRONG_ITEM,
                                     member=buyer, acting_user=buyer.user)
            return_approve(return_request_=request, note="Demo: approved by staff", acting_user=None)
            made["credit_notes"] += 1
    # One mismatch: damaged on arrival, no return asked yet.
    if not ReceiptLine.objects.filter(business=business, quantity_damaged__gt=0).exists():
        shipment = _unreceived_shipments(business).first()
        if shipment is not None:
            _receive(shipment, damaged=1)
            made["mismatches"] += 1
    if stdout is not None:
        stdout.write(f"Receiving: {made['receipts']} receipts, {made['credit_notes']} credit note, "
                     f"{made['mismatches']} mismatch for {business.name}")
    return made


@transaction.atomic
def seed_refund(*, business: Business, stdout=None) -> int:
    """One refund: a received line of an invoice paid in full is returned, credited, and the credit refunded.

    Runs after the payments; when no received invoice is paid yet it pays one first (a demo payment).
    """
    if Refund.objects.filter(business=business).exists():
        return 0
    today = timezone.localdate()
    lines = (
        ReceiptLine.objects.filter(business=business, quantity_received__gt=F("quantity_returned"),
                                   receipt__shipment__invoice__isnull=False, receipt__order__buyer__is_active=True,
                                   receipt__shipment__invoice__amount_credited=0)
        .exclude(receipt__shipment__invoice__status=Invoice.Status.VOID)
        .select_related("receipt__order__buyer__user", "receipt__shipment__invoice__order").order_by("id")
    )
    line = lines.filter(receipt__shipment__invoice__status=Invoice.Status.PAID).first() or lines.first()
    if line is None:
        return 0
    invoice = line.receipt.shipment.invoice
    try:
        if invoice.balance_due > 0:
            payment_record(business=business, received_on=today, amount=invoice.balance_due, acting_user=None, method="ACH",
                           reference=f"ACH {invoice.order.po_number} {invoice.number}", invoices=[invoice],
                           po_number=invoice.order.po_number, invoice_number=invoice.number, fingerprint=f"seed:refund-pay:{invoice.number}")
        buyer = line.receipt.order.buyer
        request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.NOT_NEEDED, member=buyer,
                                 acting_user=buyer.user)
        credit_note = return_approve(return_request_=request, note="Demo: approved by staff after payment", acting_user=None)
        refund = refund_record(business=business, credit_note=credit_note, received_on=today, amount=credit_note.total,
                               acting_user=None, method="ACH", reference=f"REFUND {credit_note.number} {invoice.order.po_number}")
    except MonthClosedError:
        return 0
    if stdout is not None:
        stdout.write(f"Refund: {refund.amount} against {credit_note.number} (invoice {invoice.number}) for {business.name}")
    return 1
