"""Three-way match: per line quantities, the mismatch list (each kind), its filter, the CSV, paying a mismatch."""

import csv
import datetime
import io
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.finance.matching import csv_safe, mismatch_rows, order_line_matches
from orders.models import Invoice, Payment, ReturnRequest
from orders.receiving.services import LineCount
from orders.returns.services import return_request
from tests.support.receiving import placed_order, receive, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(buyer, group):
    """Four orders: matched; not received (invoiced 10 days ago); short received; damaged without a return."""
    old = timezone.localdate() - datetime.timedelta(days=10)
    made = {}
    for name in ("matched", "not_received", "short", "damaged"):
        order = placed_order(buyer, group, ("10.00", 3))
        made[name] = order
        line = order.lines.get()
        shipment = ship(order, {line: 3}, ship_date=old if name == "not_received" else None)
        if name == "not_received":
            Invoice.objects.filter(shipment=shipment).update(issued_on=old)
            continue
        count = {"matched": 3, "short": LineCount(received=2, missing=1, note="short"),
                 "damaged": LineCount(received=3, damaged=1, note="cracked")}[name]
        receive(shipment, buyer, {line: count})
    return made


def _kinds(business):
    return {row.order.po_number: row.kinds for row in mismatch_rows(business_id=business.pk)}


def test_each_kind_of_mismatch_is_listed_and_matched_orders_are_not(orders, business):
    kinds = _kinds(business)
    assert orders["matched"].po_number not in kinds
    assert kinds[orders["not_received"].po_number] == {"not_received"}
    assert kinds[orders["short"].po_number] == {"short_received"}
    assert kinds[orders["damaged"].po_number] == {"damaged_no_return"}
    # N days: with 30 days the 10-day-old invoice is not late yet.
    assert orders["not_received"].po_number not in {r.order.po_number for r in mismatch_rows(business_id=business.pk, days=30)}


def test_a_return_for_the_damaged_item_clears_the_mismatch(orders, business, buyer):
    line = orders["damaged"].receipts.get().lines.get()
    return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.DAMAGED, member=buyer, acting_user=buyer.user)
    assert orders["damaged"].po_number not in _kinds(business)


def test_line_quantities_and_amounts(orders):
    match = order_line_matches(orders["short"])[0]
    assert (match.ordered, match.shipped, match.received, match.invoiced) == (3, 3, 2, 3)
    assert (match.invoiced_amount, match.received_amount) == (Decimal("30.00"), Decimal("20.00")) and not match.matches


def test_page_filter_and_csv(client, orders, admin_member):
    client.force_login(admin_member.user)
    url = reverse("orders:three_way_match")
    page = client.get(url).content.decode()
    assert all(orders[n].po_number in page for n in ("not_received", "short", "damaged"))
    assert orders["matched"].po_number not in page
    filtered = client.get(url, {"kind": "short_received"}).content.decode()
    assert orders["short"].po_number in filtered and orders["damaged"].po_number not in filtered
    response = client.get(url, {"kind": "damaged_no_return", "format": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0][0] == "PO number" and [r[0] for r in rows[1:]] == [orders["damaged"].po_number]
    assert client.get(url, {"days": "-4"}).status_code == 200  # bad input: a clear page, never a 500


def test_page_is_for_finance_only(client, orders, buyer):
    client.force_login(buyer.user)
    assert client.get(reverse("orders:three_way_match")).status_code == 403


@pytest.mark.parametrize("value,expected", [
    ("=HYPERLINK(1)", "'=HYPERLINK(1)"), ("+1", "'+1"), ("-2", "'-2"), ("@SUM", "'@SUM"), ("\tx", "'\tx"),
    ("\rx", "'\rx"), ("PO-1", "PO-1"), (Decimal("3.00"), "3.00"),
])
def test_csv_cells_never_start_a_formula(value, expected):
    assert csv_safe(value) == expected


def test_paying_an_invoice_in_mismatch_asks_for_a_reason_and_records_it(client, orders, admin_member):
    client.force_login(admin_member.user)
    invoice = orders["short"].invoices.get()
    data = {"received_on": timezone.localdate().isoformat(), "amount": "30.00", "method": "ACH",
            "invoice_number": invoice.number}
    first = client.post(reverse("orders:payment_create"), data)
    assert first.status_code == 200 and "Three-way mismatch" in first.content.decode()
    assert not Payment.objects.exists()
    empty = client.post(reverse("orders:payment_create"), {**data, "mismatch_reason": " "})
    assert "Say why you pay" in empty.content.decode() and not Payment.objects.exists()
    done = client.post(reverse("orders:payment_create"), {**data, "mismatch_reason": "Supplier confirmed the third box"})
    assert done.status_code == 302
    assert Payment.objects.get().mismatch_reason == "Supplier confirmed the third box"
    # A matched invoice is paid without the question.
    matched = orders["matched"].invoices.get()
    assert client.post(reverse("orders:payment_create"), {**data, "invoice_number": matched.number}).status_code == 302
