"""Seeders: idempotent, every status, money consistent with the ledger, numbers from the counter."""

import datetime
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
    charged = orders.filter(budget=budget).exclude(status__in=["rejected", "cancelled"])  # pending orders reserve
    assert budget.spent == charged.aggregate(t=Sum("total"))["t"]
    assert not OrderLine.objects.filter(quantity_shipped__gt=F("quantity") - F("quantity_cancelled")).exists()
    shipped = orders.filter(status__in=["shipped", "delivered", "partly_shipped"])
    assert Shipment.objects.filter(order__in=shipped).count() == shipped.count()
    partly = orders.filter(status="partly_shipped").annotate(open=Sum(F("lines__quantity") - F("lines__quantity_shipped")))
    assert all(o.open > 0 for o in partly)
    assert orders.filter(placed_at__lt=orders.order_by("-placed_at").first().placed_at).exists()  # dates spread


def test_seed_invoices_matches_invoice_issue_and_the_counter(business, buyer, group):
    """The set-based invoicing (PostgreSQL) gives what invoice_issue gives one by one: numbers in
    ship-date order from the counter, lines = shipment lines, amounts and tax rounded half-up."""
    from orders.documents.services import invoice_line_amount, invoice_tax
    from orders.models import Invoice, InvoiceLine
    from orders.seed.orders import seed_invoices

    business.tax_rate = Decimal("8.875")
    business.save(update_fields=["tax_rate"])
    make_budget(group, amount="100000.00")
    seed_orders(business=business, count=60, lines_avg=4)
    shipments = list(Shipment.objects.filter(business=business).order_by("ship_date", "id"))
    assert seed_invoices(business=business) == len(shipments) > 0
    assert seed_invoices(business=business) == 0  # idempotent
    invoices = list(Invoice.objects.filter(business=business).order_by("id"))
    assert [i.shipment_id for i in invoices] == [s.pk for s in shipments]
    assert [i.number for i in invoices] == [f"INV-{s.ship_date.year}-{n:06}" for n, s in enumerate(shipments, start=1)]
    assert Counter.objects.get(business=business, kind="invoice").last_value == len(invoices)
    for invoice in invoices:
        lines = list(InvoiceLine.objects.filter(invoice=invoice).order_by("id"))
        shipped = list(invoice.shipment.lines.select_related("order_line").order_by("id"))
        assert [(l.order_line_id, l.quantity) for l in lines] == [(s.order_line_id, s.quantity) for s in shipped]
        assert all(l.amount == invoice_line_amount(quantity=l.quantity, unit_price=l.unit_price) for l in lines)
        assert invoice.subtotal == sum(l.amount for l in lines)
        assert invoice.tax == invoice_tax(subtotal=invoice.subtotal, tax_rate=Decimal("8.875"))
        assert invoice.total == invoice.subtotal + invoice.tax
        assert invoice.due_on - invoice.issued_on == datetime.timedelta(days=business.payment_terms_days)
        assert invoice.status == "open" and invoice.amount_paid == 0
