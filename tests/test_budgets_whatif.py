"""Check impact: the last 90 days replayed against a proposed set-up, checked against a hand-worked example."""

import datetime
import time
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import Budget
from budgets.whatif import OrderRow, Proposal, budget_impact, current_proposal, replay
from tests.factories import AllocationFactory, BudgetFactory, GroupMembershipFactory, MemberFactory, UserFactory
from tests.factories.orders import OrderFactory

pytestmark = pytest.mark.django_db
D = Decimal


@pytest.fixture
def example(group):
    """Ann has an allocation of 200; Bob spends from the unallocated 300. Orders (oldest first):
    Ann 30 (100 days ago, before the window), Ann 150, Bob 100, Ann 80, Bob 260, Ann 50 (cancelled), Bob 200."""
    group.approval_threshold = D("250.00")
    group.save()
    ann = MemberFactory(business=group.business, user=UserFactory(first_name="Ann", last_name="A"))
    bob = MemberFactory(business=group.business, user=UserFactory(first_name="Bob", last_name="B"))
    for m in (ann, bob):
        GroupMembershipFactory(group=group, member=m, role="buyer")
    budget = BudgetFactory(group=group, amount=D("500.00"), policy=Budget.Policy.BLOCK, allow_unallocated_spend=True)
    AllocationFactory(budget=budget, member=ann, amount=D("200.00"))
    now = timezone.now()
    plan = [(ann, "30.00", 100, "placed"), (ann, "150.00", 60, "placed"), (bob, "100.00", 50, "placed"),
            (ann, "80.00", 40, "placed"), (bob, "260.00", 30, "pending_approval"), (ann, "50.00", 20, "cancelled"),
            (bob, "200.00", 10, "delivered")]
    orders = []
    for n, (buyer, total, days_ago, status) in enumerate(plan, start=1):
        order = OrderFactory(group=group, buyer=buyer, budget=budget, total=D(total), subtotal=D(total), status=status,
                             po_number=f"PO-WI-{n}")
        type(order).objects.filter(pk=order.pk).update(placed_at=now - datetime.timedelta(days=days_ago))
        orders.append(order)
    return budget, now


def test_the_hand_worked_example_under_block(example, django_assert_num_queries):
    budget, now = example
    proposal = current_proposal(budget=budget)
    with django_assert_num_queries(1):
        impact = budget_impact(budget=budget, proposal=proposal, now=now)
    outcomes = [(o.po_number, outcome) for o, outcome, _ in impact.rows]
    assert outcomes == [("PO-WI-2", "ok"), ("PO-WI-3", "ok"), ("PO-WI-4", "blocked"), ("PO-WI-5", "approval"),
                        ("PO-WI-7", "ok")]
    assert impact.totals == {"ok": (3, D("450.00")), "warned": (0, D("0.00")), "approval": (1, D("260.00")),
                             "blocked": (1, D("80.00"))}
    assert impact.affected[0][2] == "over the 20.00 available"


def test_the_same_orders_under_warn_and_a_higher_threshold(example):
    budget, now = example
    impact = budget_impact(budget=budget, proposal=current_proposal(budget=budget, policy="warn"), now=now)
    assert [o for _, o, _ in impact.rows] == ["ok", "ok", "warned", "approval", "warned"]
    assert impact.totals["warned"] == (2, D("280.00"))
    impact = budget_impact(budget=budget, proposal=current_proposal(
        budget=budget, policy="approval", amount=D("1000.00"), approval_threshold=None), now=now)
    # 1000 total, Ann 200 allocated, 800 unallocated: only Ann's 80 is over her allocation.
    assert [o for _, o, _ in impact.rows] == ["ok", "ok", "approval", "ok", "ok"]


def test_check_impact_on_the_edit_page_and_allocations_saves_nothing(client, example, admin_member, group):
    budget, _ = example
    client.force_login(admin_member.user)
    url = reverse("budgets:budget_edit", args=[group.pk, budget.pk])
    data = {"name": budget.name, "po_number": budget.po_number, "amount": "500.00",
            "start_date": budget.start_date.isoformat(), "end_date": budget.end_date.isoformat(), "policy": "warn",
            "allow_unallocated_spend": "on", "what_if_threshold": "250.00", "check_impact": "1"}
    page = client.post(url, data).content.decode()
    assert "Impact on the last 90 days" in page and "PO-WI-4" in page and "Warned" in page
    budget.refresh_from_db()
    assert budget.policy == "block"
    page = client.post(url, {**data, "what_if_threshold": "abc"}).content.decode()
    assert "Enter the approval threshold as an amount" in page

    ann_id = budget.allocations.get().member_id
    alloc_url = reverse("budgets:allocations", args=[group.pk, budget.pk])
    page = client.post(alloc_url, {"alloc-TOTAL_FORMS": "1", "alloc-INITIAL_FORMS": "0", "alloc-0-member_id": ann_id,
                                   "alloc-0-amount": "400.00", "action": "check_impact"}).content.decode()
    assert "Impact on the last 90 days" in page and "Every order" not in page
    assert budget.allocations.get().amount == D("200.00")


def test_ten_thousand_orders_replay_in_well_under_a_second():
    now = timezone.now()
    start = now - datetime.timedelta(days=89)
    orders = [OrderRow(i, f"PO-{i}", i % 50, "Buyer", D("12.34"), start + datetime.timedelta(minutes=12 * i))
              for i in range(10_000)]
    proposal = Proposal(amount=D("100000.00"), policy="warn", allocations={m: D("1500.00") for m in range(40)},
                        approval_threshold=D("500.00"), allow_unallocated_spend=True)
    began = time.perf_counter()
    impact = replay(orders=orders, proposal=proposal, since=now - datetime.timedelta(days=90))
    assert time.perf_counter() - began < 1.0
    assert sum(c for c, _ in impact.totals.values()) == 10_000
