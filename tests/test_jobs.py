"""Background jobs (procurement/jobs): idempotency, scoping, progress page, failures, and each job's result.

Celery runs eagerly here (settings: tests), so a job is done when the request that starts it returns;
tests/test_jobs_worker.py runs the same jobs on a real worker.
"""

import datetime
import io
import zipfile
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.finance import statements
from orders.models import Invoice, Payment, PaymentAllocation
from procurement.jobs import services as job_services
from procurement.jobs.models import Job
from procurement.jobs.registry import JobOutput, job_kind
from procurement.jobs.services import job_create, job_execute
from tests.factories import BusinessFactory, GroupFactory, MemberFactory
from tests.support.finance import bulk_order_lines, finance_member, make_invoice

# Jobs are enqueued on commit (`delay_on_commit`): these tests commit for real, as the app does.
pytestmark = pytest.mark.django_db(transaction=True)

MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}
CALLS: list[int] = []


@job_kind("test_count", title="Counting job (tests)", roles=("finance",))
def _count_run(job, progress):
    CALLS.append(job.pk)
    progress(1, 2)
    if job.params.get("fail") == "user":
        from procurement.errors import ApplicationError

        raise ApplicationError("Nothing to export for this month.")
    if job.params.get("fail") == "bug":
        raise RuntimeError("a bug")
    progress(2, 2)
    return JobOutput(filename="count.txt", content=b"counted", content_type="text/plain", summary={"message": "Counted."})


@pytest.fixture
def fin(group):
    return finance_member(group)


def _start(member, key="k1", **params):
    return job_create(business=member.business, member=member, kind="test_count", idempotency_key=key, params=params,
                      acting_user=member.user)


# --- Idempotency and redelivery --------------------------------------------------------------------


def test_same_key_twice_is_one_job_run_once(fin):
    CALLS.clear()
    first = _start(fin)
    second = _start(fin)
    assert first.pk == second.pk and Job.objects.count() == 1
    assert CALLS == [first.pk]
    first.refresh_from_db()
    assert first.status == Job.Status.DONE and first.attempts == 1
    assert first.result_file.read() == b"counted" and first.result_name == "count.txt"


def test_redelivered_task_of_a_done_job_is_a_no_op(fin):
    CALLS.clear()
    job = _start(fin)
    assert job_execute(job_id=job.pk) is None
    job.refresh_from_db()
    assert CALLS == [job.pk] and job.attempts == 1


def test_running_job_is_left_to_its_live_worker_and_taken_over_when_silent(fin, settings):
    CALLS.clear()
    job = Job.objects.create(business=fin.business, created_by=fin, kind="test_count", title="t", idempotency_key="r",
                             status=Job.Status.RUNNING, attempts=1, heartbeat_at=timezone.now())
    assert job_execute(job_id=job.pk) is None  # fresh heartbeat: another worker is on it
    assert CALLS == []
    Job.objects.filter(pk=job.pk).update(heartbeat_at=timezone.now() - datetime.timedelta(seconds=settings.JOBS_STALE_SECONDS + 1))
    job_execute(job_id=job.pk)  # its worker died: run again from the start
    job.refresh_from_db()
    assert CALLS == [job.pk] and job.status == Job.Status.DONE and job.attempts == 2


def test_double_click_on_export_xlsx_starts_one_job(client, fin, business):
    client.force_login(fin.user)
    data = {"query": "", "job_token": "same-form"}
    one = client.post(reverse("orders:orders_report_xlsx_job"), data)
    two = client.post(reverse("orders:orders_report_xlsx_job"), data)
    assert one.status_code == two.status_code == 302 and one["Location"] == two["Location"]
    assert Job.objects.filter(kind="orders_report_xlsx").count() == 1
    client.post(reverse("orders:orders_report_xlsx_job"), {"query": "", "job_token": "another-form"})
    assert Job.objects.filter(kind="orders_report_xlsx").count() == 2


def test_jobs_resume_enqueues_lost_jobs_only(fin):
    CALLS.clear()
    old = timezone.now() - datetime.timedelta(hours=1)
    lost = Job.objects.create(business=fin.business, created_by=fin, kind="test_count", title="t", idempotency_key="lost")
    Job.objects.filter(pk=lost.pk).update(created_at=old)
    fresh = Job.objects.create(business=fin.business, created_by=fin, kind="test_count", title="t", idempotency_key="fresh")
    assert job_services.jobs_resume() == [lost.pk]
    lost.refresh_from_db(), fresh.refresh_from_db()
    assert lost.status == Job.Status.DONE and fresh.status == Job.Status.QUEUED


# --- Failures -------------------------------------------------------------------------------------


def test_a_users_error_fails_the_job_with_its_message_on_the_page(client, fin):
    job = _start(fin, key="f1", fail="user")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and job.error == "Nothing to export for this month."
    client.force_login(fin.user)
    page = client.get(reverse("procurement:job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert "Nothing to export for this month." in page and 'role="alert"' in page
    status = client.get(reverse("procurement:job_status", kwargs={"job_id": job.pk})).json()
    assert status["status"] == "failed" and status["error"] == "Nothing to export for this month."
    assert client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk})).status_code == 404


def test_a_bug_fails_the_job_with_a_plain_message(fin):
    job = _start(fin, key="f2", fail="bug")
    job.refresh_from_db()
    assert job.status == Job.Status.FAILED and f"job {job.pk}" in job.error and "a bug" not in job.error


def test_zip_of_a_month_without_invoices_fails_clearly(client, fin):
    client.force_login(fin.user)
    response = client.post(reverse("orders:invoices_zip"), {"month": "2020-01", "job_token": "z"})
    job = Job.objects.get()
    assert response["Location"] == reverse("procurement:job_detail", kwargs={"job_id": job.pk})
    assert job.status == Job.Status.FAILED and job.error == "No invoices were issued in January 2020."


def test_bad_month_saves_nothing(client, fin):
    client.force_login(fin.user)
    response = client.post(reverse("orders:invoices_zip"), {"month": "March", "job_token": "z"}, follow=True)
    assert "is not a month like 2026-03" in response.content.decode() and not Job.objects.exists()


# --- Scoping, roles, the page ---------------------------------------------------------------------


def test_progress_page_is_accessible_and_works_without_javascript(client, fin, settings):
    job = Job.objects.create(business=fin.business, created_by=fin, kind="test_count", title="Counting",
                             idempotency_key="p", status=Job.Status.RUNNING, progress_done=3, progress_total=12)
    client.force_login(fin.user)
    page = client.get(reverse("procurement:job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert 'role="progressbar"' in page and 'aria-valuenow="25"' in page and 'aria-live="polite"' in page
    assert '<noscript><meta http-equiv="refresh"' in page and ">Refresh</a>" in page
    assert "js/jobs.js" in page and "<script>" not in page and "style=" not in page
    assert "3 of 12" in page
    status = client.get(reverse("procurement:job_status", kwargs={"job_id": job.pk}))
    assert status["Cache-Control"] == "no-store"
    assert status.json() | {} == status.json() and status.json()["percent"] == 25 and not status.json()["finished"]


def test_done_page_links_the_download_and_refreshes_no_more(client, fin):
    job = _start(fin, key="d")
    client.force_login(fin.user)
    page = client.get(reverse("procurement:job_detail", kwargs={"job_id": job.pk})).content.decode()
    assert "http-equiv" not in page and "Download count.txt" in page
    download = client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk}))
    assert download.status_code == 200 and b"".join(download.streaming_content) == b"counted"
    assert 'attachment; filename="count.txt"' == download["Content-Disposition"]
    assert "no-store" in download["Cache-Control"]


def test_other_business_gets_404_and_a_member_without_the_role_403(client, fin, business, group):
    job = _start(fin, key="s")
    urls = [reverse(f"procurement:{name}", kwargs={"job_id": job.pk}) for name in ("job_detail", "job_status", "job_download")]
    client.force_login(MemberFactory(business=BusinessFactory(), is_business_admin=True).user)
    assert [client.get(u).status_code for u in urls] == [404, 404, 404]
    client.force_login(MemberFactory(business=business).user)  # a member, but not finance
    assert [client.get(u).status_code for u in urls] == [403, 403, 403]
    client.logout()
    assert all(client.get(u).status_code == 302 for u in urls)


def test_result_files_are_not_under_a_public_url(fin, settings):
    job = _start(fin, key="m")
    job.refresh_from_db()
    assert job.result_file.name.startswith(f"jobs/{fin.business_id}/")
    assert not getattr(settings, "MEDIA_URL", "") or settings.MEDIA_URL in ("", "/")  # no media route is served
    from django.urls import Resolver404, resolve

    with pytest.raises(Resolver404):
        resolve("/" + job.result_file.name)


def test_a_member_without_the_role_cannot_start_a_job(client, business):
    member = MemberFactory(business=business)
    client.force_login(member.user)
    assert client.post(reverse("orders:invoices_zip"), {"month": "2026-03"}).status_code == 403
    from procurement.errors import ApplicationError

    with pytest.raises(ApplicationError):
        _start(member)


# --- The jobs --------------------------------------------------------------------------------------


def test_xlsx_job_writes_every_report_row(client, fin, business, group, django_assert_max_num_queries):
    from openpyxl import load_workbook

    from tests.factories import CategoryFactory, ProductFactory

    products = [ProductFactory(category=CategoryFactory(), unit_price=Decimal("2.25")) for _ in range(2)]
    bulk_order_lines(group=group, buyer=MemberFactory(business=business), products=products, orders=1300,
                     lines_per_order=5, placed_at=timezone.make_aware(datetime.datetime(2026, 3, 1, 9)))
    client.force_login(fin.user)
    # The whole job inside the request (eager): a fixed handful, plus two per 2,000-line chunk.
    with django_assert_max_num_queries(30 + 2 * (6500 // 2000 + 1)):
        response = client.post(reverse("orders:orders_report_xlsx_job"), {"query": "status=spend", "job_token": "x"})
    job = Job.objects.get(kind="orders_report_xlsx")
    assert response["Location"] == reverse("procurement:job_detail", kwargs={"job_id": job.pk})
    assert job.status == Job.Status.DONE and job.params == {"filters": {"status": "spend"}}
    assert job.progress_done == job.progress_total == 6500
    download = client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk}))
    sheet = load_workbook(io.BytesIO(b"".join(download.streaming_content)), read_only=True).active
    rows = list(sheet.iter_rows(min_row=2, values_only=True))
    assert len(rows) == 6500
    assert sum(Decimal(str(r[9])) for r in rows) == Decimal("2.25") * sum(1 + (i + j) % 4 for i in range(1300) for j in range(5))


def test_large_report_xlsx_by_get_points_to_the_job(client, fin, business, group, monkeypatch):
    from orders.analytics import views

    monkeypatch.setattr(views, "XLSX_SYNC_ROWS", 0)
    make_invoice(group=group)
    client.force_login(fin.user)
    response = client.get(reverse("orders:orders_report_export") + "?format=xlsx", follow=True)
    assert "prepares the file in the background" in response.content.decode() and not Job.objects.exists()


def test_invoices_zip_holds_one_pdf_per_invoice_of_the_month(client, fin, group):
    pytest.importorskip("weasyprint")
    march = [make_invoice(group=group, total=f"{10 + n}.00", issued_on=datetime.date(2026, 3, 3 + n)) for n in range(3)]
    make_invoice(group=group, issued_on=datetime.date(2026, 4, 1))  # another month: not in the ZIP
    client.force_login(fin.user)
    response = client.post(reverse("orders:invoices_zip"), {"month": "2026-03", "job_token": "z"})
    job = Job.objects.get()
    if job.status == Job.Status.FAILED and "cannot be made" in job.error:
        pytest.skip(f"no PDF renderer here: {job.error}")
    assert job.status == Job.Status.DONE, job.error
    page = client.get(response["Location"]).content.decode()
    assert "Download invoices-2026-03.zip" in page
    download = client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    names = sorted(archive.namelist())
    assert len(names) == 3 and all(n.endswith(".pdf") for n in names)
    assert names == sorted(f"invoice-{inv.number}-{inv.order.po_number}.pdf" for inv in march)
    assert all(archive.read(n).startswith(b"%PDF") for n in names)


def test_invoice_list_offers_the_month_zip(client, fin):
    client.force_login(fin.user)
    page = client.get(reverse("orders:invoice_list")).content.decode()
    assert "Download month as ZIP" in page and 'type="month"' in page and 'name="job_token"' in page


# --- Statement import: set-based, as a job ---------------------------------------------------------


def _book(group, prefix):
    """Invoices the statement pays: two on one PO, one alone, one already half paid."""
    a = make_invoice(group=group, po_number=f"{prefix}-PO-1", number=f"{prefix}-INV-1", total="40.00")
    make_invoice(order=a.order, number=f"{prefix}-INV-2", total="60.00", issued_on=datetime.date(2026, 3, 6))
    make_invoice(group=group, po_number=f"{prefix}-PO-3", number=f"{prefix}-INV-3", total="33.33")
    return a


def _statement(prefix, repeat=1):
    lines = ["Date,Amount,Description"]
    for n in range(repeat):
        lines += [
            f"2026-03-{10 + n % 15:02},60.00,ACH {prefix}-PO-1 ref {n}",  # the PO's 60 invoice (exact amount first)
            f"2026-03-{10 + n % 15:02},50.00,WIRE {prefix}-INV-1 ref {n}",  # named invoice, then the PO's others
            f"2026-03-{10 + n % 15:02},33.33,{prefix}-PO-3 {prefix}-INV-3 ref {n}",
            f"2026-03-{10 + n % 15:02},12.00,CARD NOTHING ref {n}",
        ]
    return "\n".join(lines) + "\n"


def _outcome(business, prefix):
    """Payments, allocations and invoice balances, with the business's own prefix taken out."""
    strip = lambda v: (v or "").replace(prefix, "X")  # noqa: E731
    pays = [(p.received_on, p.amount, strip(p.reference), strip(p.po_number), strip(p.invoice_number), p.status, p.amount_applied)
            for p in Payment.objects.filter(business=business).order_by("id")]
    allocs = [(strip(a.invoice.number), a.amount, strip(a.payment.reference))
              for a in PaymentAllocation.objects.filter(business=business).select_related("invoice", "payment").order_by("id")]
    invs = [(strip(i.number), i.amount_paid, i.status) for i in Invoice.objects.filter(business=business).order_by("number")]
    return pays, allocs, invs


def _per_row_reference(business, text, member):
    """The old confirm: payment_record row by row (the semantics the set-based save must keep)."""
    from orders.finance.payments import payment_record

    rows = statements.statement_preview(business=business, text=text, mapping=MAPPING)
    for row in rows:
        ref = row.ref
        payment_record(
            business=business, received_on=row.received_on, amount=row.amount, acting_user=member.user, method="Bank",
            reference=row.reference,
            po_number=(ref.po_numbers[0] if ref.po_numbers else (row.targets[0].order.po_number if row.targets else "")),
            invoice_number=ref.invoice_numbers[0] if ref.invoice_numbers else "",
            invoices=row.targets if row.status == "matched" else [], fingerprint=row.fingerprint, prefer_exact=True,
        )


def _import_by_request(client, member, text):
    from django.core.files.uploadedfile import SimpleUploadedFile

    client.force_login(member.user)
    url = reverse("orders:statement_import")
    client.post(url, {"date_column": "Date", "amount_column": "Amount", "reference_column": "Description",
                      "date_format": "%Y-%m-%d", "file": SimpleUploadedFile("s.csv", text.encode())})
    return client.post(url, {"action": "confirm"})


def test_statement_job_equals_the_request_path_and_the_per_row_path(client, monkeypatch):
    outcomes = []
    for path in ("request", "job", "per_row"):
        group = GroupFactory()
        member = finance_member(group, email=f"{path}@example.com")
        prefix = path.upper()
        _book(group, prefix)
        text = _statement(prefix, repeat=3)
        if path == "per_row":
            _per_row_reference(group.business, text, member)
        else:
            monkeypatch.setattr(statements, "SYNC_ROWS_MAX", 5_000 if path == "request" else 0)
            response = _import_by_request(client, member, text)
            if path == "job":
                job = Job.objects.get(business=group.business)
                assert response["Location"] == reverse("procurement:job_detail", kwargs={"job_id": job.pk})
                assert job.status == Job.Status.DONE, job.error
                assert job.result["matched"] == 9 and job.result["to_resolve"] == 3
                assert job.result["next_url"].endswith("?month=2026-03")
                assert job.progress_done == job.progress_total > 0
                page = client.get(response["Location"]).content.decode()
                assert "Imported 12 payments" in page and ">Reconciliation</a>" in page
            else:
                assert response.status_code == 302 and not Job.objects.filter(business=group.business).exists()
        outcomes.append(_outcome(group.business, prefix))
    assert outcomes[0] == outcomes[1] == outcomes[2]
    assert len(outcomes[0][0]) == 12 and outcomes[0][1]


def test_statement_job_again_for_the_same_file_imports_nothing_twice(client, fin, group, monkeypatch):
    monkeypatch.setattr(statements, "SYNC_ROWS_MAX", 0)
    _book(group, "S")
    text = _statement("S")
    _import_by_request(client, fin, text)
    _import_by_request(client, fin, text)  # uploaded and confirmed again: a new job, every row already imported
    first, second = Job.objects.order_by("id")
    assert first.result["imported"] == 4 and second.result["imported"] == 0 and second.result["duplicates"] == 4
    assert Payment.objects.filter(business=fin.business).count() == 4


def test_statement_save_takes_a_flat_number_of_queries():
    """4x the rows, (nearly) the same reads and updates; INSERTs only per batch (the database's batch size)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    counts = {}
    for repeat in (100, 400):
        group = GroupFactory()
        member = finance_member(group, email=f"q{repeat}@example.com")
        _book(group, f"Q{repeat}")
        text = _statement(f"Q{repeat}", repeat=repeat)
        with CaptureQueriesContext(connection) as ctx:
            result = statements.statement_import(business=group.business, text=text, mapping=MAPPING, filename="q.csv",
                                                 member=member, acting_user=member.user)
        assert result.matched + result.to_resolve == 4 * repeat
        inserts = [q for q in ctx.captured_queries if q["sql"].startswith("INSERT")]
        counts[repeat] = (len(ctx.captured_queries) - len(inserts), len(inserts))
    # Reads and updates: flat, but for one look-up per KEY_CHUNK fingerprints (duplicates check).
    assert counts[100][0] <= counts[400][0] <= counts[100][0] + 1600 // statements.KEY_CHUNK + 1, counts
    fields = [f for f in Payment._meta.concrete_fields if not f.primary_key]
    per_batch = min(statements.WRITE_BATCH, connection.ops.bulk_batch_size(fields, [None] * 1600) or 1600)
    batches = -(-1600 // per_batch)
    assert counts[400][1] <= 4 * batches + 4, counts  # payments, their history, allocations, theirs


def test_statement_save_refuses_a_month_closed_in_between(business, group, fin):
    from orders.models import MonthClose

    _book(group, "C")
    rows = statements.statement_match(business=business, rows=statements.statement_parse(
        business=business, text=_statement("C"), mapping=MAPPING))
    MonthClose.objects.create(business=business, year=2026, month=3, changed_by=fin)
    from orders.models import StatementImport

    imp = StatementImport.objects.create(business=business, filename="c.csv", rows=4, imported_by=fin)
    with pytest.raises(statements.StatementError, match="March 2026 is closed"):
        statements.statement_rows_save(business=business, rows=rows, statement_import=imp, acting_user=fin.user)
    assert not Payment.objects.filter(business=business).exists()
