"""Demo and load data for the orders app: the catalog, and orders in every status in bulk.

`seed_orders` writes in batches (5,000 orders and their lines at a time): on PostgreSQL with `COPY`
through psycopg 3 (ids reserved from the tables' sequences first, so that lines can name their orders),
elsewhere with bulk_create. It numbers the orders as checkout does (releases of their Blanket PO, or the
business sequence from the locked counter, gap-free), and keeps money consistent: order totals are the
sum of their lines, and every charged order has its ledger entries, after which budget and allocation
`spent` are recomputed from the ledger with aggregates. `seed_invoices` invoices every shipment in
set-based SQL on PostgreSQL (numbers from the locked invoice counter, in ship-date order, amounts and
tax rounded as invoice_issue rounds them). Timings: BENCHMARKS.md.
"""

from __future__ import annotations

import contextlib
import datetime
import random
import time
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Q, Sum
from django.utils import timezone

from budgets.models import Allocation, Budget, LedgerEntry
from orders.documents.services import invoice_issue, invoice_tax
from orders.models import (
    Approval,
    Category,
    Invoice,
    InvoiceLine,
    Order,
    OrderLine,
    Product,
    Receipt,
    ReceiptLine,
    Shipment,
    ShipmentLine,
)
from procurement.models import (
    Address,
    Business,
    Group,
    GroupMembership,
    Member,
    User,
)
from orders.rollup import spend_rollup_rebuild
from procurement.bulk import bulk_insert
from procurement.money import CENT, ZERO
from procurement.numbering.counters import BUSINESS_WIDE, Kind, counters_lock, counters_set_at_least
from procurement.numbering.patterns import invoice_number_format, pattern_render, release_number_render

CATEGORIES = [
    ("Office Supplies", "OFFICE"), ("IT & Electronics", "IT"), ("Janitorial", "JANITORIAL"),
    ("Breakroom", "BREAKROOM"), ("Safety", "SAFETY"), ("Furniture", "FURNITURE"),
]
PRODUCTS = [
    ("OFF-0001", "Copy paper, letter, 10 reams", "OFFICE", "42.99"),
    ("OFF-0002", "Ballpoint pens, black, 60-pack", "OFFICE", "12.49"),
    ("OFF-0003", "Sticky notes, 3x3, 24 pads", "OFFICE", "15.99"),
    ("OFF-0004", "Stapler, desktop", "OFFICE", "18.75"),
    ("OFF-0005", "File folders, letter, 100", "OFFICE", "21.30"),
    ("OFF-0006", "Whiteboard markers, 12", "OFFICE", "9.95"),
    ("IT-0001", "Wireless mouse", "IT", "24.99"),
    ("IT-0002", "USB-C docking station", "IT", "189.00"),
    ("IT-0003", "27-inch monitor", "IT", "229.99"),
    ("IT-0004", "Mechanical keyboard", "IT", "79.50"),
    ("IT-0005", "HDMI cable, 6 ft", "IT", "8.99"),
    ("IT-0006", "Laptop stand", "IT", "34.00"),
    ("JAN-0001", "Paper towels, 12 rolls", "JANITORIAL", "27.49"),
    ("JAN-0002", "Hand soap refill, 1 gal", "JANITORIAL", "16.20"),
    ("JAN-0003", "Trash bags, 33 gal, 100", "JANITORIAL", "31.99"),
    ("JAN-0004", "Disinfecting wipes, 6-pack", "JANITORIAL", "23.45"),
    ("JAN-0005", "Microfiber cloths, 24", "JANITORIAL", "14.99"),
    ("BRK-0001", "Coffee beans, 5 lb", "BREAKROOM", "54.00"),
    ("BRK-0002", "Paper cups, 12 oz, 500", "BREAKROOM", "38.60"),
    ("BRK-0003", "Bottled water, 40-pack", "BREAKROOM", "11.99"),
    ("BRK-0004", "Sugar packets, 1000", "BREAKROOM", "17.25"),
    ("BRK-0005", "Tea assortment, 100", "BREAKROOM", "19.90"),
    ("SAF-0001", "First aid kit, 100 people", "SAFETY", "64.99"),
    ("SAF-0002", "Safety glasses, 12", "SAFETY", "29.99"),
    ("SAF-0003", "Nitrile gloves, L, 100", "SAFETY", "13.49"),
    ("SAF-0004", "High-visibility vest", "SAFETY", "9.49"),
    ("FUR-0001", "Ergonomic office chair", "FURNITURE", "349.00"),
    ("FUR-0002", "Standing desk, 60 in", "FURNITURE", "529.00"),
    ("FUR-0003", "Filing cabinet, 3 drawers", "FURNITURE", "189.99"),
    ("FUR-0004", "Bookshelf, 5 shelves", "FURNITURE", "119.00"),
]
BATCH = 5_000
# Share of seeded orders in each status (sums to 100).
STATUS_MIX = [
    (Order.Status.DELIVERED, 25), (Order.Status.RECEIVED, 10), (Order.Status.PLACED, 20), (Order.Status.SHIPPED, 15),
    (Order.Status.PARTLY_SHIPPED, 10), (Order.Status.PENDING_APPROVAL, 8), (Order.Status.CANCELLED, 7),
    (Order.Status.REJECTED, 5),
]
CARRIERS = ["UPS", "FedEx", "USPS", "DHL"]


def _say(stdout, text):
    if stdout is not None:
        stdout.write(text + "\n")


def seed_catalog(*, stdout=None) -> int:
    """Categories with codes and ~30 products; idempotent (creates only what is missing)."""
    created = 0
    codes = {}
    for name, code in CATEGORIES:
        category, was_created = Category.objects.get_or_create(code=code, defaults={"name": name})
        codes[code] = category
        created += was_created
    existing = set(Product.objects.values_list("sku", flat=True))
    new = [
        Product(sku=sku, name=name, category=codes[code], unit_price=Decimal(price))
        for sku, name, code, price in PRODUCTS if sku not in existing
    ]
    Product.objects.bulk_create(new)
    created += len(new)
    _say(stdout, f"Catalog: {len(CATEGORIES)} categories, {len(PRODUCTS)} products ({created} new).")
    return created


@contextlib.contextmanager
def _explicit_placed_at():
    """Let bulk_create keep the past dates we give (auto_now_add would stamp 'now')."""
    field = Order._meta.get_field("placed_at")
    field.auto_now_add = False
    try:
        yield
    finally:
        field.auto_now_add = True


def _buyers(business: Business) -> list[tuple[Group, Member]]:
    pairs = list(
        GroupMembership.objects.filter(business=business, role=GroupMembership.Role.BUYER, member__is_active=True)
        .select_related("group", "member").order_by("group_id", "member_id")
    )
    if pairs:
        return [(p.group, p.member) for p in pairs]
    # A business without buyers gets one seed group and buyer so that orders have somebody to belong to.
    address = Address.objects.filter(business=business, is_active=True).first() or Address.objects.create(
        business=business, label="Head office", recipient="Receiving", line1=business.address_line1,
        city=business.city, region=business.region, postal_code=business.postal_code, country=business.country,
    )
    group, _ = Group.objects.get_or_create(
        business=business, name="Operations", defaults={"cost_center": "OPS", "location": business.city, "shipping_address": address}
    )
    user, _ = User.objects.get_or_create(email=f"seed-buyer-{business.pk}@example.com", defaults={"first_name": "Seed", "last_name": "Buyer"})
    member, _ = Member.objects.get_or_create(user=user, defaults={"business": business})
    GroupMembership.objects.get_or_create(business=business, group=group, member=member, role=GroupMembership.Role.BUYER)
    return [(group, member)]


def seed_orders(*, business: Business, count: int, stdout=None, lines_avg: int = 50, seed: int = 4) -> int:
    """Orders in every status until the business has `count` orders (a second run adds nothing)."""
    started = time.monotonic()
    existing = Order.objects.filter(business=business).count()
    todo = count - existing
    if todo <= 0:
        _say(stdout, f"Orders: {business.name} already has {existing} orders.")
        return 0
    if not Product.objects.filter(active=True).exists():
        seed_catalog(stdout=stdout)
    products = list(Product.objects.filter(active=True).select_related("category").order_by("id"))
    pairs = _buyers(business)
    rng = random.Random(seed + business.pk)  # nosec B311  # reproducible demo data, not security
    today = timezone.localdate()
    budgets_by_group: dict[int, list[Budget]] = {}
    for budget in Budget.objects.filter(business=business, status=Budget.Status.ACTIVE, start_date__lte=today, end_date__gte=today):
        budgets_by_group.setdefault(budget.group_id, []).append(budget)
    # Seeded spend uses at most half of what each budget has left, so buyers can still order in the demo.
    room = {b.pk: ((b.amount - b.spent) / 2).quantize(CENT) for bs in budgets_by_group.values() for b in bs}
    addresses = {a.pk: a for a in Address.objects.filter(business=business)}
    fallback_address = next(iter(addresses.values()), None)
    statuses = [s for s, weight in STATUS_MIX for _ in range(weight)]

    made_lines = 0
    for start in range(0, todo, BATCH):
        n = min(BATCH, todo - start)
        with transaction.atomic(), _explicit_placed_at():
            made_lines += _seed_batch(
                business=business, n=n, pairs=pairs, products=products, rng=rng,
                statuses=statuses, budgets_by_group=budgets_by_group, room=room, addresses=addresses,
                fallback_address=fallback_address, lines_avg=lines_avg, today=today,
            )
        _say(stdout, f"Orders: {start + n}/{todo} ({made_lines} lines) in {time.monotonic() - started:.1f}s")

    with transaction.atomic():
        _recompute_spent(business)
    _analyze_after_bulk_load()
    _say(stdout, f"Orders: {todo} orders, {made_lines} lines for {business.name} in {time.monotonic() - started:.1f}s.")
    return todo


def _seed_batch(*, business, n, pairs, products, rng, statuses, budgets_by_group, room, addresses,
                fallback_address, lines_avg, today) -> int:
    now = timezone.now()
    # Numbers as checkout gives them, gap-free: budget rows, then the counter, locked for the batch;
    # an order on a Blanket PO is its next release, any other takes the business (or group) sequence.
    budget_ids = list(Budget.objects.select_for_update().filter(
        pk__in=[b.pk for bs in budgets_by_group.values() for b in bs]
    ).order_by("pk").values_list("pk", flat=True))
    seq = counters_lock(business=business, kind=Kind.PO, scopes=[BUSINESS_WIDE])[BUSINESS_WIDE]
    releases = counters_lock(business=business, kind=Kind.RELEASE, scopes=budget_ids)
    orders, line_specs = [], []
    for i in range(n):
        group, member = pairs[rng.randrange(len(pairs))]
        status = statuses[rng.randrange(len(statuses))]
        days_ago = rng.randrange(0, 365)
        placed_at = now - datetime.timedelta(days=days_ago, minutes=rng.randrange(0, 1440))
        k = max(1, min(2 * lines_avg - 1, int(rng.triangular(1, 2 * lines_avg - 1, lines_avg))))
        chosen = [products[rng.randrange(len(products))] for _ in range(k)]
        specs = [(p, rng.randint(1, 10)) for p in chosen]
        if status == Order.Status.PARTLY_SHIPPED and k == 1 and specs[0][1] == 1:
            specs[0] = (specs[0][0], 2)  # so that part of it can have shipped
        total = sum((p.unit_price * q for p, q in specs), ZERO)
        largest = max(specs, key=lambda s: s[0].unit_price * s[1])[0]
        budget = None
        charged = status != Order.Status.REJECTED  # pending orders hold a reservation
        for candidate in budgets_by_group.get(group.pk, []):
            if room[candidate.pk] >= total:
                budget = candidate
                if charged:
                    room[candidate.pk] -= total
                break
        address = addresses.get(group.shipping_address_id) or fallback_address
        if budget is not None and not group.po_pattern:
            releases[budget.pk] += 1
            po_number = release_number_render(blanket_po=budget.po_number, n=releases[budget.pk])
        else:
            seq += 1
            po_number = pattern_render(group.po_pattern or business.po_pattern, seq=seq, group=group,
                                       category_code=largest.category.code, on=placed_at.date())
        order = Order(
            business=business, group=group, buyer=member, budget=budget, po_number=po_number,
            blanket_po_number=budget.po_number if budget else "", status=status, subtotal=total, total=total,
            currency=business.currency, shipping_address=address,
            ship_to="\n".join(address.lines) if address else business.name, placed_at=placed_at,
        )
        if status == Order.Status.PENDING_APPROVAL:
            order.needs_approval_reason = "Above the group's approval threshold."
        elif status == Order.Status.REJECTED:
            order.decided_at, order.decided_by, order.rejection_reason = placed_at + datetime.timedelta(hours=3), member, "Not in this quarter's plan."
        elif status == Order.Status.CANCELLED:
            order.cancelled_at = placed_at + datetime.timedelta(hours=2)
        elif status == Order.Status.DELIVERED:
            order.delivered_at = placed_at + datetime.timedelta(days=4)
        elif status == Order.Status.RECEIVED:
            order.received_at = placed_at + datetime.timedelta(days=5)
        orders.append(order)
        line_specs.append(specs)
    bulk_insert(Order, orders)
    counters_set_at_least(business=business, kind=Kind.PO, values={BUSINESS_WIDE: seq})
    counters_set_at_least(business=business, kind=Kind.RELEASE, values=releases)

    lines = []
    for order, specs in zip(orders, line_specs):
        shipped_first = False
        for product, qty in specs:
            shipped = cancelled = 0
            if order.status in (Order.Status.SHIPPED, Order.Status.DELIVERED, Order.Status.RECEIVED):
                shipped = qty
            elif order.status == Order.Status.PARTLY_SHIPPED and product is specs[0][0] and not shipped_first:
                shipped = qty if len(specs) > 1 else qty - 1
                shipped_first = True
            elif order.status == Order.Status.CANCELLED:
                cancelled = qty
            lines.append(OrderLine(
                business=business, order=order, product=product, sku=product.sku, description=product.name,
                category_code=product.category.code, quantity=qty, unit_price=product.unit_price,
                amount=(product.unit_price * qty).quantize(CENT), quantity_shipped=shipped, quantity_cancelled=cancelled,
            ))
    bulk_insert(OrderLine, lines)

    shipments, shipment_lines_for = [], []
    by_order: dict[int, list[OrderLine]] = {}
    for line in lines:
        by_order.setdefault(line.order_id, []).append(line)
    for order in orders:
        shipped = [l for l in by_order[order.pk] if l.quantity_shipped]
        if not shipped:
            continue
        shipments.append(Shipment(
            business=business, order=order, carrier=CARRIERS[order.pk % len(CARRIERS)],
            tracking_number=f"1Z{business.pk:04}{order.pk:012}", ship_date=order.placed_at.date() + datetime.timedelta(days=1),
        ))
        shipment_lines_for.append(shipped)
    bulk_insert(Shipment, shipments)
    shipment_lines = [
        ShipmentLine(business=business, shipment=shipment, order_line=line, quantity=line.quantity_shipped)
        for shipment, shipped in zip(shipments, shipment_lines_for) for line in shipped
    ]
    bulk_insert(ShipmentLine, shipment_lines)
    # Received orders: every shipment has its receipt, everything arrived.
    receipts = {
        shipment.pk: Receipt(business=business, order=shipment.order, shipment=shipment, received_by=shipment.order.buyer,
                             received_on=shipment.ship_date + datetime.timedelta(days=2))
        for shipment in shipments if shipment.order.status == Order.Status.RECEIVED
    }
    bulk_insert(Receipt, list(receipts.values()))
    bulk_insert(ReceiptLine, [
        ReceiptLine(business=business, receipt=receipts[sl.shipment.pk], shipment_line=sl, order_line=sl.order_line,
                    quantity_shipped=sl.quantity, quantity_received=sl.quantity)
        for sl in shipment_lines if sl.shipment.pk in receipts
    ])

    allocation_of = {
        (budget_id, member_id): pk
        for budget_id, member_id, pk in Allocation.objects.filter(business=business).values_list("budget_id", "member_id", "pk")
    }
    charges, cancelled_charges, approvals = [], [], []
    for order in orders:
        if order.status == Order.Status.REJECTED:
            approvals.append(Approval(business=business, order=order, approver=order.buyer,
                                      decision=Approval.Decision.REJECTED, reason=order.rejection_reason))
        if order.budget is None or order.status == Order.Status.REJECTED:
            continue
        charge = LedgerEntry(business=business, budget=order.budget, member=order.buyer, order=order,
                             allocation_id=allocation_of.get((order.budget_id, order.buyer_id)),
                             kind=LedgerEntry.Kind.CHARGE, amount=order.total, note=f"Order {order.po_number}")
        charges.append(charge)
        if order.status == Order.Status.CANCELLED:
            cancelled_charges.append(charge)
    bulk_insert(LedgerEntry, charges)
    # A release names the charge it gives back (bulk_create has set the charges' ids).
    bulk_insert(LedgerEntry, [
        LedgerEntry(business=business, budget_id=c.budget_id, member_id=c.member_id, order_id=c.order_id,
                    allocation_id=c.allocation_id, charge=c, kind=LedgerEntry.Kind.RELEASE, amount=c.amount,
                    note=f"{c.note} cancelled")
        for c in cancelled_charges
    ])
    bulk_insert(Approval, approvals)
    return len(lines)


def _recompute_spent(business: Business) -> None:
    """Budget and allocation `spent` from the ledger (charges minus releases), with aggregates."""
    charge, release = LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.RELEASE
    signed = Sum("amount", filter=Q(kind=charge))
    for budget_id, charged, released in (
        LedgerEntry.objects.filter(business=business).order_by().values("budget_id")
        .annotate(c=signed, r=Sum("amount", filter=Q(kind=release))).values_list("budget_id", "c", "r")
    ):
        Budget.objects.filter(pk=budget_id).update(spent=(charged or 0) - (released or 0))
    for allocation_id, charged, released in (
        LedgerEntry.objects.filter(business=business, allocation__isnull=False).order_by().values("allocation_id")
        .annotate(c=signed, r=Sum("amount", filter=Q(kind=release))).values_list("allocation_id", "c", "r")
    ):
        Allocation.objects.filter(pk=allocation_id).update(spent=(charged or 0) - (released or 0))


def _analyze_after_bulk_load() -> None:
    """Refresh PostgreSQL's planner statistics: right after a bulk load they still describe empty tables,
    and the planner then picks nested loops over a million rows (minutes instead of a second)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def seed_invoices(*, business: Business, stdout=None) -> int:
    """Invoice every seeded shipment that has none (idempotent).

    PostgreSQL: set-based, as invoice_issue would one by one: the invoice counter row locked, numbers
    in ship-date order, line amounts and tax rounded half-up to the cent, due after the business's
    payment terms. Elsewhere: through invoice_issue itself.
    """
    started = time.monotonic()
    if connection.vendor == "postgresql":
        with transaction.atomic():
            n = _seed_invoices_bulk(business=business)
    else:
        n = 0
        pending = list(Shipment.objects.filter(business=business, invoice__isnull=True).order_by("ship_date", "id"))
        for start in range(0, len(pending), 500):  # a few hundred per transaction: one commit, not hundreds
            with transaction.atomic():
                for shipment in pending[start:start + 500]:
                    invoice_issue(shipment=shipment, acting_user=None, issued_on=shipment.ship_date)
                    n += 1
    _say(stdout, f"Invoices: {n} issued for {business.name} in {time.monotonic() - started:.1f}s.")
    return n


def _seed_invoices_bulk(*, business: Business) -> int:
    q = connection.ops.quote_name
    shipment_t, sline_t, oline_t, order_t = (q(m._meta.db_table) for m in (Shipment, ShipmentLine, OrderLine, Order))
    invoice_t, iline_t = q(Invoice._meta.db_table), q(InvoiceLine._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"""SELECT s.id, s.order_id, s.ship_date, o.currency, SUM(ROUND(sl.quantity * ol.unit_price, 2))
                FROM {shipment_t} s
                JOIN {order_t} o ON o.id = s.order_id
                JOIN {sline_t} sl ON sl.shipment_id = s.id
                JOIN {oline_t} ol ON ol.id = sl.order_line_id
                WHERE s.business_id = %s AND NOT EXISTS (SELECT 1 FROM {invoice_t} i WHERE i.shipment_id = s.id)
                GROUP BY s.id, s.order_id, s.ship_date, o.currency
                ORDER BY s.ship_date, s.id""",  # nosec B608  # table and column names from the models, values as parameters
            [business.pk],
        )
        pending = cursor.fetchall()
    if not pending:
        return 0
    seq = counters_lock(business=business, kind=Kind.INVOICE, scopes=[BUSINESS_WIDE])[BUSINESS_WIDE]
    terms = datetime.timedelta(days=business.payment_terms_days)
    invoices = []
    for shipment_id, order_id, ship_date, currency, subtotal in pending:
        seq += 1
        tax = invoice_tax(subtotal=subtotal, tax_rate=business.tax_rate)
        invoices.append(Invoice(
            business=business, order_id=order_id, shipment_id=shipment_id,
            number=invoice_number_format(seq=seq, issued_on=ship_date), issued_on=ship_date, due_on=ship_date + terms,
            subtotal=subtotal, tax_rate=business.tax_rate, tax=tax, total=subtotal + tax, currency=currency,
        ))
    bulk_insert(Invoice, invoices)
    counters_set_at_least(business=business, kind=Kind.INVOICE, values={BUSINESS_WIDE: seq})
    with connection.cursor() as cursor:
        cursor.execute(
            f"""INSERT INTO {iline_t} (business_id, invoice_id, order_line_id, sku, description, quantity, unit_price, amount)
                SELECT i.business_id, i.id, ol.id, ol.sku, ol.description, sl.quantity, ol.unit_price,
                       ROUND(sl.quantity * ol.unit_price, 2)
                FROM {invoice_t} i
                JOIN {sline_t} sl ON sl.shipment_id = i.shipment_id
                JOIN {oline_t} ol ON ol.id = sl.order_line_id
                WHERE i.business_id = %s AND i.id = ANY(%s)
                ORDER BY i.id, sl.id""",  # nosec B608  # table and column names from the models, values as parameters
            [business.pk, [inv.pk for inv in invoices]],
        )
    return len(invoices)


def seed_spend_rollup(*, stdout=None) -> int:
    """Rebuild the spend roll-up of every business set-based (the bulk paths above bypass the services)."""
    started = time.monotonic()
    n = spend_rollup_rebuild()
    _say(stdout, f"Spend roll-up: {n} daily rows rebuilt in {time.monotonic() - started:.1f}s.")
    return n
