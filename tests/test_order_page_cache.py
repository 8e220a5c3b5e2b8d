"""The order page and the invoice page: cached rows (orders.pagecache) are never stale, and the
pages' queries stay flat as an order's lines grow."""

import re
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from orders.documents.services import invoice_void
from orders.finance.payments import payment_record
from orders.fulfilment.services import order_cancel
from orders.models import Order, ReceiptLine, ReturnRequest
from orders.receiving.services import LineCount
from orders.returns.services import return_approve, return_refuse, return_request
from tests.conftest import login
from tests.support.orders import make_member
from tests.support.receiving import placed_order, receive, ship

pytestmark = pytest.mark.django_db


def _page(client, url) -> str:
    html = client.get(url).content.decode()
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", re.sub(r'nonce="[^"]+"', "", html))


def _fresh(client, url) -> str:
    """The page computed from the database alone (empty cache)."""
    cache.clear()
    return _page(client, url)


def _section(html: str, start: str, end: str) -> str:
    return html[html.index(start):html.index(end, html.index(start))]


def test_every_kind_of_write_shows_on_the_order_page_at_once(client, buyer, group):
    order = placed_order(buyer, group, ("10.00", 3), ("4.50", 2))
    first, second = order.lines.order_by("id")
    login(client, buyer)
    url = reverse("orders:order_detail", args=[order.po_number])

    def check(*present, absent=()):
        cached = _page(client, url)  # the cache was filled by the previous look, before the write
        for text in present:
            assert text in cached, text
        for text in absent:
            assert text not in cached, text
        assert cached == _fresh(client, url)  # exactly what the database says now
        _page(client, url)  # fill the cache again for the next write
        return cached

    html = check("Cancel order", absent=("three-way-match", "Shipment 1"))
    assert _page(client, url) == html  # served from the cache: same page

    shipment = ship(order, {first: 2})
    html = check("three-way-match", "Shipment 1 · UPS", "Not received yet", "Record receipt", shipment.invoice.number,
                 absent=("Cancel order",))
    assert "2 × " + first.sku in html  # the shipment's items on the timeline

    receive(shipment, buyer, {first: LineCount(received=2, damaged=1, note="dented")})
    check("(1 damaged)", "Correct receipt", "Receipt recorded", "Return items")

    receive(shipment, buyer, {first: 2})  # corrected: nothing damaged after all
    check("Correct receipt", absent=("(1 damaged)",))

    line = ReceiptLine.objects.get(order_line=first)
    request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.DAMAGED, member=buyer,
                             acting_user=buyer.user)
    check("(1 returned)", 'id="returns"', "Requested")

    return_refuse(return_request_=request, note="not accepted", acting_user=None)
    check("Refused", absent=("(1 returned)",))

    again = return_request(receipt_line=line, quantity=2, reason=ReturnRequest.Reason.NOT_NEEDED, member=buyer,
                           acting_user=buyer.user)
    check("(2 returned)", absent=("Return items",))  # nothing left to return
    credit_note = return_approve(return_request_=again, acting_user=None)
    check(credit_note.number, "(2 returned)")

    before = _section(_page(client, url), 'id="three-way-match"', "</table>")
    invoice_void(invoice=shipment.invoice, reason="issued in error", acting_user=None)
    after = _section(check("three-way-match"), 'id="three-way-match"', "</table>")
    assert after != before  # the void invoice no longer counts as invoiced

    order_cancel(order=order, acting_user=buyer.user, reason="not needed")
    check("(1 cancelled)", "(2 cancelled)", "Rest cancelled")
    assert Order.objects.get(pk=order.pk).version > 0


def test_cached_rows_are_the_same_for_every_role_but_the_actions_are_not(client, buyer, group, admin_member):
    order = placed_order(buyer, group, ("10.00", 3))
    (line,) = order.lines.all()
    ship(order, {line: 3})
    url = reverse("orders:order_detail", args=[order.po_number])
    assert "Record receipt" in _page(login(client, buyer), url)  # the buyer fills the cache

    approver = make_member(group, "approver")
    html = _page(login(client, approver), url)
    assert "Shipment 1 · UPS" in html and "Record receipt" not in html
    receiver = make_member(group, "receiver")
    assert "Record receipt" in _page(login(client, receiver), url)


def test_another_business_never_sees_the_cached_rows(client, buyer, group, other_member):
    order = placed_order(buyer, group, ("10.00", 3))
    url = reverse("orders:order_detail", args=[order.po_number])
    login(client, buyer)
    assert client.get(url).status_code == 200
    assert login(client, other_member).get(url).status_code == 404


def test_money_format_follows_the_business_locale(client, buyer, group, business):
    order = placed_order(buyer, group, ("1234.50", 1), amount="5000.00")
    url = reverse("orders:order_detail", args=[order.po_number])
    assert "$1,234.50" in _page(login(client, buyer), url)
    business.locale, business.currency = "de_DE", "EUR"
    business.save(update_fields=["locale", "currency"])
    assert "1.234,50\xa0€" in _page(client, url)


def test_invoice_page_shows_payments_credits_and_void_after_its_rows_were_cached(client, buyer, group, admin_member):
    order = placed_order(buyer, group, ("10.00", 3), ("4.50", 2))
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 2})
    invoice = shipment.invoice
    login(client, admin_member)
    url = reverse("orders:invoice_detail", args=[invoice.number])
    html = _page(client, url)
    assert first.sku in html and second.sku in html

    payment_record(business=order.business, received_on=timezone.localdate(), amount=Decimal("5.00"),
                   acting_user=admin_member.user, invoice_number=invoice.number)
    html = _page(client, url)
    assert "$5.00" in _section(html, "Amount paid", "</tr>")
    assert html == _fresh(client, url)

    other = placed_order(buyer, group, ("7.00", 1))
    (line,) = other.lines.all()
    other_shipment = ship(other, {line: 1})
    other_url = reverse("orders:invoice_detail", args=[other_shipment.invoice.number])
    assert _page(client, other_url).count(line.sku) == 1
    invoice_void(invoice=other_shipment.invoice, reason="issued in error", acting_user=None)
    assert "VOID" in _page(client, other_url)


def _order_with_lines(buyer, group, n):
    order = placed_order(buyer, group, *[("1.00", 2)] * n, amount="100000.00")
    lines = list(order.lines.order_by("id"))
    shipment = ship(order, {line: 1 for line in lines})
    receive(shipment, buyer, {line: LineCount(received=1) for line in lines})
    return order, shipment


@pytest.mark.parametrize("n", [5, 50])
def test_order_page_queries_stay_flat_as_lines_grow(client, buyer, group, n, django_assert_max_num_queries):
    order, _ = _order_with_lines(buyer, group, n)
    url = reverse("orders:order_detail", args=[order.po_number])
    login(client, buyer)
    with django_assert_max_num_queries(20):  # first look: the rows are read and cached
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(9):  # then: order, approvals, levels, and the request's own
        html = client.get(url).content.decode()
    assert html.count("<code>") == 2 * n  # every line in Items and in the three-way match


@pytest.mark.parametrize("n", [5, 50])
def test_invoice_page_queries_stay_flat_as_lines_grow(client, buyer, group, n, django_assert_max_num_queries):
    _, shipment = _order_with_lines(buyer, group, n)
    url = reverse("orders:invoice_detail", args=[shipment.invoice.number])
    login(client, buyer)
    with django_assert_max_num_queries(9):
        assert client.get(url).status_code == 200
    with django_assert_max_num_queries(8):
        html = client.get(url).content.decode()
    assert html.count('<td class="mono">') == n
