"""Concurrent pastes of overlapping choice lists into one field (PostgreSQL row locks)."""

import pytest

from orders.information.services import order_field_choices_add, order_field_create
from orders.models import OrderField, OrderFieldChoice
from tests.factories import BusinessFactory
from tests.support.threads import run_at_once

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_pastes_add_each_value_once():
    """Each thread pastes 200 values, half shared with its neighbour: the field-row lock queues them, so
    no paste fails on the unique (business, field, value) constraint and every value exists once."""
    business = BusinessFactory()
    field = order_field_create(business=business, name="GL code", type=OrderField.Type.CHOICE, acting_user=None)

    def paste(i):
        text = "\n".join(f"{n:05},Account {n}" for n in range(i * 100, i * 100 + 200))
        return order_field_choices_add(field=OrderField.objects.get(pk=field.pk), text=text, acting_user=None)

    results, errors = run_at_once(paste, THREADS)
    assert errors == []
    assert sum(r.added for r in results) == (THREADS + 1) * 100
    assert OrderFieldChoice.objects.filter(field=field).count() == (THREADS + 1) * 100
