"""Spreadsheet formula injection: every export neutralises text cells that start with = + - @, tab or CR."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from orders.finance.payments import payment_record
from orders.models import Order, OrderLine
from procurement.spreadsheets import cell_safe
from tests.factories import CategoryFactory, MemberFactory, ProductFactory
from tests.support.finance import finance_member, make_invoice

pytestmark = pytest.mark.django_db

PAYLOADS = ["=HYPERLINK(\"http://evil\",\"x\")", "+1+cmd|' /C calc'!A0", "-2+3", "@SUM(A1:A2)", "\tTAB", "\rCR"]


def test_cell_safe_follows_the_owasp_rule():
    for payload in PAYLOADS:
        assert cell_safe(payload) == "'" + payload
    assert cell_safe("PO-1") == "PO-1"
    assert cell_safe(Decimal("-5.00")) == Decimal("-5.00")  # numbers stay numbers
    assert cell_safe(-3) == -3 and cell_safe(None) is None
    day = datetime.date(2026, 3, 1)
    assert cell_safe(day) is day


def _csv_cells(text):
    return [cell for row in csv.reader(io.StringIO(text)) for cell in row]


def _xlsx_cells(response):
    sheet = load_workbook(io.BytesIO(b"".join(response.streaming_content))).active
    return [cell for row in sheet.iter_rows(values_only=True) for cell in row if cell is not None], sheet


def _assert_neutralised(cells, xml=False):
    texts = [c for c in cells if isinstance(c, str)]
    for payload in PAYLOADS:
        if xml:  # XML may normalise a CR in text to LF (or drop it) when the workbook is read back
            assert {"'" + payload, "'" + payload.replace("\r", "\n"), "'" + payload.replace("\r", "")} & set(texts), payload
            continue
        assert "'" + payload in texts, payload
    assert not [c for c in texts if c.startswith(("=", "+", "-", "@", "\t", "\r"))]


def test_reconciliation_exports(client, business, group):
    invoice = make_invoice(group=group, total="100.00", issued_on=datetime.date(2026, 3, 3))
    for payload in PAYLOADS:
        payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=Decimal("1.00"),
                       acting_user=None, reference=payload)
    client.force_login(finance_member(group).user)
    url = reverse("orders:reconciliation_export")
    text = client.get(url, {"month": "2026-03", "format": "csv"}).content.decode()
    _assert_neutralised(_csv_cells(text))
    cells, sheet = _xlsx_cells(client.get(url, {"month": "2026-03", "format": "xlsx"}))
    _assert_neutralised(cells, xml=True)
    formulas = [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert not formulas
    assert invoice.number in cells and Decimal("100") in [Decimal(str(c)) for c in cells if isinstance(c, (int, float))]


def test_orders_report_exports(client, business, group):
    buyer = MemberFactory(business=business)
    category = CategoryFactory()
    for i, payload in enumerate(PAYLOADS):
        product = ProductFactory(category=category, name=payload, unit_price=Decimal("2.50"))
        order = Order.objects.create(business=business, group=group, buyer=buyer, po_number=f"PO-X-{i}", ship_to="Dock")
        OrderLine.objects.create(business=business, order=order, product=product, sku=product.sku,
                                 description=payload, quantity=2, unit_price=Decimal("2.50"), amount=Decimal("5.00"))
    Order.objects.update(placed_at=timezone.now())
    client.force_login(finance_member(group).user)
    url = reverse("orders:orders_report_export")
    text = b"".join(client.get(url).streaming_content).decode()
    _assert_neutralised(_csv_cells(text))
    cells, sheet = _xlsx_cells(client.get(url, {"format": "xlsx"}))
    _assert_neutralised(cells, xml=True)
    assert not [c for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    amounts = [row[9] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert amounts == [5] * len(PAYLOADS)  # the amount column stays a number
