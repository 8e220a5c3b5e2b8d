"""procurement.numbering owns every counter: release numbers per Blanket PO, invoice numbers, bulk writers,
and the data migration that moved Budget.release_count into counter rows."""

import datetime

import pytest
from django.db import connection, transaction
from django.db.migrations.executor import MigrationExecutor

from procurement.models import Counter
from procurement.numbering.counters import counter_last, counter_next, counters_lock, counters_set_at_least
from procurement.numbering.services import invoice_number_next, release_number_next, release_numbers_preview
from tests.factories import BudgetFactory, BusinessFactory, GroupFactory

pytestmark = pytest.mark.django_db


def test_release_numbers_are_counted_per_blanket_po():
    group = GroupFactory()
    first, second = BudgetFactory(group=group, po_number="BPO-1"), BudgetFactory(group=group, po_number="BPO-2")
    with transaction.atomic():
        assert [release_number_next(budget=first) for _ in range(2)] == ["BPO-1-1", "BPO-1-2"]
        assert release_number_next(budget=second) == "BPO-2-1"
    assert (first.release_count, second.release_count) == (2, 1)
    assert release_numbers_preview(business=group.business, budgets=[first, second]) == {
        first.pk: "BPO-1-3", second.pk: "BPO-2-2",
    }
    assert Counter.objects.get(kind=Counter.Kind.RELEASE, scope=first.pk).business == group.business
    assert not Counter.objects.filter(kind=Counter.Kind.PO).exists()


def test_invoice_numbers_and_credit_note_kind():
    business = BusinessFactory()
    with transaction.atomic():
        assert invoice_number_next(business=business, issued_on=datetime.date(2026, 3, 1)) == "INV-2026-000001"
        assert invoice_number_next(business=business, issued_on=datetime.date(2027, 1, 1)) == "INV-2027-000002"
        assert counter_next(business=business, kind=Counter.Kind.CREDIT_NOTE) == 1
    assert counter_last(business=business, kind=Counter.Kind.INVOICE) == 2


@pytest.mark.django_db(transaction=True)
def test_numbers_only_move_inside_a_transaction():
    business = BusinessFactory()
    with pytest.raises(RuntimeError, match="inside the transaction"):
        counter_next(business=business, kind=Counter.Kind.PO)
    with pytest.raises(RuntimeError, match="inside the transaction"):
        counters_set_at_least(business=business, kind=Counter.Kind.PO, values={0: 5})


def test_bulk_writers_lock_and_never_lower_a_counter():
    business = BusinessFactory()
    with transaction.atomic():
        assert counters_lock(business=business, kind=Counter.Kind.RELEASE, scopes=[7, 3]) == {3: 0, 7: 0}
        counters_set_at_least(business=business, kind=Counter.Kind.RELEASE, values={3: 4, 7: 9})
        counters_set_at_least(business=business, kind=Counter.Kind.RELEASE, values={3: 2})
    assert counter_last(business=business, kind=Counter.Kind.RELEASE, scope=3) == 4
    assert counter_last(business=business, kind=Counter.Kind.RELEASE, scope=7) == 9


@pytest.mark.django_db(transaction=True)
def test_release_count_migration_copies_both_ways():
    budget = BudgetFactory(po_number="BPO-9")
    with transaction.atomic():
        for _ in range(3):
            release_number_next(budget=budget)
    executor = MigrationExecutor(connection)
    before = [("budgets", "0002_initial")]
    latest = executor.loader.graph.leaf_nodes()
    try:
        executor.migrate(before)  # back: the counters are copied onto Budget.release_count
        apps = executor.loader.project_state(before).apps
        old_budget = apps.get_model("budgets", "Budget")
        assert old_budget.objects.get(pk=budget.pk).release_count == 3
        assert not apps.get_model("procurement", "Counter").objects.filter(kind="release").exists()
        old_budget.objects.filter(pk=budget.pk).update(release_count=5)
        executor = MigrationExecutor(connection)
        executor.migrate(latest)  # forward: every release_count becomes a counter row
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
    assert Counter.objects.get(kind=Counter.Kind.RELEASE, scope=budget.pk).last_value == 5
    budget.refresh_from_db()
    assert budget.release_count == 5
