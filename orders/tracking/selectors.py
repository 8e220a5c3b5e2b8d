"""Reads for Your Orders, the order page and Find by PO number, and an order's timeline (who sees which order: orders.access)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.template.loader import render_to_string

from orders.access import orders_visible
from orders.finance.matching import order_line_matches
from orders.pagecache import fragment, order_lines_key
from orders.returns.selectors import order_returns, returnable_lines
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
    exact = visible.filter(po_number__iexact=query).first()
    if exact is not None:
        return exact, visible.none()
    return None, visible.filter(
        Q(po_number__icontains=query) | Q(blanket_po_number__icontains=query)
    ).select_related("group", "buyer__user").prefetch_related("field_values").order_by("-placed_at", "-id")


def order_detail(*, business_id: int, po_number: str) -> Order | None:
    """The order and its relations in one query, and its approvals. Its lines, shipments, receipts,
    documents and returns come from `order_lines_cached` (kept per order version)."""
    found = list(
        Order.objects.filter(business_id=business_id, po_number=po_number).order_by()
        .select_related("group", "buyer__user", "budget", "decided_by__user")
        .prefetch_related(
            Prefetch("approvals", queryset=Approval.objects.select_related("approver__user", "on_behalf_of__user", "step").order_by("decided_at", "id")),
        )[:1]
    )
    return found[0] if found else None


@dataclass(frozen=True, slots=True)
class ReceiptRow:
    received_on: datetime.date
    created_at: datetime.datetime


@dataclass(frozen=True, slots=True)
class ShipmentRow:
    """A shipment as the order page shows it (receiving list, timeline), cached with the order's version."""

    pk: int
    carrier: str
    tracking_number: str
    ship_date: datetime.date
    created_at: datetime.datetime
    receipt: ReceiptRow | None


def order_shipments(order: Order) -> list[Shipment]:
    """The order's shipments in shipping order, with invoice, receipt and credit notes (three queries)."""
    return list(
        Shipment.objects.filter(order_id=order.pk).select_related("invoice", "receipt").order_by("ship_date", "id")
        .prefetch_related("invoice__credit_notes")
    )


@dataclass(slots=True)
class LineRow:
    """One order line as the page prints it (no model instance): OrderLine's attribute names."""

    pk: int
    sku: str
    description: str
    quantity: int
    quantity_shipped: int
    quantity_cancelled: int
    unit_price: Decimal
    amount: Decimal
    receiving: dict


def order_lines_view(order: Order, *, shipped: bool) -> dict:
    """The order's lines with what was received of each, and (once something `shipped`) the
    three-way match: plain rows from two to three narrow queries. Also the facts about the lines
    the page needs besides the rows (`any_shipped`, `received`)."""
    received = order_received_by_line(order)
    rows = [
        LineRow(*values, receiving=received.get(values[0], {}))
        for values in OrderLine.objects.filter(order_id=order.pk).order_by("id").values_list(
            "id", "sku", "description", "quantity", "quantity_shipped", "quantity_cancelled", "unit_price", "amount")
    ]
    matches = order_line_matches(
        order, lines=rows, received={pk: sums["received"] for pk, sums in received.items()},
    ) if shipped else []
    return {"rows": rows, "matches": matches, "any_shipped": any(row.quantity_shipped for row in rows),
            "received": bool(received)}


def order_lines_cached(*, order: Order, business) -> dict:
    """What the order page shows that only the services keyed to the order's version change, from the
    cache while that version is unchanged (orders.pagecache):
    - the Items rows and the three-way match as HTML (`lines_html`, `matches_html`) and the facts of
      `order_lines_view` (`any_shipped`, `received`);
    - the shipments with their receipts (`shipments`, ShipmentRow), their items (`items`) and the
      Documents section as HTML (`documents_html`: shipments, invoices and credit notes are added or
      changed only by shipment_create, receipt_record and return_approve);
    - the information fields (`information`; snapshots written at checkout);
    - whether anything received can still be returned (`returnable`) and the return requests (`returns`).
    """

    def build():
        shipments = order_shipments(order)
        view = order_lines_view(order, shipped=bool(shipments))
        context = {"lines": view["rows"], "line_matches": view["matches"], "current_business": business}
        order._prefetched_objects_cache = {**getattr(order, "_prefetched_objects_cache", {}), "shipments": shipments}
        return {
            "lines_html": render_to_string("orders/shop/_order_lines.html", context),
            "matches_html": render_to_string("orders/shop/_order_match.html", context),
            "documents_html": render_to_string("orders/documents/_order_documents.html",
                                               {"order": order, "current_business": business}),
            "any_shipped": view["any_shipped"], "received": view["received"],
            "shipments": [
                ShipmentRow(s.pk, s.carrier, s.tracking_number, s.ship_date, s.created_at,
                            ReceiptRow(s.receipt.received_on, s.receipt.created_at) if _receipt(s) else None)
                for s in shipments
            ],
            "items": shipment_items(order) if shipments else {},
            "information": order.information,
            # Receipts and returns change only through receipt_record and the return services (they bump).
            "returnable": view["received"] and bool(returnable_lines(order)),
            "returns": order_returns(order) if view["received"] else [],
        }

    return fragment(order_lines_key(order=order, business=business), build)


def _receipt(shipment: Shipment) -> Receipt | None:
    try:
        return shipment.receipt
    except Receipt.DoesNotExist:
        return None


def shipment_items(order: Order) -> dict[int, str]:
    """{shipment_id: "2 × SKU-1, 1 × SKU-2"} for the timeline, from one query (no model instances)."""
    items: dict[int, list[str]] = {}
    for shipment_id, quantity, sku in (
        ShipmentLine.objects.filter(shipment__order_id=order.pk).order_by("shipment_id", "id")
        .values_list("shipment_id", "quantity", "order_line__sku")
    ):
        items.setdefault(shipment_id, []).append(f"{quantity} × {sku}")
    return {shipment_id: ", ".join(parts) for shipment_id, parts in items.items()}


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.datetime | datetime.date
    title: str
    detail: str = ""
    kind: str = "body"


def order_timeline(order: Order, *, shipments: list | None = None, items: dict[int, str] | None = None) -> list[TimelineEvent]:
    """Placed, approvals, shipments (carrier and tracking number), delivered, cancelled; oldest first.

    `shipments` (ShipmentRow or Shipment) and `items` ({shipment_id: text}, `shipment_items`), when
    already known, save reading the shipments and each one's lines."""
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
    for shipment in (shipments if shipments is not None else order.shipments.all()):
        if items is not None:
            shipped = items.get(shipment.pk, "")
        else:
            shipped = ", ".join(f"{sl.quantity} × {sl.order_line.sku}" for sl in shipment.lines.select_related("order_line").order_by("id"))
        # Ordered by when staff recorded it (ship_date is a day without a time).
        events.append(TimelineEvent(shipment.created_at, f"Shipped with {shipment.carrier}",
                                    f"Tracking number {shipment.tracking_number} · shipped {shipment.ship_date:%b %d, %Y} · {shipped}",
                                    "primary"))
        receipt = _receipt(shipment)
        if receipt is not None:
            events.append(TimelineEvent(receipt.created_at, "Receipt recorded",
                                        f"Shipment {shipment.tracking_number} received {receipt.received_on:%b %d, %Y}", "success"))
    if order.delivered_at:
        events.append(TimelineEvent(order.delivered_at, "Delivered", "", "success"))
    if order.cancelled_at:
        detail = "Unshipped items cancelled; their amount went back to the budget." if order.status != Order.Status.CANCELLED else "The order was cancelled; its amount went back to the budget."
        events.append(TimelineEvent(order.cancelled_at, "Cancelled", detail, "secondary"))
    return sorted(events, key=lambda e: e.when)


def order_cancellable(order: Order, *, any_shipped: bool | None = None) -> bool:
    """Still cancellable here: pending or placed, nothing shipped (`any_shipped` when already known)."""
    if order.status not in (Order.Status.PENDING_APPROVAL, Order.Status.PLACED):
        return False
    if any_shipped is None:
        any_shipped = OrderLine.objects.filter(order_id=order.pk, quantity_shipped__gt=0).exists()
    return not any_shipped


def order_received_by_line(order: Order) -> dict[int, dict]:
    """{order_line_id: {received, damaged, missing, returned}} summed over the order's receipts (one query)."""
    from django.db.models import Sum

    rows = (
        ReceiptLine.objects.filter(receipt__order_id=order.pk).order_by().values("order_line_id")
        .annotate(received=Sum("quantity_received"), damaged=Sum("quantity_damaged"),
                  missing=Sum("quantity_missing"), returned=Sum("quantity_returned"))
    )
    return {row.pop("order_line_id"): row for row in rows}
