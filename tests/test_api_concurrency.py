"""Eight retries of one API order with the same Idempotency-Key, at once, place one order (PostgreSQL)."""

import threading
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from orders.models import Order
from tests.factories import ProductFactory
from tests.support.api import api_client, token_for
from tests.support.orders import make_budget, make_buyer

THREADS = 8


def _run_at_once(target, count):
    """Each thread has its own connection; a barrier lines them up (as in test_budgets_concurrency)."""
    barrier = threading.Barrier(count)
    results, errors, lock = [], [], threading.Lock()

    def worker(i):
        try:
            barrier.wait(timeout=30)
            outcome = target(i)
            with lock:
                results.append(outcome)
        except Exception as exc:  # noqa: BLE001 - every failure is collected and asserted on
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread hung (deadlock?)"
    return results, errors


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

    results, errors = _run_at_once(post, THREADS)
    assert not errors, errors
    assert sorted(code for code, _ in results) == [200] * (THREADS - 1) + [201]
    assert len({po for _, po in results}) == 1
    assert Order.objects.count() == 1
    budget.refresh_from_db()
    assert budget.spent == Decimal("30.00")
