"""Faults: an error inside a money-writing service after its first write leaves nothing partial; a
PostgreSQL restart between two requests does not fail the second one."""

import datetime
import os
import shutil
import subprocess
import time
import urllib.request
from decimal import Decimal

import pytest
from django.apps import apps
from django.db import connection
from django.urls import reverse

import budgets.ledger
import orders.approvals.services
import orders.checkout.services
import orders.documents.services
import orders.finance.payments
import orders.finance.statements
import orders.fulfilment.services
from budgets.models import Allocation, Budget
from budgets.services import allocations_save
from orders.approvals.services import order_reject
from orders.documents.services import invoice_issue
from orders.finance.payments import payment_apply, payment_record
from orders.finance.statements import statement_import
from orders.fulfilment.services import order_cancel, shipment_create
from orders.models import Invoice, Order, Payment, PaymentAllocation
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.finance import make_invoice
from tests.support.isolation.documents import order_with_lines, ship
from tests.support.orders import fill_cart, make_budget, place


class Boom(Exception):
    pass


def _state():
    """Row counts of every table and the money columns that services move: the whole picture."""
    counts = {m._meta.label: m._default_manager.count() for m in apps.get_models()
              if m._meta.app_label not in ("sessions", "axes", "admin")}
    money = {
        "budgets": sorted(Budget.objects.values_list("pk", "spent")),
        "allocations": sorted(Allocation.objects.values_list("pk", "amount", "spent")),
        "invoices": sorted(Invoice.objects.values_list("pk", "amount_paid", "status")),
        "payments": sorted(Payment.objects.values_list("pk", "amount_applied", "status")),
        "orders": sorted(Order.objects.values_list("pk", "status", "over_budget")),
    }
    return counts, money


def _after_real(module, name, monkeypatch):
    """Replace module.name by a wrapper that does the real work, then fails."""
    real = getattr(module, name)

    def failing(*args, **kwargs):
        real(*args, **kwargs)
        raise Boom(f"fault after {name}")

    monkeypatch.setattr(module, name, failing)


def _on_call(module, name, monkeypatch, n=2):
    """Replace module.name by a wrapper that fails on its n-th call (the earlier ones work)."""
    real = getattr(module, name)
    calls = []

    def failing(*args, **kwargs):
        calls.append(1)
        if len(calls) >= n:
            raise Boom(f"fault on call {n} of {name}")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, failing)


@pytest.mark.django_db
def test_checkout_fails_after_the_charge(buyer, group, monkeypatch):
    budget = make_budget(group, amount="500.00")
    fill_cart(buyer, ("10.00", 2))
    before = _state()
    _after_real(orders.checkout.services, "budget_charge", monkeypatch)
    with pytest.raises(Boom):
        place(buyer, group, budget)
    assert _state() == before


@pytest.mark.django_db
def test_a_charge_fails_after_the_budget_update(buyer, group, monkeypatch):
    budget = make_budget(group, amount="500.00")
    before = _state()
    monkeypatch.setattr(budgets.ledger, "_low_funds_alert", lambda budget: (_ for _ in ()).throw(Boom("alert")))
    with pytest.raises(Boom):
        budgets.ledger.budget_charge(budget=budget, member=buyer, amount=Decimal("10.00"), acting_user=None)
    assert _state() == before


@pytest.mark.django_db
def test_rejection_fails_after_the_release(buyer, group, admin_member, monkeypatch):
    # Pending orders hold a reservation; a rejection that fails after releasing it restores everything.
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "5.00"})
    fill_cart(buyer, ("60.00", 1))
    order = place(buyer, group, budget).order
    before = _state()
    _after_real(orders.approvals.services, "budget_release", monkeypatch)
    with pytest.raises(Boom):
        order_reject(order=order, approver=admin_member, reason="No", acting_user=admin_member.user)
    assert _state() == before


@pytest.mark.django_db
def test_cancel_fails_after_the_release(business, admin_member, monkeypatch):
    order = order_with_lines(business=business)
    Budget.objects.filter(pk=order.budget_id).update(allow_unallocated_spend=True)
    order.budget.refresh_from_db()
    budgets.ledger.budget_charge(budget=order.budget, member=order.buyer, amount=order.total, acting_user=None, order=order)
    before = _state()
    _after_real(orders.fulfilment.services, "budget_release", monkeypatch)
    with pytest.raises(Boom):
        order_cancel(order=order, acting_user=admin_member.user)
    assert _state() == before


@pytest.mark.django_db
def test_shipping_fails_after_the_invoice(business, admin_member, monkeypatch):
    order = order_with_lines(business=business)
    before = _state()
    _after_real(orders.fulfilment.services, "invoice_issue", monkeypatch)
    with pytest.raises(Boom):
        shipment_create(order=order, carrier="UPS", tracking_number="1Z999", ship_date=datetime.date(2026, 3, 2),
                        quantities={line.pk: 1 for line in order.lines.all()}, acting_user=admin_member.user)
    assert _state() == before


@pytest.mark.django_db
def test_invoicing_fails_after_the_invoice_row(business, admin_member, monkeypatch):
    order = order_with_lines(business=business)
    shipment = ship(order, {line: 1 for line in order.lines.all()})
    before = _state()
    monkeypatch.setattr(orders.documents.services.InvoiceLine.objects, "bulk_create",
                        lambda *a, **k: (_ for _ in ()).throw(Boom("lines")))
    with pytest.raises(Boom):
        invoice_issue(shipment=shipment, acting_user=admin_member.user)
    assert _state() == before


@pytest.mark.django_db
def test_a_payment_fails_after_it_is_saved(business, group):
    invoice = make_invoice(group=group, total="100.00")
    before = _state()
    with pytest.MonkeyPatch.context() as mp:
        _after_real(orders.finance.payments, "payment_apply", mp)
        with pytest.raises(Boom):
            payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=Decimal("100.00"),
                           acting_user=None, invoice_number=invoice.number)
    assert _state() == before


@pytest.mark.django_db
def test_applying_fails_after_the_first_invoice(business, group, monkeypatch):
    first = make_invoice(group=group, total="40.00")
    second = make_invoice(order=first.order, total="60.00")
    payment = payment_record(business=business, received_on=datetime.date(2026, 3, 9), amount=Decimal("100.00"),
                             acting_user=None)
    before = _state()
    _on_call(PaymentAllocation.objects, "create", monkeypatch, n=2)
    with pytest.raises(Boom):
        payment_apply(payment=payment, invoices=[first, second], acting_user=None)
    assert _state() == before


@pytest.mark.django_db
def test_a_statement_import_fails_after_its_payments_are_written(business, group, admin_member, monkeypatch):
    """The set-based save: payments and their history are in, then the invoices' update fails: nothing stays."""
    invoice = make_invoice(group=group, total="100.00", number="INV-F-1")
    text = f"Date,Amount,Description\n2026-03-20,60.00,{invoice.number}\n2026-03-21,40.00,{invoice.number}\n"
    mapping = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}
    before = _state()
    _on_call(orders.finance.statements, "_invoices_paid_update", monkeypatch, n=1)
    with pytest.raises(Boom):
        statement_import(business=business, text=text, mapping=mapping, filename="s.csv", member=admin_member,
                         acting_user=admin_member.user)
    assert _state()[0] == before[0] and _state()[1] == before[1]


@pytest.mark.django_db
def test_saving_allocations_fails_after_the_updates(group, admin_member, monkeypatch):
    budget = make_budget(group, amount="100.00")
    a, b = (MemberFactory(business=group.business) for _ in range(2))
    for m in (a, b):
        GroupMembershipFactory(group=group, member=m, role="buyer")
    allocations_save(budget=budget, amounts={a.pk: Decimal("10.00")}, acting_user=admin_member.user)
    before = _state()
    import budgets.services

    monkeypatch.setattr(budgets.services, "bulk_create_with_history", lambda *a, **k: (_ for _ in ()).throw(Boom("create")))
    with pytest.raises(Boom):
        allocations_save(budget=budget, amounts={a.pk: Decimal("20.00"), b.pk: Decimal("5.00")}, acting_user=admin_member.user)
    assert _state() == before


# --- PostgreSQL restart between two requests --------------------------------------------------


def _can_restart_postgres() -> str | None:
    if connection.vendor != "postgresql":
        return "needs PostgreSQL"
    if os.environ.get("PG_RESTART_TEST") != "1":
        return "restarts the PostgreSQL cluster: set PG_RESTART_TEST=1 (.ci/run does on its PostgreSQL pass)"
    if os.geteuid() != 0 or not shutil.which("pg_ctlcluster") or not shutil.which("pg_lsclusters"):
        return "needs root and pg_ctlcluster on the machine that runs PostgreSQL"
    if connection.settings_dict.get("HOST") not in ("127.0.0.1", "localhost", "", None):
        return "PostgreSQL is not local"
    return None


def _get(url, cookie):
    request = urllib.request.Request(url, headers={"Cookie": cookie})
    with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310 - the live test server
        return response.status, response.read().decode()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_request_after_a_postgresql_restart_succeeds(client, live_server, admin_member):
    """The live server keeps its connection between requests (CONN_MAX_AGE); a restart kills it, and
    CONN_HEALTH_CHECKS makes the next request notice and reconnect instead of failing."""
    reason = _can_restart_postgres()
    if reason:
        pytest.skip(reason)
    client.force_login(admin_member.user)
    cookie = "; ".join(f"{k}={v.value}" for k, v in client.cookies.items())
    url = live_server.url + reverse("procurement:account")
    status, body = _get(url, cookie)
    assert status == 200 and "Your Account for Business" in body
    version, cluster = subprocess.run(["pg_lsclusters", "-h"], check=True, capture_output=True, text=True).stdout.split()[:2]
    subprocess.run(["pg_ctlcluster", "--skip-systemctl-redirect", version, cluster, "restart"], check=True, timeout=120)
    for _ in range(60):
        if subprocess.run(["pg_isready", "-h", "127.0.0.1", "-q"]).returncode == 0:
            break
        time.sleep(0.5)
    connection.close()  # the test's own connection died too; teardown needs a fresh one
    status, body = _get(url, cookie)
    assert status == 200 and "Your Account for Business" in body
