"""Invoices: one per shipment, numbered per business without gaps, money computed from the lines.

Money rules (each one tested in tests/test_invoicing.py):
- A line's amount is quantity shipped × the order line's unit price, rounded half-up to the cent once,
  at the line. Unit prices carry two decimals, so this is exact today; the rounding is the rule should
  prices ever carry more.
- Subtotal is the sum of the line amounts (no further rounding).
- Tax is the business's tax rate (a percentage) of the subtotal, rounded half-up to the cent once per
  invoice. Taxing the subtotal rather than each line is what sales-tax authorities expect on an invoice
  and keeps the tax within half a cent of rate × subtotal; with a rate of 0 (the default) tax is 0.00.
- Total = subtotal + tax.
So with tax 0 the invoices of a fully shipped order add up to exactly what the order charged to its
budget for those lines (the order line amounts are the same quantity × unit price).
"""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from orders.documents.rendering import PDF_LAYOUT, Document, PdfUnavailable, document_html, html_pdf, invoice_document, pdf_content_key
from orders.models import Invoice, InvoiceLine, InvoicePdf, Shipment
from orders.notices import buyer_notify
from orders.pagecache import order_version_bump
from procurement.errors import ApplicationError
from procurement.history import history_save, model_update
from procurement.money import ZERO, money_round
from procurement.numbering.services import invoice_number_next
from procurement.notifications.models import Kind
from procurement.webhooks import Event, webhook_emit


class InvoiceError(ApplicationError):
    """An invoice cannot be issued or changed as asked; the message says why."""


def invoice_line_amount(*, quantity: int, unit_price: Decimal) -> Decimal:
    return money_round(Decimal(quantity) * Decimal(unit_price))


def invoice_tax(*, subtotal: Decimal, tax_rate: Decimal) -> Decimal:
    """`tax_rate` is a percentage (8.875 means 8.875 %)."""
    return money_round(Decimal(subtotal) * Decimal(tax_rate) / Decimal(100))


@transaction.atomic
def invoice_issue(*, shipment: Shipment, acting_user, issued_on: datetime.date | None = None) -> Invoice:
    """Issue the invoice for `shipment`, in the caller's transaction (shipping calls it as it ships).

    Locks the shipment row (so one shipment never gets two invoices, backed by the OneToOne), then
    the business's invoice counter row (gap-free numbers: a rolled-back shipment gives its number back).
    Issuing again for an already invoiced shipment returns the existing invoice unchanged.
    """
    locked = (
        Shipment.objects.select_for_update()
        .select_related("order", "business")
        .get(pk=shipment.pk, business_id=shipment.business_id)
    )
    existing = Invoice.objects.filter(shipment=locked).first()
    if existing is not None:
        return existing
    order = locked.order
    business = locked.business
    shipment_lines = list(locked.lines.select_related("order_line").order_by("id"))
    if not shipment_lines:
        raise InvoiceError(f"Shipment {locked.tracking_number} has no lines to invoice.")

    issued_on = issued_on or timezone.localdate()
    lines = []
    for shipment_line in shipment_lines:
        order_line = shipment_line.order_line
        lines.append(
            InvoiceLine(
                business=business,
                order_line=order_line,
                sku=order_line.sku,
                description=order_line.description,
                quantity=shipment_line.quantity,
                unit_price=order_line.unit_price,
                amount=invoice_line_amount(quantity=shipment_line.quantity, unit_price=order_line.unit_price),
            )
        )
    subtotal = sum((line.amount for line in lines), ZERO)
    tax = invoice_tax(subtotal=subtotal, tax_rate=business.tax_rate)

    invoice = Invoice(
        business=business,
        order=order,
        shipment=locked,
        number=invoice_number_next(business=business, issued_on=issued_on),
        issued_on=issued_on,
        due_on=issued_on + datetime.timedelta(days=business.payment_terms_days),
        subtotal=subtotal,
        tax_rate=business.tax_rate,
        tax=tax,
        total=subtotal + tax,
        currency=order.currency,
        created_by=acting_user if getattr(acting_user, "pk", None) else None,
    )
    history_save(invoice, acting_user=acting_user)
    for line in lines:
        line.invoice = invoice
    InvoiceLine.objects.bulk_create(lines)
    order_version_bump(order_id=order.pk)  # the three-way match counts invoiced items
    shipment.invoice = invoice  # the caller's shipment object sees it without another query
    webhook_emit(business=business, event=Event.INVOICE_ISSUED, payload={
        "number": invoice.number, "po_number": order.po_number, "blanket_po_number": order.blanket_po_number,
        "issued_on": issued_on.isoformat(), "due_on": invoice.due_on.isoformat(), "total": str(invoice.total),
        "currency": invoice.currency,
    })
    buyer_notify(order=order, kind=Kind.ORDER_INVOICED, invoice=invoice)
    if settings.INVOICE_PDF_PRERENDER:
        from orders.documents.tasks import invoice_pdf_render  # noqa: PLC0415  # the task imports this module

        invoice_pdf_render.delay_on_commit(invoice.pk)
    return invoice


@transaction.atomic
def invoice_void(*, invoice: Invoice, reason: str, acting_user) -> Invoice:
    """Void an invoice issued in error (staff). Paid money must be reallocated first, so only an
    invoice with nothing paid on it can be voided. The number stays used: numbers are never reused."""
    reason = (reason or "").strip()
    if not reason:
        raise InvoiceError("Say why the invoice is void.")
    # The order's row first (Order before Invoice, as in returns): a void invoice leaves the three-way match.
    order_version_bump(order_id=invoice.order_id)
    locked = Invoice.objects.select_for_update().get(pk=invoice.pk, business_id=invoice.business_id)
    if locked.status == Invoice.Status.VOID:
        raise InvoiceError(f"Invoice {locked.number} is already void.")
    if locked.amount_paid != 0:
        raise InvoiceError(
            f"Invoice {locked.number} has {locked.amount_paid} {locked.currency} paid on it; "
            "reallocate the payment before voiding."
        )
    model_update(instance=locked, acting_user=acting_user, update_fields=True, fields={
        "status": Invoice.Status.VOID, "voided_at": timezone.now(), "void_reason": reason[:255],
    })
    return locked


# --- Stored invoice PDFs ---------------------------------------------------------------------------


def invoice_pdf_bytes(*, document: Document) -> bytes:
    """The PDF of an invoice's (already authorised) document: the stored one while nothing it shows has
    changed, else rendered now and stored. Raises PdfUnavailable when WeasyPrint cannot run here.

    The stored row is keyed by the hash of the PDF layout's HTML (rendering.pdf_content_key), so any change
    to what the invoice shows (a payment, a credit note, a void, a renamed business or budget...) misses
    and renders again: no write has to invalidate anything. Rendering the HTML costs ~20 ms, WeasyPrint
    some hundreds.
    """
    invoice = document.context["invoice"]
    html = document_html(document, layout=PDF_LAYOUT)  # no request: no per-request CSP nonce in the key
    key = pdf_content_key(html)
    stored = (
        InvoicePdf.objects.filter(business_id=invoice.business_id, invoice_id=invoice.pk, content_hash=key)
        .values_list("pdf", flat=True).first()
    )
    if stored is not None:
        return bytes(stored)
    pdf = html_pdf(html, kind=document.kind, base_url=settings.SITE_URL)
    invoice_pdf_store(invoice=invoice, content_hash=key, pdf=pdf)
    return pdf


@transaction.atomic
def invoice_pdf_store(*, invoice: Invoice, content_hash: str, pdf: bytes) -> InvoicePdf:
    """Keep `pdf` as the invoice's stored PDF (one row per invoice, replaced when its content changed).

    Two first requests racing store the same bytes; update_or_create's unique-violation retry makes the
    second an update.
    """
    row, _ = InvoicePdf.objects.update_or_create(
        business_id=invoice.business_id, invoice_id=invoice.pk, defaults={"content_hash": content_hash, "pdf": pdf},
    )
    return row


def invoice_pdf_prerender(*, invoice_id: int) -> bool:
    """Render and store the invoice's PDF unless the stored one is current (the background task's body;
    idempotent). False when the invoice is gone or PDFs cannot be made here."""
    invoice = Invoice.objects.filter(pk=invoice_id).first()
    if invoice is None:
        return False
    try:
        invoice_pdf_bytes(document=invoice_document(invoice))
    except PdfUnavailable:  # no PDFs on this worker: the download page says so; nothing to retry
        return False
    return True
