"""The Job row: who asked for what, how far it got, and the file it produced."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q


def job_file_path(job: "Job", filename: str) -> str:
    """MEDIA_ROOT/jobs/<business>/<job>-<random>/<name>: never guessable, never served by the web server.

    Files leave only through `procurement.jobs.views.JobDownloadView`, which checks business and role.
    """
    return f"jobs/{job.business_id}/{job.pk or 'new'}-{secrets.token_hex(8)}/{filename}"


class Job(models.Model):
    class Status(models.TextChoices):
        QUEUED = "queued", "Queued"
        RUNNING = "running", "Running"
        DONE = "done", "Done"
        FAILED = "failed", "Failed"

    business = models.ForeignKey("procurement.Business", on_delete=models.PROTECT, related_name="+")
    created_by = models.ForeignKey("procurement.Member", on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=50)
    title = models.CharField(max_length=200)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    # What the kind needs to run (filters, month, column mapping): JSON only, re-read on every attempt.
    params = models.JSONField(default=dict, blank=True)
    input_file = models.FileField(upload_to=job_file_path, max_length=300, blank=True)
    progress_done = models.PositiveIntegerField(default=0)
    progress_total = models.PositiveIntegerField(default=0)
    result_file = models.FileField(upload_to=job_file_path, max_length=300, blank=True)
    # A summary for the page (counts, a message, where to go next).
    result = models.JSONField(default=dict, blank=True)
    error = models.CharField(max_length=500, blank=True)
    # Same key twice (a double click, a redelivered request) -> the same job, the work done once.
    idempotency_key = models.CharField(max_length=100)
    attempts = models.PositiveSmallIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["business", "idempotency_key"], name="job_idempotency_key_once"),
            models.CheckConstraint(condition=Q(progress_done__lte=models.F("progress_total")) | Q(progress_total=0),
                                   name="job_progress_within_total"),
        ]
        indexes = [models.Index(fields=["business", "-created_at"])]

    def __str__(self):
        return f"{self.title} ({self.get_status_display()})"

    @property
    def finished(self) -> bool:
        return self.status in (self.Status.DONE, self.Status.FAILED)

    @property
    def percent(self) -> int:
        if self.status == self.Status.DONE:
            return 100
        if not self.progress_total:
            return 0
        return min(100, int(100 * self.progress_done / self.progress_total))

    @property
    def result_name(self) -> str:
        return (self.result or {}).get("filename") or (self.result_file.name.rsplit("/", 1)[-1] if self.result_file else "")
