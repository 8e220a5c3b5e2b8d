"""Approvers decide on pending orders: approving charges the Blanket PO, rejecting ends the order.

Segregation of duties: no one decides on an order they placed, whatever their role (approver or
business admin). An order whose group has no approver but its buyer goes to the business admins
(they see every pending order); if no one but the buyer could ever decide, checkout refuses it
(`approval_deciders_exist`).
"""

from django.db import transaction
from django.db.models import Q
from django.utils import timezone

from budgets.ledger import BudgetError, budget_charge
from orders.models import Approval, Order
from orders.notices import buyer_notify
from orders.rollup import spend_rollup_status_changed
from procurement.errors import ApplicationError
from procurement.history import model_update
from procurement.models import GroupMembership, Member
from procurement.notifications.models import Kind
from procurement.tenancy import member_has_role
from procurement.webhooks import Event, webhook_emit


def _payload(order: Order) -> dict:
    return {
        "po_number": order.po_number, "status": order.status, "total": str(order.total), "currency": order.currency,
        "group_id": order.group_id, "blanket_po_number": order.blanket_po_number,
    }


class ApprovalError(ApplicationError):
    """The decision cannot be recorded; `str()` is fit for the user. Nothing was saved."""


def approval_deciders_exist(*, order: Order) -> bool:
    """Whether someone other than the buyer may decide on `order`: an active approver of its group
    or an active business admin."""
    return (
        Member.objects.filter(business_id=order.business_id, is_active=True)
        .exclude(pk=order.buyer_id)
        .filter(Q(is_business_admin=True) | Q(memberships__group_id=order.group_id,
                                               memberships__role=GroupMembership.Role.APPROVER))
        .exists()
    )


def _lock_pending(*, order: Order, approver: Member) -> Order:
    if order.business_id != approver.business_id:
        raise ApprovalError("This order is not in your business.")
    if order.buyer_id == approver.pk:
        raise ApprovalError(
            f"You placed order {order.po_number}, so another approver or a business admin must decide on it."
        )
    if not member_has_role(approver, GroupMembership.Role.APPROVER, group=order.group_id):
        raise ApprovalError(f"You are not an approver of {order.group}.")
    locked = Order.objects.select_for_update().get(pk=order.pk, business_id=approver.business_id)
    if locked.status != Order.Status.PENDING_APPROVAL:
        raise ApprovalError(f"Order {locked.po_number} is {locked.get_status_display().lower()}, not pending approval.")
    return locked


@transaction.atomic
def order_approve(*, order: Order, approver: Member, acting_user) -> Order:
    """Approve and charge the budget with approval; the ledger may still refuse (funds went meanwhile)."""
    locked = _lock_pending(order=order, approver=approver)
    if locked.budget_id is not None:
        try:
            entry = budget_charge(
                budget=locked.budget, member=locked.buyer, amount=locked.total, acting_user=acting_user,
                order=locked, approved=True, note=f"Order {locked.po_number} (approved)",
            )
        except BudgetError as exc:
            raise ApprovalError(f"Order {locked.po_number} stays pending: {exc}") from exc
        locked.over_budget = entry.over_limit
    model_update(instance=locked, acting_user=acting_user, update_fields=True, fields={
        "status": Order.Status.PLACED, "decided_at": timezone.now(), "decided_by": approver,
        "over_budget": locked.over_budget,
    })
    Approval.objects.create(business_id=locked.business_id, order=locked, approver=approver,
                            decision=Approval.Decision.APPROVED)
    spend_rollup_status_changed(order=locked, before=Order.Status.PENDING_APPROVAL, after=locked.status)  # roll-up hook
    webhook_emit(business=locked.business_id, event=Event.ORDER_APPROVED, payload=_payload(locked))
    buyer_notify(order=locked, kind=Kind.ORDER_APPROVED, decided_by=approver)
    return locked


@transaction.atomic
def order_reject(*, order: Order, approver: Member, reason: str, acting_user) -> Order:
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("Give a reason for the rejection; the buyer will read it.")
    locked = _lock_pending(order=order, approver=approver)
    model_update(instance=locked, acting_user=acting_user, update_fields=True, fields={
        "status": Order.Status.REJECTED, "decided_at": timezone.now(), "decided_by": approver,
        "rejection_reason": reason,
    })
    Approval.objects.create(business_id=locked.business_id, order=locked, approver=approver,
                            decision=Approval.Decision.REJECTED, reason=reason)
    spend_rollup_status_changed(order=locked, before=Order.Status.PENDING_APPROVAL, after=locked.status)  # roll-up hook
    webhook_emit(business=locked.business_id, event=Event.ORDER_REJECTED, payload={**_payload(locked), "reason": reason})
    buyer_notify(order=locked, kind=Kind.ORDER_REJECTED, decided_by=approver)
    return locked
