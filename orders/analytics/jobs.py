"""Background job: the orders report as XLSX (the CSV streams inside the request; XLSX cannot)."""

from __future__ import annotations

from django.utils import timezone

from orders.access import FINANCE_ROLES
from orders.analytics import selectors as analytics
from procurement.jobs.registry import JobOutput, job_kind

KIND = "orders_report_xlsx"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@job_kind(KIND, title="Orders report (XLSX)", roles=FINANCE_ROLES)
def orders_report_xlsx_run(job, progress) -> JobOutput:
    """The report with the job's filters, written row by row to a temporary file; a re-run rewrites it."""
    qs = analytics.orders_report(business=job.business, filters=job.params.get("filters") or {})
    total = qs.count()
    progress(0, total)
    handle = analytics.report_xlsx_file(
        qs, fields=analytics.report_fields(business=job.business), business_id=job.business_id,
        on_rows=lambda done: progress(done, total),
    )
    stamp = timezone.localdate().isoformat()
    return JobOutput(filename=f"orders-report-{stamp}.xlsx", content=handle, content_type=XLSX,
                     summary={"rows": total, "message": f"{total} lines written."})
