"""Three-way match: per order line, what was ordered, shipped, received and invoiced; the mismatches.

A mismatch is one of:
- ``not_received``: an invoice (not void) issued at least N days ago whose shipment has no receipt;
- ``short_received``: a receipt counted fewer items than the shipment's invoice bills (missing items);
- ``damaged_no_return``: damaged items on a receipt with no return asked for them.
Each kind is one aggregate query; the rows are orders (scoped to the business and the finance
member's groups), each with its kinds.
"""

from __future__ import annotations

import csv
import datetime
import io
from dataclasses import dataclass, field
from decimal import Decimal

from django.db.models import F, Q, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from orders.models import Invoice, InvoiceLine, Order, OrderLine, ReceiptLine

DEFAULT_DAYS = 7
KINDS = {
    "not_received": "Invoiced but not received",
    "short_received": "Received less than invoiced",
    "damaged_no_return": "Damaged without a return",
}
ZERO = Decimal("0.00")


@dataclass
class LineMatch:
    line: OrderLine
    ordered: int
    shipped: int
    received: int
    invoiced: int
    ordered_amount: Decimal
    shipped_amount: Decimal
    received_amount: Decimal
    invoiced_amount: Decimal

    @property
    def matches(self) -> bool:
        return self.shipped == self.received == self.invoiced


def order_line_matches(order: Order, *, lines=None, received: dict[int, int] | None = None) -> list[LineMatch]:
    """Ordered, shipped, received and invoiced per line (quantities and amounts), in three queries.

    The order page passes the `lines` (anything with OrderLine's attributes) and the `received`
    quantities per line it already read, which saves two of them."""
    if lines is None:
        lines = list(OrderLine.objects.filter(order_id=order.pk).order_by("id"))
    if received is None:
        received = dict(
            ReceiptLine.objects.filter(receipt__order_id=order.pk).order_by().values("order_line_id")
            .annotate(n=Sum("quantity_received")).values_list("order_line_id", "n")
        )
    invoiced = dict(
        InvoiceLine.objects.filter(invoice__order_id=order.pk).exclude(invoice__status=Invoice.Status.VOID)
        .order_by().values("order_line_id").annotate(n=Sum("quantity")).values_list("order_line_id", "n")
    )
    rows = []
    for line in lines:
        r, i = received.get(line.pk, 0), invoiced.get(line.pk, 0)
        rows.append(LineMatch(
            line=line, ordered=line.quantity, shipped=line.quantity_shipped, received=r, invoiced=i,
            ordered_amount=line.amount, shipped_amount=line.unit_price * line.quantity_shipped,
            received_amount=line.unit_price * r, invoiced_amount=line.unit_price * i,
        ))
    return rows


@dataclass
class MismatchRow:
    order: Order
    kinds: set = field(default_factory=set)
    oldest_invoice: datetime.date | None = None

    @property
    def labels(self) -> list[str]:
        return [KINDS[k] for k in KINDS if k in self.kinds]


def mismatched_order_kinds(*, business_id: int, days: int = DEFAULT_DAYS, today: datetime.date | None = None,
                           order_ids=None) -> dict[int, dict]:
    """{order_id: {"kinds": set, "oldest": date|None}} for every order with a mismatch (three queries)."""
    today = today or timezone.localdate()
    invoices = Invoice.objects.filter(business_id=business_id).exclude(status=Invoice.Status.VOID)
    receipt_lines = ReceiptLine.objects.filter(business_id=business_id)
    if order_ids is not None:
        invoices = invoices.filter(order_id__in=order_ids)
        receipt_lines = receipt_lines.filter(order_line__order_id__in=order_ids)
    found: dict[int, dict] = {}

    def add(order_id, kind, oldest=None):
        entry = found.setdefault(order_id, {"kinds": set(), "oldest": None})
        entry["kinds"].add(kind)
        if oldest and (entry["oldest"] is None or oldest < entry["oldest"]):
            entry["oldest"] = oldest

    cutoff = today - datetime.timedelta(days=max(int(days), 0))
    for order_id, issued_on in invoices.filter(issued_on__lte=cutoff, shipment__receipt__isnull=True).values_list("order_id", "issued_on"):
        add(order_id, "not_received", issued_on)
    # Received (plus nothing else) below what the shipment's invoice bills: the shipment line quantity.
    for order_id in receipt_lines.filter(quantity_received__lt=F("quantity_shipped"),
                                         receipt__shipment__invoice__isnull=False).exclude(
            receipt__shipment__invoice__status=Invoice.Status.VOID).values_list("order_line__order_id", flat=True):
        add(order_id, "short_received")
    for order_id in receipt_lines.filter(quantity_damaged__gt=F("quantity_returned")).values_list("order_line__order_id", flat=True):
        add(order_id, "damaged_no_return")
    return found


def invoice_in_mismatch(invoice: Invoice, *, days: int = DEFAULT_DAYS) -> list[str]:
    """The mismatch labels of the invoice's order (empty when it matches)."""
    found = mismatched_order_kinds(business_id=invoice.business_id, days=days, order_ids=[invoice.order_id])
    kinds = found.get(invoice.order_id, {}).get("kinds", set())
    return [KINDS[k] for k in KINDS if k in kinds]


def mismatch_rows(*, business_id: int, group_ids=None, kind: str = "", days: int = DEFAULT_DAYS, po_number: str = "",
                  today: datetime.date | None = None) -> list[MismatchRow]:
    found = mismatched_order_kinds(business_id=business_id, days=days, today=today)
    if kind:
        found = {k: v for k, v in found.items() if kind in v["kinds"]}
    orders = Order.objects.filter(business_id=business_id, pk__in=list(found)).select_related("group", "buyer__user")
    if group_ids is not None:
        orders = orders.filter(group_id__in=group_ids)
    if po_number:
        orders = orders.filter(po_number__icontains=po_number)
    orders = orders.annotate(
        invoiced=Coalesce(Sum("invoices__total", filter=~Q(invoices__status=Invoice.Status.VOID)), ZERO),
    ).order_by("-placed_at", "-id")
    return [MismatchRow(order=o, kinds=found[o.pk]["kinds"], oldest_invoice=found[o.pk]["oldest"]) for o in orders]


FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


def csv_safe(value) -> str:
    """A CSV cell a spreadsheet will not run as a formula: text starting with = + - @ tab or CR gets a '."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_PREFIXES) else text


def mismatch_csv(rows: list[MismatchRow]) -> str:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["PO number", "Blanket PO", "Group", "Buyer", "Status", "Invoiced", "Oldest unreceived invoice", "Mismatch"])
    for row in rows:
        o = row.order
        writer.writerow([csv_safe(v) for v in (
            o.po_number, o.blanket_po_number, o.group.name, o.buyer.name, o.get_status_display(), o.invoiced,
            row.oldest_invoice or "", "; ".join(row.labels),
        )])
    return out.getvalue()
