"""Background job: the confirm step of a large bank statement import (above SYNC_ROWS_MAX rows)."""

from __future__ import annotations

from django.urls import reverse

from orders.access import FINANCE_ROLES
from orders.finance import statements
from procurement.jobs.registry import JobOutput, job_kind

KIND = "statement_import"


@job_kind(KIND, title="Bank statement import", roles=FINANCE_ROLES, atomic=True)
def statement_import_run(job, progress) -> JobOutput:
    """The same `statement_import` as the request path, from the uploaded text kept on the job.

    Atomic with the job's "done" mark: a worker dying half-way saves nothing, and the re-run imports
    the file from the start; a file already imported is all "already imported" rows, so nothing twice.
    """
    with job.input_file.open("rb") as handle:
        text = handle.read().decode("utf-8")
    params = job.params
    result = statements.statement_import(
        business=job.business, text=text, mapping=params.get("mapping") or {}, filename=params.get("filename", ""),
        member=job.created_by, acting_user=job.created_by.user, progress=progress,
    )
    summary = {"imported": result.matched + result.to_resolve, "matched": result.matched,
               "to_resolve": result.to_resolve, "duplicates": result.duplicates}
    if result.statement_import is None:
        summary["message"] = f"Nothing new: all {result.duplicates} rows were imported before."
        summary["next_url"], summary["next_label"] = reverse("orders:payments"), "Payments"
        return JobOutput(summary=summary)
    summary["message"] = (
        f"Imported {summary['imported']} payments from {params.get('filename', 'the file')}: {result.matched} matched, "
        f"{result.to_resolve} to resolve" + (f", {result.duplicates} already imported" if result.duplicates else "") + "."
    )
    year, month = result.months[-1]
    summary["next_url"] = f"{reverse('orders:reconciliation')}?month={year:04}-{month:02}"
    summary["next_label"] = "Reconciliation"
    return JobOutput(summary=summary)
