"""Factories of the budgets app."""

import datetime
from decimal import Decimal
import factory
from django.utils import timezone
from budgets.models import Allocation, Budget
from tests.factories.procurement import GroupFactory, MemberFactory


class BudgetFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Budget

    group = factory.SubFactory(GroupFactory)
    business = factory.SelfAttribute("group.business")
    name = factory.Sequence(lambda n: f"Budget {n}")
    po_number = factory.Sequence(lambda n: f"BPO-{n:05}")
    amount = Decimal("1000.00")
    start_date = factory.LazyFunction(lambda: timezone.localdate() - datetime.timedelta(days=30))
    end_date = factory.LazyFunction(lambda: timezone.localdate() + datetime.timedelta(days=335))
    policy = Budget.Policy.BLOCK


class AllocationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Allocation

    budget = factory.SubFactory(BudgetFactory)
    business = factory.SelfAttribute("budget.business")
    member = factory.SubFactory(MemberFactory, business=factory.SelfAttribute("..budget.business"))
    amount = Decimal("100.00")

__all__ = ["BudgetFactory", "AllocationFactory"]
