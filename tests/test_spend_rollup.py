"""The daily spend roll-up agrees with the order lines to the cent: on random histories driven through the
real services (place, approve, reject, cancel, ship, receive, return), after a set-based rebuild, and
under concurrent checkouts (PostgreSQL)."""

import datetime
import random
import uuid
from collections import defaultdict
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.db import transaction
from django.utils import timezone

from budgets.models import Budget
from orders.analytics import selectors as analytics
from orders.approvals.services import order_approve, order_reject
from orders.fulfilment.services import order_cancel, shipment_create
from orders.models import CartItem, CreditNoteLine, DailySpend, Order, OrderLine
from orders.receiving.services import receipt_record, LineCount
from orders.returns.services import return_approve, return_request
from orders.rollup import (
    SPEND_STATUSES, spend_day, spend_rollup_apply, spend_rollup_differences, spend_rollup_rebuild, spend_rollup_stored,
)
from procurement.models import GroupMembership
from tests.factories import CategoryFactory, GroupFactory, GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.orders import make_budget, make_buyer, place
from tests.support.threads import run_at_once

D = Decimal


def reference(business) -> dict:
    """The roll-up computed by hand in Python from every order line and credit note line (no SQL GROUP BY)."""
    credited = defaultdict(Decimal)
    for line in CreditNoteLine.objects.filter(business=business):
        credited[line.order_line_id] += line.amount
    cells: dict = {}
    seen_first = set()
    for line in OrderLine.objects.filter(business=business).select_related("order", "product").order_by("id"):
        order = line.order
        if order.status not in SPEND_STATUSES:
            continue
        key = (business.pk, spend_day(order.placed_at), order.group_id, order.budget_id, line.product.category_id, order.buyer_id)
        cell = cells.setdefault(key, [D("0.00"), 0, 0, set()])
        cell[0] += line.amount - credited[line.pk]
        cell[1] += 1
        if order.pk not in seen_first:
            seen_first.add(order.pk)
            cell[2] += 1
        cell[3].add(order.pk)
    return {k: (v[0].quantize(D("0.01")), v[1], v[2], len(v[3])) for k, v in cells.items()}


@pytest.fixture
def world(business):
    """Two groups (one with an approval threshold and a Blanket PO, one without a budget), four buyers,
    an approver, and twelve products in three categories."""
    categories = [CategoryFactory(name=f"Cat {i}", code=f"RC{i}") for i in range(3)]
    products = [ProductFactory(category=categories[i % 3], unit_price=D(f"{3 + i * 7}.{(i * 37) % 100:02}")) for i in range(12)]
    g1 = GroupFactory(business=business, name="Engineering", approval_threshold=D("150.00"))
    g2 = GroupFactory(business=business, name="Marketing")
    buyers = {g1: [make_buyer(g1) for _ in range(2)], g2: [make_buyer(g2) for _ in range(2)]}
    approver = MemberFactory(business=business)
    GroupMembershipFactory(group=g1, member=approver, role=GroupMembership.Role.APPROVER)
    budget = make_budget(g1, amount="1000000.00", policy=Budget.Policy.WARN)
    return dict(business=business, products=products, groups=[g1, g2], buyers=buyers, approver=approver, budgets={g1: budget, g2: None})


def _place(world, rng, monkeypatch):
    group = rng.choice(world["groups"])
    buyer = rng.choice(world["buyers"][group])
    for product in rng.sample(world["products"], rng.randint(1, 5)):
        CartItem.objects.create(business=world["business"], member=buyer, product=product, quantity=rng.randint(1, 6))
    when = timezone.now() - datetime.timedelta(days=rng.randint(0, 20), hours=rng.randint(0, 23))
    with monkeypatch.context() as m:
        m.setattr(timezone, "now", lambda: when)  # spread the orders over several days
        return place(buyer, group, world["budgets"][group]).order


def _ship_some(order, rng):
    lines = [line for line in order.lines.order_by("id") if line.quantity_open]
    if not lines:
        return None
    quantities = {line.pk: rng.randint(1, line.quantity_open) for line in rng.sample(lines, rng.randint(1, len(lines)))}
    return shipment_create(order=order, carrier="UPS", tracking_number=f"1Z{rng.randrange(10**8)}",
                           ship_date=timezone.localdate(), quantities=quantities, acting_user=None)


def _receive_and_return(shipment, rng):
    buyer = shipment.order.buyer
    counts = {sl.pk: LineCount(received=sl.quantity) for sl in shipment.lines.order_by("id")}
    receipt = receipt_record(shipment=shipment, counts=counts, received_on=timezone.localdate(), note="", member=buyer,
                             acting_user=buyer.user)
    line = rng.choice(list(receipt.lines.all()))
    request = return_request(receipt_line=line, quantity=rng.randint(1, line.quantity_received), reason="damaged",
                             member=buyer, acting_user=buyer.user)
    return return_approve(return_request_=request, acting_user=None)


def _random_history(world, rng, monkeypatch, steps=45):
    events = defaultdict(int)
    for _ in range(steps):
        orders = list(Order.objects.filter(business=world["business"]))
        pending = [o for o in orders if o.status == Order.Status.PENDING_APPROVAL]
        open_ = [o for o in orders if o.status in (Order.Status.PLACED, Order.Status.PARTLY_SHIPPED)]
        action = rng.choice(["place", "place", "place", "approve", "reject", "cancel", "ship", "ship", "return"])
        if action == "place" or not orders:
            _place(world, rng, monkeypatch)
        elif action == "approve" and pending:
            order_approve(order=rng.choice(pending), approver=world["approver"], acting_user=world["approver"].user)
        elif action == "reject" and pending:
            order_reject(order=rng.choice(pending), approver=world["approver"], reason="Not now.", acting_user=world["approver"].user)
        elif action == "cancel" and (pending or open_):
            order_cancel(order=rng.choice(pending + open_), acting_user=None)
        elif action == "ship" and open_:
            _ship_some(rng.choice(open_), rng)
        elif action == "return" and open_:
            shipment = _ship_some(rng.choice(open_), rng)
            if shipment is not None:
                _receive_and_return(shipment, rng)
        else:
            continue
        events[action] += 1
    return events


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_rollup_agrees_with_the_order_lines_on_random_histories(world, seed, monkeypatch):
    rng = random.Random(seed)
    events = _random_history(world, rng, monkeypatch)
    business = world["business"]
    assert events["place"] >= 5 and events["ship"] + events["return"] >= 2, events
    expected = reference(business)
    assert spend_rollup_stored(business_id=business.pk) == expected
    assert spend_rollup_differences(business_id=business.pk) == []

    # Analytics reads the roll-up; its totals equal the line-level sums, to the cent, for every dimension.
    start, end = timezone.localdate() - datetime.timedelta(days=30), timezone.localdate()
    total = analytics.spend_total(business=business, start=start, end=end)
    assert total["amount"] == sum((v[0] for v in expected.values()), D("0.00"))
    assert total["lines"] == sum(v[1] for v in expected.values())
    assert total["orders"] == Order.objects.filter(business=business, status__in=SPEND_STATUSES).count()
    for dimension in analytics.DIMENSIONS:
        rows = analytics.spend_by(business=business, start=start, end=end, dimension=dimension)
        assert sum((r.amount for r in rows), D("0.00")) == total["amount"], dimension
        assert sum(r.lines for r in rows) == total["lines"], dimension

    # A set-based rebuild gives exactly what the services wrote one event at a time.
    spend_rollup_rebuild(business_id=business.pk)
    assert spend_rollup_stored(business_id=business.pk) == expected


def test_a_return_lowers_the_spend_analytics_shows(world, monkeypatch):
    rng = random.Random(7)
    order = _place(world, rng, monkeypatch)
    if order.status == Order.Status.PENDING_APPROVAL:
        order_approve(order=order, approver=world["approver"], acting_user=world["approver"].user)
    day = spend_day(order.placed_at)
    before = analytics.spend_total(business=world["business"], start=day, end=day)
    assert before["amount"] == order.total
    credit_note = _receive_and_return(_ship_some(order, rng), rng)
    after = analytics.spend_total(business=world["business"], start=day, end=day)
    assert after["amount"] == order.total - credit_note.subtotal
    assert (after["orders"], after["lines"]) == (before["orders"], before["lines"])


def test_cancel_and_reject_take_the_order_out(world, monkeypatch):
    rng = random.Random(11)
    business = world["business"]
    orders = [_place(world, rng, monkeypatch) for _ in range(6)]
    for order in orders:
        if order.status == Order.Status.PENDING_APPROVAL:
            order_reject(order=order, approver=world["approver"], reason="No.", acting_user=world["approver"].user)
        else:
            order_cancel(order=order, acting_user=None)
    assert not DailySpend.objects.filter(business=business).exists()  # emptied rows are removed


def test_rebuild_command_fixes_a_drifted_rollup_and_check_reports_it(world, monkeypatch, capsys):
    rng = random.Random(5)
    business = world["business"]
    for _ in range(4):
        _place(world, rng, monkeypatch)
    DailySpend.objects.filter(business=business).update(amount=D("1.00"))
    with pytest.raises(Exception, match="differs"):
        call_command("spend_rollup_rebuild", "--check", "--business", str(business.pk))
    call_command("spend_rollup_rebuild", "--business", str(business.pk))
    call_command("spend_rollup_rebuild", "--check")
    assert spend_rollup_stored(business_id=business.pk) == reference(business)


def test_rebuild_touches_only_the_business_asked(world, monkeypatch):
    from tests.factories import BusinessFactory

    rng = random.Random(9)
    _place(world, rng, monkeypatch)
    other = BusinessFactory()
    g = GroupFactory(business=other)
    p = ProductFactory()
    buyer = make_buyer(g)
    CartItem.objects.create(business=other, member=buyer, product=p, quantity=2)
    place(buyer, g)
    ours = spend_rollup_stored(business_id=world["business"].pk)
    theirs = spend_rollup_stored(business_id=other.pk)
    spend_rollup_rebuild(business_id=other.pk)
    assert spend_rollup_stored(business_id=world["business"].pk) == ours
    assert spend_rollup_stored(business_id=other.pk) == theirs and theirs


# --- Concurrency (PostgreSQL) ----------------------------------------------------------------------


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_checkouts_on_one_day_group_and_category_lose_no_update():
    """Eight buyers check out at once against one Blanket PO, all from one category: each day's
    roll-up equals the lines (no lost update, no duplicate row)."""
    from tests.factories import BusinessFactory

    business = BusinessFactory()
    group = GroupFactory(business=business)
    category = CategoryFactory(name="Hot", code="HOT")
    products = [ProductFactory(category=category, unit_price=D("12.34")), ProductFactory(category=category, unit_price=D("0.99"))]
    budget = make_budget(group, amount="1000000.00", policy=Budget.Policy.WARN)
    buyers = [make_buyer(group) for _ in range(8)]
    rounds = 3

    def checkout(i):
        buyer = buyers[i]
        placed = []
        for r in range(rounds):
            for p in products:
                CartItem.objects.create(business=business, member=buyer, product=p, quantity=1 + (i + r) % 3)
            placed.append(place(buyer, group, budget, checkout_token=uuid.uuid4()).order.pk)
        return placed

    results, errors = run_at_once(checkout, len(buyers))
    assert not errors, errors
    assert sum(len(r) for r in results) == len(buyers) * rounds
    assert spend_rollup_stored(business_id=business.pk) == reference(business)
    total = DailySpend.objects.filter(business=business).values_list("amount", flat=True)
    assert sum(total, D("0")) == sum(OrderLine.objects.filter(business=business).values_list("amount", flat=True), D("0"))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_upserts_of_one_cell_add_up():
    """Twenty transactions add orders to the very same roll-up cell at once (first insert included):
    the ON CONFLICT ... DO UPDATE SET x = x + excluded.x upsert loses none."""
    from tests.factories import BusinessFactory, OrderFactory

    business = BusinessFactory()
    group = GroupFactory(business=business)
    buyer = make_buyer(group)
    product = ProductFactory(unit_price=D("2.05"))
    orders = []
    for i in range(20):
        order = OrderFactory(business=business, group=group, buyer=buyer, status=Order.Status.PLACED)
        OrderLine.objects.create(business=business, order=order, product=product, sku=product.sku, description="x",
                                 quantity=i + 1, unit_price=product.unit_price, amount=product.unit_price * (i + 1))
        orders.append(order)
    Order.objects.filter(pk__in=[o.pk for o in orders]).update(placed_at=orders[0].placed_at)

    def add(i):
        with transaction.atomic():
            spend_rollup_apply(order=Order.objects.get(pk=orders[i].pk), sign=1)

    _, errors = run_at_once(add, len(orders))
    assert not errors, errors
    row = DailySpend.objects.get(business=business)
    assert (row.amount, row.lines, row.orders, row.category_orders) == (D("2.05") * 210, 20, 20, 20)
