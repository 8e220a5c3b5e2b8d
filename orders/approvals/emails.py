"""Approval emails: to the deciders (an order waits for you, a reminder, an escalation) and to the buyer
(approved, rejected). Each has a text and an HTML part, the PO number and a link to the order page;
the link only opens the page (the decision is a POST there, after signing in). Sent after commit."""

from __future__ import annotations

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.db import transaction
from django.template.loader import render_to_string
from django.urls import reverse

from orders.models import Order


def order_url(order: Order) -> str:
    return settings.SITE_URL.rstrip("/") + reverse("orders:order_detail", kwargs={"po_number": order.po_number})


SUBJECTS = {
    "waiting": "Order {po} waits for your approval",
    "reminder": "Reminder: order {po} still waits for your approval",
    "escalated": "Escalated: order {po} has waited {days} days for approval",
    "approved": "Your order {po} is approved",
    "rejected": "Your order {po} was rejected",
}


def approval_email(*, kind: str, order: Order, recipients: list[str], why: str = "", days: int = 0) -> None:
    """Queue one email per recipient for after the commit (a failed send never blocks the order)."""
    recipients = sorted({r for r in recipients if r})
    if not recipients:
        return
    context = {
        "kind": kind, "order": order, "url": order_url(order), "why": why, "days": days,
        "buyer": order.buyer.name if order.buyer_id else "", "total": order.total, "currency": order.currency,
        "reason": order.rejection_reason,
    }
    subject = SUBJECTS[kind].format(po=order.po_number, days=days)
    text = render_to_string("orders/emails/approval.txt", context)
    html = render_to_string("orders/emails/approval.html", context)

    def send():
        for to in recipients:
            message = EmailMultiAlternatives(subject, text, None, [to])
            message.attach_alternative(html, "text/html")
            message.send(fail_silently=True)

    transaction.on_commit(send)
