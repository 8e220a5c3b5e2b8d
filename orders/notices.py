"""What orders tell their buyer (approved, rejected, shipped, delivered, invoiced), through `notify`.

Each service calls `buyer_notify` once, after its state change and inside its transaction: the rows
are written with the change and the emails leave after the commit. The link is always the order page
(buyers do not see invoice pages; finance does), which the buyer opens after signing in if need be.
"""

from __future__ import annotations

from django.urls import reverse

from orders.models import Order
from procurement.models import Notification
from procurement.notifications.models import Kind
from procurement.notifications.services import notify

SUBJECTS = {
    Kind.ORDER_APPROVED: "Your order {po} was approved",
    Kind.ORDER_REJECTED: "Your order {po} was rejected",
    Kind.ORDER_SHIPPED: "Your order {po} was shipped",
    Kind.ORDER_DELIVERED: "Your order {po} was delivered",
    Kind.ORDER_INVOICED: "Invoice {invoice} was issued for your order {po}",
}


def order_url(order: Order) -> str:
    return reverse("orders:order_detail", kwargs={"po_number": order.po_number})


def buyer_notify(*, order: Order, kind: Kind, **context) -> list[Notification]:
    """Notify the order's buyer of `kind` (template `notifications/email/<kind>.html|.txt`)."""
    invoice = context.get("invoice")
    subject = SUBJECTS[kind].format(po=order.po_number, invoice=getattr(invoice, "number", ""))
    return notify(
        business=order.business, kind=kind, recipients=[order.buyer], subject=subject, template=kind.value,
        context={"order": order, **context}, url=order_url(order),
    )
