"""Reads for Your Orders, the order page and Find by PO number, and an order's timeline (who sees which order: orders.access)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet

from orders.access import orders_visible
from orders.models import Approval, Order, OrderLine, Receipt, ReceiptLine, Shipment, ShipmentLine
from procurement.models import GroupMembership, Member

Role = GroupMembership.Role


#: Shipped (or marked delivered by the carrier) but not yet received by the buyer or a receiver.
TO_RECEIVE = (Order.Status.SHIPPED, Order.Status.DELIVERED)


def order_list(*, member: Member, status: str = "", group_id: int | None = None,
               date_from: datetime.date | None = None, date_to: datetime.date | None = None,
               po_number: str = "") -> QuerySet:
    qs = orders_visible(member=member).select_related("group", "buyer__user", "budget")
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


@dataclass
class KeysetPage:
    """One page of a newest-first list, reached by a cursor instead of an offset: page 400 costs what
    page 1 costs (an index range scan from the cursor), and rows added meanwhile shift nothing."""

    object_list: list
    next_cursor: str = ""  # "older" rows start after this one
    prev_cursor: str = ""  # "newer" rows end before this one

    @property
    def has_next(self) -> bool:
        return bool(self.next_cursor)

    @property
    def has_previous(self) -> bool:
        return bool(self.prev_cursor)

    def __len__(self):
        return len(self.object_list)

    def __iter__(self):
        return iter(self.object_list)


def order_cursor(order: Order) -> str:
    """`<placed_at in microseconds since 1970 UTC>.<id>`: the position of `order` in newest-first order."""
    delta = order.placed_at - datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)
    micros = (delta.days * 86_400 + delta.seconds) * 1_000_000 + delta.microseconds
    return f"{micros}.{order.pk}"


def _cursor_parse(cursor: str) -> tuple[datetime.datetime, int] | None:
    try:
        micros, pk = (int(part) for part in (cursor or "").split(".", 1))
        when = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc) + datetime.timedelta(microseconds=micros)
    except (ValueError, OverflowError):
        return None
    if pk <= 0 or pk >= 2**63:
        return None
    return when, pk


def order_keyset_page(qs: QuerySet, *, after: str = "", before: str = "", size: int = 25) -> KeysetPage:
    """A page of `qs` in (-placed_at, -id) order: the rows older than `after`, or newer than `before`
    (an unreadable cursor gives the first page). Backed by the (business, placed_at, id) index."""
    older, newer = _cursor_parse(after), _cursor_parse(before)
    if newer is not None:
        when, pk = newer
        rows = list(
            qs.filter(placed_at__gte=when).filter(Q(placed_at__gt=when) | Q(id__gt=pk)).order_by("placed_at", "id")[:size + 1]
        )
        more_newer = len(rows) > size
        rows = rows[:size][::-1]
        return KeysetPage(rows, next_cursor=order_cursor(rows[-1]) if rows else "",
                          prev_cursor=order_cursor(rows[0]) if rows and more_newer else "")
    if older is not None:
        when, pk = older
        qs = qs.filter(placed_at__lte=when).filter(Q(placed_at__lt=when) | Q(id__lt=pk))
    rows = list(qs.order_by("-placed_at", "-id")[:size + 1])
    more_older = len(rows) > size
    rows = rows[:size]
    return KeysetPage(rows, next_cursor=order_cursor(rows[-1]) if rows and more_older else "",
                      prev_cursor=order_cursor(rows[0]) if rows and older is not None else "")


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
