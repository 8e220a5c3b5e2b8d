"""The one Celery task of the jobs package: run a job by id (idempotent, acknowledged late)."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from procurement.jobs.services import job_execute, jobs_resume


@shared_task(bind=True, acks_late=True, autoretry_for=(OperationalError, InterfaceError), retry_backoff=True,
             max_retries=5)
def job_run(self, job_id: int) -> str:
    job = job_execute(job_id=job_id)
    return "skipped" if job is None else job.status


@shared_task(bind=True, acks_late=True)
def jobs_resume_task(self) -> int:
    """Beat: every five minutes, re-enqueue the jobs whose message or worker was lost."""
    return len(jobs_resume())
