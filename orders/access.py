"""Who may see an order, its documents and its invoices, and who may use the finance pages: once.

Every rule here runs after the view scoped the rows to the member's business (`self.scoped`), and
business admins hold every role (`member_has_role`):
- An order (its page, its invoice, packing slips and labels): its buyer, and members holding one of
  `ORDER_GROUP_WIDE_ROLES` in the order's group (receivers included).
- Cancelling an order: its buyer, and `ORDER_CANCEL_ROLES` in the order's group.
- Invoices in the invoice list: business admins all; finance members those of their groups.
- Finance pages (payments, statements, reconciliation, analytics and reports, finding invoices and
  payments by number): `FINANCE_ROLES` in any group.
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from orders.models import Order
from procurement.models import Group, Member
from procurement.tenancy import MemberRequiredMixin, Role, member_group_ids, member_has_role

#: Group roles that see every order of their group, with its documents (buyers see their own).
ORDER_GROUP_WIDE_ROLES = (Role.GROUP_ADMIN, Role.APPROVER, Role.FINANCE, Role.RECEIVER)
#: Group roles that may cancel any order of their group (buyers cancel their own).
ORDER_CANCEL_ROLES = (Role.GROUP_ADMIN,)
#: Roles of the finance pages (in any group; business admins always).
FINANCE_ROLES = (Role.FINANCE,)


def orders_visible(*, member: Member, queryset: QuerySet | None = None) -> QuerySet:
    """Orders of the member's business the member may see."""
    qs = (queryset if queryset is not None else Order.objects.all()).filter(business_id=member.business_id)
    if member.is_business_admin:
        return qs
    return qs.filter(Q(buyer=member) | Q(group_id__in=member_group_ids(member, *ORDER_GROUP_WIDE_ROLES)))


def order_visible_to(*, order: Order, member: Member) -> bool:
    """The order page and its documents: the buyer, the group's approvers, finance and admins."""
    if order.business_id != member.business_id:
        return False
    return order.buyer_id == member.pk or member_has_role(member, *ORDER_GROUP_WIDE_ROLES, group=order.group_id)


def order_cancel_allowed(*, order: Order, member: Member) -> bool:
    """Who may cancel the order (whether its state allows it is `order_cancellable`'s question)."""
    return order.buyer_id == member.pk or member_has_role(member, *ORDER_CANCEL_ROLES, group=order.group_id)


def invoices_visible_to(*, member: Member, queryset: QuerySet) -> QuerySet:
    """Business admins see every invoice of the business; finance members those of their groups."""
    if member.is_business_admin:
        return queryset
    return queryset.filter(order__group_id__in=member_group_ids(member, *FINANCE_ROLES))


def invoice_groups_visible_to(*, member: Member, queryset: QuerySet[Group]) -> QuerySet[Group]:
    """The groups the invoice list may filter by: all for admins, a finance member's own otherwise."""
    if member.is_business_admin:
        return queryset
    return queryset.filter(pk__in=member_group_ids(member, *FINANCE_ROLES))


def member_is_finance(member: Member) -> bool:
    """Finance (in any group) or business admin: may use the finance pages and find invoices and payments."""
    return member_has_role(member, *FINANCE_ROLES)


class FinanceMixin(MemberRequiredMixin):
    """Finance pages: signed-in member holding `FINANCE_ROLES` in some group, or a business admin."""

    required_roles = FINANCE_ROLES
