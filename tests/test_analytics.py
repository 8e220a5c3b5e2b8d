"""Business Analytics: totals equal plain SQL sums, every number traces to its rows, flat query counts."""

import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone

from orders.analytics import selectors as analytics
from orders.models import Order
from tests.factories import (
    AllocationFactory, BudgetFactory, CategoryFactory, GroupFactory, MemberFactory, ProductFactory, ShipmentFactory,
    ShipmentLineFactory,
)
from tests.support.finance import bulk_order_lines, finance_member, make_invoice

D = Decimal
START, END = datetime.date(2026, 1, 1), datetime.date(2026, 12, 31)


def _at(day):
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time(12)))


@pytest.fixture
def shop(business, group):
    office, it = CategoryFactory(name="Office"), CategoryFactory(name="IT")
    products = [ProductFactory(category=office, unit_price=D("12.34")), ProductFactory(category=it, unit_price=D("99.99"))]
    other_group = GroupFactory(business=business, name="Warehouse")
    alice = MemberFactory(business=business)
    bob = MemberFactory(business=business)
    budget = BudgetFactory(group=group, po_number="BPO-2026-0001", amount=D("100000.00"))
    bulk_order_lines(group=group, buyer=alice, products=products, orders=7, lines_per_order=3, placed_at=_at(datetime.date(2026, 2, 14)), budget=budget, prefix="PO-A")
    bulk_order_lines(group=other_group, buyer=bob, products=products, orders=5, lines_per_order=2, placed_at=_at(datetime.date(2026, 3, 3)), prefix="PO-B")
    # Not spend: cancelled, pending, and outside the range.
    bulk_order_lines(group=group, buyer=bob, products=products, orders=2, lines_per_order=1, placed_at=_at(datetime.date(2026, 3, 3)), status="cancelled", prefix="PO-C")
    bulk_order_lines(group=group, buyer=bob, products=products, orders=2, lines_per_order=1, placed_at=_at(datetime.date(2026, 3, 3)), status="pending_approval", budget=budget, prefix="PO-D")
    bulk_order_lines(group=group, buyer=bob, products=products, orders=2, lines_per_order=1, placed_at=_at(datetime.date(2025, 12, 31)), prefix="PO-E")
    return dict(office=office, it=it, other_group=other_group, alice=alice, bob=bob, budget=budget, products=products)


def _sql_sum(business, where="", params=()):
    """The same figure by hand, in plain SQL, to check the ORM aggregates against."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(l.amount), 0), COUNT(*) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            "WHERE l.business_id = %s AND o.status IN ('placed','partly_shipped','shipped','delivered','received') "
            "AND o.placed_at >= %s AND o.placed_at < %s " + where,
            [business.pk, _at(START).replace(hour=0), _at(END + datetime.timedelta(days=1)).replace(hour=0), *params],
        )
        total, count = cursor.fetchone()
    return D(str(total)).quantize(D("0.01")), count


def test_spend_by_every_dimension_adds_up_to_the_sql_total(business, shop):
    total, count = _sql_sum(business)
    assert count == 7 * 3 + 5 * 2
    assert analytics.spend_total(business=business, start=START, end=END)["amount"] == total
    for dimension in analytics.DIMENSIONS:
        rows = analytics.spend_by(business=business, start=START, end=END, dimension=dimension)
        assert sum(r.amount for r in rows) == total, dimension
        assert sum(r.lines for r in rows) == count, dimension
    by_group = {r.label: r.amount for r in analytics.spend_by(business=business, start=START, end=END, dimension="group")}
    assert by_group["Warehouse"] == _sql_sum(business, "AND o.group_id = %s", [shop["other_group"].pk])[0]
    by_month = [r.label for r in analytics.spend_by(business=business, start=START, end=END, dimension="month")]
    assert by_month == ["Feb 2026", "Mar 2026"]


def test_every_number_links_to_report_rows_that_sum_to_it(business, shop):
    for dimension in analytics.DIMENSIONS:
        for row in analytics.spend_by(business=business, start=START, end=END, dimension=dimension):
            qs = analytics.orders_report(business=business, filters={**row.filters, "status": "spend"})
            totals = analytics.report_totals(qs)
            assert (totals["amount"], totals["lines"]) == (row.amount, row.lines), (dimension, row.label)


def test_orders_report_filters(business, group, shop):
    report = lambda **f: analytics.report_totals(analytics.orders_report(business=business, filters=f))  # noqa: E731
    assert report()["lines"] == 7 * 3 + 5 * 2 + 2 + 2 + 2
    assert report(po_number="po-a")["lines"] == 21
    assert report(blanket_po="BPO-2026")["lines"] == 21 + 2
    assert report(budget="none", status="spend", date_from="2026-01-01")["lines"] == 10
    assert report(buyer=shop["alice"].pk)["lines"] == 21
    assert report(cost_center=group.cost_center)["lines"] == 27
    assert report(sku=shop["products"][1].sku)["amount"] == _sql_sum(
        business, "AND l.sku = %s", [shop["products"][1].sku])[0] + _sql_sum_others(business, shop["products"][1].sku)
    assert report(quantity=1, status="cancelled")["lines"] == 1  # quantities 1 and 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM orders_orderline WHERE business_id = %s AND amount >= 24.68 AND amount <= 199.98", [business.pk])
        between = cursor.fetchone()[0]
    assert between > 0 and report(amount_min="24.68", amount_max="199.98")["lines"] == between
    assert report(date_from="2026-03-01", date_to="2026-03-31")["lines"] == 10 + 2 + 2
    # Shipment, invoice and paid columns.
    order = Order.objects.get(po_number="PO-A-0000000")
    line = order.lines.first()
    shipment = ShipmentFactory(order=order, carrier="FedEx", tracking_number="7712345", ship_date=datetime.date(2026, 2, 20))
    ShipmentLineFactory(shipment=shipment, order_line=line, quantity=1)
    assert report(carrier="fedex")["lines"] == 1 and report(tracking_number="77123")["lines"] == 1
    assert report(ship_from="2026-02-20", ship_to="2026-02-20")["lines"] == 1
    inv = make_invoice(order=order, total="10.00")
    from orders.models import InvoiceLine
    InvoiceLine.objects.create(business=business, invoice=inv, order_line=line, sku=line.sku, description="x", quantity=1,
                               unit_price=line.unit_price, amount=line.amount)
    assert report(invoice_number=inv.number)["lines"] == 2  # the invoiced line and make_invoice's own line
    assert report(paid="no", invoice_number=inv.number)["lines"] == 2
    inv.status = "paid"
    inv.save()
    assert report(paid="yes")["lines"] == 2
    with pytest.raises(analytics.ReportFilterError):
        report(date_from="yesterday")


def _sql_sum_others(business, sku):
    """Lines of that SKU that are not spend (cancelled, pending, outside the range) are in the report too."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COALESCE(SUM(l.amount), 0) FROM orders_orderline l JOIN orders_order o ON o.id = l.order_id "
            "WHERE l.business_id = %s AND l.sku = %s AND NOT (o.status IN ('placed','partly_shipped','shipped','delivered','received') "
            "AND o.placed_at >= %s AND o.placed_at < %s)",
            [business.pk, sku, _at(START).replace(hour=0), _at(END + datetime.timedelta(days=1)).replace(hour=0)],
        )
        return D(str(cursor.fetchone()[0])).quantize(D("0.01"))


def test_report_page_total_equals_sql_sum_and_pages(client, business, group, shop):
    client.force_login(finance_member(group).user)
    response = client.get(reverse("orders:orders_report"), {"date_from": "2026-01-01", "date_to": "2026-12-31", "status": "spend"})
    assert response.status_code == 200
    assert response.context["totals"]["amount"] == _sql_sum(business)[0]
    assert len(response.context["rows"]) == 31 and response.context["page_obj"].paginator.num_pages == 1
    assert client.get(reverse("orders:orders_report"), {"date_from": "nonsense"}).status_code == 200


def test_budget_report_figures(client, business, group, shop):
    budget = shop["budget"]
    AllocationFactory(budget=budget, member=shop["alice"], amount=D("300.00"))
    AllocationFactory(budget=budget, member=shop["bob"], amount=D("200.00"))
    Order.objects.filter(po_number__startswith="PO-D").update(total=D("40.00"))
    b = analytics.budget_report(business=business).get(pk=budget.pk)
    assert (b.allocated, b.pending) == (D("500.00"), D("80.00"))
    client.force_login(finance_member(group).user)
    response = client.get(reverse("orders:budget_report"))
    assert response.status_code == 200 and budget.po_number in response.content.decode()


def _grow(business, group, shop, n):
    bulk_order_lines(group=group, buyer=shop["alice"], products=shop["products"], orders=n, lines_per_order=2,
                     placed_at=_at(datetime.date(2026, 4, 1)), budget=shop["budget"], prefix=f"PO-G{n}")
    for i in range(n):
        BudgetFactory(group=group, po_number=f"BPO-G{n}-{i}")
        g = GroupFactory(business=business, name=f"G{n}-{i}")
        bulk_order_lines(group=g, buyer=MemberFactory(business=business), products=shop["products"], orders=1,
                         lines_per_order=1, placed_at=_at(datetime.date(2026, 5, 1)), prefix=f"PO-H{n}-{i}")


@pytest.mark.parametrize("url_name", ["analytics", "orders_report", "budget_report"])
def test_report_query_counts_stay_flat(client, business, group, shop, url_name, django_assert_max_num_queries):
    client.force_login(finance_member(group).user)
    url = reverse(f"orders:{url_name}") + "?start=2026-01-01&end=2026-12-31"
    _grow(business, group, shop, 5)
    with django_assert_max_num_queries(25) as small:
        assert client.get(url).status_code == 200
    _grow(business, group, shop, 50)
    with django_assert_max_num_queries(len(small.captured_queries)):
        assert client.get(url).status_code == 200


def test_analytics_page_draws_svg_bars_with_links(client, business, group, shop):
    client.force_login(finance_member(group).user)
    html = client.get(reverse("orders:analytics"), {"start": "2026-01-01", "end": "2026-12-31"}).content.decode()
    assert html.count("<svg") >= 5 and "Spend by group" in html and "Warehouse" in html
    assert reverse("orders:orders_report") + "?date_from=2026-01-01&amp;date_to=2026-12-31&amp;group=" in html
