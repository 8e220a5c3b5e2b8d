"""Background job of the documents: render an invoice's PDF once it is issued, so the first download is
served from the stored bytes (orders.documents.services.invoice_pdf_bytes)."""

from __future__ import annotations

from celery import shared_task

from orders.documents.services import invoice_pdf_prerender


@shared_task(bind=True, acks_late=True, ignore_result=True)
def invoice_pdf_render(self, invoice_id: int) -> bool:
    """Idempotent: a re-delivered task finds the stored PDF current and does nothing."""
    return invoice_pdf_prerender(invoice_id=invoice_id)
