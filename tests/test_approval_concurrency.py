"""Two approvals race a cancellation of the same pending order (PostgreSQL row locks).

The Order row is locked first by both services (docs/architecture.md "Lock order"), so they queue:
at most one approval is recorded, the reservation is released at most once, and the budget's spent
always equals its ledger."""

from decimal import Decimal

import pytest
from django.db.models import Sum

from budgets.models import Budget, LedgerEntry
from budgets.selectors import budget_spent_from_ledger
from orders.approvals.services import ApprovalError, order_approve
from orders.fulfilment.services import ShippingError, order_cancel
from orders.models import Approval, ApprovalLevel, ApprovalRule, CartItem, Order
from orders.models.approval import Condition
from procurement.models import GroupMembership
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.orders import make_budget, place
from tests.support.threads import run_at_once

Role = GroupMembership.Role


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("round_", range(3))
def test_two_approvals_race_a_cancellation(round_):
    group = GroupFactory()
    business = group.business
    buyer = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=buyer, role=Role.BUYER)
    approvers = []
    for _ in range(2):
        approver = MemberFactory(business=business)
        GroupMembershipFactory(group=group, member=approver, role=Role.APPROVER)
        approvers.append(approver)
    rule = ApprovalRule.objects.create(business=business)
    ApprovalLevel.objects.create(business=business, rule=rule, position=1, condition=Condition.AMOUNT, amount=Decimal("1.00"))
    budget = make_budget(group, amount="500.00")
    CartItem.objects.create(business=business, member=buyer, product=ProductFactory(unit_price=Decimal("120.00")), quantity=1)
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL

    def act(i):
        fresh = Order.objects.get(pk=order.pk)
        try:
            if i < 2:
                order_approve(order=fresh, approver=approvers[i], acting_user=approvers[i].user)
                return "approved"
            order_cancel(order=fresh, acting_user=buyer.user)
            return "cancelled"
        except (ApprovalError, ShippingError):
            return "refused"

    results, errors = run_at_once(act, 3, indexed=True)
    assert errors == [], errors
    order.refresh_from_db()
    budget = Budget.objects.get(pk=budget.pk)
    assert Approval.objects.filter(order=order).count() == results[:2].count("approved") <= 1
    charges = LedgerEntry.objects.filter(order=order, kind="charge").aggregate(t=Sum("amount"))["t"]
    releases = LedgerEntry.objects.filter(order=order, kind="release").aggregate(t=Sum("amount"))["t"]
    # The cancellation always goes through (before an approval, or after it); the reservation comes
    # back exactly once, whoever won.
    assert results[2] == "cancelled" and order.status == Order.Status.CANCELLED
    assert charges == releases == Decimal("120.00")
    assert LedgerEntry.objects.filter(order=order, kind="release").count() == 1
    assert budget.spent == Decimal("0.00") == budget_spent_from_ledger(budget=budget)
    if results[:2].count("approved"):
        assert order.decided_by_id in {a.pk for a in approvers}
