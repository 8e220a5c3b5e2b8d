"""The job progress page in a real browser: static/js/jobs.js polls the status while a worker advances
the job, the bar and the words follow, the download link appears when done (or the error when it
fails), and Your Jobs lists the job afterwards.

Tasks run eagerly in tests, so a click would finish the job inside the request and the page would never
poll. Here the click enqueues for real (Celery not eager, the in-memory broker holds the message and no
worker takes it) and the test plays the worker: it runs `job_execute` (the task's body) on a thread and
holds it after every progress report until the browser has shown that report. Every check is an
auto-waiting `expect` with a generous limit (a loaded 2-core CI machine); nothing sleeps.
"""

import datetime
import io
import queue
import re
import threading

import pytest
from django.db import connection
from django.urls import reverse
from django.utils import timezone
from playwright.sync_api import expect

from procurement.celery import app as celery_app
from procurement.jobs import services
from procurement.jobs.models import Job
from tests.factories import CategoryFactory, MemberFactory, ProductFactory
from tests.support.browser import browser_login
from tests.support.finance import bulk_order_lines, finance_member

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

WAIT = 60_000  # ms: a poll every 2 s, on a machine that may be busy with other tests
LINES = 2_500  # the XLSX job reports progress per 2,000 rows: 0, 2,000 (80%), 2,500, then done


class Worker:
    """The Celery worker, played by the test: `run(job_id)` starts `job_execute` on a thread; with `held`,
    the job stops after each progress report until `step()` lets it go on."""

    def __init__(self, monkeypatch, *, held=True):
        self.reports: queue.Queue = queue.Queue()
        self.go = threading.Semaphore(0)
        self.held = held
        self.errors: list[BaseException] = []
        self.thread: threading.Thread | None = None
        report = services.Progress.__call__

        def held_report(progress, done, total=None):
            report(progress, done, total)
            self.reports.put((progress.job.progress_done, progress.job.progress_total))
            if self.held and not self.go.acquire(timeout=WAIT / 1000 * 2):
                raise TimeoutError("the test never let the job go on")

        monkeypatch.setattr(services.Progress, "__call__", held_report)
        monkeypatch.setattr(services, "PROGRESS_EVERY", 0)  # every report reaches the cache and the row

    def run(self, job_id: int) -> None:
        def body():
            try:
                services.job_execute(job_id=job_id)
            except BaseException as exc:  # noqa: BLE001 - handed to the test by finish()
                self.errors.append(exc)
            finally:
                connection.close()

        self.thread = threading.Thread(target=body, daemon=True)
        self.thread.start()

    def reported(self) -> tuple[int, int]:
        return self.reports.get(timeout=WAIT / 1000)

    def step(self) -> None:
        self.go.release()

    def finish(self) -> None:
        self.thread.join(timeout=WAIT / 1000)
        assert not self.thread.is_alive(), "the job did not finish"
        assert not self.errors, self.errors

    def let_go(self) -> None:
        """After a failed check: let a held job run to its end, so its connection closes before teardown."""
        self.held = False
        self.go.release()
        if self.thread is not None:
            self.thread.join(timeout=WAIT / 1000)


@pytest.fixture
def make_worker(monkeypatch):
    """`make_worker(held=...)`: a Worker for this test, let go at teardown whatever happened."""
    made: list[Worker] = []

    def make(**kwargs) -> Worker:
        made.append(Worker(monkeypatch, **kwargs))
        return made[-1]

    yield make
    for one in made:
        one.let_go()


@pytest.fixture
def queued_not_run():
    """Starting a job enqueues it (the in-memory broker keeps the message) instead of running it in the request."""
    eager = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = False
    yield
    celery_app.conf.task_always_eager = eager


@pytest.fixture
def fin(group):
    return finance_member(group, email="finance@example.com")


def _started_job(page, kind):
    page.wait_for_url("**/account/jobs/*/", timeout=WAIT)
    job = Job.objects.get(kind=kind)
    assert page.url.endswith(reverse("procurement:job_detail", kwargs={"job_id": job.pk}))
    return job


def test_progress_bar_follows_the_worker_and_the_download_appears(page, business, group, fin, queued_not_run, make_worker):
    products = [ProductFactory(category=CategoryFactory()) for _ in range(2)]
    bulk_order_lines(group=group, buyer=MemberFactory(business=business), products=products, orders=LINES // 5,
                     lines_per_order=5, placed_at=timezone.now() - datetime.timedelta(days=1))
    worker = make_worker()
    browser_login(page, fin.user.email)
    page.wait_for_url("**/account/", timeout=WAIT)
    page.goto(reverse("orders:orders_report"))
    page.get_by_role("button", name="Export XLSX").click()
    job = _started_job(page, "orders_report_xlsx")
    assert job.status == Job.Status.QUEUED  # enqueued, not run by the request

    bar = page.get_by_role("progressbar")
    words = page.locator("[data-job-text]")
    download = page.locator("[data-job-download]")
    expect(bar).to_have_attribute("aria-valuenow", "0")
    expect(words).to_contain_text("Queued")
    expect(download).to_be_hidden()

    worker.run(job.pk)
    assert worker.reported() == (0, LINES)
    expect(words).to_contain_text(f"Running: 0 of {LINES}", timeout=WAIT)  # the poll saw the worker start
    worker.step()
    assert worker.reported() == (2000, LINES)
    expect(bar).to_have_attribute("aria-valuenow", "80", timeout=WAIT)
    expect(bar).to_have_attribute("aria-valuetext", "80% (Running)")
    expect(words).to_contain_text(f"2000 of {LINES}")
    expect(page.locator("[data-job-fill]")).to_have_text("80%")
    expect(download).to_be_hidden()
    worker.step()
    assert worker.reported() == (LINES, LINES)
    worker.step()
    worker.finish()

    expect(download).to_be_visible(timeout=WAIT)
    name = f"orders-report-{timezone.localdate().isoformat()}.xlsx"
    expect(download).to_have_text(f"Download {name}")
    expect(bar).to_have_attribute("aria-valuenow", "100")
    expect(words).to_contain_text("Done.")
    expect(page.locator("[data-job-error]")).to_be_hidden()
    with page.expect_download(timeout=WAIT) as info:
        download.click()
    from openpyxl import load_workbook

    with open(info.value.path(), "rb") as handle:
        sheet = load_workbook(io.BytesIO(handle.read()), read_only=True).active
        assert sum(1 for _ in sheet.iter_rows(min_row=2)) == LINES

    page.get_by_role("link", name="Your Jobs").first.click()
    row = page.locator(f'tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Done", timeout=WAIT)
    expect(row.get_by_role("link", name=f"Download {name}")).to_be_visible()
    expect(row.get_by_role("progressbar")).to_have_attribute("aria-valuenow", "100")


def test_a_failing_job_shows_its_error_on_the_page_and_in_your_jobs(page, group, fin, queued_not_run, make_worker):
    worker = make_worker(held=False)
    browser_login(page, fin.user.email)
    page.wait_for_url("**/account/", timeout=WAIT)
    page.get_by_role("link", name="Invoices").first.click()
    page.get_by_label("Month", exact=True).fill("2020-01")
    page.get_by_role("button", name="Download month as ZIP").click()
    job = _started_job(page, "invoices_zip")
    error = page.get_by_role("alert").filter(has_text="No invoices")
    expect(page.locator("[data-job-text]")).to_contain_text("Queued")
    expect(error).to_be_hidden()

    worker.run(job.pk)
    worker.finish()
    expect(error).to_have_text("No invoices were issued in January 2020.", timeout=WAIT)
    expect(page.locator("[data-job-text]")).to_contain_text("Failed")
    expect(page.locator("[data-job-fill]")).to_have_class(re.compile(r"\bbg-danger\b"))
    expect(page.locator("[data-job-download]")).to_be_hidden()

    page.get_by_role("link", name="Your Jobs").first.click()
    row = page.locator(f'tr[data-job="{job.pk}"]')
    expect(row).to_contain_text("Failed", timeout=WAIT)
    expect(row).to_contain_text("No invoices were issued in January 2020.")
    expect(row.get_by_role("link", name="Download")).to_have_count(0)
