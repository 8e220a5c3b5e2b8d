"""Create jobs (once per idempotency key), run them (once, even when delivered twice), report progress.

A job is claimed under a row lock: done or failed jobs are left alone (a redelivered task is a no-op),
a running job whose heartbeat is fresh belongs to a live worker (skipped), and a running job whose
heartbeat went stale lost its worker: the next delivery runs it again from the start. Kinds that write
business rows run inside one transaction with the "done" mark (`JobKind.atomic`), so a dead worker
leaves nothing half-written. Progress goes to the cache (visible while the work's transaction is
open) and, outside a transaction, to the row.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import logging
import time

from django.conf import settings
from django.core.cache import cache
from django.core.files.base import ContentFile, File
from django.db import InterfaceError, OperationalError, connection, transaction
from django.utils import timezone

from procurement.errors import ApplicationError, InvalidInput
from procurement.jobs.models import Job
from procurement.jobs.registry import JobOutput, kind_get
from procurement.models import Business, Member
from procurement.tenancy import member_has_role

logger = logging.getLogger(__name__)

#: Progress is written at most this often (seconds), and always at the end of a step.
PROGRESS_EVERY = 0.3
FAILED_UNEXPECTEDLY = "The job failed unexpectedly. Try again; if it fails again, tell support (job {id})."


def job_key(*parts) -> str:
    """An idempotency key from the request's own values (kind, member, parameters, a form token)."""
    raw = json.dumps(parts, sort_keys=True, default=str, separators=(",", ":"))
    return hashlib.sha256(raw.encode()).hexdigest()


def _cache_key(job_id: int) -> str:
    return f"job-progress:{job_id}"


def job_live_progress(job: Job) -> tuple[int, int]:
    """(done, total): the cache's figure while a job runs (its transaction may hide the row's), else the row's."""
    return jobs_live_progress([job])[job.pk]


def jobs_live_progress(jobs) -> dict[int, tuple[int, int]]:
    """{job id: (done, total)} for a page of jobs: one cache read for all the running ones."""
    running = {_cache_key(job.pk): job for job in jobs if job.status == Job.Status.RUNNING}
    live = cache.get_many(list(running)) if running else {}
    figures = {job.pk: (job.progress_done, job.progress_total) for job in jobs}
    for key, value in live.items():
        if value and value.get("attempt") == running[key].attempts:
            figures[running[key].pk] = (value["done"], value["total"])
    return figures


@transaction.atomic
def job_create(
    *, business: Business, member: Member, kind: str, idempotency_key: str, params: dict | None = None,
    title: str = "", input_name: str = "", input_content: bytes | None = None, acting_user,
) -> Job:
    """The job for this key: created and enqueued the first time, the same job every later time."""
    job_kind = kind_get(kind)
    if job_kind is None:
        raise InvalidInput(f"Unknown kind of job “{kind}”.")
    if member.business_id != business.pk or not member_has_role(member, *job_kind.roles):
        raise ApplicationError("Your role does not allow this.")
    key = (idempotency_key or "").strip()[:100]
    if not key:
        raise InvalidInput("A job needs an idempotency key.")
    job, created = Job.objects.get_or_create(
        business=business, idempotency_key=key,
        defaults={"created_by": member, "kind": kind, "title": (title or job_kind.title)[:200], "params": params or {}},
    )
    if created:
        if input_content is not None:
            job.input_file.save(input_name or "input", ContentFile(input_content), save=True)
        from procurement.jobs.tasks import job_run

        job_run.delay_on_commit(job.pk)
    return job


class Progress:
    """`progress(done, total)`: how far the job is; also the heartbeat that says its worker is alive."""

    def __init__(self, job: Job):
        self.job = job
        self._last = 0.0

    def __call__(self, done: int, total: int | None = None) -> None:
        total = self.job.progress_total if total is None else total
        done = min(done, total) if total else done
        self.job.progress_done, self.job.progress_total = done, total
        now = time.monotonic()
        if now - self._last < PROGRESS_EVERY and done != total:
            return
        self._last = now
        stamp = timezone.now()
        cache.set(_cache_key(self.job.pk), {"done": done, "total": total, "at": stamp.timestamp(),
                                            "attempt": self.job.attempts}, timeout=24 * 3600)
        if not connection.in_atomic_block:
            Job.objects.filter(pk=self.job.pk, status=Job.Status.RUNNING).update(
                progress_done=done, progress_total=total, heartbeat_at=stamp
            )


def _heartbeat(job: Job) -> datetime.datetime | None:
    beats = [job.heartbeat_at]
    live = cache.get(_cache_key(job.pk))
    if live and live.get("attempt") == job.attempts:
        beats.append(datetime.datetime.fromtimestamp(live["at"], tz=datetime.timezone.utc))
    beats = [b for b in beats if b is not None]
    return max(beats) if beats else None


def _claim(job_id: int) -> Job | None:
    """Lock the row and take the job, or None when there is nothing to do (done, failed, alive elsewhere)."""
    with transaction.atomic():
        job = Job.objects.select_for_update().filter(pk=job_id).first()
        if job is None or job.finished:
            return None
        now = timezone.now()
        if job.status == Job.Status.RUNNING:
            beat = _heartbeat(job)
            if beat is not None and (now - beat).total_seconds() < settings.JOBS_STALE_SECONDS:
                return None  # another worker is on it and alive
            logger.warning("job %s: the worker of attempt %s went silent; running it again", job.pk, job.attempts)
        job.status, job.attempts, job.error = Job.Status.RUNNING, job.attempts + 1, ""
        job.started_at = job.heartbeat_at = now
        job.progress_done = 0
        job.save(update_fields=["status", "attempts", "error", "started_at", "heartbeat_at", "progress_done"])
        return job


def _finish(job: Job, output: JobOutput) -> None:
    fields = ["status", "finished_at", "result", "progress_done", "progress_total", "heartbeat_at"]
    if output.content is not None:
        content = output.content
        content = ContentFile(content) if isinstance(content, bytes | bytearray) else File(content)
        try:
            job.result_file.save(output.filename or "result", content, save=False)
        finally:
            if hasattr(output.content, "close"):
                output.content.close()
        fields.append("result_file")
    job.result = {**(output.summary or {}), "filename": output.filename, "content_type": output.content_type}
    job.status, job.finished_at = Job.Status.DONE, timezone.now()
    job.heartbeat_at = job.finished_at
    job.progress_total = max(job.progress_total, job.progress_done, 1)
    job.progress_done = job.progress_total
    job.save(update_fields=fields)


def _fail(job: Job, message: str) -> None:
    job.status, job.error, job.finished_at = Job.Status.FAILED, message[:500], timezone.now()
    Job.objects.filter(pk=job.pk).update(status=job.status, error=job.error, finished_at=job.finished_at)


def job_execute(*, job_id: int) -> Job | None:
    """Run the job once (the task's body); returns the job, or None when there was nothing to do.

    A user's error (ApplicationError) fails the job with its message; a database that went away is
    raised for Celery to retry (the job goes back to queued); anything else fails the job with a
    message that names it, and is logged.
    """
    job = _claim(job_id)
    if job is None:
        return None
    kind = kind_get(job.kind)
    if kind is None:
        _fail(job, f"Unknown kind of job “{job.kind}”.")
        return job
    progress = Progress(job)
    try:
        if kind.atomic:
            with transaction.atomic():
                _finish(job, kind.run(job, progress))
        else:
            _finish(job, kind.run(job, progress))
    except ApplicationError as exc:
        _fail(job, str(exc))
    except (OperationalError, InterfaceError):
        Job.objects.filter(pk=job.pk).update(status=Job.Status.QUEUED)
        raise
    except Exception:  # the user sees a plain message; the log has the traceback
        logger.exception("job %s (%s) failed", job.pk, job.kind)
        _fail(job, FAILED_UNEXPECTEDLY.format(id=job.pk))
    return job


def jobs_resume(*, older_than: int | None = None) -> list[int]:
    """Enqueue again the jobs whose message was lost: queued for a while, or running with a stale heartbeat.

    Safe to run any time (cron: `manage.py jobs_resume`; beat: every five minutes): a job already
    running on a live worker is skipped by the claim.
    """
    from procurement.jobs.tasks import job_run

    limit = timezone.now() - datetime.timedelta(seconds=older_than or settings.JOBS_STALE_SECONDS)
    ids = list(
        Job.objects.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING], created_at__lt=limit)
        .exclude(status=Job.Status.RUNNING, heartbeat_at__gte=limit)
        .values_list("pk", flat=True)[:1000]
    )
    for pk in ids:
        job_run.delay(pk)
    return ids
