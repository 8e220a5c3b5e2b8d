"""Your Jobs (procurement:job_list): the member's jobs, scoped to the business and to the kinds their role
may see (the same rule as the progress page and the download), newest first by keyset, flat in queries."""

import datetime
import re

import pytest
from django.urls import reverse
from django.utils import timezone

from procurement.jobs.models import Job
from procurement.jobs.registry import JobOutput, job_kind
from procurement.jobs.services import Progress, job_create
from procurement.models import GroupMembership
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support import slow_job  # noqa: F401  (registers the "test_slow" kind: finance)
from tests.support.finance import finance_member
from tests.support.orders import make_buyer

pytestmark = pytest.mark.django_db

LIST = reverse("procurement:job_list")
ROW = re.compile(r'<tr data-job="(\d+)">')
CURSOR = re.compile(r'(after|before)=([0-9]+\.[0-9]+)')


@job_kind("test_approver_only", title="Approver's job (tests)", roles=(GroupMembership.Role.APPROVER,))
def _approver_run(job, progress):
    return JobOutput(summary={"message": "Approved things."})


@job_kind("test_listed", title="Listed job (tests)", roles=(GroupMembership.Role.FINANCE,))
def _listed_run(job, progress):
    progress(1, 1)
    return JobOutput(filename="listed.txt", content=b"listed", content_type="text/plain")


def _job(member, kind="test_slow", key=None, **fields):
    key = key or f"{kind}-{Job.objects.count()}-{member.pk}"
    return Job.objects.create(business=member.business, created_by=member, kind=kind, title=fields.pop("title", "Slow job"),
                              idempotency_key=key, **fields)


def _ids(client, query=""):
    response = client.get(LIST + query)
    assert response.status_code == 200
    html = response.content.decode()
    return [int(pk) for pk in ROW.findall(html)], html


@pytest.fixture
def fin(group):
    return finance_member(group)


def test_a_member_sees_their_own_jobs_and_with_who_all_everyone_elses_of_the_kinds_their_role_allows(client, business, group, fin):
    colleague = finance_member(group, email="colleague@example.com")
    approver = MemberFactory(business=business, user__email="approver@example.com")
    GroupMembershipFactory(group=group, member=approver, role=GroupMembership.Role.APPROVER)
    admin = MemberFactory(business=business, is_business_admin=True)
    mine = _job(fin)
    theirs = _job(colleague)
    approvers = _job(approver, kind="test_approver_only")
    retired = _job(admin, kind="a_kind_no_longer_registered")  # no page would open it: never listed

    client.force_login(fin.user)
    assert _ids(client)[0] == [mine.pk]
    assert _ids(client, "?who=all")[0] == [theirs.pk, mine.pk]  # not the approver's kind
    client.force_login(approver.user)
    assert _ids(client)[0] == [approvers.pk]
    assert _ids(client, "?who=all")[0] == [approvers.pk]
    client.force_login(admin.user)  # business admins hold every role
    assert _ids(client)[0] == []
    assert _ids(client, "?who=all")[0] == [approvers.pk, theirs.pk, mine.pk]
    assert retired.pk not in _ids(client, "?who=all")[0]
    # Every job listed opens (the list and the progress page apply the one rule).
    for pk in (approvers.pk, theirs.pk, mine.pk):
        assert client.get(reverse("procurement:job_detail", kwargs={"job_id": pk})).status_code == 200
    client.force_login(fin.user)
    assert client.get(reverse("procurement:job_detail", kwargs={"job_id": approvers.pk})).status_code == 403


def test_another_business_never_shows_and_its_ids_are_404(client, business, group, fin, other_business, other_member):
    other_group = group.__class__.objects.create(business=other_business, name="Theirs")
    foreign = _job(finance_member(other_group, email="fin@other.example"), title="Their secret export")
    _job(other_member, title="Their admin's export")
    client.force_login(fin.user)
    ids, html = _ids(client, "?who=all")
    assert ids == [] and "Their" not in html
    for name in ("job_detail", "job_status", "job_download"):
        assert client.get(reverse(f"procurement:{name}", kwargs={"job_id": foreign.pk})).status_code == 404
    # A cursor carries no business: another business's rows stay out on any page.
    client.force_login(other_member.user)
    assert _ids(client, f"?who=all&after={int(timezone.now().timestamp() * 1e6) + 10**9}.{10**12}")[0] == [
        j.pk for j in Job.objects.filter(business=other_business).order_by("-created_at", "-id")
    ]


def test_empty_states(client, business, group, fin):
    client.force_login(fin.user)
    ids, html = _ids(client)
    assert ids == [] and "You have not started any background jobs yet." in html and "?who=all" in html
    assert "<table" not in html
    ids, html = _ids(client, "?who=all")
    assert ids == [] and "No jobs in" in html
    client.force_login(make_buyer(group).user)  # no role that starts jobs
    ids, html = _ids(client)
    assert ids == [] and "Your role does not start background jobs." in html and "?who=all" not in html


def test_each_state_shows_what_the_member_can_do_next(client, fin):
    queued = _job(fin, title="Queued one")
    running = _job(fin, title="Running one", status=Job.Status.RUNNING, attempts=1, progress_done=3, progress_total=12)
    failed = _job(fin, title="Failed one", status=Job.Status.FAILED, error="No invoices were issued in January 2020.",
                  finished_at=timezone.now())
    done = _job(fin, title="Done one", status=Job.Status.DONE, progress_done=5, progress_total=5, finished_at=timezone.now(),
                result_file=f"jobs/{fin.business_id}/x/report.xlsx", result={"filename": "report.xlsx"})
    client.force_login(fin.user)
    _, html = _ids(client)
    rows = {int(pk): body for pk, body in re.findall(r'<tr data-job="(\d+)">(.*?)</tr>', html, re.S)}
    detail = lambda job: reverse("procurement:job_detail", kwargs={"job_id": job.pk})  # noqa: E731
    assert "Queued" in rows[queued.pk] and "See progress" in rows[queued.pk] and 'aria-valuenow="0"' in rows[queued.pk]
    assert "Running" in rows[running.pk] and "3 of 12" in rows[running.pk] and 'aria-valuenow="25"' in rows[running.pk]
    assert f'href="{detail(running)}"' in rows[running.pk] and "—" in rows[running.pk]  # not finished
    assert "No invoices were issued in January 2020." in rows[failed.pk] and "Download" not in rows[failed.pk]
    download = reverse("procurement:job_download", kwargs={"job_id": done.pk})
    assert f'<a href="{download}">Download report.xlsx</a>' in rows[done.pk] and 'aria-valuenow="100"' in rows[done.pk]
    assert "See progress" not in rows[done.pk] and "See progress" not in rows[failed.pk]
    assert '<th scope="col">Status</th>' in html and "<caption" in html and 'scope="row"' in html


def test_a_running_jobs_live_progress_comes_from_the_cache(client, fin):
    job = _job(fin, status=Job.Status.RUNNING, attempts=1, progress_total=10)
    Progress(job)(7, 10)  # what a worker inside its transaction reports
    Job.objects.filter(pk=job.pk).update(progress_done=0)  # the row does not have it yet
    client.force_login(fin.user)
    _, html = _ids(client)
    assert 'aria-valuenow="70"' in html and "7 of 10" in html


def test_pages_walk_every_job_once_newest_first_and_back(client, fin):
    base = timezone.now()
    jobs = [_job(fin) for _ in range(60)]
    for i, job in enumerate(jobs):  # several share a timestamp to the microsecond: the id breaks the tie
        Job.objects.filter(pk=job.pk).update(created_at=base - datetime.timedelta(minutes=i // 3))
    expected = list(Job.objects.filter(created_by=fin).order_by("-created_at", "-id").values_list("pk", flat=True))
    client.force_login(fin.user)
    seen, query, pages = [], "", []
    while True:
        ids, html = _ids(client, query)
        seen += ids
        pages.append(query)
        links = dict(CURSOR.findall(html))
        if "after" not in links:
            break
        query = f"?after={links['after']}"
    assert seen == expected and len(pages) == 3
    # Back from the last page by "Previous": the middle page again.
    _, html = _ids(client, pages[-1])
    assert _ids(client, f"?before={dict(CURSOR.findall(html))['before']}")[0] == expected[25:50]
    assert _ids(client, "?after=nonsense")[0] == expected[:25]  # a broken cursor: the first page


def test_query_count_is_flat_as_jobs_grow(client, fin, django_assert_max_num_queries):
    """Session, user, membership, roles, the bell, the page of jobs: the same handful at 3 jobs and at 80."""
    client.force_login(fin.user)
    counts = []
    for total in (3, 80):
        while Job.objects.filter(created_by=fin).count() < total:
            n = Job.objects.count()
            _job(fin, status=Job.Status.RUNNING if n % 2 else Job.Status.DONE, attempts=1, progress_total=4,
                 result_file=f"jobs/{fin.business_id}/{n}/r.txt" if n % 2 == 0 else "")
        for query in ("", "?who=all"):
            with django_assert_max_num_queries(7) as ctx:
                assert client.get(LIST + query).status_code == 200
            counts.append(len(ctx.captured_queries))
    assert counts[:2] == counts[2:], counts


def test_account_page_and_progress_page_link_to_your_jobs(client, group, fin):
    client.force_login(fin.user)
    assert f'href="{LIST}">Your Jobs</a>' in client.get(reverse("procurement:account")).content.decode()
    job = _job(fin)
    assert f'href="{LIST}">Your Jobs</a>' in client.get(reverse("procurement:job_detail", kwargs={"job_id": job.pk})).content.decode()
    client.force_login(make_buyer(group).user)
    assert f'href="{LIST}"' not in client.get(reverse("procurement:account")).content.decode()


def test_list_requires_sign_in(client):
    response = client.get(LIST)
    assert response.status_code == 302 and "/login/" in response["Location"]


@pytest.mark.django_db(transaction=True)
def test_a_job_started_for_real_is_listed_done_with_its_download(client, fin):
    job = job_create(business=fin.business, member=fin, kind="test_listed", idempotency_key="real",
                     acting_user=fin.user)  # eager: done when this returns
    client.force_login(fin.user)
    ids, html = _ids(client)
    assert ids == [job.pk] and "Done" in html and "Download listed.txt" in html
    download = client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"listed"
