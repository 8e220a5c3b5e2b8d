"""Reads for Your Orders, the order page and Find by PO number, and an order's timeline (who sees which order: orders.access)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse

from orders.access import orders_visible
from orders.models import Approval, Order, OrderLine, Receipt, ReceiptLine, Shipment, ShipmentLine
from procurement.formatting import format_day, format_money
from procurement.keyset import KeysetPage, cursor_of, keyset_page
from procurement.models import Business, GroupMembership, Member

Role = GroupMembership.Role


#: Shipped (or marked delivered by the carrier) but not yet received by the buyer or a receiver.
TO_RECEIVE = (Order.Status.SHIPPED, Order.Status.DELIVERED)


def order_list(*, member: Member, status: str = "", group_id: int | None = None,
               date_from: datetime.date | None = None, date_to: datetime.date | None = None,
               po_number: str = "") -> QuerySet:
    qs = orders_visible(member=member)
    if status == "to_receive":
        qs = qs.filter(status__in=TO_RECEIVE)
    elif status:
        qs = qs.filter(status=status)
    if group_id:
        qs = qs.filter(group_id=group_id)
    if date_from:
        qs = qs.filter(placed_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(placed_at__date__lte=date_to)
    if po_number:
        qs = qs.filter(Q(po_number__icontains=po_number) | Q(blanket_po_number__icontains=po_number))
    return qs.order_by("-placed_at", "-id")


#: The columns a row of Your Orders prints (`order_rows`): no model is built for a row that is only shown.
ORDER_ROW_FIELDS = (
    "id", "po_number", "placed_at", "group__name", "buyer__user__first_name", "buyer__user__last_name",
    "buyer__user__email", "blanket_po_number", "total", "status", "over_budget", "cancelled_at",
)
_STATUS_LABELS = dict(Order.Status.choices)
_STATUS_BADGES = {
    Order.Status.PENDING_APPROVAL: "text-bg-warning", Order.Status.REJECTED: "text-bg-secondary",
    Order.Status.CANCELLED: "text-bg-secondary", Order.Status.DELIVERED: "text-bg-success",
    Order.Status.RECEIVED: "text-bg-success",
}


@dataclass
class OrderRow:
    """One row of an orders table, every cell already formatted (the template only prints)."""

    pk: int
    po_number: str
    placed_at: datetime.datetime
    url: str
    placed: str
    group_name: str
    buyer_name: str
    blanket_po_number: str
    total: str
    status_label: str
    status_class: str
    over_budget: bool
    rest_cancelled: bool
    information: list | None = None


def order_row(*, business: Business, pk: int, po_number: str, placed_at: datetime.datetime, group_name: str,
              buyer_name: str, blanket_po_number: str, total, status: str, over_budget: bool,
              cancelled_at: datetime.datetime | None, information: list | None = None) -> OrderRow:
    return OrderRow(
        pk=pk, po_number=po_number, placed_at=placed_at,
        url=reverse("orders:order_detail", kwargs={"po_number": po_number}),
        placed=format_day(placed_at, business), group_name=group_name, buyer_name=buyer_name,
        blanket_po_number=blanket_po_number, total=format_money(total, business),
        status_label=_STATUS_LABELS.get(status, status), status_class=_STATUS_BADGES.get(status, "text-bg-primary"),
        over_budget=over_budget, rest_cancelled=bool(cancelled_at) and status != Order.Status.CANCELLED,
        information=information,
    )


def order_rows(qs: QuerySet, *, business: Business):
    """`qs` (orders) as a function of fetched `ORDER_ROW_FIELDS` dicts to `OrderRow`s, for `order_keyset_page`."""
    def to_row(v: dict) -> OrderRow:
        name = f"{v['buyer__user__first_name']} {v['buyer__user__last_name']}".strip() or v["buyer__user__email"]
        return order_row(
            business=business, pk=v["id"], po_number=v["po_number"], placed_at=v["placed_at"],
            group_name=v["group__name"], buyer_name=name, blanket_po_number=v["blanket_po_number"], total=v["total"],
            status=v["status"], over_budget=v["over_budget"], cancelled_at=v["cancelled_at"],
        )
    return qs.values(*ORDER_ROW_FIELDS), to_row


def order_rows_of(orders, *, business: Business) -> list[OrderRow]:
    """Rows of an orders table from `Order`s (Find by PO number: with the order information fields)."""
    return [
        order_row(business=business, pk=o.pk, po_number=o.po_number, placed_at=o.placed_at, group_name=o.group.name,
                  buyer_name=o.buyer.name, blanket_po_number=o.blanket_po_number, total=o.total, status=o.status,
                  over_budget=o.over_budget, cancelled_at=o.cancelled_at, information=o.information)
        for o in orders
    ]


def order_cursor(order: Order | OrderRow) -> str:
    """The position of `order` in newest-first order (a `procurement.keyset` cursor)."""
    return cursor_of(order.placed_at, order.pk)


def order_keyset_page(qs: QuerySet, *, after: str = "", before: str = "", size: int = 25, row=None) -> KeysetPage:
    """A page of `qs` in (-placed_at, -id) order, by cursor (backed by the (business, placed_at, id) index).
    `row`, if given, turns each fetched row into the page's object (e.g. `order_rows`)."""
    return keyset_page(qs, field="placed_at", after=after, before=before, size=size, row=row)


def order_find(*, member: Member, query: str) -> tuple[Order | None, QuerySet]:
    """An exact PO number match (case-insensitive), else the partial matches."""
    query = query.strip()
    visible = orders_visible(member=member)
    # Only the number: Find redirects to the order page, which reads the order itself.
    exact = visible.filter(po_number__iexact=query).only("pk", "po_number").first()
    if exact is not None:
        return exact, visible.none()
    return None, visible.filter(
        Q(po_number__icontains=query) | Q(blanket_po_number__icontains=query)
    ).select_related("group", "buyer__user").prefetch_related("field_values").order_by("-placed_at", "-id")


def order_detail(*, business_id: int, po_number: str) -> Order | None:
    return (
        Order.objects.filter(business_id=business_id, po_number=po_number)
        .select_related("group", "buyer__user", "budget", "decided_by__user")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("shipments", queryset=Shipment.objects.select_related("invoice", "receipt").order_by("ship_date", "id").prefetch_related(
                "invoice__credit_notes",
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id"))
            )),
            Prefetch("approvals", queryset=Approval.objects.select_related("approver__user", "on_behalf_of__user", "step").order_by("decided_at", "id")),
            "field_values",
        )
        .first()
    )


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.datetime | datetime.date
    title: str
    detail: str = ""
    kind: str = "body"


def order_timeline(order: Order) -> list[TimelineEvent]:
    """Placed, approvals, shipments (carrier and tracking number), delivered, cancelled; oldest first."""
    events = [TimelineEvent(order.placed_at, "Order placed", f"by {order.buyer.name}")]
    if order.needs_approval_reason:
        events.append(TimelineEvent(order.placed_at, "Waiting for approval", order.needs_approval_reason, "warning"))
    for approval in order.approvals.all():
        level = f" (level {approval.step.position})" if approval.step_id else ""
        by = f"by {approval.approver.name}" + (f" on behalf of {approval.on_behalf_of.name}" if approval.on_behalf_of_id else "")
        if approval.decision == Approval.Decision.APPROVED:
            events.append(TimelineEvent(approval.decided_at, f"Approved{level}", by, "success"))
        else:
            events.append(TimelineEvent(approval.decided_at, f"Rejected{level}", f"{by}: {approval.reason}", "danger"))
    for shipment in order.shipments.all():
        items = ", ".join(f"{sl.quantity} × {sl.order_line.sku}" for sl in shipment.lines.all())
        # Ordered by when staff recorded it (ship_date is a day without a time).
        events.append(TimelineEvent(shipment.created_at, f"Shipped with {shipment.carrier}",
                                    f"Tracking number {shipment.tracking_number} · shipped {shipment.ship_date:%b %d, %Y} · {items}",
                                    "primary"))
        try:
            receipt = shipment.receipt
        except Receipt.DoesNotExist:
            receipt = None
        if receipt is not None:
            events.append(TimelineEvent(receipt.created_at, "Receipt recorded",
                                        f"Shipment {shipment.tracking_number} received {receipt.received_on:%b %d, %Y}", "success"))
    if order.delivered_at:
        events.append(TimelineEvent(order.delivered_at, "Delivered", "", "success"))
    if order.cancelled_at:
        detail = "Unshipped items cancelled; their amount went back to the budget." if order.status != Order.Status.CANCELLED else "The order was cancelled; its amount went back to the budget."
        events.append(TimelineEvent(order.cancelled_at, "Cancelled", detail, "secondary"))
    return sorted(events, key=lambda e: e.when)


def order_cancellable(order: Order) -> bool:
    return order.status in (Order.Status.PENDING_APPROVAL, Order.Status.PLACED) and not any(
        line.quantity_shipped for line in order.lines.all()
    )


def order_received_by_line(order: Order) -> dict[int, dict]:
    """{order_line_id: {received, damaged, missing, returned}} summed over the order's receipts (one query)."""
    from django.db.models import Sum

    rows = (
        ReceiptLine.objects.filter(receipt__order_id=order.pk).order_by().values("order_line_id")
        .annotate(received=Sum("quantity_received"), damaged=Sum("quantity_damaged"),
                  missing=Sum("quantity_missing"), returned=Sum("quantity_returned"))
    )
    return {row.pop("order_line_id"): row for row in rows}
