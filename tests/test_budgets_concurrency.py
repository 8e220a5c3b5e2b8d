"""Twenty checkouts charging one budget and one allocation at once can never overspend it (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from budgets.ledger import InsufficientFunds, budget_charge
from budgets.models import Allocation, Budget, LedgerEntry
from budgets.selectors import budget_spent_from_ledger
from budgets.services import allocations_save
from procurement.models import GroupMembership
from tests.factories import (
    AllocationFactory,
    BudgetFactory,
    GroupMembershipFactory,
    MemberFactory,
)
from tests.support.threads import run_at_once

THREADS = 20


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_never_overspend_the_budget_or_the_allocation():
    budget = BudgetFactory(amount=Decimal("100.00"), policy=Budget.Policy.BLOCK)
    member = MemberFactory(business=budget.business)
    GroupMembershipFactory(group=budget.group, member=member, role=GroupMembership.Role.BUYER)
    allocation = AllocationFactory(budget=budget, member=member, amount=Decimal("70.00"))
    # 20 × 7.50 = 150.00 asked for; the allocation holds 70.00: at most 9 charges fit.
    amount = Decimal("7.50")

    def charge(i):
        try:
            budget_charge(budget=Budget.objects.get(pk=budget.pk), member=member, amount=amount, acting_user=None)
            return "charged"
        except InsufficientFunds:
            return "refused"

    results, errors = run_at_once(charge, THREADS)
    assert errors == [], f"only InsufficientFunds may be raised, got {errors!r}"
    assert len(results) == THREADS
    charged = results.count("charged")
    entries = LedgerEntry.objects.filter(budget=budget)
    total = entries.aggregate(total=Sum("amount"))["total"] or Decimal("0")
    assert charged == 9 and entries.count() == charged
    assert total == amount * charged <= allocation.amount <= budget.amount
    budget.refresh_from_db()
    allocation.refresh_from_db()
    assert budget.spent == allocation.spent == total == budget_spent_from_ledger(budget=budget)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_charges_and_allocation_saves_keep_allocations_above_spent():
    """An admin lowering an allocation while buyers charge it: the locks order them, nothing breaks."""
    budget = BudgetFactory(amount=Decimal("100.00"), policy=Budget.Policy.BLOCK)
    member = MemberFactory(business=budget.business)
    GroupMembershipFactory(group=budget.group, member=member, role=GroupMembership.Role.BUYER)
    AllocationFactory(budget=budget, member=member, amount=Decimal("100.00"))

    def act(i):
        from django.core.exceptions import ValidationError

        if i % 2:
            try:
                budget_charge(budget=budget, member=member, amount=Decimal("10.00"), acting_user=None)
                return "charged"
            except InsufficientFunds:
                return "refused"
        try:
            allocations_save(budget=budget, amounts={member.pk: Decimal("50.00")}, acting_user=None)
            return "lowered"
        except ValidationError:
            return "kept"

    results, errors = run_at_once(act, THREADS)
    assert errors == [], errors
    allocation = Allocation.objects.get(budget=budget)
    budget.refresh_from_db()
    assert allocation.spent <= allocation.amount and budget.spent <= budget.amount
    assert LedgerEntry.objects.filter(budget=budget).count() == results.count("charged")
    assert allocation.spent == Decimal("10.00") * results.count("charged")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_period_opening_opens_each_period_exactly_once():
    """Eight runs of the periodic job at once: one opens the next period, the rest find nothing to do."""
    import datetime

    from budgets.models import BudgetSeries
    from budgets.recurring import budget_periods_open, budget_series_create
    from tests.factories import GroupFactory

    group = GroupFactory(cost_center="ENG")
    member = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.BUYER)
    first = budget_series_create(
        group=group, acting_user=None, today=datetime.date(2026, 1, 5), name="Eng", amount=Decimal("1000.00"),
        start_date=datetime.date(2026, 1, 1), end_date=datetime.date(2026, 1, 1), po_number="", note_to_buyers="",
        policy=Budget.Policy.BLOCK, low_funds_alert=None, show_balance_to_buyers=True, allow_unallocated_spend=True,
        repeats="monthly", ends_on=None, rollover="full", rollover_cap_amount=None, rollover_cap_percent=None,
        allocations_mode="repeat",
    )
    Budget.objects.filter(pk=first.pk).update(spent=Decimal("0.00"))
    AllocationFactory(budget=first, member=member, amount=Decimal("200.00"))

    results, errors = run_at_once(lambda i: len(budget_periods_open(today=datetime.date(2026, 3, 1))), 8)
    assert errors == []
    assert sorted(results) == [0] * 7 + [2]   # one run opened February and March, the others nothing
    periods = list(Budget.objects.filter(series=first.series).order_by("period_index"))
    assert [p.period_index for p in periods] == [0, 1, 2]
    assert [p.status for p in periods] == ["closed", "closed", "active"]
    assert LedgerEntry.objects.filter(kind="transfer_out").count() == 2
    assert LedgerEntry.objects.filter(kind="transfer_in").count() == 2
    assert [p.amount for p in periods] == [Decimal("1000.00"), Decimal("2000.00"), Decimal("3000.00")]
    assert Allocation.objects.filter(budget=periods[2]).count() == 1
    assert BudgetSeries.objects.get().ended_at is None
