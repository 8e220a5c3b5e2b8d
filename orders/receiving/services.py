"""Recording and correcting receipts of shipments (the buyer or a receiver of the order's group).

Locks in the project order (docs/architecture.md): the Order row, its OrderLine rows, then the
Shipment row and its receipt lines. The database backs every rule (received ≤ shipped, damaged ≤
received, returned ≤ received); the checks here give the user a clear message first.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from orders.models import Order, OrderLine, Receipt, ReceiptLine, Shipment, ShipmentLine
from orders.pagecache import order_version_bump
from procurement.errors import ApplicationError
from procurement.models import GroupMembership, Member
from procurement.tenancy import member_has_role

RECEIVABLE = (
    Order.Status.PARTLY_SHIPPED, Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.RECEIVED,
)


class ReceivingError(ApplicationError):
    """The receipt cannot be recorded as given; `str()` is fit for the user. Nothing was saved."""


@dataclass(frozen=True)
class LineCount:
    """What the receiver counted for one shipment line."""

    received: int
    damaged: int = 0
    missing: int = 0
    note: str = ""


def member_may_receive(*, member: Member, order: Order) -> bool:
    """The order's buyer, a receiver of its group, or a business admin."""
    if member.business_id != order.business_id or not member.is_active:
        return False
    return order.buyer_id == member.pk or member_has_role(member, GroupMembership.Role.RECEIVER, group=order.group_id)


def order_fully_received(*, order: Order, lines: list[OrderLine]) -> bool:
    """Everything that will ship has shipped, and every shipment has its receipt."""
    return not any(line.quantity_open for line in lines) and order.shipments_all_received()


@transaction.atomic
def receipt_record(
    *, shipment: Shipment, counts: dict[int, LineCount], received_on: datetime.date, note: str = "",
    member: Member, acting_user,
) -> Receipt:
    """Record (or correct) the receipt of `shipment`: ``counts`` is {shipment_line_id: LineCount}.

    Every line of the shipment must be counted. A correction keeps the receipt and its lines (history
    records the old values) and may not take the received quantity below what is already returned.
    When every shipment of a fully shipped order has its receipt, the order becomes Received.
    """
    order = Order.objects.select_for_update().get(pk=shipment.order_id, business_id=shipment.business_id)
    order_lines = list(OrderLine.objects.select_for_update().filter(order_id=order.pk).order_by("id"))
    locked = Shipment.objects.select_for_update().get(pk=shipment.pk, order_id=order.pk)
    if not member_may_receive(member=member, order=order):
        raise ReceivingError("Only the buyer or a receiver of the group can record a receipt for this order.")
    if order.status not in RECEIVABLE:
        raise ReceivingError(f"Order {order.po_number} is {order.get_status_display().lower()}; nothing to receive.")
    if received_on is None:
        raise ReceivingError("Enter the date the shipment arrived.")
    if received_on > timezone.localdate():
        raise ReceivingError("The date received cannot be in the future.")
    if received_on < locked.ship_date:
        raise ReceivingError(f"The date received cannot be before the ship date ({locked.ship_date:%b %d, %Y}).")

    shipment_lines = list(ShipmentLine.objects.filter(shipment=locked).select_related("order_line").order_by("id"))
    by_id = {line.pk: line for line in shipment_lines}
    counts = {int(k): v for k, v in counts.items()}
    if set(counts) - set(by_id):
        raise ReceivingError("A line of another shipment was given.")
    if set(by_id) - set(counts):
        raise ReceivingError("Count every line of the shipment (0 when none arrived).")

    receipt = Receipt.objects.select_for_update().filter(shipment=locked).first()
    existing = {rl.shipment_line_id: rl for rl in (receipt.lines.select_for_update().order_by("id") if receipt else [])}
    for line_id, count in counts.items():
        sku = by_id[line_id].order_line.sku
        shipped = by_id[line_id].quantity
        if min(count.received, count.damaged, count.missing) < 0:
            raise ReceivingError(f"{sku}: quantities cannot be negative.")
        if count.received + count.missing > shipped:
            raise ReceivingError(f"{sku}: {shipped} shipped; received and missing together cannot exceed it.")
        if count.damaged > count.received:
            raise ReceivingError(f"{sku}: damaged items are part of those received ({count.received}).")
        if (count.damaged or count.missing) and not (count.note or note).strip():
            raise ReceivingError(f"{sku}: add a note about the damaged or missing items.")
        previous = existing.get(line_id)
        if previous is not None and count.received < previous.quantity_returned:
            raise ReceivingError(f"{sku}: {previous.quantity_returned} already returned; the received quantity cannot go below it.")

    if receipt is None:
        receipt = Receipt(business_id=order.business_id, order=order, shipment=locked, created_by=acting_user)
    receipt.received_on = received_on
    receipt.note = (note or "").strip()
    receipt.received_by = member
    receipt._history_user = acting_user
    receipt.save()
    order_version_bump(order_id=order.pk)
    for line_id in sorted(counts):
        count = counts[line_id]
        row = existing.get(line_id) or ReceiptLine(
            business_id=order.business_id, receipt=receipt, shipment_line_id=line_id,
            order_line_id=by_id[line_id].order_line_id, quantity_shipped=by_id[line_id].quantity,
        )
        changed = (row.pk is None or (row.quantity_received, row.quantity_damaged, row.quantity_missing, row.note)
                   != (count.received, count.damaged, count.missing, count.note.strip()[:255]))
        if changed:
            row.quantity_received, row.quantity_damaged, row.quantity_missing = count.received, count.damaged, count.missing
            row.note = count.note.strip()[:255]
            row._history_user = acting_user
            row.save()

    if order.status != Order.Status.RECEIVED and order_fully_received(order=order, lines=order_lines):
        order.status = Order.Status.RECEIVED
        order.received_at = timezone.now()
        order._history_user = acting_user
        order.save(update_fields=["status", "received_at"])
    return receipt
