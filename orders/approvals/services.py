"""Approval workflows: an order goes through its levels (OrderApprovalStep) in order; a rejection at
any level ends it. Pending orders hold a reservation (a ledger charge made at checkout), so approving
never fails for lack of funds; rejecting releases it through the ledger.

Who decides a level: its deciders (the group's approvers, the group's finance members, named members
or the business admins), never the buyer (segregation of duties). A level whose only decider is the
buyer goes to the business admins; when no one else could decide, checkout refuses the order
(`steps_create` raises). Business admins hold every role and may decide any level (an override that
completes it); after the escalation delay they are told. A delegate decides during the delegation's
dates, recorded as on behalf of the approver. Lock order: the Order row, then its steps, then budgets.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Q, Sum
from django.utils import timezone

from budgets.ledger import BudgetError, budget_charge, budget_lock, budget_release
from budgets.models import Budget, LedgerEntry
from orders.approvals.emails import buyer_decided_notify, deciders_notify
from orders.models import Approval, ApprovalDelegation, ApprovalRule, Order, OrderApprovalStep
from orders.models.approval import Deciders, Mode
from orders.policies.selectors import LevelDraft
from orders.rollup import spend_rollup_status_changed
from procurement.errors import ApplicationError
from procurement.history import model_update
from procurement.models import GroupMembership, Member
from procurement.money import ZERO
from procurement.tenancy import member_group_ids
from procurement.webhooks import Event, webhook_emit

Role = GroupMembership.Role
Step = OrderApprovalStep

#: Reminder and escalation delays when the business has no approval rule yet.
DEFAULT_REMINDER_DAYS = 2
DEFAULT_ESCALATION_DAYS = 5


def _payload(order: Order) -> dict:
    return {
        "po_number": order.po_number, "status": order.status, "total": str(order.total), "currency": order.currency,
        "group_id": order.group_id, "blanket_po_number": order.blanket_po_number,
    }


class ApprovalError(ApplicationError):
    """The decision cannot be recorded; `str()` is fit for the user. Nothing was saved."""


# --- Who decides -----------------------------------------------------------------------------------


def _admins(order: Order):
    return Member.objects.filter(business_id=order.business_id, is_active=True, is_business_admin=True).exclude(pk=order.buyer_id)


def step_deciders(step: OrderApprovalStep, order: Order) -> list[Member]:
    """The members who decide this level now (never the buyer); the business admins when no one else
    is left, and added once the level escalated."""
    base = Member.objects.filter(business_id=order.business_id, is_active=True).exclude(pk=order.buyer_id)
    if step.deciders == Deciders.GROUP_APPROVERS:
        qs = base.filter(memberships__group_id=order.group_id, memberships__role=Role.APPROVER)
    elif step.deciders == Deciders.GROUP_FINANCE:
        qs = base.filter(memberships__group_id=order.group_id, memberships__role=Role.FINANCE)
    elif step.deciders == Deciders.NAMED:
        qs = base.filter(pk__in=list(step.named_ids or []))
    else:
        qs = base.filter(is_business_admin=True)
    members = list(qs.select_related("user").distinct().order_by("id"))
    if not members or step.escalated_at:
        known = {m.pk for m in members}
        members += [m for m in _admins(order).select_related("user").order_by("id") if m.pk not in known]
    return members


def approval_deciders_exist(*, order: Order) -> bool:
    """Whether someone other than the buyer may decide: an approver of its group or a business admin."""
    return (
        Member.objects.filter(business_id=order.business_id, is_active=True)
        .exclude(pk=order.buyer_id)
        .filter(Q(is_business_admin=True) | Q(memberships__group_id=order.group_id, memberships__role=Role.APPROVER))
        .exists()
    )


def _holds_level(member: Member, step: OrderApprovalStep, order: Order) -> bool:
    """Whether `member` is one of the level's own deciders (not counting the admin override)."""
    if not member.is_active or member.pk == order.buyer_id:
        return False
    if step.deciders == Deciders.GROUP_APPROVERS:
        return order.group_id in member_group_ids(member, Role.APPROVER)
    if step.deciders == Deciders.GROUP_FINANCE:
        return order.group_id in member_group_ids(member, Role.FINANCE)
    if step.deciders == Deciders.NAMED:
        return member.pk in (step.named_ids or [])
    return member.is_business_admin


def active_delegators(*, member: Member, on: datetime.date | None = None) -> list[Member]:
    """The approvers `member` stands in for today."""
    on = on or timezone.localdate()
    return [
        d.approver for d in ApprovalDelegation.objects.filter(
            business_id=member.business_id, delegate=member, start_date__lte=on, end_date__gte=on,
        ).select_related("approver__user")
    ]


def decider_capacity(*, member: Member, step: OrderApprovalStep, order: Order,
                     delegators: list[Member] | None = None) -> tuple[bool, Member | None]:
    """(may decide, on behalf of whom). The buyer never decides, not even as someone's delegate."""
    if member.pk == order.buyer_id or not member.is_active or member.business_id != order.business_id:
        return False, None
    if member.is_business_admin or _holds_level(member, step, order):
        return True, None
    for approver in active_delegators(member=member) if delegators is None else delegators:
        if approver.pk != order.buyer_id and _holds_level(approver, step, order):
            return True, approver
    return False, None


def current_step(order: Order) -> OrderApprovalStep | None:
    return next((s for s in order.approval_steps.all() if s.status == Step.Status.PENDING), None)


# --- Checkout: create the steps ----------------------------------------------------------------------


def steps_create(*, order: Order, levels: list[LevelDraft]) -> list[OrderApprovalStep]:
    """Freeze the levels that apply as the order's steps; the first one waits for its deciders.

    Raises ApprovalError when a level has no decider but the buyer (checkout rolls back)."""
    now = timezone.now()
    steps = [
        Step(business_id=order.business_id, order=order, position=i, why=level.why[:255], deciders=level.deciders,
             mode=level.mode, named_ids=list(level.named_ids),
             status=Step.Status.PENDING if i == 1 else Step.Status.WAITING, activated_at=now if i == 1 else None)
        for i, level in enumerate(levels, start=1)
    ]
    for step in steps:
        if not step_deciders(step, order) and _buyer_holds(step, order):
            raise ApprovalError(
                f"This order needs approval, and no one but you could approve it in {order.group.name} (no one "
                "approves an order they placed). Ask your business admin to add an approver to the group."
            )
    Step.objects.bulk_create(steps)
    _tell_deciders(order=order, step=steps[0], kind="waiting")
    return steps


def _buyer_holds(step: OrderApprovalStep, order: Order) -> bool:
    """Whether the buyer alone would decide the level (then no one may; checkout refuses the order).
    A level no one holds at all stays pending: a business admin can add an approver later."""
    buyer = order.buyer
    if buyer.is_business_admin:
        return True
    if step.deciders == Deciders.GROUP_APPROVERS:
        return order.group_id in member_group_ids(buyer, Role.APPROVER)
    if step.deciders == Deciders.GROUP_FINANCE:
        return order.group_id in member_group_ids(buyer, Role.FINANCE)
    return step.deciders == Deciders.NAMED and buyer.pk in (step.named_ids or [])


def _tell_deciders(*, order: Order, step: OrderApprovalStep, kind: str, days: int = 0) -> None:
    deciders_notify(what=kind, order=order, step=step, days=days, recipients=step_deciders(step, order))


# --- Deciding --------------------------------------------------------------------------------------


def _lock_pending(*, order: Order, member: Member) -> Order:
    if order.business_id != member.business_id:
        raise ApprovalError("This order is not in your business.")
    if order.buyer_id == member.pk:
        raise ApprovalError(
            f"You placed order {order.po_number}, so another approver or a business admin must decide on it."
        )
    locked = Order.objects.select_for_update(of=("self",)).select_related("group", "buyer__user", "budget").get(
        pk=order.pk, business_id=member.business_id
    )
    if locked.status != Order.Status.PENDING_APPROVAL:
        raise ApprovalError(f"Order {locked.po_number} is {locked.get_status_display().lower()}, not pending approval.")
    return locked


def _current_step_locked(order: Order) -> OrderApprovalStep:
    steps = list(Step.objects.select_for_update().filter(order=order).order_by("position"))
    if not steps:
        # Placed before approval workflows (or seeded): one level, the group's approvers.
        step = Step.objects.create(
            business_id=order.business_id, order=order, position=1, why=order.needs_approval_reason[:255] or "Needs approval.",
            deciders=Deciders.GROUP_APPROVERS, status=Step.Status.PENDING, activated_at=order.placed_at,
        )
        return step
    step = next((s for s in steps if s.status == Step.Status.PENDING), None)
    if step is None:
        raise ApprovalError(f"Order {order.po_number} has no level waiting for a decision.")
    return step


def _may_decide_or_raise(*, member: Member, step: OrderApprovalStep, order: Order) -> Member | None:
    allowed, on_behalf = decider_capacity(member=member, step=step, order=order)
    if not allowed:
        raise ApprovalError(
            f"You do not decide level {step.position} of order {order.po_number} ({step.get_deciders_display().lower()})."
        )
    return on_behalf


def _charged_any(order: Order) -> bool:
    """Whether the order holds a charge (orders placed before reservations were charged on approval)."""
    return LedgerEntry.objects.filter(order_id=order.pk, kind=LedgerEntry.Kind.CHARGE).exists()


def reservation_release(*, order: Order, acting_user, note: str) -> None:
    """Give back whatever is still charged for the order (each charge's outstanding part)."""
    for charge in LedgerEntry.objects.filter(order_id=order.pk, kind=LedgerEntry.Kind.CHARGE).order_by("id"):
        outstanding = charge.amount - (charge.releases.aggregate(t=Sum("amount"))["t"] or ZERO)
        if outstanding > 0:
            budget_release(charge=charge, amount=outstanding, acting_user=acting_user, note=note)


@transaction.atomic
def order_decide(*, order: Order, member: Member, approve: bool, reason: str = "", acting_user) -> Order:
    """Record `member`'s decision on the order's current level; move on, finish, or end the order."""
    reason = (reason or "").strip()
    if not approve and not reason:
        raise ApprovalError("Give a reason for the rejection; the buyer will read it.")
    locked = _lock_pending(order=order, member=member)
    step = _current_step_locked(locked)
    on_behalf = _may_decide_or_raise(member=member, step=step, order=locked)
    now = timezone.now()
    counted = on_behalf or member
    if approve and Approval.objects.filter(step=step, decision=Approval.Decision.APPROVED).filter(
        Q(approver=counted, on_behalf_of__isnull=True) | Q(on_behalf_of=counted)
    ).exists():
        raise ApprovalError(f"You already approved level {step.position} of order {locked.po_number}; it waits for the others.")
    Approval.objects.create(
        business_id=locked.business_id, order=locked, step=step, approver=member, on_behalf_of=on_behalf,
        decision=Approval.Decision.APPROVED if approve else Approval.Decision.REJECTED, reason=reason,
    )
    if not approve:
        Step.objects.filter(pk=step.pk).update(status=Step.Status.REJECTED, decided_at=now)
        Step.objects.filter(order=locked, status=Step.Status.WAITING).update(status=Step.Status.CLOSED)
        reservation_release(order=locked, acting_user=acting_user, note=f"Order {locked.po_number} rejected")
        model_update(instance=locked, acting_user=acting_user, update_fields=True, fields={
            "status": Order.Status.REJECTED, "decided_at": now, "decided_by": member, "rejection_reason": reason,
        })
        spend_rollup_status_changed(order=locked, before=Order.Status.PENDING_APPROVAL, after=locked.status)  # roll-up hook
        webhook_emit(business=locked.business_id, event=Event.ORDER_REJECTED, payload={**_payload(locked), "reason": reason})
        buyer_decided_notify(order=locked, approved=False, decided_by=member)
        return locked
    if not _step_complete(step=step, order=locked, member=member, on_behalf=on_behalf):
        return locked
    Step.objects.filter(pk=step.pk).update(status=Step.Status.APPROVED, decided_at=now)
    following = Step.objects.filter(order=locked, status=Step.Status.WAITING).order_by("position").first()
    if following is not None:
        Step.objects.filter(pk=following.pk).update(status=Step.Status.PENDING, activated_at=now)
        following.status, following.activated_at = Step.Status.PENDING, now
        _tell_deciders(order=locked, step=following, kind="waiting")
        return locked
    _approve_final(order=locked, member=member, acting_user=acting_user, now=now)
    return locked


def _step_complete(*, step: OrderApprovalStep, order: Order, member: Member, on_behalf: Member | None) -> bool:
    """Any-one levels complete on the first approval; all-of levels when each decider approved (in
    person or through a delegate). An admin override (not one of the level's deciders) completes it."""
    if step.mode == Mode.ANY:
        return True
    holder = on_behalf or member
    if not _holds_level(holder, step, order):
        return True  # business admin override, or the admins the level fell back to
    needed = {m.pk for m in step_deciders(step, order) if _holds_level(m, step, order)}
    done = set()
    for approver_id, behalf_id in Approval.objects.filter(step=step, decision=Approval.Decision.APPROVED).values_list(
        "approver_id", "on_behalf_of_id"
    ):
        done.add(behalf_id or approver_id)
    return needed <= done


def _approve_final(*, order: Order, member: Member, acting_user, now) -> None:
    """Every level approved: the order is placed. Orders placed before reservations are charged now."""
    if order.budget_id is not None and not _charged_any(order):
        try:
            entry = budget_charge(
                budget=order.budget, member=order.buyer, amount=order.total, acting_user=acting_user,
                order=order, approved=True, note=f"Order {order.po_number} (approved)",
            )
        except BudgetError as exc:
            raise ApprovalError(f"Order {order.po_number} stays pending: {exc}") from exc
        order.over_budget = entry.over_limit
    model_update(instance=order, acting_user=acting_user, update_fields=True, fields={
        "status": Order.Status.PLACED, "decided_at": now, "decided_by": member, "over_budget": order.over_budget,
    })
    spend_rollup_status_changed(order=order, before=Order.Status.PENDING_APPROVAL, after=order.status)  # roll-up hook
    webhook_emit(business=order.business_id, event=Event.ORDER_APPROVED, payload=_payload(order))
    buyer_decided_notify(order=order, approved=True, decided_by=member)


def order_approve(*, order: Order, approver: Member, acting_user) -> Order:
    """Approve the order's current level (the last one places the order)."""
    return order_decide(order=order, member=approver, approve=True, acting_user=acting_user)


def order_reject(*, order: Order, approver: Member, reason: str, acting_user) -> Order:
    """Reject the order at its current level: it ends, its reservation goes back to the budget."""
    return order_decide(order=order, member=approver, approve=False, reason=reason, acting_user=acting_user)


# --- Changing the budget -----------------------------------------------------------------------------


@transaction.atomic
def order_budget_move(*, order: Order, budget: Budget, member: Member, acting_user) -> Order:
    """Move a pending order's reservation to another active budget of its group, atomically.

    Locks the order, then both budget rows in id order; releases the old charge and charges the new
    budget (InsufficientFunds / BudgetUnavailable roll everything back). The PO number stays."""
    locked = _lock_pending(order=order, member=member)
    step = _current_step_locked(locked)
    _may_decide_or_raise(member=member, step=step, order=locked)
    if budget.business_id != locked.business_id or budget.group_id != locked.group_id:
        raise ApprovalError("Choose a Blanket PO of the order's group.")
    if budget.pk == locked.budget_id:
        raise ApprovalError(f"Order {locked.po_number} is already on {budget.po_number}.")
    if budget.status != Budget.Status.ACTIVE:
        raise ApprovalError(f"The budget {budget.po_number} is not active.")
    for pk in sorted({budget.pk, locked.budget_id} - {None}):
        budget_lock(budget_id=pk, business_id=locked.business_id)
    old = locked.blanket_po_number
    reservation_release(order=locked, acting_user=acting_user, note=f"Order {locked.po_number} moved to {budget.po_number}")
    try:
        entry = budget_charge(
            budget=budget, member=locked.buyer, amount=locked.total, acting_user=acting_user, order=locked,
            approved=True, note=f"Order {locked.po_number} (moved from {old or 'no budget'})",
        )
    except BudgetError as exc:
        raise ApprovalError(f"Order {locked.po_number} cannot move to {budget.po_number}: {exc}") from exc
    model_update(instance=locked, acting_user=acting_user, update_fields=True, fields={
        "budget": budget, "blanket_po_number": budget.po_number, "over_budget": entry.over_limit,
    })
    return locked


# --- Reminders and escalation ----------------------------------------------------------------------


def approval_delays(business_ids) -> dict[int, tuple[int, int]]:
    """{business id: (reminder days, escalation days)} from each business rule, defaults otherwise."""
    out = {bid: (DEFAULT_REMINDER_DAYS, DEFAULT_ESCALATION_DAYS) for bid in business_ids}
    for bid, remind, escalate in ApprovalRule.objects.filter(business_id__in=list(business_ids), group__isnull=True).values_list(
        "business_id", "reminder_days", "escalation_days"
    ):
        out[bid] = (remind, escalate)
    return out


def approval_reminders_send(*, now: datetime.datetime | None = None) -> tuple[int, int]:
    """Remind the deciders of levels waiting N days; escalate to the business admins after M days.

    Idempotent: each step is reminded once and escalated once (a conditional UPDATE claims it, so two
    runs at the same time never send twice). Returns (reminded, escalated)."""
    now = now or timezone.now()
    pending = list(
        Step.objects.filter(status=Step.Status.PENDING, order__status=Order.Status.PENDING_APPROVAL)
        .filter(Q(reminded_at__isnull=True) | Q(escalated_at__isnull=True))
        .select_related("order__group", "order__buyer__user")
    )
    delays = approval_delays({s.business_id for s in pending})
    reminded = escalated = 0
    for step in pending:
        remind_days, escalate_days = delays[step.business_id]
        waited = now - (step.activated_at or step.order.placed_at)
        if step.escalated_at is None and waited >= datetime.timedelta(days=escalate_days):
            with transaction.atomic():
                if Step.objects.filter(pk=step.pk, escalated_at__isnull=True).update(escalated_at=now, reminded_at=step.reminded_at or now):
                    step.escalated_at = now
                    deciders_notify(what="escalated", order=step.order, step=step, days=waited.days,
                                    recipients=list(_admins(step.order).select_related("user")))
                    escalated += 1
        elif step.reminded_at is None and waited >= datetime.timedelta(days=remind_days):
            with transaction.atomic():
                if Step.objects.filter(pk=step.pk, reminded_at__isnull=True).update(reminded_at=now):
                    _tell_deciders(order=step.order, step=step, kind="reminder", days=waited.days)
                    reminded += 1
    return reminded, escalated
