"""Reads for returns: the received lines a buyer can still return, an order's returns and credit notes."""

from __future__ import annotations

from django.db.models import F

from orders.models import CreditNote, Order, ReceiptLine, ReturnRequest


def returnable_lines(order: Order) -> list[ReceiptLine]:
    return list(
        ReceiptLine.objects.filter(receipt__order_id=order.pk, quantity_received__gt=F("quantity_returned"))
        .select_related("order_line", "receipt__shipment").order_by("id")
    )


def order_returns(order: Order) -> list[ReturnRequest]:
    return list(
        ReturnRequest.objects.filter(order_id=order.pk)
        .select_related("order_line", "credit_note").order_by("requested_at", "id")
    )


def order_credit_notes(order: Order) -> list[CreditNote]:
    return list(CreditNote.objects.filter(order_id=order.pk).select_related("invoice").order_by("issued_on", "id"))
