"""Reads for Approvals: the orders waiting for a member's decision, and an order's approval panel."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.db.models import Prefetch, Q

from budgets.models import Budget
from orders.approvals.services import (
    active_delegators,
    current_step,
    decider_capacity,
    step_deciders,
)
from orders.models import Approval, ApprovalLevelMember, Order, OrderApprovalStep
from orders.models.approval import Deciders
from procurement.models import GroupMembership, Member
from procurement.tenancy import member_group_ids

Role = GroupMembership.Role


def _implicit_step(order: Order) -> OrderApprovalStep:
    """Orders placed before approval workflows wait for one level: the group's approvers."""
    return OrderApprovalStep(business_id=order.business_id, order=order, position=1, why=order.needs_approval_reason,
                             deciders=Deciders.GROUP_APPROVERS, status=OrderApprovalStep.Status.PENDING,
                             activated_at=order.placed_at)


def member_may_see_approvals(member: Member) -> bool:
    """The Approvals page: approvers and finance (any group), admins, named deciders, active delegates."""
    if member.is_business_admin or member_group_ids(member, Role.APPROVER, Role.FINANCE):
        return True
    if ApprovalLevelMember.objects.filter(business_id=member.business_id, member=member).exists():
        return True
    return bool(active_delegators(member=member))


def pending_approvals(*, member: Member) -> list[Order]:
    """Pending orders whose current level `member` decides (in person or as a delegate), oldest first.

    Never one's own orders (segregation of duties). Candidates are narrowed in SQL (groups where the
    member or whoever they stand in for holds a role, named levels, or all for admins); the level check
    runs in Python on prefetched steps, no query per order."""
    delegators = active_delegators(member=member)
    qs = (
        Order.objects.filter(business_id=member.business_id, status=Order.Status.PENDING_APPROVAL)
        .exclude(buyer=member)
        .select_related("group", "buyer__user", "budget")
        .prefetch_related("lines", Prefetch("approval_steps", queryset=OrderApprovalStep.objects.order_by("position")))
        .order_by("placed_at", "id")
    )
    if not member.is_business_admin:
        groups = set(member_group_ids(member, Role.APPROVER, Role.FINANCE))
        for approver in delegators:
            groups |= member_group_ids(approver, Role.APPROVER, Role.FINANCE)
        qs = qs.filter(Q(group_id__in=groups) | Q(approval_steps__deciders=Deciders.NAMED)).distinct()
    out = []
    for order in qs:
        step = current_step(order) or (None if order.approval_steps.all() else _implicit_step(order))
        if step is not None and decider_capacity(member=member, step=step, order=order, delegators=delegators)[0]:
            order.current_step = step
            out.append(order)
    return out


@dataclass
class StepView:
    step: OrderApprovalStep
    decisions: list[Approval] = field(default_factory=list)
    deciders: list[Member] = field(default_factory=list)


@dataclass
class ApprovalPanel:
    steps: list[StepView]
    current: OrderApprovalStep | None
    may_decide: bool
    on_behalf_of: Member | None
    budgets: list[Budget]


def approval_panel(*, order: Order, member: Member, decisions: list[Approval] | None = None) -> ApprovalPanel | None:
    """The order page's approval levels: who decided what and when, who is next, and whether the
    signed-in member decides now (and may move the order to another budget). `decisions`: the
    order's approvals when already read (with approver and on_behalf_of, oldest first)."""
    steps = list(OrderApprovalStep.objects.filter(order=order).order_by("position"))
    if not steps and order.status != Order.Status.PENDING_APPROVAL:
        return None
    if not steps:
        steps = [_implicit_step(order)]
    if decisions is None:
        decisions = list(Approval.objects.filter(order=order).select_related("approver__user", "on_behalf_of__user").order_by("decided_at", "id"))
    views = []
    for step in steps:
        view = StepView(step, [d for d in decisions if d.step_id == step.pk and step.pk])
        if step.status == OrderApprovalStep.Status.PENDING and order.status == Order.Status.PENDING_APPROVAL:
            view.deciders = step_deciders(step, order)
        views.append(view)
    current = next((s for s in steps if s.status == OrderApprovalStep.Status.PENDING), None)
    if order.status != Order.Status.PENDING_APPROVAL:
        current = None
    may, behalf = (False, None)
    budgets = []
    if current is not None:
        may, behalf = decider_capacity(member=member, step=current, order=order)
        if may:
            budgets = list(Budget.objects.filter(business_id=order.business_id, group_id=order.group_id,
                                                 status=Budget.Status.ACTIVE).exclude(pk=order.budget_id).order_by("name"))
    return ApprovalPanel(views, current, may, behalf, budgets)
