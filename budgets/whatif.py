"""What-if: **Check impact** replays the last 90 days of a budget's orders against a proposed set-up.

Reads only: one query (the budget's orders, oldest first, with the buyer's name) and one pass in
Python. Orders before the window only count as spending; orders in the window are classified:

- **approval**: above the proposed approval threshold, or over the limit under "require approval";
- **blocked**: over the limit under "block" (or past the whole budget), never charged;
- **warned**: over the limit under "warn", charged anyway;
- **ok**: within the buyer's allocation (or the unallocated remainder, if allowed).

Cancelled and rejected orders are left out (they gave their money back). An order sent for approval
is counted as spent if it fits in the budget (assuming it would have been approved).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from decimal import Decimal

from django.utils import timezone

from .models import Budget

WINDOW_DAYS = 90
OUTCOMES = ("ok", "warned", "approval", "blocked")
SKIPPED_STATUSES = ("cancelled", "rejected")


@dataclass(frozen=True)
class Proposal:
    amount: Decimal
    policy: str
    allocations: dict[int, Decimal]
    approval_threshold: Decimal | None
    allow_unallocated_spend: bool


@dataclass(frozen=True)
class OrderRow:
    id: int
    po_number: str
    buyer_id: int
    buyer: str
    total: Decimal
    placed_at: datetime.datetime


@dataclass
class Impact:
    since: datetime.date
    rows: list[tuple[OrderRow, str, str]] = field(default_factory=list)  # (order, outcome, why)
    totals: dict[str, tuple[int, Decimal]] = field(default_factory=dict)

    @property
    def affected(self) -> list[tuple[OrderRow, str, str]]:
        return [r for r in self.rows if r[1] != "ok"]

    @property
    def summary(self) -> list[tuple[str, int, Decimal]]:
        labels = {"ok": "Within the limits", "warned": "Warned (charged over the limit)",
                  "approval": "Sent for approval", "blocked": "Blocked"}
        return [(labels[o], *self.totals.get(o, (0, Decimal("0.00")))) for o in OUTCOMES]


def replay(*, orders: list[OrderRow], proposal: Proposal, since: datetime.datetime) -> Impact:
    """The pure pass: `orders` oldest first; those before `since` only count as spending."""
    spent = Decimal("0.00")
    by_member: dict[int, Decimal] = {}
    allocated = sum(proposal.allocations.values(), Decimal("0.00"))
    unallocated_spent = Decimal("0.00")
    impact = Impact(since=since.date())
    counts = {o: [0, Decimal("0.00")] for o in OUTCOMES}
    for order in orders:
        allocation = proposal.allocations.get(order.buyer_id)
        member_spent = by_member.get(order.buyer_id, Decimal("0.00"))
        budget_left = proposal.amount - spent
        if allocation is not None:
            limit = min(allocation - member_spent, budget_left)
        elif proposal.allow_unallocated_spend:
            limit = min(proposal.amount - allocated - unallocated_spent, budget_left)
        else:
            limit = Decimal("0.00")
        limit = max(limit, Decimal("0.00"))
        total = order.total
        if proposal.approval_threshold is not None and total > proposal.approval_threshold:
            outcome, why = "approval", f"above the approval threshold of {proposal.approval_threshold}"
            charged = total <= budget_left
        elif total <= limit:
            outcome, why, charged = "ok", "", True
        elif proposal.policy == Budget.Policy.WARN:
            outcome, why, charged = "warned", f"over the {limit} available", True
        elif proposal.policy == Budget.Policy.APPROVAL and total <= budget_left:
            outcome, why, charged = "approval", f"over the {limit} available", True
        else:
            outcome, why, charged = "blocked", f"over the {limit} available", False
        if charged:
            spent += total
            by_member[order.buyer_id] = member_spent + total
            if allocation is None:
                unallocated_spent += total
        if order.placed_at >= since:
            impact.rows.append((order, outcome, why))
            counts[outcome][0] += 1
            counts[outcome][1] += total
    impact.totals = {o: (c[0], c[1]) for o, c in counts.items()}
    return impact


def budget_impact(*, budget: Budget, proposal: Proposal, now: datetime.datetime | None = None) -> Impact:
    """Replay the budget's orders of the last 90 days against `proposal` (one query)."""
    now = now or timezone.now()
    since = now - datetime.timedelta(days=WINDOW_DAYS)
    values = (
        budget.orders.exclude(status__in=SKIPPED_STATUSES).filter(business_id=budget.business_id)
        .order_by("placed_at", "id")
        .values_list("id", "po_number", "buyer_id", "buyer__user__first_name", "buyer__user__last_name",
                     "buyer__user__email", "total", "placed_at")
    )
    orders = [
        OrderRow(i, po, buyer_id, f"{first} {last}".strip() or email, total, placed_at)
        for i, po, buyer_id, first, last, email, total, placed_at in values
    ]
    return replay(orders=orders, proposal=proposal, since=since)


def current_proposal(*, budget: Budget, **changes) -> Proposal:
    """The budget's set-up as it is, with `changes` on top (allocations as {member id: amount})."""
    allocations = dict(budget.allocations.values_list("member_id", "amount"))
    base = dict(
        amount=budget.amount, policy=budget.policy, allocations=allocations,
        approval_threshold=budget.group.approval_threshold, allow_unallocated_spend=budget.allow_unallocated_spend,
    )
    base.update({k: v for k, v in changes.items()})
    return Proposal(**base)
