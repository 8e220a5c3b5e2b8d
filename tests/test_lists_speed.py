"""Your Orders and the budget page stay cheap as the data grows (issue 10): a fixed number of queries
whatever the number of orders, groups, buyers, allocations and ledger entries; the ledger by keyset;
the memoised filter form and money/date formatting still follow the data."""

import re
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.ledger import budget_charge
from orders.models import Order
from procurement import formatting
from tests.factories import (
    AllocationFactory, BudgetFactory, GroupFactory, GroupMembershipFactory, MemberFactory, OrderFactory,
)
from tests.support.orders import make_buyer

pytestmark = pytest.mark.django_db
D = Decimal

#: session, user, member (with business), the filter form's groups, the page of orders, the bell.
ORDERS_PAGE_QUERIES = 6
#: the above but groups and orders; the budget with its group, rule and series; allocations; the
#: forecasts (one query for the budget's and the allocations'); the ledger page; the two history tables.
BUDGET_PAGE_QUERIES = 10


def _orders(business, n):
    """`n` orders spread over new groups and buyers, in every status (so every badge is drawn)."""
    statuses = list(Order.Status.values)
    for i in range(n):
        group = GroupFactory(business=business)
        OrderFactory(group=group, buyer=make_buyer(group), status=statuses[i % len(statuses)],
                     total=D("12.34") * (i + 1), over_budget=i % 3 == 0)


def test_your_orders_queries_stay_flat_as_orders_groups_and_buyers_grow(client, business, admin_member,
                                                                         django_assert_max_num_queries):
    client.force_login(admin_member.user)
    url = reverse("orders:order_list")
    for n in (3, 40):
        _orders(business, n)
        with django_assert_max_num_queries(ORDERS_PAGE_QUERIES):
            first = client.get(url)
        cursor = re.search(r"after=([0-9.]+)", first.content.decode())
        if cursor:
            with django_assert_max_num_queries(ORDERS_PAGE_QUERIES):
                assert client.get(url, {"after": cursor.group(1)}).status_code == 200
    assert cursor, "40 orders make a second page"


def test_your_orders_rows_show_every_cell(client, group, admin_member):
    buyer = make_buyer(group)
    buyer.user.first_name, buyer.user.last_name = "Dana", "Reyes"
    buyer.user.save()
    order = OrderFactory(group=group, buyer=buyer, status=Order.Status.PENDING_APPROVAL, total=D("1234.50"),
                         blanket_po_number="BPO-7", over_budget=True)
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:order_list")).content.decode()
    row = html[html.rindex("<tr>", 0, html.index(order.po_number)):]
    row = row[:row.index("</tr>")]
    assert f'href="/account/orders/{order.po_number}/"' in row
    assert formatting.format_day(order.placed_at) in row
    for text in (group.name, "Dana Reyes", "BPO-7", "$1,234.50", "text-bg-warning", "Pending approval", "Over budget"):
        assert text in row, text


def test_the_filter_form_follows_a_renamed_group(client, group, admin_member):
    """The filter form's HTML is memoised by its content: a renamed group shows under its new name."""
    client.force_login(admin_member.user)
    assert f">{group.name}</option>" in client.get(reverse("orders:order_list")).content.decode()
    old = group.name
    group.name = "Renamed group"
    group.save()
    html = client.get(reverse("orders:order_list")).content.decode()
    assert ">Renamed group</option>" in html and f">{old}</option>" not in html


def test_the_filter_form_offers_only_the_members_groups(client, business):
    mine, theirs = GroupFactory(business=business, name="Mine"), GroupFactory(business=business, name="Theirs")
    admin = MemberFactory(business=business, is_business_admin=True)
    client.force_login(admin.user)
    assert ">Theirs</option>" in client.get(reverse("orders:order_list")).content.decode()
    client.force_login(make_buyer(mine).user)
    html = client.get(reverse("orders:order_list")).content.decode()
    assert ">Mine</option>" in html and ">Theirs</option>" not in html


def _budget_with(group, n):
    budget = BudgetFactory(group=group, amount=D("1000000.00"))
    for i in range(n):
        member = MemberFactory(business=group.business)
        GroupMembershipFactory(group=group, member=member)
        allocation = AllocationFactory(budget=budget, member=member, amount=D("100.00"))
        allocation.amount = D("90.00")
        allocation.save()  # one more history row
        budget_charge(budget=budget, member=member, amount=D("1.00"), acting_user=None)
    return budget


def test_budget_page_queries_stay_flat_as_allocations_ledger_and_history_grow(client, business, admin_member,
                                                                            django_assert_max_num_queries):
    client.force_login(admin_member.user)
    for n in (2, 40):
        group = GroupFactory(business=business)
        budget = _budget_with(group, n)
        with django_assert_max_num_queries(BUDGET_PAGE_QUERIES):
            response = client.get(reverse("budgets:budget_detail", args=[group.pk, budget.pk]))
        assert response.status_code == 200
    assert response.content.decode().count('<td class="money">$90.00</td>') == 40


def test_the_ledger_walks_by_keyset_every_entry_once(client, group, admin_member):
    budget = _budget_with(group, 30)
    notes = set(budget.ledger.values_list("id", flat=True))
    assert len(notes) == 30
    client.force_login(admin_member.user)
    url = reverse("budgets:budget_detail", args=[group.pk, budget.pk])
    first = client.get(url)
    page_one = first.context["ledger"]
    assert len(page_one) == 25 and first.context["page_obj"].has_next
    html = first.content.decode()
    after = re.search(r"after=([0-9.]+)", html).group(1)
    second = client.get(url, {"after": after})
    page_two = second.context["ledger"]
    assert len(page_two) == 5 and not second.context["page_obj"].has_next
    assert {e.pk for e in page_one} | {e.pk for e in page_two} == notes
    assert "First page" in second.content.decode()
    before = re.search(r"before=([0-9.]+)", second.content.decode()).group(1)
    back = client.get(url, {"before": before})
    assert [e.pk for e in back.context["ledger"]] == [e.pk for e in page_one]


def test_budget_page_shows_a_new_charge(client, group, admin_member):
    """Nothing on the page is cached across requests: a charge shows at once, in the ledger and the totals."""
    budget = _budget_with(group, 1)
    member = budget.allocations.get().member
    client.force_login(admin_member.user)
    url = reverse("budgets:budget_detail", args=[group.pk, budget.pk])
    assert "$1.00" in client.get(url).content.decode()
    budget_charge(budget=budget, member=member, amount=D("7.25"), acting_user=None)
    html = client.get(url).content.decode()
    assert "$7.25" in html and '<span id="budget-spent">$8.25</span>' in html


def test_memoised_formatting_follows_its_inputs():
    import datetime

    assert formatting.format_money(D("1234.5")) == "$1,234.50"
    assert formatting.format_money(D("1234.5"), locale="de_DE", currency="EUR") == "1.234,50\xa0€"
    moment = datetime.datetime(2026, 11, 29, 16, 46, 59)
    assert formatting.format_moment(moment) == formatting.format_moment(moment.replace(second=1))
    assert formatting.format_moment(moment) != formatting.format_moment(moment.replace(minute=47))
    assert formatting.format_day(datetime.date(2026, 11, 29), locale="xx_bogus") == "Nov 29, 2026"
