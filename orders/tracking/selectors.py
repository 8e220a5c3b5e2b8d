"""Reads for Your Orders, the order page and Find by PO number, and an order's timeline (who sees which order: orders.access)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, Q, QuerySet
from django.urls import reverse
from django.template.loader import render_to_string

from orders.access import orders_visible
from orders.finance.matching import order_line_matches
from orders.pagecache import fragment, order_lines_key
from orders.returns.selectors import order_returns, returnable_lines
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
