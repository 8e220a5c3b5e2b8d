"""Background job: a month's invoices as one ZIP of PDFs (each invoice's stored PDF, rendered and stored
where it is missing or out of date)."""

from __future__ import annotations

import datetime
import tempfile
import zipfile

from orders.access import FINANCE_ROLES
from orders.documents.rendering import PdfUnavailable, invoice_document
from orders.documents.services import invoice_pdf_bytes
from orders.models import Invoice
from procurement.errors import ApplicationError, InvalidInput
from procurement.jobs.registry import JobOutput, job_kind

KIND = "invoices_zip"


def month_parse(value: str) -> tuple[int, int]:
    """"2026-03" -> (2026, 3); anything else is a clear InvalidInput."""
    try:
        day = datetime.datetime.strptime((value or "").strip(), "%Y-%m").date()
    except ValueError as exc:
        raise InvalidInput(f"“{(value or '')[:20]}” is not a month like 2026-03.") from exc
    if not 2000 <= day.year <= 2999:
        raise InvalidInput("Choose a month between 2000 and 2999.")
    return day.year, day.month


def month_invoices(*, business, year: int, month: int):
    """The business's invoices issued in the month, by number (the ZIP's order)."""
    return Invoice.objects.filter(business=business, issued_on__year=year, issued_on__month=month).order_by("number")


@job_kind(KIND, title="Invoices of a month (ZIP of PDFs)", roles=FINANCE_ROLES)
def invoices_zip_run(job, progress) -> JobOutput:
    """Every invoice issued in the job's month, one PDF each, in a ZIP written to a temporary file."""
    year, month = month_parse(job.params.get("month", ""))
    ids = list(month_invoices(business=job.business, year=year, month=month).values_list("pk", flat=True))
    if not ids:
        raise ApplicationError(f"No invoices were issued in {datetime.date(year, month, 1):%B %Y}.")
    progress(0, len(ids))
    handle = tempfile.TemporaryFile()  # noqa: SIM115  # handed to the job, which stores and closes it
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for done, invoice in enumerate(Invoice.objects.filter(pk__in=ids).order_by("number"), start=1):
            document = invoice_document(invoice)
            try:
                pdf = invoice_pdf_bytes(document=document)  # the stored PDF when current, else rendered and stored
            except PdfUnavailable as exc:
                raise ApplicationError(f"PDFs cannot be made on this server ({exc}); the invoice pages still work.") from exc
            archive.writestr(f"{document.filename}.pdf", pdf)
            progress(done, len(ids))
    handle.seek(0)
    name = f"invoices-{year:04}-{month:02}.zip"
    return JobOutput(filename=name, content=handle, content_type="application/zip",
                     summary={"invoices": len(ids), "message": f"{len(ids)} invoice PDFs in {name}."})
