"""Staff (Django admin): invoices, every document of an order one click away, and the dock keys (rotate).

The staff views reuse the members' renderers (orders/documents/rendering.py) but look up by id under
`admin_site.admin_view` (staff only, plus the model's view permission) instead of by member.
`order_document_links(order)` gives the HTML list of links that OrderAdmin (orders/admin/orders.py)
shows as a read-only field on the order's change page.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import get_object_or_404
from django.urls import NoReverseMatch, path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.safestring import SafeString
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.readonly import NoAddDeleteMixin, ReadOnlyInline
from orders.documents.rendering import (
    document_html,
    invoice_document,
    order_documents,
    packing_slip_document,
    shipping_label_document,
)
from orders.documents.services import InvoiceError, invoice_void
from orders.documents.views import pdf_response
from orders.documents.dock import dock_key_rotate
from orders.models import DockSigningKey, Invoice, InvoiceLine, Order, Shipment

DOCUMENT_URLS = {
    # name: (object, builder)
    "invoice": ("invoice", invoice_document),
    "packing_slip": ("shipment", packing_slip_document),
    "shipping_label": ("shipment", shipping_label_document),
}


def document_admin_url(kind: str, obj, *, pdf: bool = False) -> str:
    return reverse(f"admin:orders_document_{kind}{'_pdf' if pdf else ''}", kwargs={"object_id": obj.pk})


def order_document_links(order: Order) -> SafeString:
    """Every document of `order` (per shipment: invoice, packing slip, label; page and PDF) for staff."""
    rows = order_documents(order)
    if not rows:
        return format_html("<p>{}</p>", "No shipments yet: documents appear once the order ships.")
    items = []
    for n, row in enumerate(rows, start=1):
        shipment, invoice = row["shipment"], row["invoice"]
        links = []
        if invoice is not None:
            links.append((f"Invoice {invoice.number}", document_admin_url("invoice", invoice),
                          document_admin_url("invoice", invoice, pdf=True)))
        links.append(("Packing slip", document_admin_url("packing_slip", shipment),
                      document_admin_url("packing_slip", shipment, pdf=True)))
        links.append(("Shipping label", document_admin_url("shipping_label", shipment),
                      document_admin_url("shipping_label", shipment, pdf=True)))
        items.append(format_html(
            "<li>Shipment {} · {} {}: {}</li>", n, shipment.carrier, shipment.tracking_number,
            format_html_join(" · ", '{} (<a href="{}">page</a>, <a href="{}">PDF</a>)', links),
        ))
    return format_html("<ul>{}</ul>", format_html_join("", "{}", ((item,) for item in items)))


order_document_links.short_description = "Documents"


class InvoiceLineInline(ReadOnlyInline):
    model = InvoiceLine
    fields = ("sku", "description", "quantity", "unit_price", "amount")


@admin.register(Invoice)
class InvoiceAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """Invoices are issued by shipping and paid through finance: staff read them, open their documents
    and may void one issued in error; they never add, edit amounts or delete."""

    list_display = ("number", "po_number", "business", "issued_on", "due_on", "total", "amount_paid", "status", "documents")
    list_filter = ("status", "issued_on", "business")
    search_fields = ("number", "order__po_number", "order__blanket_po_number", "shipment__tracking_number")
    list_select_related = ("order", "business", "shipment")
    date_hierarchy = "issued_on"
    inlines = [InvoiceLineInline]
    actions = ["void_selected"]
    readonly_fields = (
        "business", "order", "shipment", "number", "issued_on", "due_on", "subtotal", "tax_rate", "tax",
        "total", "amount_paid", "currency", "status", "created_by", "voided_at", "void_reason", "documents",
    )
    fields = readonly_fields

    @admin.display(description="PO #", ordering="order__po_number")
    def po_number(self, obj):
        return obj.order.po_number

    @admin.display(description="Documents")
    def documents(self, obj):
        if obj is None or obj.pk is None:
            return "—"
        return format_html(
            '<a href="{}">Invoice</a> (<a href="{}">PDF</a>) · <a href="{}">Packing slip</a> · <a href="{}">Label</a>',
            document_admin_url("invoice", obj), document_admin_url("invoice", obj, pdf=True),
            document_admin_url("packing_slip", obj.shipment), document_admin_url("shipping_label", obj.shipment),
        )

    @admin.action(description="Void selected invoices (issued in error, nothing paid)")
    def void_selected(self, request, queryset):
        if not self.has_change_permission(request):
            raise PermissionDenied
        voided = 0
        for invoice in queryset:
            try:
                invoice_void(invoice=invoice, reason=f"Voided in admin by {request.user}", acting_user=request.user)
                voided += 1
            except InvoiceError as exc:
                self.message_user(request, str(exc), messages.ERROR)
        if voided:
            self.message_user(request, f"{voided} invoice(s) voided.", messages.SUCCESS)

    # --- Document views for staff -----------------------------------------------------------------

    def get_urls(self):
        urls = []
        for kind in DOCUMENT_URLS:
            for pdf in (False, True):
                urls.append(path(
                    f"documents/{kind.replace('_', '-')}/<int:object_id>/{'pdf/' if pdf else ''}",
                    self.admin_site.admin_view(self._document_view(kind, pdf)),
                    name=f"orders_document_{kind}{'_pdf' if pdf else ''}",
                ))
        return urls + super().get_urls()

    def _document_view(self, kind: str, pdf: bool):
        model_name, builder = DOCUMENT_URLS[kind]

        def view(request, object_id):
            if not self.has_view_permission(request):
                raise PermissionDenied
            obj = get_object_or_404(Invoice if model_name == "invoice" else Shipment, pk=object_id)
            document = builder(obj)
            if pdf:
                return pdf_response(request, document, html_url=document_admin_url(kind, obj))
            order_id = obj.order_id
            try:
                back_url = reverse("admin:orders_order_change", args=[order_id])
            except NoReverseMatch:
                back_url = reverse("admin:orders_invoice_changelist")
            return HttpResponse(document_html(
                document, request=request,
                extra={"pdf_url": document_admin_url(kind, obj, pdf=True), "back_url": back_url},
            ))

        return view


@admin.register(DockSigningKey)
class DockSigningKeyAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """Each business's dock key (the secret is never shown): staff rotate it when a document leaked."""

    list_display = ("business", "version", "rotated_at")
    search_fields = ("business__name",)
    list_select_related = ("business",)
    actions = ["rotate_selected"]
    readonly_fields = ("business", "version", "rotated_at")
    fields = readonly_fields

    @admin.action(description="Rotate the dock key of the selected businesses (old QR codes stop verifying)",
                  permissions=["change"])
    def rotate_selected(self, request, queryset):
        rotated = [dock_key_rotate(business_id=key.business_id, acting_user=request.user) for key in queryset.order_by("id")]
        self.message_user(request, f"{len(rotated)} dock key(s) rotated: QR codes printed before no longer verify.", messages.SUCCESS)
