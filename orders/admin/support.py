"""Support in Django admin: one search box across all businesses, and an order's whole story.

Staff type a PO number, invoice number or tracking number (or a payment's reference) and get every
matching order, invoice, shipment and payment of any business; each order links to one page with its
lines, budget charges, approvals, shipments, invoices, payments and history. Registered as extra URLs
of the Payment admin (admin:orders_payment_support, admin:orders_payment_order_story); orders/admin/__init__.py
imports this module.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Q
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse

from budgets.models import LedgerEntry
from orders.models import Invoice, Order, Payment, PaymentAllocation, Shipment

SEARCH_LIMIT = 50


def support_search(q: str) -> dict:
    """Orders, invoices, shipments and payments of every business matching `q` (a few queries)."""
    q = (q or "").strip()
    if len(q) < 2:
        return {"orders": [], "invoices": [], "shipments": [], "payments": []}
    orders = (
        Order.objects.filter(Q(po_number__icontains=q) | Q(blanket_po_number__icontains=q))
        .select_related("business", "group", "buyer__user").order_by("-placed_at")[:SEARCH_LIMIT]
    )
    invoices = (
        Invoice.objects.filter(Q(number__icontains=q) | Q(order__po_number__icontains=q))
        .select_related("business", "order").order_by("-issued_on", "-id")[:SEARCH_LIMIT]
    )
    shipments = (
        Shipment.objects.filter(Q(tracking_number__icontains=q) | Q(order__po_number__icontains=q))
        .select_related("business", "order").order_by("-ship_date", "-id")[:SEARCH_LIMIT]
    )
    payments = (
        Payment.objects.filter(
            Q(po_number__icontains=q) | Q(invoice_number__icontains=q) | Q(reference__icontains=q)
        )
        .select_related("business").order_by("-received_on", "-id")[:SEARCH_LIMIT]
    )
    return {"orders": list(orders), "invoices": list(invoices), "shipments": list(shipments), "payments": list(payments)}


def order_story(order: Order) -> dict:
    """Everything that happened to one order, for the support page."""
    invoices = list(order.invoices.order_by("issued_on", "id"))
    allocations = list(
        PaymentAllocation.objects.filter(invoice__order=order).select_related("payment", "invoice").order_by("created_at", "id")
    )
    payment_ids = {a.payment_id for a in allocations}
    payments = list(
        Payment.objects.filter(business=order.business_id)
        .filter(Q(pk__in=payment_ids) | Q(po_number__iexact=order.po_number))
        .order_by("received_on", "id")
    )
    history = []
    for record in order.history.select_related("history_user").order_by("history_date"):
        history.append((record.history_date, "Order", record.get_history_type_display(), record.history_user, record.get_status_display()))
    for inv in invoices:
        for record in inv.history.select_related("history_user").order_by("history_date"):
            history.append((record.history_date, f"Invoice {inv.number}", record.get_history_type_display(), record.history_user,
                            f"{record.get_status_display()}, paid {record.amount_paid}"))
    for pay in payments:
        for record in pay.history.select_related("history_user").order_by("history_date"):
            history.append((record.history_date, f"Payment {pay.amount} on {pay.received_on}", record.get_history_type_display(),
                            record.history_user, f"{record.get_status_display()}, applied {record.amount_applied}"))
    for shipment in order.shipments.all():
        for record in shipment.history.select_related("history_user").order_by("history_date"):
            history.append((record.history_date, f"Shipment {shipment.tracking_number}", record.get_history_type_display(),
                            record.history_user, f"{record.carrier} {record.tracking_number}"))
    history.sort(key=lambda h: h[0])
    return {
        "order": order,
        "lines": list(order.lines.order_by("id")),
        "charges": list(LedgerEntry.objects.filter(order=order).select_related("budget", "member__user").order_by("created_at", "id")),
        "approvals": list(order.approvals.select_related("approver__user").order_by("decided_at")),
        "shipments": list(order.shipments.prefetch_related("lines__order_line").order_by("ship_date", "id")),
        "invoices": invoices,
        "allocations": allocations,
        "payments": payments,
        "history": history,
    }


class PaymentAdmin(admin.ModelAdmin):
    """Payments are never deleted (a wrong one is marked 'not ours' by finance)."""

    list_display = ["received_on", "business", "amount", "amount_applied", "status", "po_number", "invoice_number", "reference"]
    list_filter = ["status", "received_on"]
    search_fields = ["po_number", "invoice_number", "reference"]
    list_select_related = ["business"]
    readonly_fields = [f.name for f in Payment._meta.fields]
    change_list_template = "admin/orders/payment/change_list.html"

    def has_delete_permission(self, request, obj=None):
        return False

    def has_add_permission(self, request):
        return False

    def get_urls(self):
        extra = [
            path("support/", self.admin_site.admin_view(self.support_view), name="orders_payment_support"),
            path("support/order/<int:order_id>/", self.admin_site.admin_view(self.order_story_view), name="orders_payment_order_story"),
        ]
        return extra + super().get_urls()

    def support_view(self, request):
        q = request.GET.get("q", "")
        context = {**self.admin_site.each_context(request), "title": "Find by PO, invoice or tracking number", "q": q,
                   "results": support_search(q), "searched": bool(q.strip())}
        return TemplateResponse(request, "admin/orders/support.html", context)

    def order_story_view(self, request, order_id):
        order = get_object_or_404(Order.objects.select_related("business", "group", "buyer__user", "budget"), pk=order_id)
        context = {**self.admin_site.each_context(request), "title": f"PO {order.po_number} · {order.business.name}",
                   "search_url": reverse("admin:orders_payment_support"), **order_story(order)}
        return TemplateResponse(request, "admin/orders/order_story.html", context)


if not admin.site.is_registered(Payment):
    admin.site.register(Payment, PaymentAdmin)
