"""The one place that turns an invoice or credit note into an e-invoice download, and an order into its
UBL Order download (web pages and API).

`einvoice_response` builds the file and its headers; what to do when it cannot be built is the caller's
(the web pages redirect with a message or show the PDF-unavailable page, the API answers with problem
details), so it lets `EInvoiceError` and `PdfUnavailable` through.
"""

from __future__ import annotations

from django.http import HttpResponse

from orders.documents.einvoice import (
    credit_note_facturx_pdf,
    credit_note_ubl,
    invoice_facturx_pdf,
    invoice_ubl,
)
from orders.documents.rendering import file_safe
from orders.documents.ubl_order import order_ubl
from orders.models import CreditNote, Invoice, Order

UBL, FACTURX = "ubl", "facturx"
SYNTAXES = (UBL, FACTURX)


def einvoice_filename(document: Invoice | CreditNote, *, syntax: str) -> str:
    kind = "credit-note" if isinstance(document, CreditNote) else "invoice"
    name = f"{kind}-{file_safe(document.number)}-{file_safe(document.order.po_number)}"
    return f"{name}.xml" if syntax == UBL else f"{name}-facturx.pdf"


def einvoice_response(document: Invoice | CreditNote, *, syntax: str, request=None) -> HttpResponse:
    """The UBL 2.1 XML or the Factur-X PDF/A-3 of an already authorised invoice or credit note, as an attachment."""
    if syntax not in SYNTAXES:
        raise ValueError(f"Unknown e-invoice syntax {syntax!r}")
    credit = isinstance(document, CreditNote)
    if syntax == UBL:
        data = (credit_note_ubl if credit else invoice_ubl)(document)
        content_type = "application/xml"  # the XML declaration names its encoding
    else:
        data = (credit_note_facturx_pdf if credit else invoice_facturx_pdf)(document, request=request)
        content_type = "application/pdf"
    response = HttpResponse(data, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{einvoice_filename(document, syntax=syntax)}"'
    return response


def order_ubl_response(order: Order) -> HttpResponse:
    """The UBL 2.1 Order XML of an already authorised order, as an attachment."""
    response = HttpResponse(order_ubl(order), content_type="application/xml")
    response["Content-Disposition"] = f'attachment; filename="order-{file_safe(order.po_number)}.xml"'
    return response
