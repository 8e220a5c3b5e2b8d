"""Checkout: numbering, totals, every budget policy branch, double submit, and races on PostgreSQL."""

import threading
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.urls import reverse

from budgets.ledger import BudgetUnavailable, InsufficientFunds
from budgets.models import Budget, LedgerEntry
from orders.checkout.services import CheckoutError, EmptyCart, PONumberTaken
from orders.models import CartItem, Order, OrderLine
from procurement.models import Business, Counter
from tests.factories import AddressFactory, GroupFactory
from tests.support.orders import fill_cart, make_budget, make_buyer, place

pytestmark = pytest.mark.django_db


def test_generated_number_lines_and_totals_without_budget(buyer, group):
    fill_cart(buyer, ("10.25", 3), ("0.10", 7))
    result = place(buyer, group)
    order = result.order
    assert result.created
    assert order.po_number == f"PO-{order.placed_at:%Y}-000001"
    assert order.total == Decimal("31.45") == sum(line.amount for line in order.lines.all())
    assert order.status == Order.Status.PLACED
    assert order.ship_to.splitlines()[0] == "Receiving dock"
    assert not CartItem.objects.filter(member=buyer).exists()


def test_release_against_blanket_po_charges_the_budget(buyer, group):
    budget = make_budget(group, amount="500.00", po_number="BPO-77")
    fill_cart(buyer, ("100.00", 1))
    first = place(buyer, group, budget).order
    fill_cart(buyer, ("50.00", 1))
    second = place(buyer, group, budget).order
    assert (first.po_number, second.po_number) == ("BPO-77-1", "BPO-77-2")
    assert first.blanket_po_number == "BPO-77"
    budget.refresh_from_db()
    assert budget.spent == Decimal("150.00") and budget.release_count == 2
    assert list(LedgerEntry.objects.filter(order=first).values_list("kind", "amount")) == [("charge", Decimal("100.00"))]


def test_group_pattern_overrides_release_numbers(buyer, group):
    group.po_pattern = "{cost_center}-{seq:03}"
    group.save()
    budget = make_budget(group)
    fill_cart(buyer, ("5.00", 1))
    assert place(buyer, group, budget).order.po_number == f"{group.cost_center}-001"


def test_block_policy_refuses_and_saves_nothing(buyer, group):
    budget = make_budget(group, amount="100.00")
    fill_cart(buyer, ("60.00", 2))
    with pytest.raises(InsufficientFunds) as exc:
        place(buyer, group, budget)
    assert exc.value.available == Decimal("100.00")
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()
    assert CartItem.objects.filter(member=buyer).count() == 1
    budget.refresh_from_db()
    assert budget.spent == 0 and budget.release_count == 0


def test_warn_policy_places_and_flags(buyer, group):
    budget = make_budget(group, amount="100.00", policy=Budget.Policy.WARN)
    fill_cart(buyer, ("60.00", 2))
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PLACED and order.over_budget
    assert LedgerEntry.objects.get(order=order).over_limit
    budget.refresh_from_db()
    assert budget.spent == Decimal("120.00")


def test_approval_policy_places_pending_and_reserves(buyer, group):
    # Over the buyer's allocation: pending, and the amount is reserved on the budget at checkout.
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "100.00"})
    fill_cart(buyer, ("60.00", 2))
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL
    assert "needs approval" in order.needs_approval_reason
    assert LedgerEntry.objects.get(order=order).amount == Decimal("120.00")
    budget.refresh_from_db()
    assert budget.spent == Decimal("120.00")


def test_approval_policy_refuses_past_the_budget_total_at_checkout(buyer, group):
    # Approval lets an order past an allocation, never past the budget: refused now, not at approval.
    budget = make_budget(group, amount="100.00", policy=Budget.Policy.APPROVAL)
    fill_cart(buyer, ("60.00", 2))
    with pytest.raises(InsufficientFunds):
        place(buyer, group, budget)
    assert not Order.objects.exists() and not LedgerEntry.objects.exists()


def test_approval_threshold_makes_any_budget_wait(buyer, group):
    group.approval_threshold = Decimal("50.00")
    group.save()
    budget = make_budget(group, amount="1000.00")
    fill_cart(buyer, ("50.01", 1))
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL and "threshold" in order.needs_approval_reason
    assert LedgerEntry.objects.get(order=order).amount == Decimal("50.01")  # reserved
    fill_cart(buyer, ("50.00", 1))
    assert place(buyer, group, budget).order.status == Order.Status.PLACED


def test_allocation_limits_the_buyer(buyer, group):
    budget = make_budget(group, amount="1000.00", allocate={buyer: "30.00"})
    fill_cart(buyer, ("31.00", 1))
    with pytest.raises(InsufficientFunds) as exc:
        place(buyer, group, budget)
    assert exc.value.available == Decimal("30.00")


def test_closed_or_foreign_budget_and_empty_cart_are_refused(buyer, group, other_business):
    closed = make_budget(group, status=Budget.Status.CLOSED)
    fill_cart(buyer, ("5.00", 1))
    with pytest.raises(BudgetUnavailable):
        place(buyer, group, closed)
    other_group_budget = make_budget(GroupFactory(business=group.business))
    with pytest.raises(CheckoutError):
        place(buyer, group, other_group_budget)
    open_budget = make_budget(group)
    with pytest.raises(CheckoutError, match="Choose the Blanket PO"):
        place(buyer, group, None)  # the group has an active budget: it must be charged
    CartItem.objects.all().delete()
    with pytest.raises(EmptyCart):
        place(buyer, group, open_budget)
    assert not Order.objects.exists()


def test_typed_numbers(buyer, group):
    business = group.business
    business.po_mode = Business.POMode.TYPED
    business.po_regex = r"[0-9]{6}"
    business.save()
    fill_cart(buyer, ("5.00", 1))
    assert place(buyer, group, po_number="123456").order.po_number == "123456"
    fill_cart(buyer, ("5.00", 1))
    with pytest.raises(PONumberTaken, match="already used"):
        place(buyer, group, po_number="123456")
    with pytest.raises(CheckoutError, match="does not follow"):
        place(buyer, group, po_number="12")
    with pytest.raises(CheckoutError, match="Enter your PO number"):
        place(buyer, group)
    business.po_required = False
    business.save()
    assert place(buyer, group).order.po_number.startswith("PO-")  # optional: generated when left blank
    assert not Counter.objects.filter(business=business, last_value__gt=1).exists()


def _checkout_post(client, group, budget=None, token=None, **extra):
    data = {"group": group.pk, "checkout_token": str(token or uuid.uuid4()), "address": group.shipping_address_id,
            "budget": budget.pk if budget else "", **extra}
    return client.post(reverse("orders:checkout"), data)


def test_double_submit_makes_one_order(client, buyer, group):
    budget = make_budget(group)
    fill_cart(buyer, ("10.00", 2))
    client.force_login(buyer.user)
    token = uuid.uuid4()
    first = _checkout_post(client, group, budget, token)
    second = _checkout_post(client, group, budget, token)
    order = Order.objects.get()
    assert first.status_code == second.status_code == 302
    assert first["Location"] == second["Location"] == reverse("orders:order_detail", args=[order.po_number])
    budget.refresh_from_db()
    assert budget.spent == Decimal("20.00")


def test_checkout_page_lists_only_spendable_budgets_with_balance(client, buyer, group):
    fill_cart(buyer, ("10.00", 1))
    mine = make_budget(group, name="Office supplies", amount="300.00")
    hidden = make_budget(group, name="Hidden balance", show_balance_to_buyers=False)
    make_budget(group, name="Closed one", status=Budget.Status.CLOSED)
    import datetime
    from django.utils import timezone
    make_budget(group, name="Expired one", start_date=timezone.localdate() - datetime.timedelta(days=60),
                end_date=timezone.localdate() - datetime.timedelta(days=1))
    make_budget(group, name="Not mine", allocate={make_buyer(group): "10.00"})
    client.force_login(buyer.user)
    html = client.get(reverse("orders:checkout")).content.decode()
    assert f"Office supplies · Blanket PO {mine.po_number} · $300.00 remaining" in html
    assert f"Hidden balance · Blanket PO {hidden.po_number}<" in html
    for absent in ("Closed one", "Expired one", "Not mine"):
        assert absent not in html
    assert "Place order" in html and f"<strong class=\"font-monospace\">{mine.po_number}-1</strong>" in html


def test_block_shows_remaining_and_saves_nothing(client, buyer, group):
    budget = make_budget(group, amount="100.00")
    fill_cart(buyer, ("80.00", 2))
    client.force_login(buyer.user)
    response = _checkout_post(client, group, budget)
    assert response.status_code == 200
    assert "Only <strong>$100.00</strong> remains" in response.content.decode()
    assert not Order.objects.exists()


def test_typed_duplicate_is_a_form_error(client, buyer, group):
    business = group.business
    business.po_mode = Business.POMode.TYPED
    business.save()
    budget = make_budget(group)
    fill_cart(buyer, ("5.00", 1))
    client.force_login(buyer.user)
    assert _checkout_post(client, group, budget, po_number="ACME-1").status_code == 302
    fill_cart(buyer, ("5.00", 1))
    response = _checkout_post(client, group, budget, po_number="ACME-1")
    assert "already used by another order" in response.content.decode()
    assert Order.objects.count() == 1


def test_checkout_needs_a_buyer(client, business, group):
    from tests.factories import MemberFactory
    finance = MemberFactory(business=business)
    from tests.factories import GroupMembershipFactory
    GroupMembershipFactory(group=group, member=finance, role="finance")
    client.force_login(finance.user)
    assert client.get(reverse("orders:checkout")).status_code == 403
    assert client.get(reverse("orders:catalog")).status_code == 403


def test_other_address_of_the_business_only(buyer, group, other_business):
    fill_cart(buyer, ("5.00", 1))
    foreign = AddressFactory(business=other_business)
    with pytest.raises(CheckoutError):
        place(buyer, group, address=foreign)
    own = AddressFactory(business=group.business, label="Warehouse")
    assert place(buyer, group, address=own).order.shipping_address == own


# --- Races on PostgreSQL ---------------------------------------------------------------------------

def _run_threads(n, target):
    barrier = threading.Barrier(n)
    results, errors = [], []

    def worker(i):
        try:
            barrier.wait()
            results.append(target(i))
        except Exception as exc:  # noqa: BLE001 - collected and asserted on
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return results, errors


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_checkouts_get_distinct_consecutive_numbers(group):
    group.po_pattern = "PO-{seq:04}"
    group.save()
    budget = make_budget(group, amount="100000.00")
    buyers = [make_buyer(group) for _ in range(20)]
    for b in buyers:
        fill_cart(b, ("10.00", 1))
    results, errors = _run_threads(20, lambda i: place(buyers[i], group, budget).order.po_number)
    assert not errors
    assert sorted(results) == [f"PO-{n:04}" for n in range(1, 21)]
    budget.refresh_from_db()
    assert budget.spent == Decimal("200.00")


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_twenty_concurrent_checkouts_never_overspend(group):
    budget = make_budget(group, amount="1000.00")
    buyers = [make_buyer(group) for _ in range(20)]
    for b in buyers:
        fill_cart(b, ("100.00", 1))
    results, errors = _run_threads(20, lambda i: place(buyers[i], group, budget).order)
    assert len(results) == 10 and len(errors) == 10
    assert all(isinstance(e, InsufficientFunds) for e in errors)
    budget.refresh_from_db()
    assert budget.spent == Decimal("1000.00")
    assert sorted(o.po_number for o in Order.objects.all()) == sorted(f"{budget.po_number}-{n}" for n in range(1, 11))
    assert OrderLine.objects.count() == 10


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_threads_posting_the_same_token_make_one_order(group):
    buyer = make_buyer(group)
    budget = make_budget(group)
    fill_cart(buyer, ("10.00", 1))
    token = uuid.uuid4()
    results, errors = _run_threads(2, lambda i: place(buyer, group, budget, checkout_token=token))
    assert not errors
    assert Order.objects.count() == 1
    assert {r.order.pk for r in results} == {Order.objects.get().pk}
    assert sorted(r.created for r in results) == [False, True]
    budget.refresh_from_db()
    assert budget.spent == Decimal("10.00")
