"""invoice_issue / invoice_void: numbering, money, and the invoices adding up to what the order charged."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection, transaction
from django.db.models import Sum

from budgets.ledger import budget_charge
from budgets.models import LedgerEntry
from orders.documents.services import (
    InvoiceError, invoice_issue, invoice_line_amount, invoice_tax, invoice_void, money_round,
)
from orders.models import Invoice
from procurement.numbering.counters import counter_peek
from tests.factories import AllocationFactory, BusinessFactory, MemberFactory, ShipmentFactory
from tests.support.isolation.documents import order_with_lines, ship

D = Decimal


@pytest.mark.parametrize(
    "value,expected",
    [("1.005", "1.01"), ("1.0049", "1.00"), ("2.675", "2.68"), ("0.125", "0.13"), ("-0.005", "-0.01"), ("1.015", "1.02")],
)
def test_money_round_is_half_up_not_bankers(value, expected):
    assert money_round(D(value)) == D(expected)


@pytest.mark.parametrize(
    "subtotal,rate,expected",
    [
        ("10.01", "8.875", "0.89"),    # 0.88838... → 0.89
        ("100.00", "8.875", "8.88"),   # 8.875 exactly → 8.88
        ("10.20", "2.5", "0.26"),      # 0.255 exactly → 0.26
        ("10.60", "2.5", "0.27"),      # 0.265 exactly: half-up 0.27, banker's 0.26
        ("44.20", "0", "0.00"),        # no tax by default
        ("0.01", "7.25", "0.00"),
    ],
)
def test_invoice_tax_rounds_half_up_once_on_the_subtotal(subtotal, rate, expected):
    assert invoice_tax(subtotal=D(subtotal), tax_rate=D(rate)) == D(expected)


def test_line_amount_is_quantity_times_unit_price_to_the_cent():
    assert invoice_line_amount(quantity=3, unit_price=D("0.33")) == D("0.99")
    assert invoice_line_amount(quantity=7, unit_price=D("19.99")) == D("139.93")


@pytest.mark.django_db
def test_issue_numbers_sequentially_per_business_and_snapshots_the_lines(business, admin_member):
    order = order_with_lines(business=business)
    line_a, line_b = order.lines.order_by("id")
    first = invoice_issue(shipment=ship(order, {line_a: 3, line_b: 2}), acting_user=admin_member.user)
    second = invoice_issue(shipment=ship(order, {line_b: 3}), acting_user=admin_member.user)
    year = datetime.date.today().year
    assert (first.number, second.number) == (f"INV-{year}-000001", f"INV-{year}-000002")

    # Another business counts on its own.
    other = BusinessFactory()
    other_order = order_with_lines(business=other)
    third = invoice_issue(shipment=ship(other_order, {other_order.lines.first(): 1}), acting_user=admin_member.user)
    assert third.number == f"INV-{year}-000001"
    assert counter_peek(business=business, kind="invoice") == 3

    lines = list(first.lines.order_by("id").values_list("sku", "quantity", "unit_price", "amount"))
    assert lines == [(line_a.sku, 3, D("12.50"), D("37.50")), (line_b.sku, 2, D("3.35"), D("6.70"))]
    assert (first.subtotal, first.tax, first.total) == (D("44.20"), D("0.00"), D("44.20"))
    assert first.due_on == first.issued_on + datetime.timedelta(days=30)
    assert first.status == Invoice.Status.OPEN and first.balance_due == D("44.20")
    assert first.history.first().history_user == admin_member.user


@pytest.mark.django_db
def test_tax_and_payment_terms_come_from_the_business(business, admin_member):
    business.tax_rate = D("8.875")
    business.payment_terms_days = 45
    business.save()
    order = order_with_lines(business=business, lines=((1, "10.01"),))
    invoice = invoice_issue(shipment=ship(order, {order.lines.get(): 1}), acting_user=admin_member.user,
                            issued_on=datetime.date(2026, 1, 31))
    invoice.refresh_from_db()
    assert (invoice.subtotal, invoice.tax_rate, invoice.tax, invoice.total) == (D("10.01"), D("8.875"), D("0.89"), D("10.90"))
    assert invoice.due_on == datetime.date(2026, 3, 17)
    assert invoice.number == "INV-2026-000001"


@pytest.mark.django_db
def test_partial_shipments_add_up_to_what_the_order_charged_its_budget(business, admin_member):
    order = order_with_lines(business=business, lines=((3, "0.35"), (7, "19.99"), (1, "1234.56")))
    AllocationFactory(budget=order.budget, member=order.buyer, amount=D("2000.00"))
    charge = budget_charge(budget=order.budget, member=order.buyer, amount=order.total,
                           acting_user=order.buyer.user, order=order)
    a, b, c = order.lines.order_by("id")
    shipments = [ship(order, {a: 1, b: 2}), ship(order, {a: 2, c: 1}), ship(order, {b: 5})]
    invoices = [invoice_issue(shipment=s, acting_user=admin_member.user) for s in shipments]

    assert [i.total for i in invoices] == [D("40.33"), D("1235.26"), D("99.95")]
    charged = LedgerEntry.objects.filter(order=order, kind="charge").aggregate(s=Sum("amount"))["s"]
    assert sum(i.total for i in invoices) == charged == order.total == charge.amount == D("1375.54")
    # Every unit ordered is invoiced exactly once.
    for line in (a, b, c):
        invoiced = sum(il.quantity for i in invoices for il in i.lines.all() if il.order_line_id == line.pk)
        assert invoiced == line.quantity


@pytest.mark.django_db
def test_issuing_twice_returns_the_same_invoice_and_uses_one_number(business, admin_member):
    order = order_with_lines(business=business)
    shipment = ship(order, {order.lines.first(): 1})
    first = invoice_issue(shipment=shipment, acting_user=admin_member.user)
    again = invoice_issue(shipment=shipment, acting_user=admin_member.user)
    assert again.pk == first.pk
    assert Invoice.objects.filter(shipment=shipment).count() == 1
    assert counter_peek(business=business, kind="invoice") == 2


@pytest.mark.django_db
def test_a_shipment_without_lines_gets_no_invoice_and_no_number(business, admin_member):
    order = order_with_lines(business=business)
    with pytest.raises(InvoiceError, match="no lines"):
        invoice_issue(shipment=ShipmentFactory(order=order), acting_user=admin_member.user)
    assert not Invoice.objects.exists()
    assert counter_peek(business=business, kind="invoice") == 1


@pytest.mark.django_db
def test_rolled_back_shipping_gives_its_number_back(business, admin_member):
    """Issued in the caller's transaction: if shipping fails afterwards, nothing (and no number) remains."""
    order = order_with_lines(business=business)
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            invoice_issue(shipment=ship(order, {order.lines.first(): 1}), acting_user=admin_member.user)
            raise RuntimeError("carrier API down")
    assert not Invoice.objects.exists()
    kept = invoice_issue(shipment=ship(order, {order.lines.first(): 1}), acting_user=admin_member.user)
    assert kept.number.endswith("-000001")


@pytest.mark.django_db
def test_void_only_unpaid_invoices_with_a_reason(business, admin_member):
    order = order_with_lines(business=business)
    a, b = order.lines.order_by("id")
    unpaid = invoice_issue(shipment=ship(order, {a: 1}), acting_user=admin_member.user)
    paid = invoice_issue(shipment=ship(order, {b: 1}), acting_user=admin_member.user)
    Invoice.objects.filter(pk=paid.pk).update(amount_paid=D("1.00"), status=Invoice.Status.PARTLY_PAID)

    with pytest.raises(InvoiceError, match="why"):
        invoice_void(invoice=unpaid, reason="  ", acting_user=admin_member.user)
    with pytest.raises(InvoiceError, match="reallocate"):
        invoice_void(invoice=paid, reason="duplicate", acting_user=admin_member.user)
    voided = invoice_void(invoice=unpaid, reason="Shipped to the wrong site", acting_user=admin_member.user)
    assert voided.status == Invoice.Status.VOID and voided.balance_due == D("0.00")
    assert voided.number == unpaid.number  # numbers are never reused
    with pytest.raises(InvoiceError, match="already void"):
        invoice_void(invoice=voided, reason="again", acting_user=admin_member.user)
    assert Invoice.objects.get(pk=paid.pk).status == Invoice.Status.PARTLY_PAID


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_shipments_get_distinct_consecutive_numbers():
    business = BusinessFactory()
    acting = MemberFactory(business=business, is_business_admin=True).user
    order = order_with_lines(business=business, lines=((20, "5.00"),))
    line = order.lines.get()
    shipments = [ship(order, {line: 1}) for _ in range(20)]
    barrier = threading.Barrier(len(shipments))
    numbers, errors = [], []

    def issue(shipment):
        try:
            barrier.wait()
            with transaction.atomic():
                numbers.append(invoice_issue(shipment=shipment, acting_user=acting).number)
        except Exception as exc:  # noqa: BLE001 - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=issue, args=(s,)) for s in shipments]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors
    year = datetime.date.today().year
    assert sorted(numbers) == [f"INV-{year}-{n:06}" for n in range(1, 21)]
    assert Invoice.objects.filter(business=business).count() == 20
    assert counter_peek(business=business, kind="invoice") == 21
