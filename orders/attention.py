"""The orders side of Your Account for Business: what waits for this person (see procurement.attention).

Approvers: orders waiting for their approval. Buyers: their cart. Buyers and receivers: orders shipped
and not yet received. Finance: invoices overdue, unmatched
payments, last month ready to close (one query for the three). One aggregate query per provider whatever
the data size, each count bounded (`procurement.attention.bounded_count`: "99+" beyond).
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Q, Sum
from django.urls import reverse
from django.utils import timezone

from procurement.attention import AttentionItem, BoundedCount, bounded_count, counted, provider
from procurement.models import Business, GroupMembership
from procurement.tenancy import member_group_ids, member_has_role

from .models import CartItem, Invoice, MonthClose, Order, Payment

Role = GroupMembership.Role
OPEN_INVOICE = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)


@provider("approvals", order=10)
def approvals(*, member) -> list[AttentionItem]:
    if not member_has_role(member, Role.APPROVER):
        return []
    qs = Order.objects.filter(business_id=member.business_id, status=Order.Status.PENDING_APPROVAL)
    if not member.is_business_admin:
        qs = qs.filter(group_id__in=member_group_ids(member, Role.APPROVER))
    n = bounded_count(qs)
    if not n:
        return []
    return [AttentionItem("approvals", f"{counted(n, 'order', 'orders')} waiting for your approval",
                          reverse("orders:approvals"), n, "warning", order=10)]


@provider("cart", order=20)
def cart(*, member) -> list[AttentionItem]:
    if not member_has_role(member, Role.BUYER):
        return []
    totals = CartItem.objects.filter(business_id=member.business_id, member=member).aggregate(
        lines=Count("id"), items=Sum("quantity"))
    if not totals["lines"]:
        return []
    n = totals["items"] or 0
    return [AttentionItem("cart", f"{counted(n, 'item', 'items')} in your cart, ready to check out",
                          reverse("orders:cart"), n, "primary", order=20)]


@provider("receiving", order=30)
def receiving(*, member) -> list[AttentionItem]:
    """Orders shipped to the member (or to a group they receive for) and not yet received."""
    from orders.tracking.selectors import TO_RECEIVE

    qs = Order.objects.filter(business_id=member.business_id, status__in=TO_RECEIVE)
    receiver_groups = member_group_ids(member, Role.RECEIVER)
    qs = qs.filter(Q(buyer=member) | Q(group_id__in=receiver_groups)) if not member.is_business_admin else qs.filter(buyer=member)
    n = bounded_count(qs)
    if not n:
        return []
    return [AttentionItem("to_receive", f"{counted(n, 'order', 'orders')} shipped and waiting to be received",
                          f"{reverse('orders:order_list')}?status=to_receive", n, "primary", order=30)]


def _last_month(today: datetime.date) -> tuple[int, int]:
    first = today.replace(day=1)
    previous = first - datetime.timedelta(days=1)
    return previous.year, previous.month


@provider("finance", order=40)
def finance(*, member, today: datetime.date | None = None) -> list[AttentionItem]:
    if not member_has_role(member, Role.FINANCE):
        return []
    today = today or timezone.localdate()
    items = []
    invoices = Invoice.objects.filter(business_id=member.business_id, status__in=OPEN_INVOICE, due_on__lt=today)
    if not member.is_business_admin:
        invoices = invoices.filter(order__group_id__in=member_group_ids(member, Role.FINANCE))
    unmatched = Payment.objects.filter(business_id=member.business_id, status=Payment.Status.UNMATCHED)
    # Last month, over and not closed yet, with invoices or payments in it: ready to close. One query for
    # the two bounded counts and the month's state.
    year, month = _last_month(today)
    start = datetime.date(year, month, 1)
    end = today.replace(day=1)
    state = Business.objects.filter(pk=member.business_id).annotate(
        overdue=BoundedCount(invoices),
        unmatched=BoundedCount(unmatched),
        closed=Exists(MonthClose.objects.filter(business_id=OuterRef("pk"), year=year, month=month, closed=True)),
        invoiced=Exists(Invoice.objects.filter(business_id=OuterRef("pk"), issued_on__gte=start, issued_on__lt=end)),
        received=Exists(Payment.objects.filter(business_id=OuterRef("pk"), received_on__gte=start, received_on__lt=end)),
    ).values("overdue", "unmatched", "closed", "invoiced", "received").first()
    if state is None:
        return items
    if overdue := state["overdue"]:
        items.append(AttentionItem(
            "invoices_overdue", f"{counted(overdue, 'invoice', 'invoices')} overdue",
            f"{reverse('orders:invoice_list')}?status=overdue", overdue, "danger", order=40))
    if unmatched := state["unmatched"]:
        items.append(AttentionItem(
            "payments_unmatched", f"{counted(unmatched, 'payment', 'payments')} not matched to an invoice",
            f"{reverse('orders:payments')}?status=unmatched", unmatched, "warning", order=41))
    if not state["closed"] and (state["invoiced"] or state["received"]):
        items.append(AttentionItem(
            "month_to_close", f"{start:%B %Y} is ready to close",
            f"{reverse('orders:reconciliation')}?month={year:04}-{month:02}", 1, "primary", order=45))
    return items
