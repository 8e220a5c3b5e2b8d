"""The demo seeder is idempotent; the admin shows budgets and keeps the ledger append-only."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.ledger import budget_charge
from budgets.models import Allocation, Budget, LedgerEntry
from budgets.seed import seed_budgets
from procurement.models import GroupMembership
from tests.factories import AllocationFactory, BudgetFactory, GroupFactory, GroupMembershipFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_seed_budgets_gives_each_group_a_policy_and_its_buyers_allocations_once(business):
    groups = [GroupFactory(business=business) for _ in range(3)]
    for group in groups:
        GroupMembershipFactory.create_batch(2, group=group, role=GroupMembership.Role.BUYER)
        GroupMembershipFactory(group=group, role=GroupMembership.Role.APPROVER)
    today = datetime.date(2026, 6, 1)
    created = seed_budgets(business=business, today=today)
    assert len(created) == 3
    assert {b.policy for b in created} == {"block", "warn", "approval"}
    for budget in created:
        assert (budget.start_date, budget.end_date) == (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31))
        allocations = Allocation.objects.filter(budget=budget)
        assert allocations.count() == 2
        assert sum(a.amount for a in allocations) == (budget.amount * Decimal("0.8")).quantize(Decimal("0.01"))
    assert seed_budgets(business=business, today=today) == []
    assert (Budget.objects.count(), Allocation.objects.count()) == (3, 6)


def test_ledger_admin_is_read_only_and_budget_admin_lists(client, group, buyer):
    budget = BudgetFactory(group=group, po_number="BPO-ADMIN")
    AllocationFactory(budget=budget, member=buyer)
    entry = budget_charge(budget=budget, member=buyer, amount=Decimal("5.00"), acting_user=None)
    staff = UserFactory(email="staff@example.com", is_staff=True, is_superuser=True)
    client.force_login(staff)
    assert "BPO-ADMIN" in client.get(reverse("admin:budgets_budget_changelist") + "?q=BPO-ADMIN").content.decode()
    assert client.get(reverse("admin:budgets_budget_change", args=[budget.pk])).status_code == 200
    assert client.get(reverse("admin:budgets_ledgerentry_changelist")).status_code == 200
    assert client.get(reverse("admin:budgets_ledgerentry_add")).status_code == 403
    assert client.post(reverse("admin:budgets_ledgerentry_delete", args=[entry.pk]), {"post": "yes"}).status_code == 403
    client.post(reverse("admin:budgets_ledgerentry_change", args=[entry.pk]), {"amount": "999.00"})
    assert LedgerEntry.objects.get(pk=entry.pk).amount == Decimal("5.00")
