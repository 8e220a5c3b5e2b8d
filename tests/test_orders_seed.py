"""Seeders: idempotent, every status, money consistent with the ledger, numbers from the counter."""

from decimal import Decimal

import pytest
from django.db.models import F, Q, Sum

from budgets.models import LedgerEntry
from orders.models import Category, Order, OrderLine, Product, Shipment
from orders.seed.orders import seed_catalog, seed_orders
from procurement.models import Counter
from tests.support.orders import make_budget

pytestmark = pytest.mark.django_db


def test_seed_catalog_is_idempotent():
    assert seed_catalog() > 0
    counts = (Category.objects.count(), Product.objects.count())
    assert seed_catalog() == 0
    assert (Category.objects.count(), Product.objects.count()) == counts
    assert counts[1] >= 30 and not Category.objects.filter(code="").exists()


def test_seed_orders_consistent_and_idempotent(business, buyer, group):
    budget = make_budget(group, amount="100000.00")
    assert seed_orders(business=business, count=120, lines_avg=4) == 120
    assert seed_orders(business=business, count=120, lines_avg=4) == 0
    orders = Order.objects.filter(business=business)
    assert set(orders.values_list("status", flat=True)) == set(Order.Status.values)
    sums = dict(OrderLine.objects.filter(order__business=business).values("order_id").annotate(t=Sum("amount")).values_list("order_id", "t"))
    assert all(Decimal(str(sums[pk])).quantize(Decimal("0.01")) == total for pk, total in orders.values_list("pk", "total"))
    assert orders.values("po_number").distinct().count() == 120
    # Numbered as checkout numbers them, gap-free: releases of the Blanket PO, the rest from the counter.
    budget.refresh_from_db()
    releases = sorted(orders.filter(budget=budget).values_list("po_number", flat=True), key=lambda n: int(n.rsplit("-", 1)[1]))
    assert releases and releases == [f"{budget.po_number}-{n}" for n in range(1, len(releases) + 1)]
    assert budget.release_count == len(releases)
    assert Counter.objects.get(business=business, kind="po").last_value == 120 - len(releases)
    ledger = LedgerEntry.objects.filter(budget=budget).aggregate(
        c=Sum("amount", filter=Q(kind="charge")), r=Sum("amount", filter=Q(kind="release")))
    assert budget.spent == (ledger["c"] or 0) - (ledger["r"] or 0) > 0
    assert budget.spent <= budget.amount
    charged = orders.filter(budget=budget).exclude(status__in=["pending_approval", "rejected", "cancelled"])
    assert budget.spent == charged.aggregate(t=Sum("total"))["t"]
    assert not OrderLine.objects.filter(quantity_shipped__gt=F("quantity") - F("quantity_cancelled")).exists()
    shipped = orders.filter(status__in=["shipped", "delivered", "partly_shipped"])
    assert Shipment.objects.filter(order__in=shipped).count() == shipped.count()
    partly = orders.filter(status="partly_shipped").annotate(open=Sum(F("lines__quantity") - F("lines__quantity_shipped")))
    assert all(o.open > 0 for o in partly)
    assert orders.filter(placed_at__lt=orders.order_by("-placed_at").first().placed_at).exists()  # dates spread
