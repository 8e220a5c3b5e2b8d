"""Streaming exports: 50,000 order lines out as CSV and XLSX with few queries and bounded memory."""

import csv
import datetime
import io
import tracemalloc
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from tests.factories import CategoryFactory, MemberFactory, ProductFactory
from tests.support.finance import bulk_order_lines, finance_member

ROWS = 50_000


def _lines(business, group, rows):
    products = [ProductFactory(category=CategoryFactory(), unit_price=Decimal("3.50")) for _ in range(3)]
    bulk_order_lines(group=group, buyer=MemberFactory(business=business), products=products, orders=rows // 5,
                     lines_per_order=5, placed_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 9)))
    with connection.cursor() as cursor:
        cursor.execute("SELECT COALESCE(SUM(amount), 0) FROM orders_orderline WHERE business_id = %s", [business.pk])
        return Decimal(str(cursor.fetchone()[0])).quantize(Decimal("0.01"))


@pytest.fixture
def big(business, group):
    return _lines(business, group, ROWS)


def test_csv_export_streams_50000_rows(client, business, group, big, django_assert_max_num_queries):
    client.force_login(finance_member(group).user)
    url = reverse("orders:orders_report_export") + "?format=csv"
    # A fixed number of queries, plus two per 2,000-line chunk (its lines' latest shipments and invoices).
    with django_assert_max_num_queries(12 + 2 * (ROWS // 2000 + 1)):
        response = client.get(url)
        assert response.streaming
        tracemalloc.start()
        rows = 0
        total = Decimal("0")
        buffer = io.StringIO()
        for chunk in response.streaming_content:
            buffer.write(chunk.decode() if isinstance(chunk, bytes) else chunk)
            if buffer.tell() > 1_000_000:  # consume as a client would, never keeping the whole file
                text = buffer.getvalue()
                cut = text.rfind("\n") + 1
                for row in csv.reader(io.StringIO(text[:cut])):
                    if row and row[0] != "Order date":
                        rows += 1
                        total += Decimal(row[9])
                buffer = io.StringIO()
                buffer.write(text[cut:])
        for row in csv.reader(io.StringIO(buffer.getvalue())):
            if row and row[0] != "Order date":
                rows += 1
                total += Decimal(row[9])
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    assert rows == ROWS
    assert total == big
    assert peak < 40 * 1024 * 1024, f"peak {peak / 1e6:.1f} MB"


XLSX_ROWS = 5_000


def test_xlsx_export_writes_every_row(client, business, group, django_assert_max_num_queries):
    """Same queryset and iterator as the CSV; the write-only workbook sends rows to a temporary file as they
    come. Fewer rows than the CSV test: openpyxl spends about a second per 10,000 rows each way."""
    total_expected = _lines(business, group, XLSX_ROWS)
    from openpyxl import load_workbook

    client.force_login(finance_member(group).user)
    # 13: the report, its chunked look-ups, the order information values per chunk and the line count
    # that decides between this direct download and the background job; flat in the number of rows.
    with django_assert_max_num_queries(13):
        response = client.get(reverse("orders:orders_report_export") + "?format=xlsx")
    data = b"".join(response.streaming_content)
    sheet = load_workbook(io.BytesIO(data), read_only=True).active
    rows = 0
    total = Decimal("0")
    for values in sheet.iter_rows(min_row=2, values_only=True):
        rows += 1
        total += Decimal(str(values[9]))
    assert rows == XLSX_ROWS and total == total_expected


def test_streamed_rows_equal_the_report_queryset_across_chunks(business, buyer, group):
    """The export's chunked look-ups give exactly what the report queryset's subqueries give, in order,
    also for a line shipped twice (latest ship date wins) and with filters on the later columns."""
    import datetime as _dt

    from orders.analytics.selectors import REPORT_FIELDS, orders_report, report_rows
    from orders.models import OrderLine, Shipment, ShipmentLine
    from orders.seed.orders import seed_invoices, seed_orders
    from tests.support.orders import make_budget

    make_budget(group, amount="100000.00")
    seed_orders(business=business, count=40, lines_avg=3)
    seed_invoices(business=business)
    line = OrderLine.objects.filter(business=business, quantity__gte=2, quantity_shipped__gte=1).first()
    later = Shipment.objects.create(business=business, order=line.order, carrier="LATER", tracking_number="LATE-1",
                                    ship_date=_dt.date.today() + _dt.timedelta(days=30))
    ShipmentLine.objects.create(business=business, shipment=later, order_line=line, quantity=1)
    for filters in ({}, {"carrier": "later"}, {"paid": "no"}, {"invoice_number": "INV"}):
        qs = orders_report(business=business, filters=filters)
        expected = list(qs.values_list(*REPORT_FIELDS))
        assert list(report_rows(qs, chunk_size=7)) == expected, filters
    assert any(row[REPORT_FIELDS.index("carrier")] == "LATER" for row in report_rows(orders_report(business=business)))
