"""Recording and applying payments: exact, partial, several invoices, over and under payment, resolving."""

import datetime
import threading
from decimal import Decimal

import pytest
from django.db import connection

from orders.models import Invoice, Payment, PaymentAllocation
from orders.finance.payments import PaymentError, payment_mark_not_ours, payment_record, payment_resolve

from tests.support.finance import make_invoice

D = Decimal
DAY = datetime.date(2026, 3, 20)


def _record(business, amount, **kw):
    return payment_record(business=business, received_on=kw.pop("on", DAY), amount=D(amount), acting_user=None, **kw)


def test_exact_payment_by_invoice_number_pays_it(business, group):
    inv = make_invoice(group=group, total="250.00")
    p = _record(business, "250.00", invoice_number=inv.number.lower())
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.status) == (D("250.00"), Invoice.Status.PAID)
    assert (p.status, p.amount_applied, p.unapplied) == (Payment.Status.MATCHED, D("250.00"), D("0.00"))


def test_partial_payment_leaves_the_invoice_partly_paid_then_a_second_pays_it(business, group):
    inv = make_invoice(group=group, total="100.00")
    _record(business, "40.00", invoice_number=inv.number)
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.status, inv.balance_due) == (D("40.00"), Invoice.Status.PARTLY_PAID, D("60.00"))
    _record(business, "60.00", po_number=inv.order.po_number)
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.status) == (D("100.00"), Invoice.Status.PAID)


def test_one_payment_for_a_po_settles_its_invoices_oldest_first_and_keeps_the_rest_as_credit(business, group):
    first = make_invoice(group=group, total="100.00", issued_on=datetime.date(2026, 3, 1))
    order = first.order
    second = make_invoice(order=order, total="50.00", issued_on=datetime.date(2026, 3, 10))
    older = make_invoice(order=order, total="30.00", issued_on=datetime.date(2026, 2, 1))
    p = _record(business, "200.00", po_number=order.po_number)
    paid = {i.number: (i.amount_paid, i.status) for i in Invoice.objects.filter(order=order)}
    assert paid == {older.number: (D("30.00"), "paid"), first.number: (D("100.00"), "paid"), second.number: (D("50.00"), "paid")}
    assert p.amount_applied == D("180.00") and p.unapplied == D("20.00") and p.is_overpaid
    assert list(PaymentAllocation.objects.filter(payment=p).order_by("id").values_list("invoice__number", flat=True)) == [
        older.number, first.number, second.number]


def test_underpayment_for_a_po_pays_the_oldest_invoice_first(business, group):
    old = make_invoice(group=group, total="100.00", issued_on=datetime.date(2026, 3, 1))
    new = make_invoice(order=old.order, total="100.00", issued_on=datetime.date(2026, 3, 2))
    _record(business, "120.00", po_number=old.order.po_number)
    old.refresh_from_db(); new.refresh_from_db()
    assert (old.status, new.status, new.amount_paid) == ("paid", "partly_paid", D("20.00"))


def test_invoice_and_po_numbers_must_agree_and_exist(business, group):
    a = make_invoice(group=group)
    b = make_invoice(group=group)
    with pytest.raises(PaymentError, match="belongs to PO"):
        _record(business, "10.00", invoice_number=a.number, po_number=b.order.po_number)
    with pytest.raises(PaymentError, match="No invoice"):
        _record(business, "10.00", invoice_number="INV-1999-000001")
    with pytest.raises(PaymentError, match="more than zero"):
        _record(business, "0.00")
    assert Payment.objects.count() == 0


def test_payment_without_numbers_stays_unmatched_and_finance_resolves_it(business, group, admin_member):
    inv = make_invoice(group=group, total="75.00")
    p = _record(business, "75.00", reference="TRANSFER 88231")
    assert p.status == Payment.Status.UNMATCHED and p.amount_applied == 0
    p = payment_resolve(payment=p, member=admin_member, acting_user=admin_member.user, order=inv.order)
    inv.refresh_from_db()
    assert inv.status == "paid" and p.status == "matched"
    assert p.resolved_by == admin_member and p.resolved_at is not None and inv.number in p.resolution_note
    assert p.history.first().history_user == admin_member.user


def test_not_ours_is_kept_and_recorded_never_deleted(business, admin_member):
    p = _record(business, "10.00", reference="REFUND COFFEE")
    p = payment_mark_not_ours(payment=p, member=admin_member, acting_user=admin_member.user)
    assert Payment.objects.filter(pk=p.pk, status="not_ours", resolved_by=admin_member).exists()
    with pytest.raises(PaymentError):
        payment_resolve(payment=p, member=admin_member, acting_user=admin_member.user,
                        invoice=make_invoice(group=admin_member.business.groups.create(name="G2")))


def test_a_paid_invoice_paid_again_is_an_overpayment(business, group):
    inv = make_invoice(group=group, total="20.00")
    _record(business, "20.00", invoice_number=inv.number)
    dup = _record(business, "20.00", invoice_number=inv.number)
    inv.refresh_from_db()
    assert inv.amount_paid == D("20.00")
    assert dup.status == "matched" and dup.amount_applied == 0 and dup.is_overpaid


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_payments_never_pay_an_invoice_twice(business, group):
    """20 threads each pay 10.00 on a 100.00 invoice: exactly 100.00 is applied, the rest stays credit."""
    inv = make_invoice(group=group, total="100.00")
    barrier = threading.Barrier(20)
    errors = []

    def pay():
        try:
            barrier.wait()
            _record(business, "10.00", invoice_number=inv.number)
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=pay) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.status) == (D("100.00"), "paid")
    assert sum(PaymentAllocation.objects.filter(invoice=inv).values_list("amount", flat=True)) == D("100.00")
    assert Payment.objects.filter(business=business, amount_applied=0).count() == 10
