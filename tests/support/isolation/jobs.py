from django.core.files.base import ContentFile

from procurement.jobs.models import Job
from tests.support.isolation import builder


@builder("job_id")
def _job(world):
    """A finished XLSX export job of the owner business, with its result file."""
    job = Job.objects.create(business=world.business, created_by=world.admin, kind="orders_report_xlsx",
                             title="Orders report (XLSX)", idempotency_key="walk", status=Job.Status.DONE)
    job.result_file.save("orders-report.xlsx", ContentFile(b"PK owner's report"), save=True)
    world.job = job
    return job.pk
