"""Automatic allocation: the rule is kept; members who join get theirs, members who leave give back the unspent."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.automatic import allocation_rule_set
from budgets.ledger import budget_charge
from budgets.models import Allocation, AllocationRule
from procurement.services import group_member_add, group_membership_remove, member_update
from procurement.models import GroupMembership
from tests.factories import BudgetFactory, GroupMembershipFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
D = Decimal


def _member(group, first_name, role="buyer"):
    member = MemberFactory(business=group.business, user=UserFactory(first_name=first_name, last_name="Test"))
    GroupMembershipFactory(group=group, member=member, role=role)
    return member


def _allocations(budget):
    return {a.member.user.first_name: (a.amount, a.spent) for a in Allocation.objects.filter(budget=budget).select_related("member__user")}


def test_a_fixed_rule_allocates_now_and_to_members_who_join_later(group, admin_member):
    budget = BudgetFactory(group=group, amount=D("1000.00"))
    _member(group, "Ann")
    _member(group, "Gus", role="group_admin")
    _member(group, "Val", role="approver")   # cannot buy: no allocation
    outcome = allocation_rule_set(budget=budget, mode="fixed", amount=D("300.00"), acting_user=admin_member.user)
    assert [m.user.first_name for m, _ in outcome.added] == ["Ann", "Gus"]
    assert _allocations(budget) == {"Ann": (D("300.00"), D("0")), "Gus": (D("300.00"), D("0"))}

    joiner = MemberFactory(business=group.business, user=UserFactory(first_name="Joe", last_name="Test"))
    group_member_add(group=group, member=joiner, roles=["buyer"], acting_user=admin_member.user)
    assert _allocations(budget)["Joe"] == (D("300.00"), D("0"))
    late = MemberFactory(business=group.business, user=UserFactory(first_name="Kim", last_name="Test"))
    group_member_add(group=group, member=late, roles=["buyer"], acting_user=admin_member.user)
    assert "Kim" not in _allocations(budget)  # 100.00 left: does not fit
    assert Allocation.history.filter(budget_id=budget.pk, member=joiner).get().history_user == admin_member.user


def test_equal_share_resplits_when_members_join_and_leave_keep_what_they_spent(group, admin_member):
    budget = BudgetFactory(group=group, amount=D("900.00"))
    ann, bob = _member(group, "Ann"), _member(group, "Bob")
    allocation_rule_set(budget=budget, mode="equal", amount=None, acting_user=admin_member.user)
    assert _allocations(budget) == {"Ann": (D("450.00"), D("0")), "Bob": (D("450.00"), D("0"))}
    budget_charge(budget=budget, member=bob, amount=D("400.00"), acting_user=bob.user)

    cat = MemberFactory(business=group.business, user=UserFactory(first_name="Cat", last_name="Test"))
    group_member_add(group=group, member=cat, roles=["buyer"], acting_user=admin_member.user)
    # 900 / 3 = 300 each, but Bob already spent 400: he keeps 400, Cat gets what fits (200).
    assert _allocations(budget) == {"Ann": (D("300.00"), D("0")), "Bob": (D("400.00"), D("400.00")),
                                    "Cat": (D("200.00"), D("0"))}

    membership = GroupMembership.objects.get(group=group, member=bob)
    group_membership_remove(membership=membership, acting_user=admin_member.user)
    # Bob keeps what he spent; Ann and Cat share the other 500: 250 each.
    assert _allocations(budget) == {"Ann": (D("250.00"), D("0")), "Bob": (D("400.00"), D("400.00")),
                                    "Cat": (D("250.00"), D("0"))}
    assert sum(a.amount for a in Allocation.objects.filter(budget=budget)) <= budget.amount


def test_a_deactivated_member_gives_back_the_unspent_part(group, admin_member):
    budget = BudgetFactory(group=group, amount=D("1000.00"))
    ann = _member(group, "Ann")
    allocation_rule_set(budget=budget, mode="fixed", amount=D("250.00"), acting_user=admin_member.user)
    budget_charge(budget=budget, member=ann, amount=D("40.00"), acting_user=ann.user)
    member_update(member=ann, acting_user=admin_member.user, is_active=False)
    assert _allocations(budget) == {"Ann": (D("40.00"), D("40.00"))}


def test_the_rule_page_and_add_all_say_who_was_added_and_left_out(client, group, admin_member):
    budget = BudgetFactory(group=group, amount=D("1000.00"))
    _member(group, "Ann")
    _member(group, "Gus", role="group_admin")
    _member(group, "Val", role="approver")
    gone = _member(group, "Old")
    gone.is_active = False
    gone.save()
    client.force_login(admin_member.user)
    url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    response = client.post(url, {"alloc-TOTAL_FORMS": "0", "alloc-INITIAL_FORMS": "0", "action": "add_all"})
    page = response.content.decode()
    assert "Added Ann Test, Gus Test" in page
    assert "Val Test (cannot buy in the group (Approver only))" in page and "Old Test (deactivated)" in page

    rule_url = reverse("budgets:allocation_rule", args=[group.pk, budget.pk])
    assert client.post(rule_url, {"mode": "fixed", "amount": ""}).status_code == 200  # error, nothing saved
    assert not AllocationRule.objects.exists()
    response = client.post(rule_url, {"mode": "fixed", "amount": "100.00"}, follow=True)
    page = response.content.decode()
    assert "Automatic allocation: 100.00 for each member" in page and "Added Ann Test (100.00), Gus Test (100.00)" in page
    client.post(rule_url, {"remove_rule": "1"})
    assert not AllocationRule.objects.exists() and Allocation.objects.filter(budget=budget).count() == 2


def test_another_groups_admin_cannot_set_a_rule(client, group, business):
    budget = BudgetFactory(group=group)
    outsider = MemberFactory(business=business)
    client.force_login(outsider.user)
    response = client.post(reverse("budgets:allocation_rule", args=[group.pk, budget.pk]), {"mode": "equal"})
    assert response.status_code == 403 and not AllocationRule.objects.exists()
