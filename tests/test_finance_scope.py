"""Finance scope, decided once in orders/access.py: business-wide. A finance member of group A sees
group B's invoices, payments and order lines on every finance page and in every export, consistently;
members without the finance role see none of them."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from orders.access import invoices_visible_to, member_is_finance, orders_visible
from orders.finance.payments import payment_record
from orders.models import Invoice, Order
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.finance import finance_member, make_invoice

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(business, group):
    group_b = GroupFactory(business=business, name="Group B")
    invoice = make_invoice(group=group_b, total="123.45", po_number="PO-B-000777", number="INV-B-000777",
                           issued_on=datetime.date(2026, 3, 4))
    Order.objects.filter(pk=invoice.order_id).update(placed_at=datetime.datetime(2026, 3, 2, 9, tzinfo=datetime.UTC))
    payment = payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=Decimal("123.45"),
                             acting_user=None, invoice_number=invoice.number, reference="WIRE FOR GROUP B")
    return dict(finance_a=finance_member(group, "fin-a@example.com"), invoice=invoice, payment=payment, group_b=group_b)


def _pages(world):
    inv = world["invoice"]
    return [
        (reverse("orders:invoice_list"), {}),
        (reverse("orders:invoice_detail", args=[inv.number]), {}),
        (reverse("orders:find"), {"q": "B-000777"}),
        (reverse("orders:orders_report"), {"date_from": "2026-03-01", "date_to": "2026-03-31"}),
        (reverse("orders:orders_report_export"), {"date_from": "2026-03-01", "date_to": "2026-03-31"}),
        (reverse("orders:reconciliation"), {"month": "2026-03"}),
        (reverse("orders:reconciliation_export"), {"month": "2026-03", "format": "csv"}),
        (reverse("orders:payments"), {}),
        (reverse("orders:payment_detail", args=[world["payment"].pk]), {}),
    ]


def _body(response):
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()


def test_finance_of_group_a_sees_group_b_everywhere(client, world):
    client.force_login(world["finance_a"].user)
    for url, params in _pages(world):
        response = client.get(url, params, follow=url.endswith("/find/"))
        assert response.status_code == 200, url
        body = _body(response)
        assert "INV-B-000777" in body or "PO-B-000777" in body or "123.45" in body, url


def test_the_rule_lives_in_one_place(world, buyer, group):
    finance_a = world["finance_a"]
    assert member_is_finance(finance_a)
    assert list(invoices_visible_to(member=finance_a, queryset=Invoice.objects.all())) == [world["invoice"]]
    assert world["invoice"].order in orders_visible(member=finance_a)
    assert not member_is_finance(buyer)
    assert not invoices_visible_to(member=buyer, queryset=Invoice.objects.all()).exists()


def test_members_without_finance_see_none_of_it(client, world, group):
    approver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=world["group_b"], member=approver, role="approver")
    client.force_login(approver.user)
    for url, params in _pages(world):
        if url.endswith("/find/"):
            response = client.get(url, params)
            assert "INV-B-000777" not in _body(response)  # the order, yes (their group); no finance results
            continue
        if "/invoices/INV-" in url:
            continue  # the approver of group B may open the invoice document of its order
        assert client.get(url, params).status_code == 403, url
