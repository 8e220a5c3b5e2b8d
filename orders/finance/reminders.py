"""Telling finance that last month can be closed (`month_close_reminders_send`, run daily).

"Can be closed" is what the account page's "ready to close" item says: the month is over, it is not
closed yet, and invoices were issued or payments received in it. Closing itself checks nothing more
(finance reviews the reconciliation and decides), so the reminder only points at the page. Each
business's finance members (business admins where no one holds the finance role) are told once per
month: a `month_closable` notification for that month's page is the record that it was sent.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.db.models import Exists, OuterRef, Q
from django.urls import reverse
from django.utils import timezone

from orders.access import FINANCE_ROLES
from orders.models import Invoice, MonthClose, Payment
from procurement.models import Business, Member, Notification
from procurement.notifications.models import Kind
from procurement.notifications.services import notify

from .reconciliation import month_bounds


def _finance_members(business: Business) -> list[Member]:
    active = Member.objects.filter(business=business, is_active=True).select_related("user", "business")
    finance = list(active.filter(memberships__role__in=FINANCE_ROLES).distinct().order_by("id"))
    return finance or list(active.filter(is_business_admin=True).order_by("id"))


def month_close_reminders_send(*, today: datetime.date | None = None) -> int:
    """Notify finance of every business whose last month is ready to close; returns how many businesses."""
    today = today or timezone.localdate()
    last = today.replace(day=1) - datetime.timedelta(days=1)
    start, end = month_bounds(last.year, last.month)
    url = f"{reverse('orders:reconciliation')}?month={last.year:04}-{last.month:02}"
    ready = (
        Business.objects.annotate(
            closed=Exists(MonthClose.objects.filter(business_id=OuterRef("pk"), year=last.year, month=last.month, closed=True)),
            invoiced=Exists(Invoice.objects.filter(business_id=OuterRef("pk"), issued_on__gte=start, issued_on__lt=end)),
            received=Exists(Payment.objects.filter(business_id=OuterRef("pk"), received_on__gte=start, received_on__lt=end)),
            reminded=Exists(Notification.objects.filter(business_id=OuterRef("pk"), kind=Kind.MONTH_CLOSABLE, url=url)),
        )
        .filter(Q(invoiced=True) | Q(received=True), closed=False, reminded=False)
        .order_by("id")
    )
    told = 0
    for business in ready.iterator(chunk_size=200):
        with transaction.atomic():
            rows = notify(
                business=business, kind=Kind.MONTH_CLOSABLE, recipients=_finance_members(business),
                subject=f"{start:%B %Y} can be closed", template="month_closable",
                context={"month": start}, url=url,
            )
        told += bool(rows)
    return told
