"""Business Analytics: spend by month, group, budget, category and buyer; the orders report; budgets.

Everything aggregates in the database, and the orders report is one queryset (one row per order line,
shipment and invoice columns as subqueries) that the screen paginates and the exports stream with
`.iterator()`, so a report of a million rows never sits in memory.
"""

from __future__ import annotations

import csv
import datetime
import itertools
import re
import tempfile
from dataclasses import dataclass
from decimal import Decimal

import django_filters
from django.db.models import Count, DecimalField, F, OuterRef, Q, Subquery, Sum, Value
from django.db.models.functions import Coalesce, TruncDate, TruncMonth
from django.utils import timezone

from budgets.models import Allocation, Budget
from orders.information.selectors import order_values_by_order, report_fields
from orders.models import Category, DailySpend, InvoiceLine, Order, OrderFieldValue, OrderLine, ShipmentLine
from orders.rollup import SPEND_STATUSES
from procurement.errors import InvalidInput
from procurement.inputs import InputError, date_parse, id_parse, int_parse
from procurement.models import Business, Group, Member
from procurement.money import MONEY, ZERO, MoneyError, money_parse, money_places
from procurement.spreadsheets import row_safe

DIMENSIONS = {
    "month": "Month",
    "group": "Group",
    "budget": "Budget (Blanket PO)",
    "category": "Category",
    "buyer": "Buyer",
}


_q = money_places


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))


def default_range(today: datetime.date | None = None) -> tuple[datetime.date, datetime.date]:
    """The last twelve months, to today."""
    today = today or timezone.localdate()
    return today.replace(year=today.year - 1, day=1), today


def date_range(*, data) -> tuple[datetime.date, datetime.date, list[str]]:
    """The Analytics page's dates from the query string (`start`, `end`, YYYY-MM-DD): dates and messages.

    Missing or unreadable dates fall back to `default_range()`; an end before the start becomes the start.
    """
    start, end = default_range()
    errors = []
    for key in ("start", "end"):
        raw = data.get(key)
        if raw:
            try:
                value = date_parse(raw)
            except InputError as exc:
                errors.append(str(exc))
                continue
            if key == "start":
                start = value
            else:
                end = value
    if end < start:
        errors.append("The end date is before the start date; showing the start date only.")
        end = start
    return start, end, errors


@dataclass
class SpendRow:
    label: str
    amount: Decimal
    orders: int
    lines: int
    filters: dict  # orders-report filters that select exactly these rows
    percent: float = 0.0


def rollup_in_range(*, business: Business, start: datetime.date, end: datetime.date):
    """The spend roll-up's rows for [start, end]: order lines of orders placed (not pending, cancelled
    or rejected) on those days, net of approved returns (see orders.rollup)."""
    return DailySpend.objects.filter(business=business, day__gte=start, day__lte=end).order_by()


def _month_label_filters(first: datetime.date, start: datetime.date, end: datetime.date) -> tuple[str, dict]:
    nxt = (first.replace(day=28) + datetime.timedelta(days=4)).replace(day=1)
    lo, hi = max(first, start), min(nxt - datetime.timedelta(days=1), end)
    return first.strftime("%b %Y"), {"date_from": lo.isoformat(), "date_to": hi.isoformat()}


def spend_summary(*, business: Business, start: datetime.date, end: datetime.date) -> tuple[dict[str, list[SpendRow]], dict]:
    """Every chart of the Analytics page and its total from one scan of the roll-up (per month and cell),
    plus one look-up of the names per dimension: ({dimension: rows}, total).

    Orders are counted once per order (`orders`), except per category, where an order counts in every
    category it bought from (`category_orders`). Each row says how to filter the orders report to it.
    """
    cells = list(
        rollup_in_range(business=business, start=start, end=end)
        .annotate(m=TruncMonth("day"))
        .values("m", "group_id", "budget_id", "category_id", "buyer_id")
        .annotate(a=Sum("amount"), n=Sum("lines"), o=Sum("orders"), co=Sum("category_orders"))
        .filter(n__gt=0)
    )
    buckets: dict[str, dict] = {d: {} for d in DIMENSIONS}
    total = {"amount": ZERO, "lines": 0, "orders": 0}
    for c in cells:
        m = c["m"].date() if isinstance(c["m"], datetime.datetime) else c["m"]
        for dimension, key in (("month", m), ("group", c["group_id"]), ("budget", c["budget_id"]),
                               ("category", c["category_id"]), ("buyer", c["buyer_id"])):
            bucket = buckets[dimension].setdefault(key, [ZERO, 0, 0])
            bucket[0] += c["a"]
            bucket[1] += c["n"]
            bucket[2] += c["co"] if dimension == "category" else c["o"]
        total["amount"] += c["a"]
        total["lines"] += c["n"]
        total["orders"] += c["o"]
    total["amount"] = _q(total["amount"])

    base = {"date_from": start.isoformat(), "date_to": end.isoformat()}
    groups = dict(Group.objects.filter(pk__in=list(buckets["group"])).values_list("pk", "name"))
    budgets = {pk: f"{name} ({po})" for pk, name, po in
               Budget.objects.filter(pk__in=[k for k in buckets["budget"] if k]).values_list("pk", "name", "po_number")}
    categories = dict(Category.objects.filter(pk__in=list(buckets["category"])).values_list("pk", "name"))
    buyers = {
        pk: f"{first} {last}".strip() or email
        for pk, first, last, email in Member.objects.filter(pk__in=list(buckets["buyer"]))
        .values_list("pk", "user__first_name", "user__last_name", "user__email")
    }
    out: dict[str, list[SpendRow]] = {}
    for dimension, bucket in buckets.items():
        rows = []
        for key, (amount, lines, orders) in bucket.items():
            if dimension == "month":
                label, filters = _month_label_filters(key, start, end)
            elif dimension == "group":
                label, filters = groups.get(key, ""), {**base, "group": key}
            elif dimension == "budget":
                label, filters = budgets.get(key, "No blanket PO"), {**base, "budget": key or "none"}
            elif dimension == "category":
                label, filters = categories.get(key, ""), {**base, "category": key}
            else:
                label, filters = buyers.get(key, ""), {**base, "buyer": key}
            rows.append((key, SpendRow(label, amount, orders, lines, filters)))
        if dimension == "month":
            rows.sort(key=lambda kr: kr[0])
        elif dimension in ("group", "category"):
            rows.sort(key=lambda kr: (-kr[1].amount, kr[1].label))
        else:
            rows.sort(key=lambda kr: (-kr[1].amount, kr[0] or 0))
        out[dimension] = _with_percent([r for _, r in rows])
    return out, total


def spend_by(*, business: Business, start: datetime.date, end: datetime.date, dimension: str) -> list[SpendRow]:
    """One chart of `spend_summary` (the page asks for all of them at once)."""
    if dimension not in DIMENSIONS:
        raise ValueError(dimension)
    return spend_summary(business=business, start=start, end=end)[0][dimension]


def _with_percent(rows: list[SpendRow]) -> list[SpendRow]:
    top = max((r.amount for r in rows), default=ZERO)
    for r in rows:
        r.amount = _q(r.amount)
        r.percent = round(float(r.amount / top * 100), 1) if top else 0.0  # bar width only, never money
    return rows


def spend_total(*, business: Business, start: datetime.date, end: datetime.date) -> dict:
    return spend_summary(business=business, start=start, end=end)[1]


# --- Orders report ---------------------------------------------------------------------------------

REPORT_COLUMNS = [
    ("order_date", "Order date"),
    ("po_number", "PO number"),
    ("blanket_po", "Blanket PO"),
    ("group_name", "Group"),
    ("cost_center", "Cost center"),
    ("buyer_name", "Buyer"),
    ("sku", "SKU"),
    ("description", "Description"),
    ("quantity", "Quantity"),
    ("amount", "Amount"),
    ("status", "Status"),
    ("ship_date", "Shipment date"),
    ("carrier", "Carrier"),
    ("tracking_number", "Tracking number"),
    ("invoice_number", "Invoice number"),
    ("paid", "Paid"),
]
STATUS_LABELS = dict(Order.Status.choices)
PAID_LABELS = {"paid": "Paid", "partly_paid": "Partly paid", "open": "Not paid", "void": "Void", None: ""}


class ReportFilterError(InvalidInput):
    """A report filter the user typed cannot be read (also a ValueError)."""


def _date(value):
    try:
        return date_parse(value)
    except InputError as exc:
        raise ReportFilterError(str(exc)) from None


def _int(value):
    """An id filter (group, buyer, budget, category): 1 to 2^63-1."""
    try:
        return id_parse(value)
    except InputError as exc:
        raise ReportFilterError(str(exc)) from None


def _quantity(value):
    try:
        return int_parse(value, minimum=0, maximum=2**31 - 1, what="quantity")
    except InputError as exc:
        raise ReportFilterError(str(exc)) from None


def _dec(value):
    if value in (None, ""):
        return None
    try:
        return money_parse(str(value), what="The amount filter")
    except MoneyError as exc:
        raise ReportFilterError(str(exc)) from None


#: The orders report's filters, as query-string keys (see `orders_report` and `OrdersReportFilter`).
REPORT_FILTERS = [
    "date_from", "date_to", "po_number", "blanket_po", "budget", "group", "cost_center", "buyer", "category", "sku",
    "description", "quantity", "amount_min", "amount_max", "status", "ship_from", "ship_to", "carrier",
    "tracking_number", "invoice_number", "paid",
]
#: Order information filters: `field_<field id>=<value>` (exact value, as the index answers it).
FIELD_FILTER = re.compile(r"^field_(\d{1,18})$")
FIELD_FILTERS_MAX = 20


class OrdersReportFilter(django_filters.FilterSet):
    """The orders report's filters, one declared filter per query-string key (REPORT_FILTERS).

    Every value is read by the same bounded parsers as the rest of the app (dates 1900–2999, ids up to
    2^63−1, amounts within the money columns); a value they refuse raises ReportFilterError with the
    message the page shows, so a bad filter is never silently dropped.
    """

    date_from = django_filters.CharFilter(method="filter_date_from")
    date_to = django_filters.CharFilter(method="filter_date_to")
    po_number = django_filters.CharFilter(field_name="order__po_number", lookup_expr="icontains")
    blanket_po = django_filters.CharFilter(field_name="order__blanket_po_number", lookup_expr="icontains")
    budget = django_filters.CharFilter(method="filter_budget")
    group = django_filters.CharFilter(method="filter_id", field_name="order__group_id")
    cost_center = django_filters.CharFilter(field_name="order__group__cost_center", lookup_expr="icontains")
    buyer = django_filters.CharFilter(method="filter_id", field_name="order__buyer_id")
    category = django_filters.CharFilter(method="filter_id", field_name="product__category_id")
    sku = django_filters.CharFilter(field_name="sku", lookup_expr="icontains")
    description = django_filters.CharFilter(field_name="description", lookup_expr="icontains")
    quantity = django_filters.CharFilter(method="filter_quantity")
    amount_min = django_filters.CharFilter(method="filter_amount", field_name="amount__gte")
    amount_max = django_filters.CharFilter(method="filter_amount", field_name="amount__lte")
    status = django_filters.CharFilter(method="filter_status")
    ship_from = django_filters.CharFilter(method="filter_ship", field_name="ship_date__gte")
    ship_to = django_filters.CharFilter(method="filter_ship", field_name="ship_date__lte")
    carrier = django_filters.CharFilter(field_name="carrier", lookup_expr="icontains")
    tracking_number = django_filters.CharFilter(field_name="tracking_number", lookup_expr="icontains")
    invoice_number = django_filters.CharFilter(field_name="invoice_number", lookup_expr="icontains")
    paid = django_filters.CharFilter(method="filter_paid")

    class Meta:
        model = OrderLine
        fields: list[str] = []

    def __init__(self, *args, business: Business | None = None, **kwargs):
        super().__init__(*args, **kwargs)
        self.business = business

    def filter_queryset(self, queryset):
        """The declared filters, then each order information filter (`field_<id>`) as a semi-join on
        the (business, field, value, order) index."""
        queryset = super().filter_queryset(queryset)
        for key, value in (self.data or {}).items():
            match = FIELD_FILTER.match(key)
            if match and value:
                values = OrderFieldValue.objects.filter(field_id=_int(match.group(1)), value=str(value).strip()[:200])
                if self.business is not None:
                    values = values.filter(business=self.business)
                queryset = queryset.filter(order_id__in=values.values("order_id"))
        return queryset

    def filter_date_from(self, queryset, name, value):
        return queryset.filter(order__placed_at__gte=_day_start(_date(value)))

    def filter_date_to(self, queryset, name, value):
        return queryset.filter(order__placed_at__lt=_day_start(_date(value) + datetime.timedelta(days=1)))

    def filter_budget(self, queryset, name, value):
        return queryset.filter(order__budget__isnull=True) if value == "none" else queryset.filter(order__budget_id=_int(value))

    def filter_id(self, queryset, name, value):
        return queryset.filter(**{name: _int(value)})

    def filter_quantity(self, queryset, name, value):
        return queryset.filter(quantity=_quantity(value))

    def filter_amount(self, queryset, name, value):
        return queryset.filter(**{name: _dec(value)})

    def filter_status(self, queryset, name, value):
        return queryset.filter(order__status=value) if value != "spend" else queryset.filter(order__status__in=SPEND_STATUSES)

    def filter_ship(self, queryset, name, value):
        return queryset.filter(**{name: _date(value)})

    def filter_paid(self, queryset, name, value):
        if value == "yes":
            return queryset.filter(invoice_status="paid")
        if value == "partly":
            return queryset.filter(invoice_status="partly_paid")
        if value == "no":
            return queryset.filter(Q(invoice_status__isnull=True) | Q(invoice_status="open"))
        raise ReportFilterError(f"“{value}” is not a paid filter.")


def report_filters(*, data) -> dict:
    """The report filters given in the query string `data` (stripped, the empty ones left out), order
    information filters (`field_<id>`) included, at most FIELD_FILTERS_MAX of them."""
    found = {k: data.get(k, "").strip() for k in REPORT_FILTERS if data.get(k, "").strip()}
    fields = [k for k in data if FIELD_FILTER.match(k) and data.get(k, "").strip()]
    if len(fields) > FIELD_FILTERS_MAX:
        raise ReportFilterError(f"Filter by at most {FIELD_FILTERS_MAX} order information fields at a time.")
    found.update({k: data.get(k, "").strip()[:200] for k in fields})
    return found


def orders_report(*, business: Business, filters: dict | None = None):
    """One row per order line with every report column; `filters` narrows it (see REPORT_FILTERS)."""
    f = {k: (v.strip() if isinstance(v, str) else v) for k, v in (filters or {}).items() if v not in (None, "")}
    ship = ShipmentLine.objects.filter(order_line=OuterRef("pk")).order_by("-shipment__ship_date", "-shipment_id")
    inv = InvoiceLine.objects.filter(order_line=OuterRef("pk")).order_by("-invoice_id")
    qs = (
        OrderLine.objects.filter(business=business)
        .annotate(
            order_date=TruncDate("order__placed_at"),
            po_number=F("order__po_number"),
            blanket_po=F("order__blanket_po_number"),
            group_name=F("order__group__name"),
            cost_center=F("order__group__cost_center"),
            buyer_first=F("order__buyer__user__first_name"),
            buyer_last=F("order__buyer__user__last_name"),
            buyer_email=F("order__buyer__user__email"),
            status=F("order__status"),
            ship_date=Subquery(ship.values("shipment__ship_date")[:1]),
            carrier=Subquery(ship.values("shipment__carrier")[:1]),
            tracking_number=Subquery(ship.values("shipment__tracking_number")[:1]),
            invoice_number=Subquery(inv.values("invoice__number")[:1]),
            invoice_status=Subquery(inv.values("invoice__status")[:1]),
        )
    )
    return OrdersReportFilter(f, queryset=qs, business=business).qs.order_by("-order__placed_at", "-order_id", "id")


REPORT_FIELDS = [
    "order_date", "po_number", "blanket_po", "group_name", "cost_center", "buyer_first", "buyer_last", "buyer_email",
    "sku", "description", "quantity", "amount", "status", "ship_date", "carrier", "tracking_number",
    "invoice_number", "invoice_status", "order_id",
]


def report_columns(fields=()) -> list[str]:
    """The report's column headings: REPORT_COLUMNS, then one per order information field."""
    return [label for _, label in REPORT_COLUMNS] + [f.name for f in fields]


def report_with_fields(rows: list[tuple], *, business_id: int, fields) -> list[tuple]:
    """REPORT_FIELDS tuples with one more cell per order information field (one query for all rows)."""
    if not fields:
        return rows
    at = REPORT_FIELDS.index("order_id")
    values = order_values_by_order(business_id=business_id, order_ids=[r[at] for r in rows])
    return [(*r, *(values.get(r[at], {}).get(f.pk, "") for f in fields)) for r in rows]


def report_row(values: tuple) -> list:
    """A values_list() tuple of REPORT_FIELDS (plus any order information cells) as the cells of
    report_columns()."""
    (order_date, po, blanket, group, cc, first, last, email, sku, desc, qty, amount, status, ship_date, carrier,
     tracking, invoice, invoice_status, _order_id, *information) = values
    return [
        order_date, po, blanket, group, cc, f"{first} {last}".strip() or email, sku, desc, qty, amount,
        STATUS_LABELS.get(status, status), ship_date or "", carrier or "", tracking or "", invoice or "",
        PAID_LABELS.get(invoice_status, ""), *information,
    ]


def report_totals(queryset) -> dict:
    totals = queryset.aggregate(
        amount=Coalesce(Sum("amount"), ZERO), lines=Count("id"), orders=Count("order", distinct=True)
    )
    return {k: _q(v) for k, v in totals.items()}


class _Echo:
    def write(self, value):
        return value


#: Report columns that come from a line's latest shipment and invoice.
_LATER_FIELDS = ("ship_date", "carrier", "tracking_number", "invoice_number", "invoice_status")


def report_rows(queryset, chunk_size: int = 2000, *, fields=(), business_id: int | None = None):
    """The report's REPORT_FIELDS tuples, in report order, from a server-side cursor.

    The lines stream without the shipment and invoice subqueries (which would run for every line
    before the first one could be sorted and sent); each chunk's latest shipment and invoice come in
    two queries keyed by line, with the subqueries' rules (latest ship date, then latest shipment;
    latest invoice). Filters on those columns still work: they stay in the queryset's WHERE. With
    `fields` (order information), each chunk's values come in one more query, one cell per field.
    """
    base = [f for f in REPORT_FIELDS if f not in _LATER_FIELDS]
    rows = queryset.values_list("id", *base).iterator(chunk_size=chunk_size)
    while True:
        chunk = list(itertools.islice(rows, chunk_size))
        if not chunk:
            return
        ids = [r[0] for r in chunk]
        shipped: dict[int, tuple] = {}
        for line_id, *values in (
            ShipmentLine.objects.filter(order_line_id__in=ids)
            .order_by("order_line_id", "-shipment__ship_date", "-shipment_id")
            .values_list("order_line_id", "shipment__ship_date", "shipment__carrier", "shipment__tracking_number")
        ):
            shipped.setdefault(line_id, tuple(values))
        invoiced: dict[int, tuple] = {}
        for line_id, *values in (
            InvoiceLine.objects.filter(order_line_id__in=ids).order_by("order_line_id", "-invoice_id")
            .values_list("order_line_id", "invoice__number", "invoice__status")
        ):
            invoiced.setdefault(line_id, tuple(values))
        out = []
        for line_id, *values in chunk:
            row = dict(zip(base, values))
            row.update(zip(("ship_date", "carrier", "tracking_number"), shipped.get(line_id, (None, None, None))))
            row.update(zip(("invoice_number", "invoice_status"), invoiced.get(line_id, (None, None))))
            out.append(tuple(row[f] for f in REPORT_FIELDS))
        yield from report_with_fields(out, business_id=business_id, fields=fields)


def report_csv_stream(queryset, chunk_size: int = 2000, *, fields=(), business_id: int | None = None):
    """CSV text straight from a server-side cursor: the first row leaves at once, memory stays flat."""
    writer = csv.writer(_Echo())
    yield writer.writerow(row_safe(report_columns(fields)))
    for values in report_rows(queryset, chunk_size=chunk_size, fields=fields, business_id=business_id):
        yield writer.writerow(row_safe(report_row(values)))


def report_xlsx_file(queryset, chunk_size: int = 2000, *, fields=(), business_id: int | None = None, on_rows=None):
    """A write-only XLSX in a temporary file (rows go to disk as they come), positioned at the start.

    `on_rows(n)` hears how many rows are written, once per chunk (the background job's progress).
    """
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title="Orders report")
    sheet.append(row_safe(report_columns(fields)))
    written = 0
    for values in report_rows(queryset, chunk_size=chunk_size, fields=fields, business_id=business_id):
        sheet.append(row_safe(report_row(values)))
        written += 1
        if on_rows is not None and written % chunk_size == 0:
            on_rows(written)
    if on_rows is not None:
        on_rows(written)
    tmp = tempfile.TemporaryFile()
    workbook.save(tmp)
    tmp.seek(0)
    return tmp


# --- Budget report ---------------------------------------------------------------------------------


def budget_report(*, business: Business):
    """Each Blanket PO with amount, allocated, spent, pending approval and remaining (two queries)."""
    money = DecimalField(**MONEY)
    allocated = (
        Allocation.objects.filter(budget=OuterRef("pk")).values("budget").annotate(s=Sum("amount")).values("s")
    )
    pending = (
        Order.objects.filter(budget=OuterRef("pk"), status=Order.Status.PENDING_APPROVAL)
        .values("budget").annotate(s=Sum("total")).values("s")
    )
    return (
        Budget.objects.filter(business=business)
        .select_related("group")
        .annotate(
            allocated=Coalesce(Subquery(allocated, output_field=money), Value(ZERO), output_field=money),
            pending=Coalesce(Subquery(pending, output_field=money), Value(ZERO), output_field=money),
        )
        .order_by("status", "-start_date", "name")
    )


def budget_members(*, budget_ids) -> dict[int, list[Allocation]]:
    """Per budget: each member's allocation with what they spent of it."""
    out: dict[int, list[Allocation]] = {}
    for alloc in Allocation.objects.filter(budget_id__in=list(budget_ids)).select_related("member__user"):
        out.setdefault(alloc.budget_id, []).append(alloc)
    return out
