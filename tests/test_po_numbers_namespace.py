"""Typed and generated PO numbers share one namespace: generation skips taken numbers; unique ignoring case."""

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.migrations.executor import MigrationExecutor

from orders.checkout.services import PONumberTaken
from orders.models import Order
from procurement.models import Business
from tests.factories import OrderFactory
from tests.support.orders import fill_cart, make_budget, make_buyer, place
from tests.support.threads import run_at_once


def _typed_optional(business):
    business.po_mode = Business.POMode.TYPED
    business.po_required = False
    business.save()


@pytest.mark.django_db
def test_a_typed_number_equal_to_the_next_release_is_skipped_by_generation(buyer, group):
    _typed_optional(group.business)
    budget = make_budget(group, amount="500.00", po_number="BPO-9")
    fill_cart(buyer, ("10.00", 1))
    assert place(buyer, group, budget, po_number="bpo-9-1").order.po_number == "bpo-9-1"
    fill_cart(buyer, ("10.00", 1))
    assert place(buyer, group, budget, po_number="BPO-9-2").order.po_number == "BPO-9-2"
    for expected in ("BPO-9-3", "BPO-9-4"):  # was: a 500 on every later generated checkout
        fill_cart(buyer, ("10.00", 1))
        assert place(buyer, group, budget).order.po_number == expected


@pytest.mark.django_db
def test_a_typed_number_equal_to_the_next_pattern_number_is_skipped(buyer, group):
    _typed_optional(group.business)
    group.po_pattern = "G-{seq}"
    group.save()
    fill_cart(buyer, ("10.00", 1))
    place(buyer, group, po_number="G-1")
    fill_cart(buyer, ("10.00", 1))
    assert place(buyer, group).order.po_number == "G-2"


@pytest.mark.django_db
def test_po_numbers_are_unique_ignoring_case(buyer, group):
    _typed_optional(group.business)
    fill_cart(buyer, ("10.00", 1))
    place(buyer, group, po_number="ACME-1")
    fill_cart(buyer, ("10.00", 1))
    with pytest.raises(PONumberTaken, match="already used"):
        place(buyer, group, po_number="acme-1")
    with pytest.raises(IntegrityError), transaction.atomic():
        OrderFactory(business=group.business, group=group, buyer=buyer, po_number="Acme-1")
    # Another business may use the same number.
    other = OrderFactory(po_number="acme-1")
    assert other.business_id != group.business_id
    # Look-ups stay case-insensitive: Find by PO number.
    assert Order.objects.filter(business=group.business, po_number__iexact="acme-1").count() == 1


@pytest.mark.django_db(transaction=True)
def test_the_migration_refuses_existing_case_clashes_by_name():
    # The rows are made with today's models, before going back: later migrations add columns (orders 0015
    # Order.version) that today's model would write and the old schema does not have.
    first = OrderFactory(po_number="PO-7")
    second = OrderFactory(business=first.business, group=first.group, buyer=first.buyer, po_number="tmp")
    executor = MigrationExecutor(connection)
    executor.migrate([("orders", "0007_order_keyset_and_find_indexes")])
    try:
        old = MigrationExecutor(connection).loader.project_state([("orders", "0007_order_keyset_and_find_indexes")]).apps
        Order_old = old.get_model("orders", "Order")
        Order_old.objects.filter(pk=second.pk).update(po_number="po-7")
        executor = MigrationExecutor(connection)
        with pytest.raises(RuntimeError, match="differ only in case.*'po-7' x2"):
            executor.migrate([("orders", "0008_order_po_number_unique_case_insensitive")])
        Order_old.objects.filter(po_number="po-7").update(po_number="PO-8")
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_racing_typed_and_generated_numbers_never_500(group):
    """Half the buyers type the releases generation would hand out, half leave the number blank."""
    _typed_optional(group.business)
    budget = make_budget(group, amount="100000.00", po_number="BPO-R")
    buyers = [make_buyer(group) for _ in range(12)]
    for b in buyers:
        fill_cart(b, ("10.00", 1))

    def checkout(i):
        typed = f"bpo-r-{i // 2 + 1}" if i % 2 else None
        return place(buyers[i], group, budget, po_number=typed, checkout_token=uuid.uuid4()).order.po_number

    results, errors = run_at_once(checkout, 12, indexed=True)
    assert all(isinstance(e, PONumberTaken) for e in errors), errors
    numbers = [r for r in results if r]
    assert len({n.lower() for n in numbers}) == len(numbers) == Order.objects.count()
    assert len(numbers) + len(errors) == 12
    assert sum(1 for i, r in enumerate(results) if r and i % 2 == 0) == 6  # every generated checkout went through
