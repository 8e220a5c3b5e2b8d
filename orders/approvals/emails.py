"""What approvals tell people, through `procurement.notifications.notify` (email and the bell, as each
member chose; approval kinds are never off). To the deciders: an order waits for you, a reminder, an
escalation; to the buyer: approved, rejected (`orders.notices.buyer_notify`). The link is the order
page, where the decision is a POST after signing in. Called inside the service's transaction: the
emails leave after the commit."""

from __future__ import annotations

from orders.models import Order, OrderApprovalStep
from orders.notices import buyer_notify, order_url
from procurement.models import Member
from procurement.notifications.models import Kind
from procurement.notifications.services import notify

DECIDER_KINDS = {
    "waiting": (Kind.APPROVAL_REQUESTED, "Order {po} waits for your approval"),
    "reminder": (Kind.APPROVAL_REMINDER, "Reminder: order {po} still waits for your approval"),
    "escalated": (Kind.APPROVAL_ESCALATED, "Escalated: order {po} has waited {days} days for approval"),
}


def deciders_notify(*, what: str, order: Order, step: OrderApprovalStep, recipients: list[Member], days: int = 0) -> None:
    kind, subject = DECIDER_KINDS[what]
    notify(
        business=order.business_id, kind=kind, recipients=recipients,
        subject=subject.format(po=order.po_number, days=days), template=kind.value,
        context={"order": order, "level": f"level {step.position}", "reason": step.why, "days": days},
        url=order_url(order),
    )


def buyer_decided_notify(*, order: Order, approved: bool, decided_by: Member) -> None:
    buyer_notify(order=order, kind=Kind.ORDER_APPROVED if approved else Kind.ORDER_REJECTED, decided_by=decided_by)
