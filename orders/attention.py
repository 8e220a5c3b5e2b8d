"""The orders side of Your Account for Business: what waits for this person (see procurement.attention).

Approvers: orders waiting for their approval. Buyers: their cart. Finance: invoices overdue, unmatched
payments, last month ready to close. One aggregate query per item, whatever the data size.
"""

from __future__ import annotations

import datetime

from django.db.models import Count, Exists, OuterRef, Sum
from django.urls import reverse
from django.utils import timezone

from procurement.attention import AttentionItem, provider
from procurement.models import Business, GroupMembership
from procurement.tenancy import member_group_ids, member_has_role

from .models import CartItem, Invoice, MonthClose, Order, Payment

Role = GroupMembership.Role
OPEN_INVOICE = (Invoice.Status.OPEN, Invoice.Status.PARTLY_PAID)


def _plural(n: int, one: str, many: str) -> str:
    return f"{n} {one if n == 1 else many}"


@provider("approvals", order=10)
def approvals(*, member) -> list[AttentionItem]:
    if not member_has_role(member, Role.APPROVER):
        return []
    qs = Order.objects.filter(business_id=member.business_id, status=Order.Status.PENDING_APPROVAL)
    if not member.is_business_admin:
        qs = qs.filter(group_id__in=member_group_ids(member, Role.APPROVER))
    n = qs.count()
    if not n:
        return []
    return [AttentionItem("approvals", f"{_plural(n, 'order', 'orders')} waiting for your approval",
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
    return [AttentionItem("cart", f"{_plural(n, 'item', 'items')} in your cart, ready to check out",
                          reverse("orders:cart"), n, "primary", order=20)]


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
    overdue = invoices.count()
    if overdue:
        items.append(AttentionItem(
            "invoices_overdue", f"{_plural(overdue, 'invoice', 'invoices')} overdue",
            f"{reverse('orders:invoice_list')}?status=overdue", overdue, "danger", order=40))
    unmatched = Payment.objects.filter(business_id=member.business_id, status=Payment.Status.UNMATCHED).count()
    if unmatched:
        items.append(AttentionItem(
            "payments_unmatched", f"{_plural(unmatched, 'payment', 'payments')} not matched to an invoice",
            f"{reverse('orders:payments')}?status=unmatched", unmatched, "warning", order=41))
    # Last month, over and not closed yet, with invoices or payments in it: ready to close (one query).
    year, month = _last_month(today)
    start = datetime.date(year, month, 1)
    end = today.replace(day=1)
    business = Business.objects.filter(pk=member.business_id)
    state = business.annotate(
        closed=Exists(MonthClose.objects.filter(business_id=OuterRef("pk"), year=year, month=month, closed=True)),
        invoiced=Exists(Invoice.objects.filter(business_id=OuterRef("pk"), issued_on__gte=start, issued_on__lt=end)),
        received=Exists(Payment.objects.filter(business_id=OuterRef("pk"), received_on__gte=start, received_on__lt=end)),
    ).values("closed", "invoiced", "received").first()
    if state and not state["closed"] and (state["invoiced"] or state["received"]):
        items.append(AttentionItem(
            "month_to_close", f"{start:%B %Y} is ready to close",
            f"{reverse('orders:reconciliation')}?month={year:04}-{month:02}", 1, "primary", order=45))
    return items
