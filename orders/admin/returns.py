"""Staff (Django admin): approve or refuse buyers' return requests; read credit notes, refunds and receipts."""

from __future__ import annotations

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from simple_history.admin import SimpleHistoryAdmin

from orders.admin.readonly import NoAddDeleteMixin, ReadOnlyInline, ReadOnlyMixin
from orders.models import CreditNote, CreditNoteLine, Receipt, ReceiptLine, Refund, ReturnRequest
from orders.returns.services import ReturnError, return_approve, return_refuse


@admin.register(ReturnRequest)
class ReturnRequestAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    list_display = ("id", "po_number", "business", "sku", "quantity", "reason_display", "status", "requested_at", "credit_note_number")
    list_filter = ("status", "reason", "business")
    search_fields = ("order__po_number", "order_line__sku")
    list_select_related = ("order", "business", "order_line", "credit_note")
    actions = ["approve_selected", "refuse_selected"]
    readonly_fields = (
        "business", "order", "receipt_line", "order_line", "quantity", "reason", "reason_text", "status",
        "requested_by", "requested_at", "decided_by", "decided_at", "decision_note", "credit_note_number",
    )
    fields = readonly_fields

    @admin.display(description="PO #", ordering="order__po_number")
    def po_number(self, obj):
        return obj.order.po_number

    @admin.display(description="SKU")
    def sku(self, obj):
        return obj.order_line.sku

    @admin.display(description="Reason")
    def reason_display(self, obj):
        return obj.reason_display

    @admin.display(description="Credit note")
    def credit_note_number(self, obj):
        try:
            return obj.credit_note.number
        except CreditNote.DoesNotExist:
            return "—"

    def _decide(self, request, queryset, decide, verb):
        if not self.has_change_permission(request):
            raise PermissionDenied
        done = 0
        for return_request_ in queryset.order_by("id"):
            try:
                result = decide(return_request_)
            except ReturnError as exc:
                self.message_user(request, f"Return {return_request_.pk}: {exc}", messages.ERROR)
            else:
                done += 1
                if isinstance(result, CreditNote):
                    self.message_user(request, f"Credit note {result.number} issued for {return_request_.order.po_number}.", messages.SUCCESS)
        if done:
            self.message_user(request, f"{done} return(s) {verb}.", messages.SUCCESS)

    @admin.action(description="Approve selected returns (issue credit notes)")
    def approve_selected(self, request, queryset):
        self._decide(request, queryset, lambda r: return_approve(return_request_=r, acting_user=request.user), "approved")

    @admin.action(description="Refuse selected returns")
    def refuse_selected(self, request, queryset):
        self._decide(request, queryset, lambda r: return_refuse(return_request_=r, note=f"Refused by {request.user}", acting_user=request.user), "refused")


class CreditNoteLineInline(ReadOnlyInline):
    model = CreditNoteLine
    fields = ("sku", "description", "quantity", "unit_price", "amount")


@admin.register(CreditNote)
class CreditNoteAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    list_display = ("number", "po_number", "invoice", "business", "issued_on", "total", "amount_refunded")
    list_filter = ("issued_on", "business")
    search_fields = ("number", "order__po_number", "invoice__number")
    list_select_related = ("order", "invoice", "business")
    inlines = [CreditNoteLineInline]
    readonly_fields = ("business", "order", "invoice", "return_request", "number", "issued_on", "subtotal", "tax_rate", "tax", "total", "amount_refunded", "currency", "created_by")
    fields = readonly_fields

    @admin.display(description="PO #", ordering="order__po_number")
    def po_number(self, obj):
        return obj.order.po_number


class ReceiptLineInline(ReadOnlyInline):
    model = ReceiptLine
    fields = ("order_line", "quantity_shipped", "quantity_received", "quantity_damaged", "quantity_missing", "quantity_returned", "note")


@admin.register(Receipt)
class ReceiptAdmin(NoAddDeleteMixin, SimpleHistoryAdmin):
    """Receipts are recorded by buyers and receivers; staff read them (and their history)."""

    list_display = ("id", "order", "shipment", "received_on", "received_by", "business")
    list_filter = ("received_on", "business")
    search_fields = ("order__po_number", "shipment__tracking_number")
    list_select_related = ("order", "shipment", "received_by__user", "business")
    inlines = [ReceiptLineInline]
    readonly_fields = ("business", "order", "shipment", "received_on", "note", "received_by", "created_at", "updated_at")
    fields = readonly_fields



@admin.register(Refund)
class RefundAdmin(ReadOnlyMixin, SimpleHistoryAdmin):
    """Refunds are recorded by finance against a credit note (orders.finance.refunds); staff read them."""

    list_display = ("received_on", "amount", "credit_note", "po_number", "business", "method", "reference")
    list_filter = ("received_on", "business")
    search_fields = ("credit_note__number", "credit_note__order__po_number", "reference")
    list_select_related = ("credit_note__order", "business")
    readonly_fields = ("business", "credit_note", "received_on", "amount", "method", "reference", "created_by", "created_at")
    fields = readonly_fields

    @admin.display(description="PO #", ordering="credit_note__order__po_number")
    def po_number(self, obj):
        return obj.credit_note.order.po_number
