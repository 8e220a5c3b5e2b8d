"""The daily spend roll-up (`DailySpend`): written in the transaction of every event that changes spend.

Business Analytics counts as spend the order lines of orders in `SPEND_STATUSES`, on the order's placed
date, net of approved returns (credit note lines, on the same date as the order: a return corrects the
order's spend, like the ledger release it comes with). The roll-up holds exactly that per (business, day,
group, Blanket PO, category, buyer), so Analytics reads a few thousand rows instead of every line.

Writers (the hook points, see docs/architecture.md "Spend roll-up"):
- `spend_rollup_status_changed(order=, before=, after=)`: checkout (before=None), approve, reject,
  cancel, ship. It adds or takes away the whole order when it enters or leaves `SPEND_STATUSES`;
  any other change is a no-op without a query.
- `spend_rollup_credit(order=, amounts=)`: an approved return's credit note lines.
- `spend_rollup_rebuild(business_id=)`: set-based (INSERT ... SELECT ... GROUP BY), for
  `manage.py spend_rollup_rebuild`, the bulk seeder and tests that insert rows in bulk.

Concurrency: each write is one INSERT ... ON CONFLICT DO UPDATE SET x = x + excluded.x (PostgreSQL and
SQLite), so two transactions on the same cell add up instead of overwriting each other; the rows of one
call are written in key order, and every service calls it last, after its other locks (lock order 7).
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from decimal import Decimal

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.db.models.functions import TruncDate
from django.utils import timezone

from orders.models import CreditNoteLine, DailySpend, Order, OrderLine
from procurement.money import ZERO

SPEND_STATUSES = (
    Order.Status.PLACED, Order.Status.PARTLY_SHIPPED, Order.Status.SHIPPED, Order.Status.DELIVERED,
    Order.Status.RECEIVED,
)
_SPEND = frozenset(SPEND_STATUSES)

#: (business_id, day, group_id, budget_id, category_id, buyer_id)
Key = tuple
#: [amount, lines, orders, category_orders]
_COLUMNS = ("amount", "lines", "orders", "category_orders")


def spend_day(placed_at: datetime.datetime) -> datetime.date:
    """The roll-up day of an order: its placed date in the site's time zone (Analytics' date filter)."""
    return timezone.localtime(placed_at, timezone.get_default_timezone()).date()


def _order_key(order: Order) -> tuple:
    return order.business_id, spend_day(order.placed_at), order.group_id, order.budget_id


def _order_cells(order: Order, *, sign: int, lines=None) -> dict[Key, list]:
    """The order's contribution to each of its cells: net line amounts, lines, orders (once, in the
    cell of its first line) and category orders (once per category). `lines`: the (id, category id,
    amount) of a new order's lines, just written (no credit notes yet): no query."""
    business_id, day, group_id, budget_id = _order_key(order)
    if lines is not None:
        credited = {}
        rows = sorted(lines)
    else:
        credited = dict(
            CreditNoteLine.objects.filter(credit_note__order_id=order.pk).order_by()
            .values("order_line_id").annotate(s=Sum("amount")).values_list("order_line_id", "s")
        )
        rows = OrderLine.objects.filter(order_id=order.pk).order_by("id").values_list("id", "product__category_id", "amount")
    cells: dict[Key, list] = {}
    for i, (line_id, category_id, amount) in enumerate(rows):
        key = (business_id, day, group_id, budget_id, category_id, order.buyer_id)
        cell = cells.get(key)
        if cell is None:
            cell = cells[key] = [ZERO, 0, 0, 1]
        cell[0] += amount - credited.get(line_id, ZERO)
        cell[1] += 1
        if i == 0:
            cell[2] = 1
    return {k: [sign * v for v in cell] for k, cell in cells.items()}


def _upsert(cells: dict[Key, list], model=DailySpend) -> None:
    """Add each cell's numbers to its row (created when missing) in key order; drop rows left empty."""
    if not cells:
        return
    table = connection.ops.quote_name(model._meta.db_table)
    cols = ("business_id", "day", "group_id", "budget_id", "category_id", "buyer_id", *_COLUMNS)
    sets = ", ".join(f"{c} = {table}.{c} + excluded.{c}" for c in _COLUMNS)
    for with_budget in (True, False):
        part = sorted(
            ((k, v) for k, v in cells.items() if (k[3] is not None) == with_budget),
            key=lambda kv: (kv[0][1], kv[0][2], kv[0][3] or 0, kv[0][4], kv[0][5]),
        )
        if not part:
            continue
        target = (
            "(business_id, day, group_id, budget_id, category_id, buyer_id) WHERE budget_id IS NOT NULL" if with_budget
            else "(business_id, day, group_id, category_id, buyer_id) WHERE budget_id IS NULL"
        )
        values = ", ".join(["(" + ", ".join(["%s"] * len(cols)) + ")"] * len(part))
        params = [p for key, nums in part for p in (*key, *nums)]
        with connection.cursor() as cursor:
            cursor.execute(
                f"INSERT INTO {table} ({', '.join(cols)}) VALUES {values} ON CONFLICT {target} DO UPDATE SET {sets}",  # nosec B608  # table and column names are ours, values are parameters
                params,
            )
    if any(nums[1] < 0 or nums[0] < 0 for nums in cells.values()):
        empty = Q()
        for b, day, group_id, budget_id, category_id, buyer_id in cells:
            empty |= Q(day=day, group_id=group_id, budget_id=budget_id, category_id=category_id, buyer_id=buyer_id)
        business_id = next(iter(cells))[0]
        model.objects.filter(empty, business_id=business_id, lines=0, orders=0, category_orders=0, amount=ZERO).delete()


def spend_rollup_apply(*, order: Order, sign: int) -> None:
    """Add (`sign` = 1) or take away (`sign` = -1) the whole order's spend, net of its credit notes."""
    if sign not in (1, -1):
        raise ValueError("sign is 1 or -1")
    _upsert(_order_cells(order, sign=sign))


def spend_rollup_status_changed(*, order: Order, before: str | None, after: str, lines=None) -> None:
    """The order's status went from `before` (None: it is new) to `after`: add or take away its spend
    when it enters or leaves SPEND_STATUSES. Call it last in the service's transaction. Checkout passes
    the new order's `lines` as (id, category id, amount), which saves reading them back."""
    sign = int(after in _SPEND) - int(before in _SPEND)
    if sign and lines is not None and before is None:
        _upsert(_order_cells(order, sign=sign, lines=lines))
    elif sign:
        spend_rollup_apply(order=order, sign=sign)


def spend_rollup_credit(*, order: Order, amounts: dict[int, Decimal]) -> None:
    """An approved return credited `amounts` ({order_line_id: amount}) of the order: less spend, same
    lines and orders. Nothing to do when the order does not count as spend."""
    if order.status not in _SPEND or not amounts:
        return
    business_id, day, group_id, budget_id = _order_key(order)
    categories = dict(OrderLine.objects.filter(pk__in=list(amounts), order_id=order.pk).values_list("id", "product__category_id"))
    cells: dict[Key, list] = {}
    for line_id, amount in amounts.items():
        key = (business_id, day, group_id, budget_id, categories[line_id], order.buyer_id)
        cells.setdefault(key, [ZERO, 0, 0, 0])[0] -= amount
    _upsert(cells)


# --- Set-based rebuild and the check against the order lines -------------------------------------


def _models(registry=None) -> tuple:
    """OrderLine, CreditNoteLine and DailySpend: the app's, or a migration's historical ones."""
    if registry is None:
        return OrderLine, CreditNoteLine, DailySpend
    return tuple(registry.get_model("orders", name) for name in ("OrderLine", "CreditNoteLine", "DailySpend"))


def _lines_grouped(business_id: int | None, registry=None):
    """The roll-up's rows straight from the order lines (before credit notes), as one GROUP BY query."""
    line_model = _models(registry)[0]
    lines = line_model.objects.filter(order__status__in=SPEND_STATUSES)
    if business_id is not None:
        lines = lines.filter(business_id=business_id)
    first_line = ~Exists(line_model.objects.filter(order_id=OuterRef("order_id"), id__lt=OuterRef("id")))
    return (
        lines.annotate(spend_day=TruncDate("order__placed_at", tzinfo=timezone.get_default_timezone()))
        .values("business_id", "spend_day", "order__group_id", "order__budget_id", "product__category_id", "order__buyer_id")
        .annotate(
            n_amount=Sum("amount"), n_lines=Count("id"), n_orders=Count("id", filter=first_line),
            n_category_orders=Count("order_id", distinct=True),
        )
        .values_list(
            "business_id", "spend_day", "order__group_id", "order__budget_id", "product__category_id", "order__buyer_id",
            "n_amount", "n_lines", "n_orders", "n_category_orders",
        )
        .order_by()
    )


def _credits_grouped(business_id: int | None, registry=None) -> dict[Key, list]:
    """Credit note amounts per roll-up cell (orders that count as spend only), negative."""
    credits = _models(registry)[1].objects.filter(order_line__order__status__in=SPEND_STATUSES)
    if business_id is not None:
        credits = credits.filter(business_id=business_id)
    rows = (
        credits.annotate(spend_day=TruncDate("order_line__order__placed_at", tzinfo=timezone.get_default_timezone()))
        .values("business_id", "spend_day", "order_line__order__group_id", "order_line__order__budget_id",
                "order_line__product__category_id", "order_line__order__buyer_id")
        .annotate(total=Sum("amount")).order_by()
        .values_list("business_id", "spend_day", "order_line__order__group_id", "order_line__order__budget_id",
                     "order_line__product__category_id", "order_line__order__buyer_id", "total")
    )
    return {tuple(r[:6]): [-r[6], 0, 0, 0] for r in rows}


@transaction.atomic
def spend_rollup_rebuild(*, business_id: int | None = None, registry=None) -> int:
    """Rebuild the roll-up of one business (or all) from the order lines; returns the rows written.

    Set-based: one DELETE, one INSERT ... SELECT ... GROUP BY, then the credit notes (few) as upserts.
    Writers of the same business wait on the rows it rewrites (PostgreSQL locks them in the DELETE),
    so run it when the business is quiet (after a bulk load, or from cron at night). `registry`: a
    migration's apps, so the migration that adds the roll-up fills it from the data already there.
    """
    rollup_model = _models(registry)[2]
    existing = rollup_model.objects.all() if business_id is None else rollup_model.objects.filter(business_id=business_id)
    existing.delete()
    sql, params = _lines_grouped(business_id, registry).query.sql_with_params()
    table = connection.ops.quote_name(rollup_model._meta.db_table)
    cols = "business_id, day, group_id, budget_id, category_id, buyer_id, amount, lines, orders, category_orders"
    with connection.cursor() as cursor:
        cursor.execute(f"INSERT INTO {table} ({cols}) {sql}", params)  # nosec B608  # the SQL is Django's compiled queryset, values are parameters
    by_business: dict[int, dict[Key, list]] = defaultdict(dict)
    for key, nums in _credits_grouped(business_id, registry).items():
        by_business[key[0]][key] = nums
    for cells in by_business.values():
        _upsert(cells, rollup_model)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {table}")  # fresh planner statistics after a bulk rewrite
    return existing.count()


def spend_rollup_expected(*, business_id: int | None = None) -> dict[Key, tuple]:
    """What the roll-up should hold, computed from the order lines and credit notes (the check)."""
    out: dict[Key, list] = {}
    for *key, amount, n_lines, n_orders, n_category_orders in _lines_grouped(business_id):
        out[tuple(key)] = [Decimal(amount), n_lines, n_orders, n_category_orders]
    for key, nums in _credits_grouped(business_id).items():
        out.setdefault(key, [ZERO, 0, 0, 0])[0] += nums[0]
    return {k: (v[0].quantize(Decimal("0.01")), *v[1:]) for k, v in out.items()}


def spend_rollup_stored(*, business_id: int | None = None) -> dict[Key, tuple]:
    rows = DailySpend.objects.all() if business_id is None else DailySpend.objects.filter(business_id=business_id)
    return {
        (r[0], r[1], r[2], r[3], r[4], r[5]): (Decimal(r[6]).quantize(Decimal("0.01")), *r[7:])
        for r in rows.exclude(lines=0, orders=0, category_orders=0, amount=ZERO).values_list(
            "business_id", "day", "group_id", "budget_id", "category_id", "buyer_id", *_COLUMNS
        )
    }


def spend_rollup_differences(*, business_id: int | None = None, limit: int = 5) -> list[tuple]:
    """Cells where the roll-up and the order lines disagree: (key, stored, expected), at most `limit`."""
    stored, expected = spend_rollup_stored(business_id=business_id), spend_rollup_expected(business_id=business_id)
    out = []
    for key in sorted(set(stored) | set(expected), key=str):
        if stored.get(key) != expected.get(key):
            out.append((key, stored.get(key), expected.get(key)))
            if len(out) >= limit:
                break
    return out
