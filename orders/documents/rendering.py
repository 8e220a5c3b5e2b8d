"""Business documents (invoice, packing slip, shipping label): one template each, rendered as an HTML
page or, from the same template, as a PDF with WeasyPrint.

The builders here take an already authorised object (members' views check business and role first;
staff views in Django admin look up by id) and return a `Document`: template, context, file name.
Barcodes are Code 128 drawn by python-barcode as inline SVG, in memory: no image files on disk.
"""

from __future__ import annotations

import functools
import hashlib
import io
import re
import threading
from dataclasses import dataclass, field
from pathlib import Path

from django.conf import settings
from django.contrib.staticfiles import finders
from django.db.models import Sum
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe

from orders.documents.dock import dock_verify_url, qr_svg
from orders.models import CreditNote, Invoice, Order, Shipment, ShipmentLine

PAGE_LAYOUT = "orders/documents/_layout_page.html"
PDF_LAYOUT = "orders/documents/_layout_pdf.html"
DOCUMENT_CSS = "css/documents.css"
# Invoices and credit notes (the bulk of all PDFs: one per shipment, a month of them in a ZIP) render
# with a small dedicated stylesheet and user-agent sheet, from whitespace-compacted HTML; see
# `document_pdf`. Packing slips and labels keep documents.css.
LEAN_PDF_KINDS = frozenset({"invoice", "credit_note"})
INVOICE_PDF_CSS = "css/invoice-pdf.css"
PDF_UA_CSS = Path(__file__).with_name("pdf_ua.css")

# Code 128 geometry: 0.33 mm modules print and scan reliably on thermal label printers.
BARCODE_OPTIONS = {"module_width": 0.33, "module_height": 14.0, "quiet_zone": 3.0, "write_text": False}


class PdfUnavailable(Exception):
    """WeasyPrint or the system libraries it needs (Pango, fonts) cannot produce a PDF here."""


@dataclass
class Document:
    kind: str  # "invoice", "packing_slip", "shipping_label"
    title: str
    template: str
    filename: str  # without ".pdf"
    context: dict = field(default_factory=dict)


def file_safe(value: str) -> str:
    """PO numbers are typed by buyers; keep file names to letters, digits, dot, dash and underscore."""
    return re.sub(r"[^A-Za-z0-9._-]+", "-", value).strip("-") or "document"


def barcode_code128(value: str):
    """The python-barcode Code 128 object for `value` (its `get_fullcode()` is what the bars encode)."""
    import barcode
    from barcode.writer import SVGWriter

    return barcode.get("code128", value, writer=SVGWriter())


def barcode_svg(value: str, *, height_mm: float = BARCODE_OPTIONS["module_height"]) -> SafeString:
    """`value` as a Code 128 barcode, an inline <svg> element (no XML prolog, nothing written to disk)."""
    code = barcode_code128(value)
    buffer = io.BytesIO()
    code.write(buffer, options={**BARCODE_OPTIONS, "module_height": height_mm})
    svg = buffer.getvalue().decode("utf-8")
    svg = svg[svg.index("<svg"):]
    # Colours as SVG attributes, not style="" (the Content-Security-Policy refuses inline styles).
    svg = re.sub(r'style="fill:\s*(#?\w+);?"', r'fill="\1"', svg)
    svg = svg.replace("<svg ", f'<svg role="img" aria-label="Barcode: {_attr(value)}" class="barcode" ', 1)
    return mark_safe(svg)  # nosec B308 B703  # SVG drawn by python-barcode; the one typed value (aria-label) is escaped by _attr


def _attr(value: str) -> str:
    return value.replace("&", "&amp;").replace('"', "&quot;").replace("<", "&lt;")


def css_string(value: str) -> SafeString:
    """`value` safe inside a double-quoted CSS string in a <style> element (page footers)."""
    escaped = "".join(c if c.isalnum() or c in " -_.,#/:()" else f"\\{ord(c):x} " for c in value)
    return mark_safe(escaped)  # nosec B308 B703  # every character but letters, digits and " -_.,#/:()" is CSS-escaped


def operator() -> dict:
    return {"name": settings.OPERATOR_NAME, "address_lines": list(settings.OPERATOR_ADDRESS)}


def _shipment_index(shipment: Shipment) -> tuple[int, int]:
    """(n, of) for 'shipment n of m' on the order, counted in shipping order."""
    ids = list(Shipment.objects.filter(order_id=shipment.order_id).order_by("ship_date", "id").values_list("id", flat=True))
    return ids.index(shipment.pk) + 1, len(ids)


# --- Builders ------------------------------------------------------------------------------------


#: What an invoice's document shows besides its lines (one query with them).
INVOICE_RELATIONS = ("business", "order", "order__group", "order__budget", "order__buyer__user", "shipment")


def invoice_document(invoice: Invoice, *, fetched: bool = False, lines: list | None = None) -> Document:
    """`fetched`: `invoice` was read with INVOICE_RELATIONS already; `lines`: its lines when known
    (the invoice page passes none and shows its cached rows instead)."""
    if not fetched:
        invoice = Invoice.objects.select_related(*INVOICE_RELATIONS).prefetch_related("lines").get(pk=invoice.pk)
    order = invoice.order
    return Document(
        kind="invoice",
        title=f"Invoice {invoice.number}",
        template="orders/documents/invoice.html",
        filename=f"invoice-{file_safe(invoice.number)}-{file_safe(order.po_number)}",
        context={
            "invoice": invoice,
            "order": order,
            "shipment": invoice.shipment,
            "business": invoice.business,
            "lines": list(invoice.lines.all()) if lines is None else lines,
            "operator": operator(),
            "page_footer": css_string(f"{invoice.number} · PO # {order.po_number}"),
        },
    )


def credit_note_document(credit_note: CreditNote) -> Document:
    """A credit note: the invoice template (same layout, same PO box), titled and totalled as a credit."""
    credit_note = (
        CreditNote.objects.select_related(
            "business", "order", "order__group", "order__budget", "order__buyer__user", "invoice", "invoice__shipment",
            "return_request",
        )
        .prefetch_related("lines")
        .get(pk=credit_note.pk)
    )
    order, invoice = credit_note.order, credit_note.invoice
    return Document(
        kind="credit_note",
        title=f"Credit note {credit_note.number}",
        template="orders/documents/invoice.html",
        filename=f"credit-note-{file_safe(credit_note.number)}-{file_safe(order.po_number)}",
        context={
            "credit_note": credit_note,
            "invoice": invoice,
            "order": order,
            "shipment": invoice.shipment,
            "business": credit_note.business,
            "lines": list(credit_note.lines.all()),
            "operator": operator(),
            "page_footer": css_string(f"{credit_note.number} · invoice {invoice.number} · PO # {order.po_number}"),
        },
    )


def _shipment_context(shipment: Shipment) -> dict:
    shipment = Shipment.objects.select_related(
        "business", "order", "order__group", "order__budget", "order__buyer__user"
    ).get(pk=shipment.pk)
    order = shipment.order
    number, of = _shipment_index(shipment)
    return {"shipment": shipment, "order": order, "business": shipment.business, "operator": operator(),
            "shipment_number": number, "shipment_count": of}


def packing_slip_document(shipment: Shipment) -> Document:
    context = _shipment_context(shipment)
    shipment, order = context["shipment"], context["order"]
    in_this = dict(shipment.lines.values_list("order_line_id", "quantity"))
    # What had shipped up to and including this shipment (shipping order), so a reprinted slip of an
    # early shipment still says what was to follow at the time.
    earlier_ids = [
        s.pk for s in Shipment.objects.filter(order_id=order.pk).order_by("ship_date", "id")
    ]
    earlier_ids = earlier_ids[: earlier_ids.index(shipment.pk) + 1]
    shipped_so_far = dict(
        ShipmentLine.objects.filter(shipment_id__in=earlier_ids)
        .values("order_line_id")
        .annotate(total=Sum("quantity"))
        .values_list("order_line_id", "total")
    )
    rows = []
    for line in order.lines.all().order_by("id"):
        shipped_now = in_this.get(line.pk, 0)
        so_far = shipped_so_far.get(line.pk, 0)
        to_follow = max(line.quantity - line.quantity_cancelled - so_far, 0)
        if shipped_now or to_follow:
            rows.append({
                "sku": line.sku, "description": line.description, "ordered": line.quantity,
                "shipped_now": shipped_now, "shipped_before": so_far - shipped_now, "to_follow": to_follow,
            })
    context.update({
        "rows": rows,
        "items_in_shipment": sum(in_this.values()),
        "items_to_follow": sum(r["to_follow"] for r in rows),
        "barcode": barcode_svg(order.po_number),
        "qr": qr_svg(dock_verify_url(shipment)),
    })
    return Document(
        kind="packing_slip",
        title=f"Packing slip {order.po_number} ({context['shipment_number']} of {context['shipment_count']})",
        template="orders/documents/packing_slip.html",
        filename=f"packing-slip-{file_safe(order.po_number)}-{context['shipment_number']}-{file_safe(shipment.tracking_number)}",
        context=context,
    )


def shipping_label_document(shipment: Shipment) -> Document:
    context = _shipment_context(shipment)
    shipment, order = context["shipment"], context["order"]
    context.update({
        "barcode": barcode_svg(order.po_number, height_mm=22.0),
        "qr": qr_svg(dock_verify_url(shipment)),
        "items_in_shipment": shipment.lines.aggregate(n=Sum("quantity"))["n"] or 0,
    })
    return Document(
        kind="shipping_label",
        title=f"Shipping label {shipment.tracking_number}",
        template="orders/documents/shipping_label.html",
        filename=f"label-{file_safe(order.po_number)}-{file_safe(shipment.tracking_number)}",
        context=context,
    )


# --- Rendering -----------------------------------------------------------------------------------


def document_html(document: Document, *, request=None, layout: str = PAGE_LAYOUT, extra: dict | None = None) -> str:
    context = {**document.context, "document": document, "layout": layout, **(extra or {})}
    return render_to_string(document.template, context, request=request)


def _stylesheet_path(name: str) -> str | None:
    """A stylesheet from the staticfiles finders: read from disk, never over HTTP."""
    return finders.find(name)


_BETWEEN_LINES = re.compile(r">\s*\n\s*<")


def _compact(html: str) -> str:
    """Drop the whitespace-only text between tags on separate lines (template indentation).

    Every such run is a text node that WeasyPrint's HTML parser, cascade and layout walk through; in
    the invoice template no two inline elements are separated only by a line break, so nothing shown
    changes.
    """
    return _BETWEEN_LINES.sub("><", html)


def document_pdf(document: Document, *, request=None, base_url: str | None = None, pdf_variant: str | None = None) -> bytes:
    """The PDF bytes of `document`; raises PdfUnavailable when WeasyPrint cannot run here.

    `pdf_variant` is WeasyPrint's, e.g. "pdf/a-3b" for the Factur-X carrier (fonts embedded, XMP).
    """
    html = document_html(document, request=request, layout=PDF_LAYOUT)
    return html_pdf(html, kind=document.kind, base_url=base_url if base_url is not None else (
        request.build_absolute_uri("/") if request is not None else "http://localhost/"), pdf_variant=pdf_variant)


def html_pdf(html: str, *, kind: str, base_url: str, pdf_variant: str | None = None) -> bytes:
    """WeasyPrint on the PDF layout's HTML of a document of `kind` (see `document_pdf`)."""
    try:
        import weasyprint

        resources = _pdf_resources()
        lean = kind in LEAN_PDF_KINDS
        source = weasyprint.HTML(string=_compact(html) if lean else html, base_url=base_url)
        if lean:
            # pdf_ua.css instead of WeasyPrint's 250-rule html5_ua.css. `_ua_stylesheets` is WeasyPrint's
            # hook for it; should a release rename it, the default sheet applies: slower, same content.
            source._ua_stylesheets = lambda forms=False: [resources.lean_ua]
        return source.write_pdf(
            stylesheets=resources.invoice_css if lean else resources.document_css,
            font_config=resources.font_config, pdf_variant=pdf_variant,
        )
    except (ImportError, OSError) as exc:
        raise PdfUnavailable(str(exc)) from exc


def pdf_content_key(html: str) -> str:
    """sha256 of a document's PDF-layout HTML and of what turns it into a PDF (stylesheets, WeasyPrint's
    version): equal keys, equal PDFs. Stored PDFs are looked up by it (orders.documents.services)."""
    return hashlib.sha256(_render_salt() + html.encode()).hexdigest()


@functools.cache
def _render_salt() -> bytes:
    try:
        import weasyprint

        version = weasyprint.__version__
    except ImportError:  # no PDFs here at all: html_pdf says so
        version = "none"
    parts = [version.encode(), PDF_UA_CSS.read_bytes()]
    for name in (INVOICE_PDF_CSS, DOCUMENT_CSS):
        path = _stylesheet_path(name)
        parts.append(Path(path).read_bytes() if path else b"")
    return hashlib.sha256(b"\0".join(parts)).digest()


_pdf_local = threading.local()


@dataclass
class _PdfResources:
    font_config: object
    document_css: list
    invoice_css: list
    lean_ua: object


def _pdf_resources() -> _PdfResources:
    """WeasyPrint's font configuration and the parsed stylesheets, made once per thread.

    Building them is most of a small PDF's cost (fontconfig set-up, CSS parsing); they are not
    shared across threads.
    """
    cached = getattr(_pdf_local, "resources", None)
    if cached is None:
        import weasyprint
        from weasyprint.text.fonts import FontConfiguration

        font_config = FontConfiguration()

        def sheets(name):
            path = _stylesheet_path(name)
            return [weasyprint.CSS(filename=path, font_config=font_config)] if path else []

        cached = _pdf_local.resources = _PdfResources(
            font_config=font_config, document_css=sheets(DOCUMENT_CSS), invoice_css=sheets(INVOICE_PDF_CSS),
            lean_ua=weasyprint.CSS(filename=str(PDF_UA_CSS), font_config=font_config),
        )
    return cached


def order_documents(order: Order) -> list[dict]:
    """Every document of an order, for staff links: [{shipment, invoice or None}, ...]."""
    shipments = Shipment.objects.filter(order_id=order.pk).select_related("invoice").order_by("ship_date", "id")
    rows = []
    for shipment in shipments:
        try:
            invoice = shipment.invoice
        except Invoice.DoesNotExist:
            invoice = None
        rows.append({"shipment": shipment, "invoice": invoice})
    return rows
