"""Your Account for Business says what waits for the person who opened it, per role, each item a link to
the filtered list, at a fixed number of queries whatever the data size."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from orders.models import CartItem, Order
from procurement.attention import attention_items
from procurement.models import GroupMembership
from tests.factories import (
    BudgetFactory, GroupFactory, GroupMembershipFactory, InvoiceFactory, MemberFactory, OrderFactory, PaymentFactory,
    ProductFactory, ShipmentFactory,
)

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


def _member(group, *roles, email=None, **kwargs):
    member = MemberFactory(business=group.business, **({"user__email": email} if email else {}), **kwargs)
    for role in roles:
        GroupMembershipFactory(group=group, member=member, role=role)
    return member


def _world(group, n=1):
    """n of everything that can wait: pending orders, cart lines, low budgets, overdue invoices, unmatched payments,
    and last month's activity (not closed)."""
    business = group.business
    buyer = _member(group, Role.BUYER)
    today = timezone.localdate()
    last_month = today.replace(day=1) - datetime.timedelta(days=3)
    for i in range(n):
        OrderFactory(group=group, buyer=buyer, status=Order.Status.PENDING_APPROVAL)
        BudgetFactory(group=group, amount=Decimal("100.00"), low_funds_alert=Decimal("150.00"), allow_unallocated_spend=True)
        shipment = ShipmentFactory(order=OrderFactory(group=group, buyer=buyer), ship_date=last_month)
        InvoiceFactory(shipment=shipment, issued_on=last_month, due_on=today - datetime.timedelta(days=1))
        PaymentFactory(business=business, status="unmatched", received_on=last_month)
    # A budget with plenty left and a closed one under its alert: neither is waiting.
    BudgetFactory(group=group, amount=Decimal("1000.00"), low_funds_alert=Decimal("10.00"))
    BudgetFactory(group=group, amount=Decimal("100.00"), low_funds_alert=Decimal("150.00"), status=Budget.Status.CLOSED)
    return buyer


def _keys(member):
    return {item.key: item for item in attention_items(member=member)}


def test_each_role_sees_only_its_items(client, group):
    _world(group, n=2)
    buyer = _member(group, Role.BUYER, email="b@example.com")
    for product in (ProductFactory(), ProductFactory()):
        CartItem.objects.create(business=group.business, member=buyer, product=product, quantity=2)
    approver = _member(group, Role.APPROVER)
    finance = _member(group, Role.FINANCE)
    admin = MemberFactory(business=group.business, is_business_admin=True)
    nobody = MemberFactory(business=group.business)

    assert set(_keys(buyer)) == {"cart", "low_funds"}
    assert _keys(buyer)["cart"].text == "4 items in your cart, ready to check out"
    assert _keys(buyer)["low_funds"].count == 2
    assert set(_keys(approver)) == {"approvals"}
    assert _keys(approver)["approvals"].text == "2 orders waiting for your approval"
    assert set(_keys(finance)) == {"invoices_overdue", "payments_unmatched", "month_to_close"}
    assert set(_keys(admin)) == {"approvals", "low_funds", "invoices_overdue", "payments_unmatched", "month_to_close"}
    assert _keys(nobody) == {}

    # Another group's approver sees none of this group's orders.
    other_approver = _member(GroupFactory(business=group.business), Role.APPROVER)
    assert _keys(other_approver) == {}

    # The page lists them above the links, each a link to the filtered list.
    client.force_login(admin.user)
    html = client.get(reverse("procurement:account")).content.decode()
    main = html[html.index("<main"):]
    assert main.index("Waiting for you") < main.index("Business Settings</a>")
    for url in (reverse("orders:approvals"), f"{reverse('orders:invoice_list')}?status=overdue",
                f"{reverse('orders:payments')}?status=unmatched", f"{reverse('budgets:budget_overview')}?low_funds=1"):
        assert f'href="{url}"' in html.replace("&amp;", "&")
    client.force_login(nobody.user)
    assert "Nothing is waiting for you" in client.get(reverse("procurement:account")).content.decode()


def test_the_links_open_the_filtered_lists(client, group):
    _world(group, n=1)
    admin = MemberFactory(business=group.business, is_business_admin=True)
    client.force_login(admin.user)
    overdue = client.get(reverse("orders:invoice_list"), {"status": "overdue"})
    assert overdue.status_code == 200 and len(overdue.context["invoices"]) == 1
    low = client.get(reverse("budgets:budget_overview"), {"low_funds": "1"})
    assert low.status_code == 200 and len(low.context["budgets"]) == 1
    unmatched = client.get(reverse("orders:payments"), {"status": "unmatched"})
    assert len(unmatched.context["payments"]) == 1


def test_month_to_close_goes_once_closed(group):
    _world(group, n=1)
    admin = MemberFactory(business=group.business, is_business_admin=True)
    item = _keys(admin)["month_to_close"]
    from orders.models import MonthClose

    year, month = item.url.rsplit("=", 1)[1].split("-")
    MonthClose.objects.create(business=group.business, year=int(year), month=int(month), changed_by=admin)
    assert "month_to_close" not in _keys(admin)


@pytest.mark.parametrize("role", ["admin", "buyer", "approver", "finance"])
def test_account_page_queries_stay_flat(client, group, django_assert_max_num_queries, role):
    def member():
        if role == "admin":
            return MemberFactory(business=group.business, is_business_admin=True)
        return _member(group, role)

    _world(group, n=1)
    small = member()
    client.force_login(small.user)
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("procurement:account")).status_code == 200
    _world(group, n=15)
    for _ in range(5):
        _member(GroupFactory(business=group.business), Role.BUYER)
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(reverse("procurement:account")).status_code == 200
    # And the number itself stays small: session, member, roles, groups, and one query per item.
    assert len(few.captured_queries) <= 14
