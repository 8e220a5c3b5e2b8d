"""Who may see an order, its documents and its invoices, and who may use the finance pages: once.

Finance is business-wide (decided for issue 11): a member holding the finance role in any group, or a
business admin, sees every invoice, payment, report row and export of the business. Reasons: one
bank statement carries the payments of every group, month close (`MonthClose`) is per business, and
matching a payment needs every open invoice. Before, finance was per group on the invoice pages but
business-wide on reconciliation, the orders report and Find; now every page follows this one rule.

Every rule here runs after the view scoped the rows to the member's business (`self.scoped`), and
business admins hold every role (`member_has_role`):
- An order (its page, its invoice, packing slips and labels): its buyer, members holding one of
  `ORDER_GROUP_WIDE_ROLES` in the order's group (receivers included), and finance (any group).
- Cancelling an order: its buyer, and `ORDER_CANCEL_ROLES` in the order's group.
- Invoices (list, detail, Find), payments, statements, reconciliation, analytics, the orders report
  and every export: `FINANCE_ROLES` in any group, the whole business.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet
from django.utils import timezone

from orders.models import ApprovalDelegation, Order, OrderApprovalStep
from procurement.models import Group, Member
from procurement.tenancy import MemberRequiredMixin, Role, member_group_ids, member_has_role

#: Group roles that see every order of their group (buyers see their own; finance sees the business's).
ORDER_GROUP_WIDE_ROLES = (Role.GROUP_ADMIN, Role.APPROVER, Role.RECEIVER)
#: Group roles that may cancel any order of their group (buyers cancel their own).
ORDER_CANCEL_ROLES = (Role.GROUP_ADMIN,)
#: Roles of the finance pages (in any group; business admins always); their scope is the business.
FINANCE_ROLES = (Role.FINANCE,)


def member_is_finance(member: Member) -> bool:
    """Finance (in any group) or business admin: every finance page and export, the whole business."""
    return member_has_role(member, *FINANCE_ROLES)


def orders_visible(*, member: Member, queryset: QuerySet | None = None) -> QuerySet:
    """Orders of the member's business the member may see."""
    qs = (queryset if queryset is not None else Order.objects.all()).filter(business_id=member.business_id)
    if member_is_finance(member):
        return qs
    return qs.filter(Q(buyer=member) | Q(group_id__in=member_group_ids(member, *ORDER_GROUP_WIDE_ROLES)))


def order_visible_to(*, order: Order, member: Member) -> bool:
    """The order page and its documents: the buyer, the group's approvers and group admins, finance, admins."""
    if order.business_id != member.business_id:
        return False
    return (
        order.buyer_id == member.pk
        or member_is_finance(member)
        or member_has_role(member, *ORDER_GROUP_WIDE_ROLES, group=order.group_id)
        or _decides_on(order=order, member=member)
    )


def _decides_on(*, order: Order, member: Member) -> bool:
    """Named deciders of one of the order's levels, and delegates of the group's approvers (today),
    see the order they are asked to decide (the link in their email opens it)."""
    if any(member.pk in (step.named_ids or []) for step in OrderApprovalStep.objects.filter(order=order, deciders="named")):
        return True
    today = timezone.localdate()
    approvers = ApprovalDelegation.objects.filter(
        business_id=order.business_id, delegate=member, start_date__lte=today, end_date__gte=today,
    ).values_list("approver_id", flat=True)
    return Member.objects.filter(
        pk__in=list(approvers), memberships__group_id=order.group_id,
        memberships__role__in=[Role.APPROVER, Role.FINANCE],
    ).exists()


def order_cancel_allowed(*, order: Order, member: Member) -> bool:
    """Who may cancel the order (whether its state allows it is `order_cancellable`'s question)."""
    return order.buyer_id == member.pk or member_has_role(member, *ORDER_CANCEL_ROLES, group=order.group_id)


def invoices_visible_to(*, member: Member, queryset: QuerySet) -> QuerySet:
    """Invoices of the business for finance and business admins, none for anyone else."""
    queryset = queryset.filter(business_id=member.business_id)
    return queryset if member_is_finance(member) else queryset.none()


def invoice_groups_visible_to(*, member: Member, queryset: QuerySet[Group]) -> QuerySet[Group]:
    """The groups the invoice list may filter by: every group of the business for finance."""
    queryset = queryset.filter(business_id=member.business_id)
    return queryset if member_is_finance(member) else queryset.none()


class FinanceMixin(MemberRequiredMixin):
    """Finance pages: signed-in member holding `FINANCE_ROLES` in some group, or a business admin."""

    required_roles = FINANCE_ROLES
