"""Shipping, delivery and cancellation of orders (staff in Django admin; buyers cancel before shipping).

Every function locks the order row, then its lines in id order, so a shipment and a cancellation of
the same order queue behind each other and quantities are checked against committed values.
"""

import datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Sum
from django.utils import timezone

from budgets.ledger import budget_release
from budgets.models import LedgerEntry
from orders.documents.services import invoice_issue
from orders.models import Order, OrderApprovalStep, OrderLine, Shipment, ShipmentLine
from orders.notices import buyer_notify
from orders.pagecache import order_version_bump
from orders.rollup import spend_rollup_status_changed
from procurement.errors import ApplicationError
from procurement.history import history_save, model_update
from procurement.money import CENT, ZERO
from procurement.notifications.models import Kind
from procurement.webhooks import Event, webhook_emit


class ShippingError(ApplicationError):
    """The action cannot be done; `str()` is fit for the user. Nothing was saved."""


SHIPPABLE = (Order.Status.PLACED, Order.Status.PARTLY_SHIPPED)


def _lock(order: Order) -> tuple[Order, list[OrderLine]]:
    locked = Order.objects.select_for_update().get(pk=order.pk)
    lines = list(OrderLine.objects.select_for_update().filter(order_id=locked.pk).order_by("id"))
    return locked, lines


def _status_after_shipping(lines: list[OrderLine]) -> str:
    if all(line.quantity_open == 0 for line in lines):
        return Order.Status.SHIPPED
    return Order.Status.PARTLY_SHIPPED


@transaction.atomic
def shipment_create(
    *, order: Order, carrier: str, tracking_number: str, ship_date: datetime.date,
    quantities: dict[int, int], acting_user,
) -> Shipment:
    """Ship `quantities` ({order_line_id: quantity}) of the order; partial shipments are fine."""
    carrier, tracking_number = (carrier or "").strip(), (tracking_number or "").strip()
    if not carrier or not tracking_number:
        raise ShippingError("Enter the carrier and the tracking number.")
    locked, lines = _lock(order)
    if locked.status not in SHIPPABLE:
        raise ShippingError(f"Order {locked.po_number} is {locked.get_status_display().lower()}; it cannot ship.")
    before = locked.status
    by_id = {line.pk: line for line in lines}
    wanted = {int(k): int(v) for k, v in quantities.items() if int(v or 0) != 0}
    if not wanted:
        raise ShippingError("Ship at least one item.")
    for line_id, qty in wanted.items():
        line = by_id.get(line_id)
        if line is None:
            raise ShippingError("A line of another order was given.")
        if qty < 0:
            raise ShippingError(f"{line.sku}: the quantity cannot be negative.")
        if qty > line.quantity_open:
            raise ShippingError(f"{line.sku}: only {line.quantity_open} left to ship, not {qty}.")
    shipment = Shipment(
        business_id=locked.business_id, order=locked, carrier=carrier, tracking_number=tracking_number,
        ship_date=ship_date, created_by=acting_user,
    )
    history_save(shipment, acting_user=acting_user)
    ShipmentLine.objects.bulk_create([
        ShipmentLine(business_id=locked.business_id, shipment=shipment, order_line_id=line_id, quantity=qty)
        for line_id, qty in sorted(wanted.items())
    ])
    for line_id, qty in sorted(wanted.items()):
        by_id[line_id].quantity_shipped += qty
    OrderLine.objects.bulk_update([by_id[i] for i in sorted(wanted)], ["quantity_shipped"])
    order_version_bump(order_id=locked.pk)
    model_update(instance=locked, fields={"status": _status_after_shipping(lines)}, acting_user=acting_user, update_fields=True)

    # Every shipment is invoiced in this same transaction (suppliers bill what they ship).
    webhook_emit(business=locked.business_id, event=Event.ORDER_SHIPPED, payload={
        "po_number": locked.po_number, "status": locked.status, "carrier": carrier, "tracking_number": tracking_number,
        "ship_date": ship_date.isoformat(), "lines": [{"sku": by_id[i].sku, "quantity": q} for i, q in sorted(wanted.items())],
    })
    buyer_notify(order=locked, kind=Kind.ORDER_SHIPPED, shipment=shipment)
    invoice_issue(shipment=shipment, acting_user=acting_user)
    spend_rollup_status_changed(order=locked, before=before, after=locked.status)  # roll-up hook: last lock (7)
    return shipment


@transaction.atomic
def order_mark_delivered(*, order: Order, acting_user) -> Order:
    locked, _ = _lock(order)
    if locked.status != Order.Status.SHIPPED:
        raise ShippingError(f"Order {locked.po_number} is {locked.get_status_display().lower()}; only shipped orders can be delivered.")
    model_update(
        instance=locked, fields={"status": Order.Status.DELIVERED, "delivered_at": timezone.now()},
        acting_user=acting_user, update_fields=True,
    )
    buyer_notify(order=locked, kind=Kind.ORDER_DELIVERED)
    return locked


def order_charged(order: Order) -> Decimal:
    """What is still charged to the budget for this order (charges minus releases)."""
    totals = dict(
        LedgerEntry.objects.filter(order_id=order.pk).order_by().values_list("kind").annotate(total=Sum("amount"))
    )
    return totals.get(LedgerEntry.Kind.CHARGE, Decimal("0")) - totals.get(LedgerEntry.Kind.RELEASE, Decimal("0"))


@transaction.atomic
def order_cancel(*, order: Order, acting_user, reason: str = "") -> Order:
    """Cancel what has not shipped and release its amount to the budget; shipped lines stay.

    The rule after a part shipment: the unshipped remainder is cancelled (``quantity_cancelled``) and its
    amount goes back through the ledger to the Blanket PO charge, so to the allocation that spent it.
    The order then ends by what went out: Received when every shipment already has its receipt (the
    order is complete, part-cancelled), otherwise Shipped, becoming Received with the last receipt.
    With nothing shipped the order becomes Cancelled.
    """
    locked, lines = _lock(order)
    if locked.status not in (Order.Status.PENDING_APPROVAL, *SHIPPABLE):
        raise ShippingError(f"Order {locked.po_number} is {locked.get_status_display().lower()}; it cannot be cancelled.")
    before = locked.status
    unshipped = ZERO
    for line in lines:
        open_qty = line.quantity_open
        if open_qty:
            unshipped += line.unit_price * open_qty
            line.quantity_cancelled += open_qty
    OrderLine.objects.bulk_update(lines, ["quantity_cancelled"])
    order_version_bump(order_id=locked.pk)
    charged = order_charged(locked)
    release = min(unshipped, charged).quantize(CENT)
    if release > 0:
        charge = LedgerEntry.objects.filter(order_id=locked.pk, kind=LedgerEntry.Kind.CHARGE).order_by("id").first()
        budget_release(charge=charge, amount=release, acting_user=acting_user,
                       note=f"Order {locked.po_number} cancelled" + (f": {reason}" if reason else ""))
    if locked.status == Order.Status.PENDING_APPROVAL:  # no approval level waits any more
        OrderApprovalStep.objects.filter(
            order=locked, status__in=[OrderApprovalStep.Status.PENDING, OrderApprovalStep.Status.WAITING]
        ).update(status=OrderApprovalStep.Status.CLOSED)
    now = timezone.now()
    fields = {"status": Order.Status.CANCELLED, "cancelled_at": now}
    if any(line.quantity_shipped for line in lines):
        fields["status"] = Order.Status.SHIPPED
        if locked.shipments_all_received():
            fields.update(status=Order.Status.RECEIVED, received_at=now)
    model_update(instance=locked, acting_user=acting_user, update_fields=True, fields=fields)
    spend_rollup_status_changed(order=locked, before=before, after=locked.status)  # roll-up hook: last lock (7)
    return locked
