"""Invoices, packing slips and shipping labels for members: HTML page or PDF download, same template.

Every lookup goes through the member's business first (another business's numbers give 404), then
the role on the order's group (403): buyers see their own orders' documents; approvers, finance and
group admins of the order's group and business admins see every document of it.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.safestring import mark_safe
from django.views.generic import ListView, View

from orders.access import FINANCE_ROLES, order_visible_to
from orders.documents.dock import dock_key, dock_key_rotate
from orders.documents.downloads import einvoice_response, order_ubl_response
from orders.documents.einvoice import EInvoiceError
from orders.documents.forms import DockKeyRotateForm
from orders.documents.rendering import (
    INVOICE_RELATIONS,
    Document,
    credit_note_document,
    PdfUnavailable,
    document_html,
    document_pdf,
    invoice_document,
    packing_slip_document,
    shipping_label_document,
)
from orders.documents.jobs import month_parse
from orders.documents.selectors import invoice_lines_html, invoice_list
from orders.documents.services import invoice_pdf_bytes
from orders.models import CreditNote, Invoice, Order, Shipment
from procurement.errors import InvalidInput, error_to_message
from procurement.jobs.views import job_start, job_token
from procurement.tenancy import BusinessAdminRequiredMixin, MemberRequiredMixin

def pdf_response(request, document: Document, *, html_url: str, make_pdf=None) -> HttpResponse:
    """The PDF as a download, or a clear 503 page pointing at the HTML version when PDFs cannot be made.

    `make_pdf(document)` makes the bytes (default: WeasyPrint now; invoices: their stored PDF)."""
    try:
        pdf = make_pdf(document) if make_pdf else document_pdf(document, request=request)
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
            return pdf_response(request, document, html_url=html_url, make_pdf=self.render_pdf)
        pdf_url = reverse(f"orders:{self.pdf_url_name}", kwargs=self.kwargs)
        extra = {"pdf_url": pdf_url, "extra_downloads": self.extra_downloads()}
        return HttpResponse(document_html(document, request=request, extra=extra))

    def extra_downloads(self) -> list[tuple[str, str]]:
        """(label, url) of further downloads in the toolbar."""
        return []

    render_pdf = None  # a function document -> PDF bytes; None: document_pdf with this request

    def check_order(self, order: Order) -> None:
        if not order_visible_to(order=order, member=self.member):
            raise PermissionDenied("Only the buyer, the group's approvers, finance and admins see this document.")


class InvoiceDocumentView(DocumentView):
    html_url_name, pdf_url_name = "invoice_detail", "invoice_pdf"

    def get_invoice(self, relations=("order",)) -> Invoice:
        invoice = self.get_scoped_or_404(Invoice.objects.select_related(*relations), number=self.kwargs["invoice_number"])
        self.check_order(invoice.order)
        return invoice

    def get_document(self) -> Document:
        if self.as_pdf:
            return invoice_document(self.get_invoice())
        # The page: one query for the invoice and what it shows, and its rows from the cache.
        invoice = self.get_invoice(INVOICE_RELATIONS)
        document = invoice_document(invoice, fetched=True, lines=[])
        document.context["lines_html"] = mark_safe(invoice_lines_html(invoice))  # nosec B308 B703  # our template's output (autoescaped), cached
        return document

    @staticmethod
    def render_pdf(document: Document) -> bytes:
        """An issued invoice is a fixed document: its stored PDF while nothing it shows has changed."""
        return invoice_pdf_bytes(document=document)

    def extra_downloads(self):
        number = self.kwargs["invoice_number"]
        return [
            ("E-invoice (UBL XML)", reverse("orders:invoice_ubl", kwargs={"invoice_number": number})),
            ("Factur-X PDF", reverse("orders:invoice_facturx", kwargs={"invoice_number": number})),
        ]


class EInvoiceDownloadMixin:
    """The document as an EN 16931 e-invoice: UBL 2.1 XML, or a Factur-X PDF/A-3 with the CII XML inside."""

    syntax = "ubl"

    def get_einvoice_object(self):
        raise NotImplementedError

    def get(self, request, *args, **kwargs):
        obj = self.get_einvoice_object()
        try:
            return einvoice_response(obj, syntax=self.syntax, request=request)
        except EInvoiceError as exc:
            messages.error(request, str(exc))
            return redirect(f"orders:{self.html_url_name}", **self.kwargs)
        except PdfUnavailable as exc:
            html_url = reverse(f"orders:{self.html_url_name}", kwargs=self.kwargs)
            return render(request, "orders/documents/pdf_unavailable.html",
                          {"document": self.get_document(), "html_url": html_url, "reason": str(exc)}, status=503)


class InvoiceEInvoiceView(EInvoiceDownloadMixin, InvoiceDocumentView):
    def get_einvoice_object(self):
        return self.get_invoice()


class CreditNoteDocumentView(DocumentView):
    html_url_name, pdf_url_name = "credit_note_detail", "credit_note_pdf"

    def get_credit_note(self) -> CreditNote:
        credit_note = self.get_scoped_or_404(
            CreditNote.objects.select_related("order", "invoice"), number=self.kwargs["credit_note_number"])
        self.check_order(credit_note.order)
        return credit_note

    def get_document(self) -> Document:
        return credit_note_document(self.get_credit_note())

    def extra_downloads(self):
        number = self.kwargs["credit_note_number"]
        return [
            ("E-invoice (UBL XML)", reverse("orders:credit_note_ubl", kwargs={"credit_note_number": number})),
            ("Factur-X PDF", reverse("orders:credit_note_facturx", kwargs={"credit_note_number": number})),
        ]


class CreditNoteEInvoiceView(EInvoiceDownloadMixin, CreditNoteDocumentView):
    def get_einvoice_object(self):
        return self.get_credit_note()


class OrderUblView(MemberRequiredMixin, View):
    """The order as a UBL 2.1 Order XML (orders.documents.ubl_order), for whoever may see the order."""

    def get_order(self) -> Order:
        order = self.get_scoped_or_404(Order, po_number=self.kwargs["po_number"])
        if not order_visible_to(order=order, member=self.member):
            raise PermissionDenied("Only the buyer, the group's approvers, finance and admins see this document.")
        return order

    def http_method_not_allowed(self, request, *args, **kwargs):
        self.get_order()  # 404 for another business's PO numbers, before saying the method is wrong
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get(self, request, *args, **kwargs):
        order = self.get_order()
        try:
            return order_ubl_response(order)
        except EInvoiceError as exc:
            messages.error(request, str(exc))
            return redirect("orders:order_detail", po_number=order.po_number)


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


class InvoiceListView(MemberRequiredMixin, ListView):
    """Invoices: finance and business admins, filtered by status, group, issue dates and PO number."""

    required_roles = FINANCE_ROLES
    template_name = "orders/documents/invoice_list.html"
    context_object_name = "invoices"
    paginate_by = 25

    def get_queryset(self):
        queryset, self.filterset = invoice_list(member=self.member, data=self.request.GET)
        self.form = self.filterset.form
        return queryset

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["form"] = self.form
        context["filtered"] = self.form.is_bound and any(self.request.GET.get(k) for k in self.form.fields)
        context["job_token"] = job_token()
        context["this_month"] = timezone.localdate().strftime("%Y-%m")
        return context


class DockKeyView(BusinessAdminRequiredMixin, View):
    """Business Settings → Dock QR codes: the key's version and a confirmed Rotate (business admins)."""

    template_name = "orders/documents/dock_key.html"

    def get(self, request):
        return self._render(DockKeyRotateForm())

    def post(self, request):
        form = DockKeyRotateForm(request.POST)
        if not form.is_valid():
            return self._render(form, status=400)
        key = dock_key_rotate(business_id=self.business.pk, acting_user=request.user)
        messages.success(request, f"Dock key rotated (now version {key.version}): QR codes printed before no longer verify. "
                                  "Reprint the packing slips and labels of shipments still on their way.")
        return redirect("orders:dock_key")

    def _render(self, form, status=200):
        return render(self.request, self.template_name, {"form": form, "key": dock_key(self.business.pk)}, status=status)


class InvoicesZipView(MemberRequiredMixin, View):
    """Download a month as ZIP: every invoice issued in the month as a PDF, made by a background job."""

    required_roles = FINANCE_ROLES

    def get(self, request):
        return redirect("orders:invoice_list")

    def post(self, request):
        try:
            year, month = month_parse(request.POST.get("month", ""))
        except InvalidInput as exc:
            error_to_message(request, exc)
            return redirect("orders:invoice_list")
        label = f"{year:04}-{month:02}"
        return job_start(request, member=self.member, kind="invoices_zip", params={"month": label},
                         title=f"Invoices of {label} (ZIP of PDFs)", fallback_url=reverse("orders:invoice_list"))
