"""The Allocations page by server round-trips, role checks, the overview, and flat query counts."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.ledger import budget_charge
from budgets.models import Allocation, Budget
from procurement.models import GroupMembership
from tests.factories import (
    AllocationFactory, BudgetFactory, GroupFactory, GroupMembershipFactory, MemberFactory,
)

pytestmark = pytest.mark.django_db
D = Decimal
P = "alloc"


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member.user)
    return client


@pytest.fixture
def budget(group):
    return BudgetFactory(group=group, amount=D("100.00"))


def _members(group, n, role=GroupMembership.Role.BUYER):
    out = []
    for i in range(n):
        member = MemberFactory(business=group.business, user__first_name=f"M{i:02}", user__last_name="Member")
        GroupMembershipFactory(group=group, member=member, role=role)
        out.append(member)
    return out


def _post_rows(client, url, rows, **extra):
    """Post the table as the page would: rows of (member id, amount) plus the clicked button."""
    data = {f"{P}-TOTAL_FORMS": str(len(rows)), f"{P}-INITIAL_FORMS": "0"}
    for i, (member_id, amount) in enumerate(rows):
        data[f"{P}-{i}-member_id"] = str(member_id)
        data[f"{P}-{i}-amount"] = str(amount)
    data.update(extra)
    return client.post(url, data)


def _rows(response):
    """(member id, amount value) of each row the page renders."""
    return [
        (int(form["member_id"].value()), str(form["amount"].value() if form["amount"].value() is not None else ""))
        for form in response.context["formset"].forms
    ]


def test_allocations_page_has_the_buttons_and_the_allocated_column(admin_client, group, budget):
    page = admin_client.get(reverse("budgets:allocations", args=[group.pk, budget.pk])).content.decode()
    for text in ("<h1 class=\"h3\">Allocations</h1>", "Add Allocation", "Add individual", "Add all group members",
                 ">Allocated<", "Distribute funds evenly", ">Save<", "No allocations yet"):
        assert text in page, text


def test_add_all_distribute_and_save_by_round_trips(admin_client, group, budget):
    buyers = _members(group, 3)
    _members(group, 1, role=GroupMembership.Role.APPROVER)  # not a buying role: not added by "all"
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])

    response = _post_rows(admin_client, url, [], action="add_all")
    rows = _rows(response)
    assert [r[0] for r in rows] == [m.pk for m in buyers]
    assert Allocation.objects.count() == 0  # added rows stay unsaved until Save
    assert "not saved yet" in response.content.decode()

    response = _post_rows(admin_client, url, rows, action="distribute", distribute="unallocated")
    rows = _rows(response)
    assert [r[1] for r in rows] == ["33.34", "33.33", "33.33"]
    assert Allocation.objects.count() == 0

    response = _post_rows(admin_client, url, rows, action="save")
    assert response.status_code == 302
    assert response["Location"] == reverse("budgets:budget_detail", args=[group.pk, budget.pk])
    saved = {a.member_id: a.amount for a in Allocation.objects.filter(budget=budget)}
    assert saved == {buyers[0].pk: D("33.34"), buyers[1].pk: D("33.33"), buyers[2].pk: D("33.33")}


def test_add_individual_adds_one_group_member_without_an_allocation(admin_client, group, budget):
    a, b = _members(group, 2)
    AllocationFactory(budget=budget, member=a, amount=D("10.00"))
    outsider = MemberFactory(business=group.business)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    page = admin_client.get(url)
    assert [m.pk for m in page.context["candidates"]] == [b.pk]
    response = _post_rows(admin_client, url, [(a.pk, "10.00")], action="add_individual", add_member=str(b.pk))
    assert _rows(response) == [(a.pk, "10.00"), (b.pk, "")]
    # Someone outside the group, or already in the table, is refused.
    for member in (outsider, a):
        response = _post_rows(admin_client, url, [(a.pk, "10.00")], action="add_individual", add_member=str(member.pk))
        assert _rows(response) == [(a.pk, "10.00")]
        assert "Pick a member of the group" in response.content.decode()


def test_remove_drops_an_unsaved_row_only(admin_client, group, budget):
    a, b = _members(group, 2)
    AllocationFactory(budget=budget, member=a, amount=D("10.00"))
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    response = _post_rows(admin_client, url, [(a.pk, "10.00"), (b.pk, "")], remove_member=str(b.pk))
    assert _rows(response) == [(a.pk, "10.00")]
    response = _post_rows(admin_client, url, [(a.pk, "10.00")], remove_member=str(a.pk))
    assert _rows(response) == [(a.pk, "10.00")] and "set it to 0" in response.content.decode()


def test_distribute_the_unallocated_amount_over_empty_rows_or_the_whole_budget(admin_client, group, budget):
    a, b, c = _members(group, 3)
    AllocationFactory(budget=budget, member=a, amount=D("40.00"))
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    rows = [(a.pk, "40.00"), (b.pk, ""), (c.pk, "0")]
    response = _post_rows(admin_client, url, rows, action="distribute", distribute="unallocated")
    assert _rows(response) == [(a.pk, "40.00"), (b.pk, "30.00"), (c.pk, "30.00")]
    response = _post_rows(admin_client, url, rows, action="distribute", distribute="whole")
    assert _rows(response) == [(a.pk, "33.34"), (b.pk, "33.33"), (c.pk, "33.33")]


def test_distribute_with_nothing_to_distribute_says_why(admin_client, group, budget):
    (a,) = _members(group, 1)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    assert "no rows" in _post_rows(admin_client, url, [], action="distribute", distribute="whole").content.decode()
    full = _post_rows(admin_client, url, [(a.pk, "100.00")], action="distribute", distribute="unallocated")
    assert "Every row already has an amount" in full.content.decode()
    bad = _post_rows(admin_client, url, [(a.pk, "abc")], action="distribute", distribute="unallocated")
    assert "Enter a number" in bad.content.decode()


@pytest.mark.parametrize(
    "amounts,message",
    [
        (["60.00", "40.01"], "The allocations add up to 100.01, more than the budget&#x27;s 100.00"),
        (["-1", "0"], "M00 Member: Ensure this value is greater than or equal to 0."),
        (["1.005", "0"], "M00 Member: Ensure that there are no more than 2 decimal places."),
        (["", "0"], "M00 Member: Enter an amount (0 for none)."),
        (["x", "0"], "M00 Member: Enter a number."),
        (["29.99", "0"], "M00 Member: the allocation cannot be less than the 30.00 they already spent."),
    ],
)
def test_save_bad_rows_names_the_row_and_the_reason_and_saves_nothing(admin_client, group, budget, amounts, message):
    a, b = _members(group, 2)
    AllocationFactory(budget=budget, member=a, amount=D("50.00"))
    budget_charge(budget=budget, member=a, amount=D("30.00"), acting_user=None)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    response = _post_rows(admin_client, url, [(a.pk, amounts[0]), (b.pk, amounts[1])], action="save")
    assert response.status_code == 200
    page = response.content.decode()
    assert "Nothing was saved." in page and message in page, page[page.find("alert-danger"):][:800]
    assert {x.member_id: x.amount for x in Allocation.objects.filter(budget=budget)} == {a.pk: D("50.00")}


def test_posted_rows_for_unknown_members_are_dropped(admin_client, group, budget, other_member):
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    response = _post_rows(admin_client, url, [(other_member.pk, "10.00")], action="add_all")
    assert _rows(response) == []


# --- roles ---------------------------------------------------------------------------------------
GROUP_PAGES = ["budget_list", "budget_create", "budget_detail", "budget_edit", "budget_close", "allocations"]


def _url(name, group, budget):
    args = [group.pk] if name in ("budget_list", "budget_create") else [group.pk, budget.pk]
    return reverse(f"budgets:{name}", args=args)


@pytest.mark.parametrize("name", GROUP_PAGES)
def test_buyers_approvers_and_other_groups_admins_get_403(client, group, budget, buyer, name):
    approver = _members(group, 1, role=GroupMembership.Role.APPROVER)[0]
    other_admin = MemberFactory(business=group.business)
    GroupMembershipFactory(group=GroupFactory(business=group.business), member=other_admin, role="group_admin")
    before = (Budget.objects.count(), Budget.history.count(), Allocation.objects.count())
    for member in (buyer, approver, other_admin):
        client.force_login(member.user)
        assert client.get(_url(name, group, budget)).status_code == 403
        assert client.post(_url(name, group, budget), {"action": "add_all"}).status_code == 403
    assert (Budget.objects.count(), Budget.history.count(), Allocation.objects.count()) == before
    assert Budget.objects.get(pk=budget.pk).status == "active"


@pytest.mark.parametrize("name", GROUP_PAGES)
def test_group_admin_and_business_admin_open_every_page(client, group, budget, admin_member, name):
    group_admin = _members(group, 1, role=GroupMembership.Role.GROUP_ADMIN)[0]
    for member in (group_admin, admin_member):
        client.force_login(member.user)
        assert client.get(_url(name, group, budget)).status_code == 200


def test_a_budget_of_another_group_is_404_under_this_group(admin_client, group, budget, business):
    other_group = GroupFactory(business=business)
    url = reverse("budgets:budget_detail", args=[other_group.pk, budget.pk])
    assert admin_client.get(url).status_code == 404


def test_other_business_gets_404_on_every_page(client, group, budget, other_member):
    client.force_login(other_member.user)
    for name in GROUP_PAGES:
        assert client.get(_url(name, group, budget)).status_code == 404
        assert client.post(_url(name, group, budget), {}).status_code == 404
    assert budget.po_number not in client.get(reverse("budgets:budget_overview")).content.decode()


# --- overview ------------------------------------------------------------------------------------
def test_overview_shows_each_member_what_they_may_see(client, group, business, buyer, admin_member):
    mine = BudgetFactory(group=group, name="Mine", po_number="BPO-MINE", show_balance_to_buyers=False)
    AllocationFactory(budget=mine, member=buyer, amount=D("250.00"))
    open_to_all = BudgetFactory(group=group, name="Open", po_number="BPO-OPEN", allow_unallocated_spend=True)
    not_mine = BudgetFactory(group=group, name="Not mine", po_number="BPO-NOTMINE")
    elsewhere = BudgetFactory(group=GroupFactory(business=business), name="Elsewhere", po_number="BPO-ELSE")

    client.force_login(buyer.user)
    response = client.get(reverse("budgets:budget_overview"))
    shown = {b.po_number: b for b in response.context["budgets"]}
    assert set(shown) == {"BPO-MINE", "BPO-OPEN"}
    assert shown["BPO-MINE"].my_allocated == D("250.00") and shown["BPO-MINE"].balance_visible is False
    assert "Budgets (Blanket PO) on your account" in response.content.decode()

    client.force_login(admin_member.user)
    shown = {b.po_number for b in client.get(reverse("budgets:budget_overview")).context["budgets"]}
    assert shown == {mine.po_number, open_to_all.po_number, not_mine.po_number, elsewhere.po_number}


def test_overview_empty_state(client, buyer):
    client.force_login(buyer.user)
    assert "No Blanket PO budgets on your account yet." in client.get(reverse("budgets:budget_overview")).content.decode()


# --- query counts stay flat as the data grows ------------------------------------------------------
def _grow(group, n):
    """A group with `n` budgets, the first with `n` allocations, each with a charge on the ledger."""
    main = BudgetFactory(group=group, amount=D("1000000.00"))
    for member in _members(group, n):
        AllocationFactory(budget=main, member=member, amount=D("10.00"))
        budget_charge(budget=main, member=member, amount=D("1.00"), acting_user=None)
    BudgetFactory.create_batch(n - 1, group=group)
    return main


def _count_queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx.captured_queries)


def test_page_queries_do_not_grow_with_rows(client, business, settings):
    admin = MemberFactory(business=business, is_business_admin=True)
    client.force_login(admin.user)
    counts = {}
    for n in (5, 50):
        group = GroupFactory(business=business)
        main = _grow(group, n)
        for page, url in {
            "budget_list": reverse("budgets:budget_list", args=[group.pk]),
            "budget_detail": reverse("budgets:budget_detail", args=[group.pk, main.pk]),
            "allocations": reverse("budgets:allocations", args=[group.pk, main.pk]),
            "overview": reverse("budgets:budget_overview"),
        }.items():
            counts.setdefault(page, []).append(_count_queries(client, url))
    for page, (small, large) in counts.items():
        assert small == large, f"{page}: {small} queries with 5 rows, {large} with 50"
        assert large <= 20, f"{page}: {large} queries"
