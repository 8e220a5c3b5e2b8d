"""The orders report CSV on PostgreSQL: the database writes the rows (one COPY ... TO STDOUT).

Python formatting cost ≈ 80 µs per line (tuples, Decimal and date to text, csv.writer, formula guard,
two look-ups per 2,000 lines) and Django's server-side cursor outside a transaction is WITH HOLD, so
the whole result was materialised before the first row. Here one SELECT, built around the report
queryset's own SQL (the same scope, filters and order, its values bound by psycopg), formats every cell
the way `report_csv_stream` does, and PostgreSQL's CSV writer streams it in blocks.

What makes the two byte-identical (tests/test_analytics_csv_copy.py compares them):
- text cells get the formula guard of `procurement.spreadsheets.cell_safe` (a leading ' before
  = + - @ tab CR); numbers and dates stay as they are, as in the Python path;
- empty text becomes NULL, because PostgreSQL quotes an empty string ("") where csv.writer writes
  nothing;
- dates are ISO (`str(date)`), amounts are numeric's text (= `str(Decimal)`), the buyer is
  `f"{first} {last}".strip() or email` with Python's whitespace set;
- PostgreSQL ends rows with LF and csv.writer with CRLF: `crlf_rows` turns each row end (an LF
  outside quotes; quotes in PostgreSQL's CSV always come in pairs) into CRLF, leaving line breaks
  inside quoted cells as they are (csv.writer keeps those raw too).
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator

from django.db import connections, transaction

from orders.analytics.selectors import PAID_LABELS, STATUS_LABELS, _Echo, report_columns, report_csv_stream
from procurement.spreadsheets import FORMULA_STARTS, row_safe

#: The characters `str.strip()` removes (the buyer's name is `f"{first} {last}".strip()`); a test checks
#: this against every code point's `str.isspace()`.
PY_WHITESPACE = ("\t\n\x0b\x0c\r\x1c\x1d\x1e\x1f \x85\xa0\u1680\u2000\u2001\u2002\u2003\u2004\u2005\u2006"
                 "\u2007\u2008\u2009\u200a\u2028\u2029\u202f\u205f\u3000")

QUOTE = "'"

#: The blocks the response sends (bytes), so a million rows are ~ 2,000 writes, not a million.
BLOCK_BYTES = 256 * 1024

#: The inner query's columns, in order (values_list keeps this order in the SQL, aliased to these names).
_INNER = [
    "id", "order__placed_at", "order_id", "order_date", "po_number", "blanket_po", "group_name", "cost_center",
    "buyer_first", "buyer_last", "buyer_email", "sku", "description", "quantity", "amount", "status",
]
_ALIASES = ["id", "placed_at", "order_id", *_INNER[3:]]


class _Sql:
    """SQL text with its %s parameters collected in text order (never a value in the text)."""

    def __init__(self):
        self.params: list = []

    def p(self, value) -> str:
        self.params.append(value)
        return "%s"

    def text(self, expr: str, expr_params=()) -> str:
        """A text cell: empty → NULL (csv.writer writes nothing for it), formula starts guarded.
        `expr` appears four times, so its own parameters are added once per appearance."""
        def e():
            self.params.extend(expr_params)
            return expr

        is_empty = f"{e()} = ''"
        first = f"left({e()}, 1)"
        starts = ", ".join(self.p(c) for c in FORMULA_STARTS)
        return f"CASE WHEN {is_empty} THEN NULL WHEN {first} IN ({starts}) THEN {self.p(QUOTE)} || {e()} ELSE {e()} END"


def _label(expr: str, labels: dict, default: str) -> tuple[str, list]:
    """CASE mapping the stored value to its label ((sql, params)), as `dict.get(value, default)`."""
    pairs = [(k, str(v)) for k, v in labels.items() if k is not None]
    return f"CASE {expr} {' '.join('WHEN %s THEN %s' for _ in pairs)} ELSE {default} END", [x for kv in pairs for x in kv]


def report_csv_sql(queryset, *, fields=(), business_id: int) -> tuple[str, list]:
    """(SELECT, params) giving the report's CSV cells (report_columns(fields) order) for `queryset`.

    The lines come from the queryset's own SQL (scope, filters, order) with the order's business
    pinned too, so the (business, -placed_at, -id) index serves the order and rows stream as they are
    read; each line's latest shipment and invoice are two LATERAL look-ups with the rules of
    `report_rows` (latest ship date then shipment; latest invoice); order information, one look-up per
    order (memoised across its lines).
    """
    inner = queryset.filter(order__business_id=business_id).values_list(*_INNER)
    inner_sql, inner_params = inner.query.sql_with_params()
    s = _Sql()
    buyer = ("COALESCE(NULLIF(btrim(r.buyer_first || ' ' || r.buyer_last, %s), ''), r.buyer_email)", [PY_WHITESPACE])
    cells = [
        "to_char(r.order_date, 'YYYY-MM-DD')",
        s.text("r.po_number"), s.text("r.blanket_po"), s.text("r.group_name"), s.text("r.cost_center"),
        s.text(*buyer), s.text("r.sku"), s.text("r.description"), "r.quantity", "r.amount",
        s.text(*_label("r.status", STATUS_LABELS, "r.status")),
        "to_char(sh.ship_date, 'YYYY-MM-DD')", s.text("sh.carrier"), s.text("sh.tracking_number"),
        s.text("iv.number"), s.text(*_label("iv.status", PAID_LABELS, "NULL")),
    ]
    cells += [s.text(f"fv.f{i}") for i in range(len(fields))]
    s.params.extend(inner_params)  # parameters in text order: the cells, the lines' query, the look-ups
    sql = (
        f"SELECT {', '.join(cells)} "  # nosec B608  # the text is ours and Django's; every value is a %s parameter
        f"FROM ({inner_sql} OFFSET 0) AS r({', '.join(_ALIASES)}) "
        "LEFT JOIN LATERAL (SELECT s.ship_date, s.carrier, s.tracking_number FROM orders_shipmentline sl "
        "JOIN orders_shipment s ON s.id = sl.shipment_id WHERE sl.order_line_id = r.id "
        "ORDER BY s.ship_date DESC, s.id DESC LIMIT 1) AS sh ON true "
        "LEFT JOIN LATERAL (SELECT i.number, i.status FROM orders_invoiceline il "
        "JOIN orders_invoice i ON i.id = il.invoice_id WHERE il.order_line_id = r.id "
        "ORDER BY il.invoice_id DESC LIMIT 1) AS iv ON true "
    )
    if fields:
        picks = ", ".join(f"max(v.value) FILTER (WHERE v.field_id = {s.p(f.pk)}) AS f{i}" for i, f in enumerate(fields))
        sql += (f"LEFT JOIN LATERAL (SELECT {picks} FROM orders_orderfieldvalue v "  # nosec B608  # values are parameters
                f"WHERE v.business_id = {s.p(business_id)} AND v.order_id = r.order_id) AS fv ON true ")
    sql += "ORDER BY r.placed_at DESC, r.order_id DESC, r.id"
    return sql, s.params


def crlf_rows(blocks: Iterable[bytes]) -> Iterator[bytes]:
    """PostgreSQL CSV blocks with each row's LF made CRLF (csv.writer's row end); LFs inside quoted
    cells stay. A quote toggles "inside a cell" (escaped quotes are doubled, so pairs cancel out)."""
    inside = False
    for block in blocks:
        if not inside and b'"' not in block:
            yield block.replace(b"\n", b"\r\n")
            continue
        parts = block.split(b'"')
        start = 1 if inside else 0
        parts[start::2] = [p.replace(b"\n", b"\r\n") for p in parts[start::2]]
        inside ^= (len(parts) - 1) % 2 == 1
        yield b'"'.join(parts)


def report_csv_copy_stream(queryset, *, fields=(), business_id: int, block_bytes: int = BLOCK_BYTES) -> Iterator[bytes]:
    """The report CSV (header, then the rows PostgreSQL writes), in blocks of about `block_bytes`.

    The header leaves at once; the COPY runs in its own transaction with JIT and parallel workers off
    for it alone (both only delay the first row of a query read from the top: JIT compiles for
    ~0.1–0.5 s, a parallel plan sorts everything before the first row).
    """
    yield csv.writer(_Echo()).writerow(row_safe(report_columns(fields))).encode()
    sql, params = report_csv_sql(queryset, fields=fields, business_id=business_id)
    alias = queryset.db
    with transaction.atomic(using=alias), connections[alias].cursor() as cursor:
        cursor.execute("SET LOCAL jit = off")
        cursor.execute("SET LOCAL max_parallel_workers_per_gather = 0")
        with cursor.cursor.copy(f"COPY ({sql}) TO STDOUT WITH (FORMAT csv)", params) as copy:
            yield from crlf_rows(_blocks(copy, block_bytes))


def _blocks(copy, block_bytes: int) -> Iterator[bytes]:
    """COPY's data (one message per row) gathered into blocks of about `block_bytes`; the first row
    goes out alone, so the client sees it as soon as the database has it."""
    first = True
    buffer: list = []
    size = 0
    for data in copy:
        if first:
            first = False
            yield bytes(data)
            continue
        buffer.append(data)
        size += len(data)
        if size >= block_bytes:
            yield b"".join(buffer)
            buffer = []
            size = 0
    if buffer:
        yield b"".join(buffer)



def report_csv(queryset, *, fields=(), business_id: int) -> Iterator:
    """The orders report CSV for a response: PostgreSQL writes it (COPY); other databases (SQLite) get
    the same bytes from Python (`report_csv_stream`)."""
    if connections[queryset.db].vendor == "postgresql":
        return report_csv_copy_stream(queryset, fields=fields, business_id=business_id)
    return report_csv_stream(queryset, fields=fields, business_id=business_id)
