"""The orders report CSV written by PostgreSQL (COPY) is byte for byte the CSV Python writes.

On PostgreSQL the export streams from one COPY (orders/analytics/csv_copy.py); SQLite keeps the Python
path (`report_csv_stream`). These tests build awkward data (commas, quotes, line breaks, formula
starts, unicode, empty and missing values, cents and negative amounts, several shipments and invoices
per line, order information, another business) and compare both outputs under many filters.
"""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.analytics import csv_copy
from orders.analytics.selectors import orders_report, report_csv_stream, report_fields
from orders.models import Invoice, Order, OrderField, OrderFieldValue
from tests.factories import (
    GroupFactory, InvoiceFactory, InvoiceLineFactory, MemberFactory, OrderFactory, OrderLineFactory, ProductFactory,
    ShipmentFactory, ShipmentLineFactory,
)
from tests.support.finance import finance_member

pg_only = pytest.mark.skipif(connection.vendor != "postgresql",
                             reason="COPY ... TO STDOUT is PostgreSQL's; SQLite exports through the Python path")

AWKWARD = [
    "plain", "a,b", 'say "hi"', "line1\nline2", "cr\rhere", "crlf\r\nboth", "=1+2", "+SUM(A1)", "-3", "@cmd",
    "\tTab", "\rCR", "Ünïcødé — 日本語 😀", " spaced ", "'quoted'", '"', ",", "\n", "x\u2028y", "\\N", "\\.",
]
STATUSES = list(Order.Status.values)


def _awkward_business(business, group):
    group.name, group.cost_center = '=Group, "R&D"', "-CC\n1"
    group.save()
    plain_group = GroupFactory(business=business, name="Ops", cost_center="")
    buyers = [
        MemberFactory(business=business, user__first_name="", user__last_name="", user__email="=nobody@example.com"),
        MemberFactory(business=business, user__first_name="\u00a0Ann\u2003", user__last_name="",
                      user__email="ann@example.com"),
        MemberFactory(business=business, user__first_name="@Zed", user__last_name='O\'Neil, "Z"',
                      user__email="zed@example.com"),
    ]
    fields = [OrderField.objects.create(business=business, name="@Cost code", position=1),
              OrderField.objects.create(business=business, name="Project, \"P\"", position=2),
              OrderField.objects.create(business=business, name="Old", active=False, position=3)]
    amounts = [Decimal("1234.05"), Decimal("0.10"), Decimal("-3.50"), Decimal("0.00"), Decimal("99999.99")]
    utc = datetime.timezone.utc
    lines = []
    for i, text in enumerate(AWKWARD):
        order = OrderFactory(group=group if i % 3 else plain_group, buyer=buyers[i % 3], business=business,
                             po_number=f"{text}{i}", blanket_po_number=text if i % 2 else "",
                             status=STATUSES[i % len(STATUSES)])
        # Around midnight UTC: the order date depends on the time zone.
        Order.objects.filter(pk=order.pk).update(
            placed_at=datetime.datetime(2026, 3, 1 + i % 4, 23 if i % 2 else 0, 30, tzinfo=utc))
        for j in range(2):
            product = ProductFactory()
            lines.append(OrderLineFactory(order=order, product=product, sku=f"{text[:30]}{i}-{j}", description=text,
                                          quantity=1 + j * 6, unit_price=amounts[(i + j) % 5],
                                          amount=amounts[(i + j) % 5]))
        if i % 4 == 0:
            OrderFieldValue.objects.create(business=business, order=order, field=fields[0], name="@Cost code",
                                           value=AWKWARD[(i + 6) % len(AWKWARD)] or "x")
        if i % 3 == 0:
            OrderFieldValue.objects.create(business=business, order=order, field=fields[1], name="Project",
                                           value="multi\nline, \"v\"")
    # Shipments: some lines shipped twice (the later ship date wins; on a tie, the later shipment).
    for n, line in enumerate(lines[::3]):
        first = ShipmentFactory(order=line.order, business=business, carrier=AWKWARD[n % len(AWKWARD)] or "UPS",
                                tracking_number=f"{AWKWARD[(n + 3) % len(AWKWARD)]}{n}",
                                ship_date=datetime.date(2026, 3, 2 + n % 3))
        ShipmentLineFactory(shipment=first, order_line=line, business=business)
        if n % 2 == 0:
            later = ShipmentFactory(order=line.order, business=business, carrier="Later, Inc.",
                                    tracking_number=f"=LATE{n}", ship_date=first.ship_date + datetime.timedelta(days=n % 2))
            ShipmentLineFactory(shipment=later, order_line=line, business=business)
        # Invoices: every status, numbers with quotes and formula starts; some lines on two invoices.
        for k, shipment in enumerate([s for s in line.order.shipments.order_by("id") if not hasattr(s, "invoice")][:2]):
            invoice = InvoiceFactory(shipment=shipment, order=line.order, business=business,
                                     number=f'{"=" if n % 2 else ""}INV"{n}-{k},x',
                                     status=list(Invoice.Status.values)[(n + k) % 4])
            InvoiceLineFactory(invoice=invoice, order_line=line, business=business)
    # Another business's lines never show.
    other = GroupFactory()
    OrderLineFactory(order=OrderFactory(group=other, business=other.business), description="OTHER BUSINESS")
    return fields


def _python(qs, business):
    return "".join(report_csv_stream(qs, fields=report_fields(business=business), business_id=business.pk)).encode()


def _copy(qs, business, block_bytes=csv_copy.BLOCK_BYTES):
    return b"".join(csv_copy.report_csv_copy_stream(qs, fields=report_fields(business=business),
                                                    business_id=business.pk, block_bytes=block_bytes))


@pg_only
def test_copy_csv_is_byte_identical_to_the_python_csv(business, group):
    fields = _awkward_business(business, group)
    filter_sets = [
        {}, {"carrier": "later"}, {"paid": "no"}, {"paid": "yes"}, {"paid": "partly"}, {"status": "spend"},
        {"status": "cancelled"}, {"description": ","}, {"description": '"'}, {"sku": "=1"},
        {"po_number": "'; DROP TABLE orders_order; --"}, {"date_from": "2026-03-02", "date_to": "2026-03-03"},
        {"group": str(group.pk)}, {"cost_center": "cc"}, {"buyer": str(group.business.members.last().pk)},
        {f"field_{fields[0].pk}": "=1+2"}, {"amount_min": "0.05", "amount_max": "1234.05"}, {"budget": "none"},
        {"invoice_number": 'inv"'}, {"tracking_number": "late"}, {"ship_from": "2026-03-03"}, {"quantity": "7"},
    ]
    seen_rows = 0
    for zone, sets in (("UTC", filter_sets), ("Pacific/Kiritimati", filter_sets[:1] + filter_sets[11:12]),
                       ("America/Los_Angeles", filter_sets[:1] + filter_sets[11:12])):
        with timezone.override(zone):
            for filters in sets:
                qs = orders_report(business=business, filters=filters)
                expected = _python(qs, business)
                assert _copy(qs, business) == expected, (zone, filters)
                seen_rows += expected.count(b"\r\n")
    assert seen_rows >= 3 * (1 + 2 * len(AWKWARD))  # the data is really there, not empty files

    qs = orders_report(business=business)
    expected = _python(qs, business)
    # Tiny blocks: row ends, quotes and line breaks inside cells fall across block boundaries.
    for block in (1, 2, 7, 64):
        assert _copy(qs, business, block_bytes=block) == expected, block
    text = expected.decode()
    rows = list(csv.reader(io.StringIO(text, newline="")))
    assert len(rows) == 1 + 2 * len(AWKWARD)
    assert "OTHER BUSINESS" not in text
    assert rows[0][-3:] == ["'@Cost code", 'Project, "P"', "Old"]
    cells = {c for r in rows[1:] for c in r}
    assert {"'=1+2", "'-CC\n1", "'=Group, \"R&D\"", "Later, Inc.", "-3.50", "1234.05", "Ann", "'=nobody@example.com",
            "'@Zed O'Neil, \"Z\"", "multi\nline, \"v\"", "Ünïcødé — 日本語 😀", "crlf\r\nboth"} <= cells


@pg_only
def test_copy_streams_the_rows_and_the_view_uses_it(client, business, group, django_assert_max_num_queries):
    """The export view on PostgreSQL: same filename, type and header as before, the rows from COPY, a
    fixed number of queries (COPY is one statement whatever the size)."""
    _awkward_business(business, group)
    client.force_login(finance_member(group).user)
    with django_assert_max_num_queries(12):
        response = client.get(reverse("orders:orders_report_export"), {"status": "spend"})
        body = b"".join(response.streaming_content)
    assert response.streaming and response["Content-Type"] == "text/csv; charset=utf-8"
    assert response["Content-Disposition"] == f'attachment; filename="orders-report-{timezone.localdate()}.csv"'
    assert body == _python(orders_report(business=business, filters={"status": "spend"}), business)
    assert body.startswith(b"Order date,PO number,Blanket PO,Group,Cost center,Buyer,SKU,Description,Quantity,Amount,")


def test_crlf_rows_ends_rows_like_csv_writer():
    """Row ends (LF outside quotes) become CRLF; LFs inside quoted cells stay, across block boundaries."""
    data = b'a,"x\ny",b\n"q""\n",\n,"\n"\n'
    expected = b'a,"x\ny",b\r\n"q""\n",\r\n,"\n"\r\n'
    assert b"".join(csv_copy.crlf_rows([data])) == expected
    for size in range(1, len(data) + 1):
        blocks = [data[i:i + size] for i in range(0, len(data), size)]
        assert b"".join(csv_copy.crlf_rows(blocks)) == expected, size


def test_python_whitespace_is_what_str_strip_removes():
    assert csv_copy.PY_WHITESPACE == "".join(c for c in map(chr, range(0x110000)) if c.isspace())


@pytest.mark.django_db
def test_sqlite_export_keeps_the_python_path(business, group):
    """On SQLite `report_csv` is the Python stream (str chunks); on PostgreSQL the COPY one (bytes)."""
    _awkward_business(business, group)
    qs = orders_report(business=business)
    first = next(iter(csv_copy.report_csv(qs, fields=report_fields(business=business), business_id=business.pk)))
    assert isinstance(first, bytes if connection.vendor == "postgresql" else str)
