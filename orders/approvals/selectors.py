"""Reads for Approvals: the orders waiting for a member's decision."""

from __future__ import annotations

from django.db.models import QuerySet

from orders.models import Order
from procurement.models import GroupMembership, Member
from procurement.tenancy import member_group_ids

Role = GroupMembership.Role


def pending_approvals(*, member: Member) -> QuerySet:
    # Never one's own orders: no one approves an order they placed (segregation of duties).
    qs = Order.objects.filter(business_id=member.business_id, status=Order.Status.PENDING_APPROVAL).exclude(buyer=member)
    if not member.is_business_admin:
        qs = qs.filter(group_id__in=member_group_ids(member, Role.APPROVER))
    return qs.select_related("group", "buyer__user", "budget").prefetch_related("lines").order_by("placed_at", "id")
