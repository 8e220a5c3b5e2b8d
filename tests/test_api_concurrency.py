"""Eight retries of one API order with the same Idempotency-Key, at once, place one order (PostgreSQL)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.models import Order
from tests.factories import ProductFactory
from tests.support.api import api_client, token_for
from tests.support.orders import make_budget, make_buyer
from tests.support.threads import run_at_once

THREADS = 8


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_same_idempotency_key_at_once_places_one_order(group):
    buyer = make_buyer(group, "api-buyer@example.com")
    budget = make_budget(group, amount="1000.00")
    product = ProductFactory(unit_price=Decimal("10.00"))
    token = token_for(buyer)
    body = {"group_id": group.pk, "budget_id": budget.pk, "address_id": group.shipping_address.pk,
            "lines": [{"sku": product.sku, "quantity": 3}]}

    def post(i):
        response = api_client(token=token).post(reverse("api:orders"), body, format="json", HTTP_IDEMPOTENCY_KEY="same")
        return response.status_code, response.json().get("po_number")

    results, errors = run_at_once(post, THREADS)
    assert not errors, errors
    assert sorted(code for code, _ in results) == [200] * (THREADS - 1) + [201]
    assert len({po for _, po in results}) == 1
    assert Order.objects.count() == 1
    budget.refresh_from_db()
    assert budget.spent == Decimal("30.00")
