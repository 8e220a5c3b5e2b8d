"""Reads for the shop pages: which orders a member sees, checkout choices, an order's timeline."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from budgets.ledger import member_may_spend, spend_limit
from budgets.models import Budget
from procurement.formatting import format_money
from procurement.models import Address, Group, GroupMembership, Member
from procurement.tenancy import member_group_ids

from .models import Approval, Order, OrderLine, Product, Shipment, ShipmentLine

Role = GroupMembership.Role
#: Group roles that see every order of their group (buyers see their own).
GROUP_WIDE_ROLES = (Role.GROUP_ADMIN, Role.APPROVER, Role.FINANCE)


def orders_visible(*, member: Member, queryset: QuerySet | None = None) -> QuerySet:
    """Orders of the member's business the member may see."""
    qs = (queryset if queryset is not None else Order.objects.all()).filter(business_id=member.business_id)
    if member.is_business_admin:
        return qs
    return qs.filter(Q(buyer=member) | Q(group_id__in=member_group_ids(member, *GROUP_WIDE_ROLES)))


def order_visible_to(*, order: Order, member: Member) -> bool:
    if order.business_id != member.business_id:
        return False
    return (
        member.is_business_admin or order.buyer_id == member.pk
        or order.group_id in member_group_ids(member, *GROUP_WIDE_ROLES)
    )


def order_list(*, member: Member, status: str = "", group_id: int | None = None,
               date_from: datetime.date | None = None, date_to: datetime.date | None = None,
               po_number: str = "") -> QuerySet:
    qs = orders_visible(member=member).select_related("group", "buyer__user", "budget")
    if status:
        qs = qs.filter(status=status)
    if group_id:
        qs = qs.filter(group_id=group_id)
    if date_from:
        qs = qs.filter(placed_at__date__gte=date_from)
    if date_to:
        qs = qs.filter(placed_at__date__lte=date_to)
    if po_number:
        qs = qs.filter(Q(po_number__icontains=po_number) | Q(blanket_po_number__icontains=po_number))
    return qs.order_by("-placed_at", "-id")


def order_find(*, member: Member, query: str) -> tuple[Order | None, QuerySet]:
    """An exact PO number match (case-insensitive), else the partial matches."""
    query = query.strip()
    visible = orders_visible(member=member)
    exact = visible.filter(po_number__iexact=query).first()
    if exact is not None:
        return exact, visible.none()
    return None, visible.filter(
        Q(po_number__icontains=query) | Q(blanket_po_number__icontains=query)
    ).select_related("group", "buyer__user").order_by("-placed_at", "-id")


def order_detail(*, business_id: int, po_number: str) -> Order | None:
    return (
        Order.objects.filter(business_id=business_id, po_number=po_number)
        .select_related("group", "buyer__user", "budget", "decided_by__user")
        .prefetch_related(
            Prefetch("lines", queryset=OrderLine.objects.order_by("id")),
            Prefetch("shipments", queryset=Shipment.objects.select_related("invoice").order_by("ship_date", "id").prefetch_related(
                Prefetch("lines", queryset=ShipmentLine.objects.select_related("order_line").order_by("id"))
            )),
            Prefetch("approvals", queryset=Approval.objects.select_related("approver__user").order_by("decided_at", "id")),
        )
        .first()
    )


@dataclass(frozen=True)
class TimelineEvent:
    when: datetime.datetime | datetime.date
    title: str
    detail: str = ""
    kind: str = "body"


def order_timeline(order: Order) -> list[TimelineEvent]:
    """Placed, approvals, shipments (carrier and tracking number), delivered, cancelled; oldest first."""
    events = [TimelineEvent(order.placed_at, "Order placed", f"by {order.buyer.name}")]
    if order.needs_approval_reason:
        events.append(TimelineEvent(order.placed_at, "Waiting for approval", order.needs_approval_reason, "warning"))
    for approval in order.approvals.all():
        if approval.decision == Approval.Decision.APPROVED:
            events.append(TimelineEvent(approval.decided_at, "Approved", f"by {approval.approver.name}", "success"))
        else:
            events.append(TimelineEvent(approval.decided_at, "Rejected", f"by {approval.approver.name}: {approval.reason}", "danger"))
    for shipment in order.shipments.all():
        items = ", ".join(f"{sl.quantity} × {sl.order_line.sku}" for sl in shipment.lines.all())
        # Ordered by when staff recorded it (ship_date is a day without a time).
        events.append(TimelineEvent(shipment.created_at, f"Shipped with {shipment.carrier}",
                                    f"Tracking number {shipment.tracking_number} · shipped {shipment.ship_date:%b %d, %Y} · {items}",
                                    "primary"))
    if order.delivered_at:
        events.append(TimelineEvent(order.delivered_at, "Delivered", "", "success"))
    if order.cancelled_at:
        detail = "Unshipped items cancelled; their amount went back to the budget." if order.status != Order.Status.CANCELLED else "The order was cancelled; its amount went back to the budget."
        events.append(TimelineEvent(order.cancelled_at, "Cancelled", detail, "secondary"))
    return sorted(events, key=lambda e: e.when)


def order_cancellable(order: Order) -> bool:
    return order.status in (Order.Status.PENDING_APPROVAL, Order.Status.PLACED) and not any(
        line.quantity_shipped for line in order.lines.all()
    )


def catalog_products(*, query: str = "", category_id: int | None = None) -> QuerySet:
    qs = Product.objects.filter(active=True).select_related("category")
    if query:
        qs = qs.filter(Q(name__icontains=query) | Q(sku__icontains=query))
    if category_id:
        qs = qs.filter(category_id=category_id)
    return qs.order_by("name", "id")


def buyer_groups(*, member: Member) -> QuerySet:
    return Group.objects.filter(business_id=member.business_id, pk__in=member_group_ids(member, Role.BUYER)).select_related("shipping_address")


@dataclass(frozen=True)
class BudgetChoice:
    budget: Budget
    remaining: object  # Decimal or None when the budget hides its balance
    business: object = None  # whose locale writes the amount (Babel)

    @property
    def label(self) -> str:
        text = f"{self.budget.name} · Blanket PO {self.budget.po_number}"
        if self.remaining is not None:
            text += f" · {format_money(self.remaining, self.business, currency=self.budget.currency)} remaining"
        return text


def checkout_budgets(*, member: Member, group: Group) -> list[BudgetChoice]:
    """Active, in-date budgets of the group the member may spend from, with what they may still spend."""
    today = timezone.localdate()
    budgets = Budget.objects.filter(
        business_id=member.business_id, group=group, status=Budget.Status.ACTIVE,
        start_date__lte=today, end_date__gte=today,
    ).order_by("end_date", "name")
    choices = []
    for budget in budgets:
        if not member_may_spend(budget=budget, member=member):
            continue
        remaining = spend_limit(budget=budget, member=member).available if budget.show_balance_to_buyers else None
        choices.append(BudgetChoice(budget, remaining, member.business))
    return choices


def group_has_active_budgets(*, group: Group) -> bool:
    return Budget.objects.filter(business_id=group.business_id, group=group, status=Budget.Status.ACTIVE).exists()


def checkout_addresses(*, member: Member) -> QuerySet:
    return Address.objects.filter(business_id=member.business_id, is_active=True).order_by("label")


def pending_approvals(*, member: Member) -> QuerySet:
    qs = Order.objects.filter(business_id=member.business_id, status=Order.Status.PENDING_APPROVAL)
    if not member.is_business_admin:
        qs = qs.filter(group_id__in=member_group_ids(member, Role.APPROVER))
    return qs.select_related("group", "buyer__user", "budget").prefetch_related("lines").order_by("placed_at", "id")
