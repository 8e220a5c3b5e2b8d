from tests.factories import AllocationFactory, BudgetFactory
from tests.support.isolation import builder
from tests.support.isolation.procurement import _group


@builder("budget_id")
def _budget(world):
    """A budget of the world's group (built first), with one allocation so the pages have rows."""
    _group(world)
    world.budget = BudgetFactory(group=world.group)
    AllocationFactory(budget=world.budget)
    return world.budget.pk
