from decimal import Decimal

import pytest

from budgets.ledger import InsufficientFunds, budget_charge, budget_release
from budgets.models import Budget
from tests.factories import AllocationFactory, BudgetFactory, GroupMembershipFactory


@pytest.mark.django_db
def test_charge_and_release_keep_totals_in_step():
    budget = BudgetFactory(amount=Decimal("100.00"))
    allocation = AllocationFactory(budget=budget, amount=Decimal("60.00"))
    GroupMembershipFactory(group=budget.group, member=allocation.member)
    entry = budget_charge(budget=budget, member=allocation.member, amount=Decimal("50.00"), acting_user=None)
    with pytest.raises(InsufficientFunds):
        budget_charge(budget=budget, member=allocation.member, amount=Decimal("10.01"), acting_user=None)
    budget_release(charge=entry, amount=Decimal("20.00"), acting_user=None)
    budget.refresh_from_db()
    allocation.refresh_from_db()
    assert budget.spent == Decimal("30.00") and allocation.spent == Decimal("30.00")
    assert Budget.objects.get().ledger.count() == 2
