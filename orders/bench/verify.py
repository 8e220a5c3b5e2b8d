"""The invariants the benchmark checks from the database after the load (every business, not only Acme).

- no Blanket PO with the block policy is overspent;
- no PO number and no invoice number repeats within a business;
- the ledger equals the budgets' and allocations' `spent` (charges minus releases; rollover transfers
  move a budget's amount, not its spent);
- the spend roll-up (Business Analytics' source) equals the aggregate of the order lines and credit notes;
- the counters are at or above the highest numbers issued: the business PO counter against every
  number its patterns generated, each Blanket PO's release count against its releases, the invoice
  counter against the invoice numbers.
"""

from __future__ import annotations

import re
from collections import defaultdict
from dataclasses import dataclass

from django.db import connection
from django.db.models import F

from budgets.models import Budget
from orders.models import DailySpend, Invoice, Order
from orders.rollup import spend_rollup_differences
from procurement.models import Business, Counter, Group
from procurement.numbering.counters import BUSINESS_WIDE
from procurement.numbering.patterns import INVOICE_NUMBER_PATTERN, blanket_release_prefix, pattern_parse


@dataclass
class Check:
    name: str
    ok: bool
    detail: str


def _rows(sql: str, params=()) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _table(model) -> str:
    return connection.ops.quote_name(model._meta.db_table)


def _seq_regex(pattern: str) -> re.Pattern | None:
    """A regular expression that matches the numbers a pattern generates, capturing {seq}."""
    try:
        parts = pattern_parse(pattern)
    except Exception:  # a pattern that no longer parses generated nothing we can read back
        return None
    out = []
    for part in parts:
        if part.token is None:
            out.append(re.escape(part.text))
        elif part.token == "seq":  # nosec B105  # a pattern token, not a password
            out.append(r"(?P<seq>\d+)")
        elif part.token == "year":  # nosec B105  # a pattern token
            out.append(r"\d{4}")
        elif part.token == "month":  # nosec B105  # a pattern token
            out.append(r"\d{2}")
        else:
            out.append(r"[A-Z0-9._-]*")
    return re.compile("".join(out))


def check_overspend() -> Check:
    over = list(Budget.objects.filter(policy=Budget.Policy.BLOCK, spent__gt=F("amount")).values_list("po_number", flat=True)[:5])
    n = Budget.objects.filter(policy=Budget.Policy.BLOCK).count()
    return Check("no block budget overspent", not over, f"{n} block budgets checked" + (f"; overspent: {over}" if over else ""))


def check_duplicates() -> list[Check]:
    out = []
    for model, field, label in ((Order, "po_number", "PO numbers"), (Invoice, "number", "invoice numbers")):
        dupes = _rows(
            f"SELECT business_id, {field}, COUNT(*) FROM {_table(model)} GROUP BY business_id, {field} HAVING COUNT(*) > 1 LIMIT 5"  # nosec B608  # table and column names from the models, values as parameters
        )
        total = model.objects.count()
        out.append(Check(f"no repeated {label}", not dupes, f"{total} checked" + (f"; repeats: {dupes}" if dupes else "")))
    return out


def check_ledger() -> list[Check]:
    from budgets.models import Allocation, LedgerEntry

    ledger = _table(LedgerEntry)
    out = []
    for model, key, label in ((Budget, "budget_id", "budgets"), (Allocation, "allocation_id", "allocations")):
        wrong = _rows(
            f"""SELECT t.id, t.spent, COALESCE(l.net, 0) FROM {_table(model)} t
                LEFT JOIN (SELECT {key} AS k, SUM(CASE WHEN kind = %s THEN amount WHEN kind = %s THEN -amount ELSE 0 END) AS net
                           FROM {ledger} WHERE {key} IS NOT NULL GROUP BY {key}) l ON l.k = t.id
                WHERE t.spent <> COALESCE(l.net, 0) LIMIT 5""",  # nosec B608  # table and column names from the models, values as parameters
            [LedgerEntry.Kind.CHARGE, LedgerEntry.Kind.RELEASE],  # transfers move the amount, not spent
        )
        n = model.objects.count()
        out.append(Check(f"ledger equals {label}' spent", not wrong,
                         f"{n} {label} checked" + (f"; differ (id, spent, ledger): {wrong}" if wrong else "")))
    return out


def check_counters() -> list[Check]:
    po_counter = dict(Counter.objects.filter(kind=Counter.Kind.PO, scope=BUSINESS_WIDE).values_list("business_id", "last_value"))
    inv_counter = dict(Counter.objects.filter(kind=Counter.Kind.INVOICE, scope=BUSINESS_WIDE).values_list("business_id", "last_value"))
    release_counter = {(b, scope): v for b, scope, v in Counter.objects.filter(kind=Counter.Kind.RELEASE)
                       .values_list("business_id", "scope", "last_value")}

    # Business PO counters: every number one of the business's patterns generated, read back.
    patterns: dict[int, list[re.Pattern]] = defaultdict(list)
    for business_id, pattern in Business.objects.values_list("pk", "po_pattern"):
        if (rx := _seq_regex(pattern)) is not None:
            patterns[business_id].append(rx)
    for business_id, pattern in Group.objects.exclude(po_pattern="").values_list("business_id", "po_pattern"):
        if (rx := _seq_regex(pattern)) is not None:
            patterns[business_id].append(rx)
    highest: dict[int, int] = defaultdict(int)
    for business_id, po_number in Order.objects.values_list("business_id", "po_number").iterator(chunk_size=20_000):
        for rx in patterns.get(business_id, ()):
            if m := rx.fullmatch(po_number):
                highest[business_id] = max(highest[business_id], int(m.group("seq")))
                break
    behind = [(b, n, po_counter.get(b, 0)) for b, n in highest.items() if po_counter.get(b, 0) < n]
    out = [Check("PO counters ≥ highest PO number", not behind,
                 f"{len(highest)} businesses checked" + (f"; behind (business, highest, counter): {behind[:5]}" if behind else ""))]

    # Releases: each Blanket PO's release count against its highest release number.
    rel_behind, checked = [], 0
    for budget_id, business_id, po_number in Budget.objects.values_list("pk", "business_id", "po_number"):
        release_count = release_counter.get((business_id, budget_id), 0)
        prefix = blanket_release_prefix(po_number) + "-"
        top = 0
        for number in Order.objects.filter(budget_id=budget_id, po_number__startswith=prefix).values_list("po_number", flat=True):
            tail = number[len(prefix):]
            if tail.isdigit():
                top = max(top, int(tail))
        checked += 1
        if top > release_count:
            rel_behind.append((po_number, top, release_count))
    out.append(Check("release counts ≥ highest release", not rel_behind,
                     f"{checked} Blanket POs checked" + (f"; behind: {rel_behind[:5]}" if rel_behind else "")))

    # Invoice counters.
    inv_rx = _seq_regex(INVOICE_NUMBER_PATTERN)
    inv_high: dict[int, int] = defaultdict(int)
    for business_id, number in Invoice.objects.values_list("business_id", "number").iterator(chunk_size=20_000):
        m = inv_rx.fullmatch(number) if inv_rx else re.search(r"(?P<seq>\d+)$", number)
        if m:
            inv_high[business_id] = max(inv_high[business_id], int(m.group("seq")))
    inv_behind = [(b, n, inv_counter.get(b, 0)) for b, n in inv_high.items() if inv_counter.get(b, 0) < n]
    out.append(Check("invoice counters ≥ highest invoice number", not inv_behind,
                     f"{len(inv_high)} businesses checked" + (f"; behind: {inv_behind[:5]}" if inv_behind else "")))
    return out


def check_spend_rollup() -> Check:
    """The spend roll-up (what Analytics reads) equals the order lines' aggregate, to the cent."""
    wrong = spend_rollup_differences()
    n = DailySpend.objects.count()
    return Check("spend roll-up equals the order lines", not wrong,
                 f"{n} roll-up rows checked" + (f"; differ (cell, stored, expected): {wrong}" if wrong else ""))


def verify_all() -> list[Check]:
    return [check_overspend(), *check_duplicates(), *check_ledger(), *check_counters(), check_spend_rollup()]
