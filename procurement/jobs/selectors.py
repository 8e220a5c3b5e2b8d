"""Reads of jobs: who may see a job (the kind's roles, one rule for every page), a job's state for the
progress page and its JSON, and Your Jobs (the member's jobs, newest first, by keyset)."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import QuerySet
from django.urls import reverse

from procurement.jobs.models import Job
from procurement.jobs.registry import KINDS, kind_get
from procurement.jobs.services import jobs_live_progress
from procurement.keyset import KeysetPage, keyset_page
from procurement.models import Member
from procurement.tenancy import member_has_role

#: Rows on one page of Your Jobs.
PAGE_SIZE = 25


def job_kind_visible(*, member: Member, kind: str) -> bool:
    """May the member watch and download jobs of this kind? Its registered roles (business admins: all)."""
    job_kind = kind_get(kind)
    return job_kind is not None and member_has_role(member, *job_kind.roles)


def job_kinds_visible(*, member: Member) -> list[str]:
    """The kinds whose jobs the member may see (no query: the member's roles are cached for the request)."""
    return sorted(name for name in KINDS if job_kind_visible(member=member, kind=name))


def job_status(job: Job, *, progress: tuple[int, int] | None = None) -> dict:
    """The job's state as the progress page, its JSON status and Your Jobs show it."""
    done, total = progress if progress is not None else jobs_live_progress([job])[job.pk]
    percent = 100 if job.status == Job.Status.DONE else (min(100, int(100 * done / total)) if total else 0)
    result = job.result or {}
    return {
        "id": job.pk, "status": job.status, "status_label": job.get_status_display(), "done": done, "total": total,
        "percent": percent, "step": percent - percent % 5, "error": job.error, "finished": job.finished, "message": result.get("message", ""),
        "download_url": reverse("procurement:job_download", kwargs={"job_id": job.pk}) if job.result_file else "",
        "download_name": job.result_name if job.result_file else "",
        "next_url": result.get("next_url", ""), "next_label": result.get("next_label", ""),
    }


def jobs_of_member(*, member: Member, mine: bool = True) -> QuerySet[Job]:
    """The business's jobs the member may see, newest first: only theirs, or (`mine=False`) everyone's."""
    jobs = Job.objects.filter(business_id=member.business_id, kind__in=job_kinds_visible(member=member))
    if mine:
        jobs = jobs.filter(created_by=member)
    return jobs.select_related("created_by__user").order_by("-created_at", "-id")


@dataclass
class JobRow:
    job: Job
    state: dict
    kind_title: str


def job_list_page(jobs: QuerySet[Job], *, after: str = "", before: str = "", size: int = PAGE_SIZE) -> tuple[KeysetPage, list[JobRow]]:
    """One page of Your Jobs (one query, plus one cache read for the running jobs' progress)."""
    page = keyset_page(jobs, field="created_at", after=after, before=before, size=size)
    progress = jobs_live_progress(page.object_list)
    rows = [
        JobRow(job=job, state=job_status(job, progress=progress[job.pk]),
               kind_title=getattr(kind_get(job.kind), "title", job.kind))
        for job in page.object_list
    ]
    return page, rows
