"""Invoices, packing slips and shipping labels for members: HTML page or PDF download, same template.

Every lookup goes through the member's business first (another business's numbers give 404), then
the role on the order's group (403): buyers see their own orders' documents; approvers, finance and
group admins of the order's group and business admins see every document of it.
"""

from __future__ import annotations

from django import forms
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.views.generic import ListView, View

from orders.documents.rendering import (
    Document,
    PdfUnavailable,
    document_html,
    document_pdf,
    invoice_document,
    packing_slip_document,
    shipping_label_document,
)
from orders.access import invoice_groups_visible_to, invoices_visible_to, order_visible_to
from orders.models import Invoice, Order, Shipment
from procurement.inputs import BoundedModelChoiceField, date_bounds_validator
from procurement.models import Group
from procurement.tenancy import (
    MemberRequiredMixin,
    Role,
)



def member_may_see_order_documents(member, order: Order) -> bool:
    return order_visible_to(order=order, member=member)


def pdf_response(request, document: Document, *, html_url: str) -> HttpResponse:
    """The PDF as a download, or a clear 503 page pointing at the HTML version when PDFs cannot be made."""
    try:
        pdf = document_pdf(document, request=request)
    except PdfUnavailable as exc:
        return render(
            request, "orders/documents/pdf_unavailable.html",
            {"document": document, "html_url": html_url, "reason": str(exc)}, status=503,
        )
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="{document.filename}.pdf"'
    return response


class DocumentView(MemberRequiredMixin, View):
    """Base: subclasses find the object (scoped) and build its Document; `as_pdf` picks the output."""

    as_pdf = False
    html_url_name = ""
    pdf_url_name = ""

    def get_document(self) -> Document:
        raise NotImplementedError

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.get_document()  # 404 for another business's numbers, before saying the method is wrong
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        document = self.get_document()
        html_url = reverse(f"orders:{self.html_url_name}", kwargs=self.kwargs)
        if self.as_pdf:
            return pdf_response(request, document, html_url=html_url)
        pdf_url = reverse(f"orders:{self.pdf_url_name}", kwargs=self.kwargs)
        return HttpResponse(document_html(document, request=request, extra={"pdf_url": pdf_url}))

    def check_order(self, order: Order) -> None:
        if not member_may_see_order_documents(self.member, order):
            raise PermissionDenied("Only the buyer, the group's approvers, finance and admins see this document.")


class InvoiceDocumentView(DocumentView):
    html_url_name, pdf_url_name = "invoice_detail", "invoice_pdf"

    def get_document(self) -> Document:
        invoice = self.get_scoped_or_404(Invoice.objects.select_related("order"), number=self.kwargs["invoice_number"])
        self.check_order(invoice.order)
        return invoice_document(invoice)


class ShipmentDocumentView(DocumentView):

    def get_shipment(self) -> Shipment:
        order = self.get_scoped_or_404(Order, po_number=self.kwargs["po_number"])
        shipment = self.get_scoped_or_404(Shipment.objects.filter(order=order), pk=self.kwargs["shipment_id"])
        self.check_order(order)
        return shipment


class PackingSlipView(ShipmentDocumentView):
    html_url_name, pdf_url_name = "packing_slip", "packing_slip_pdf"

    def get_document(self) -> Document:
        return packing_slip_document(self.get_shipment())


class ShippingLabelView(ShipmentDocumentView):
    html_url_name, pdf_url_name = "shipping_label", "shipping_label_pdf"

    def get_document(self) -> Document:
        return shipping_label_document(self.get_shipment())


# --- Invoice list ----------------------------------------------------------------------------------


class InvoiceFilterForm(forms.Form):
    po_number = forms.CharField(label="PO number", required=False, max_length=64)
    status = forms.ChoiceField(label="Status", required=False, choices=[("", "Any status"), *Invoice.Status.choices])
    group = BoundedModelChoiceField(label="Group", required=False, queryset=Group.objects.none(), empty_label="All groups")
    issued_from = forms.DateField(label="Issued from", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                  validators=[date_bounds_validator])
    issued_to = forms.DateField(label="Issued to", required=False, widget=forms.DateInput(attrs={"type": "date"}),
                                validators=[date_bounds_validator])

    def __init__(self, *args, groups, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["group"].queryset = groups

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("issued_from"), cleaned.get("issued_to")
        if start and end and start > end:
            self.add_error("issued_to", "The end date is before the start date.")
        return cleaned


def invoices_filtered(queryset, data: dict):
    if data.get("po_number"):
        queryset = queryset.filter(order__po_number__icontains=data["po_number"].strip())
    if data.get("status"):
        queryset = queryset.filter(status=data["status"])
    if data.get("group"):
        queryset = queryset.filter(order__group=data["group"])
    if data.get("issued_from"):
        queryset = queryset.filter(issued_on__gte=data["issued_from"])
    if data.get("issued_to"):
        queryset = queryset.filter(issued_on__lte=data["issued_to"])
    return queryset


class InvoiceListView(MemberRequiredMixin, ListView):
    """Invoices: finance and business admins, filtered by status, group, issue dates and PO number."""

    required_roles = (Role.FINANCE,)
    template_name = "orders/documents/invoice_list.html"
    context_object_name = "invoices"
    paginate_by = 25

    def get_form(self) -> InvoiceFilterForm:
        groups = invoice_groups_visible_to(member=self.member, queryset=self.scoped(Group))
        return InvoiceFilterForm(self.request.GET or None, groups=groups)

    def get_queryset(self):
        self.form = self.get_form()
        queryset = invoices_visible_to(
            member=self.member,
            queryset=self.scoped(Invoice).select_related("order", "order__group", "shipment").order_by("-issued_on", "-id"),
        )
        if self.form.is_bound:
            if not self.form.is_valid():
                return queryset.none()
            queryset = invoices_filtered(queryset, self.form.cleaned_data)
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["filtered"] = self.form.is_bound and any(self.request.GET.get(k) for k in self.form.fields)
        return context
