"""Django admin for staff: catalog, and orders found by PO number, shipped, delivered or cancelled."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from simple_history.admin import SimpleHistoryAdmin

from budgets.models import LedgerEntry
from orders.admin.documents import order_document_links
from orders.admin.readonly import NoAddDeleteMixin, ReadOnlyInline
from orders.fulfilment.forms import ShipmentForm
from orders.fulfilment.services import (
    ShippingError,
    order_cancel,
    order_mark_delivered,
    shipment_create,
)
from orders.models import (
    Approval,
    Category,
    Order,
    OrderLine,
    Product,
    Shipment,
    ShipmentLine,
)
from procurement.errors import error_to_form


@admin.register(Category)
class CategoryAdmin(admin.ModelAdmin):
    list_display = ["name", "code"]
    search_fields = ["name", "code"]


@admin.register(Product)
class ProductAdmin(admin.ModelAdmin):
    list_display = ["sku", "name", "category", "unit_price", "active"]
    list_filter = ["active", "category"]
    search_fields = ["sku", "name"]
    list_select_related = ["category"]
    list_editable = ["active"]


class OrderLineInline(ReadOnlyInline):
    model = OrderLine
    fields = ["sku", "description", "quantity", "quantity_shipped", "quantity_cancelled", "unit_price", "amount"]


class ShipmentInline(ReadOnlyInline):
    model = Shipment
    fields = ["ship_date", "carrier", "tracking_number", "created_by"]


class ApprovalInline(ReadOnlyInline):
    model = Approval
    fields = ["decided_at", "approver", "decision", "reason"]


class LedgerInline(ReadOnlyInline):
    model = LedgerEntry
    fk_name = "order"
    fields = ["created_at", "kind", "amount", "budget", "allocation", "over_limit", "note"]


@admin.register(Order)
class OrderAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """Orders come from checkout and are never hard-deleted; staff ship, deliver and cancel them."""

    list_display = ["po_number", "business", "group", "buyer", "blanket_po_number", "total", "status", "over_budget", "placed_at"]
    list_filter = ["status", "over_budget", "placed_at", "business"]
    # "=po_number" finds exact numbers fast (index); "po_number" finds partial ones.
    search_fields = ["=po_number", "po_number", "blanket_po_number", "shipments__tracking_number"]
    list_select_related = ["business", "group", "buyer__user"]
    date_hierarchy = "placed_at"
    inlines = [OrderLineInline, ShipmentInline, ApprovalInline, LedgerInline]
    actions = ["mark_delivered", "cancel_orders"]
    readonly_fields = [
        "business", "group", "buyer", "po_number", "budget", "blanket_po_number", "status", "over_budget",
        "needs_approval_reason", "subtotal", "total", "currency", "shipping_address", "ship_to", "placed_at",
        "decided_at", "decided_by", "rejection_reason", "cancelled_at", "delivered_at", "ship_link",
        "documents",
    ]
    fields = readonly_fields

    @admin.display(description="Documents")
    def documents(self, obj):
        return order_document_links(obj)

    def get_search_results(self, request, queryset, search_term):
        qs, distinct = super().get_search_results(request, queryset, search_term)
        return qs, True if search_term else distinct

    @admin.display(description="Ship")
    def ship_link(self, obj):
        if obj.pk and obj.status in (Order.Status.PLACED, Order.Status.PARTLY_SHIPPED):
            return format_html('<a class="button" href="{}">Add shipment</a>', reverse("admin:orders_order_ship", args=[obj.pk]))
        return "—"

    def get_urls(self):
        return [
            path("<int:order_id>/ship/", self.admin_site.admin_view(self.ship_view), name="orders_order_ship"),
            *super().get_urls(),
        ]

    def ship_view(self, request, order_id):
        if not self.has_change_permission(request):
            raise PermissionDenied
        order = get_object_or_404(Order.objects.select_related("business"), pk=order_id)
        lines = [line for line in order.lines.order_by("id") if line.quantity_open > 0]
        form = ShipmentForm(request.POST or None, lines=lines)
        if request.method == "POST" and form.is_valid():
            try:
                shipment = shipment_create(
                    order=order, carrier=form.cleaned_data["carrier"], tracking_number=form.cleaned_data["tracking_number"],
                    ship_date=form.cleaned_data["ship_date"], quantities=form.quantities(), acting_user=request.user,
                )
            except ShippingError as exc:
                error_to_form(form, exc)
            else:
                self.message_user(request, f"Shipped {order.po_number} with {shipment.carrier} {shipment.tracking_number}.")
                return redirect("admin:orders_order_change", order.pk)
        context = {**self.admin_site.each_context(request), "title": f"Add shipment to {order.po_number}",
                   "order": order, "form": form, "opts": self.model._meta}
        return TemplateResponse(request, "admin/orders/order/ship.html", context)

    @admin.action(description="Mark selected orders delivered")
    def mark_delivered(self, request, queryset):
        self._each(request, queryset, lambda o: order_mark_delivered(order=o, acting_user=request.user), "delivered")

    @admin.action(description="Cancel selected orders (releases the unshipped amount)")
    def cancel_orders(self, request, queryset):
        self._each(request, queryset, lambda o: order_cancel(order=o, acting_user=request.user, reason="by staff"), "cancelled")

    def _each(self, request, queryset, fn, done):
        ok = 0
        for order in queryset.order_by("id"):
            try:
                fn(order)
                ok += 1
            except ShippingError as exc:
                self.message_user(request, str(exc), level=messages.WARNING)
        if ok:
            self.message_user(request, f"{ok} order{'s' if ok != 1 else ''} {done}.")


class ShipmentLineInline(ReadOnlyInline):
    model = ShipmentLine
    fields = ["order_line", "quantity"]


@admin.register(Shipment)
class ShipmentAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """Shipments are added through an order's "Add shipment", which checks quantities."""

    list_display = ["tracking_number", "carrier", "order", "ship_date", "business"]
    search_fields = ["=tracking_number", "tracking_number", "order__po_number"]
    list_filter = ["carrier", "ship_date"]
    list_select_related = ["order", "business"]
    readonly_fields = ["business", "order", "carrier", "tracking_number", "ship_date", "created_by", "created_at"]
    fields = readonly_fields
    inlines = [ShipmentLineInline]
