"""Your Jobs, a job's progress page, its JSON status (polled by static/js/jobs.js) and the result download.

Every view finds the job among the member's business's jobs (another business's id: 404) and checks
the kind's roles (403): the result file is never public, it leaves only through JobDownloadView.
"""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404, HttpResponseRedirect, JsonResponse
from django.urls import reverse
from django.views.generic import TemplateView, View

from procurement.errors import ApplicationError, error_to_message
from procurement.jobs.models import Job
from procurement.jobs.selectors import job_kind_visible, job_kinds_visible, job_list_page, job_status, jobs_of_member
from procurement.jobs.services import job_create, job_key
from procurement.tenancy import MemberRequiredMixin

#: Seconds between two polls (JavaScript) or two refreshes (no JavaScript).
POLL_SECONDS = 2


def job_token() -> str:
    """A fresh token for a form that starts a job: the same form posted twice (double click) starts one job."""
    return uuid.uuid4().hex


def job_start(request, *, member, kind: str, params: dict, fallback_url: str, title: str = "",
              token: str = "", input_name: str = "", input_content: bytes | None = None):
    """Start (or find, by idempotency key) the job and redirect to its progress page; errors go back."""
    token = (token or request.POST.get("job_token", "")).strip()[:64] or job_token()
    try:
        job = job_create(
            business=member.business, member=member, kind=kind, params=params, title=title,
            idempotency_key=job_key(kind, member.pk, params, token), input_name=input_name,
            input_content=input_content, acting_user=request.user,
        )
    except ApplicationError as exc:
        error_to_message(request, exc)
        return HttpResponseRedirect(fallback_url)
    return HttpResponseRedirect(reverse("procurement:job_detail", kwargs={"job_id": job.pk}))


class JobMixin(MemberRequiredMixin):
    def http_method_not_allowed(self, request, *args, **kwargs):
        self.get_job()  # another business's job is a 404 whatever the method
        return super().http_method_not_allowed(request, *args, **kwargs)

    def get_job(self) -> Job:
        job = self.get_scoped_or_404(Job.objects.select_related("created_by__user"), pk=self.kwargs["job_id"])
        if not job_kind_visible(member=self.member, kind=job.kind):
            raise PermissionDenied("Your role does not allow this job.")
        return job


class JobListView(MemberRequiredMixin, TemplateView):
    """Your Jobs: the member's jobs (or everyone's they may see, `?who=all`), newest first, by keyset."""

    template_name = "procurement/job_list.html"

    def get_context_data(self, **kwargs):
        mine = self.request.GET.get("who") != "all"
        page, rows = job_list_page(
            self.scoped(jobs_of_member(member=self.member, mine=mine)),
            after=self.request.GET.get("after", ""), before=self.request.GET.get("before", ""),
        )
        return super().get_context_data(page_obj=page, rows=rows, mine=mine,
                                        may_see_jobs=bool(job_kinds_visible(member=self.member)), **kwargs)


class JobDetailView(JobMixin, TemplateView):
    """The progress page: a progress bar that polls the status (JavaScript) or refreshes itself (none)."""

    template_name = "procurement/job_detail.html"

    def get_context_data(self, **kwargs):
        job = self.get_job()
        return super().get_context_data(job=job, state=job_status(job), poll_seconds=POLL_SECONDS, **kwargs)


class JobStatusView(JobMixin, View):
    def get(self, request, job_id):
        response = JsonResponse(job_status(self.get_job()))
        response["Cache-Control"] = "no-store"
        return response


class JobDownloadView(JobMixin, View):
    def get(self, request, job_id):
        job = self.get_job()
        if job.status != Job.Status.DONE or not job.result_file:
            raise Http404("This job has no file to download.")
        try:
            handle = job.result_file.open("rb")
        except FileNotFoundError as exc:
            raise Http404("The file of this job is gone; start the job again.") from exc
        content_type = (job.result or {}).get("content_type") or "application/octet-stream"
        response = FileResponse(handle, as_attachment=True, filename=job.result_name, content_type=content_type)
        response["Cache-Control"] = "private, no-store"
        return response
