"""Stored invoice PDFs (orders.documents.services.invoice_pdf_bytes): an issued invoice's PDF is rendered
once and its bytes served again while nothing it shows has changed; any change it shows (a void, a renamed
business) renders it again; another business never gets it; the month's ZIP reuses the stored files; with
INVOICE_PDF_PRERENDER the PDF is rendered as the invoice is issued."""

import io
import zipfile

import pytest
from django.urls import reverse
from pypdf import PdfReader

from orders.documents.rendering import PDF_LAYOUT, document_html, invoice_document, pdf_content_key
from orders.documents.services import invoice_issue, invoice_void
from orders.models import InvoicePdf
from tests.support.isolation.documents import order_with_lines, ship

pytest.importorskip("weasyprint")

MARKER = b"%PDF-1.7 stored bytes, not a fresh render"


def _text(pdf: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(pdf)).pages)


@pytest.fixture
def invoice(business, admin_member):
    order = order_with_lines(business=business)
    a, b = order.lines.order_by("id")
    shipment = ship(order, {a: 3, b: 5}, tracking_number="1Z0000000000000009")
    return invoice_issue(shipment=shipment, acting_user=admin_member.user)


def _pdf_url(invoice):
    return reverse("orders:invoice_pdf", kwargs={"invoice_number": invoice.number})


@pytest.mark.django_db
def test_the_pdf_is_stored_and_served_again_until_what_it_shows_changes(client, admin_member, invoice,
                                                                       django_assert_max_num_queries):
    client.force_login(admin_member.user)
    first = client.get(_pdf_url(invoice))
    assert first.status_code == 200 and first.content.startswith(b"%PDF")
    row = InvoicePdf.objects.get(invoice=invoice)
    assert row.business_id == invoice.business_id and bytes(row.pdf) == first.content
    assert "OPEN" in _text(first.content) and "VOID" not in _text(first.content)  # status, upper-cased by the CSS

    # Served from the row (the marker proves no new render), with a flat number of queries.
    InvoicePdf.objects.filter(pk=row.pk).update(pdf=MARKER)
    with django_assert_max_num_queries(10):
        again = client.get(_pdf_url(invoice))
    assert again.status_code == 200 and again.content == MARKER
    assert again["Content-Disposition"] == first["Content-Disposition"]

    # What the invoice shows changes: rendered again, the row replaced.
    invoice_void(invoice=invoice, reason="Issued twice", acting_user=admin_member.user)
    voided = client.get(_pdf_url(invoice))
    assert voided.content != MARKER and "VOID" in _text(voided.content) and "Issued twice" in _text(voided.content)
    assert InvoicePdf.objects.filter(invoice=invoice).count() == 1
    assert bytes(InvoicePdf.objects.get(invoice=invoice).pdf) == voided.content

    # Data outside the invoice row counts too: the business's name on the bill-to block.
    InvoicePdf.objects.filter(invoice=invoice).update(pdf=MARKER)
    invoice.business.name = "Renamed Industries"
    invoice.business.save(update_fields=["name"])
    renamed = client.get(_pdf_url(invoice))
    assert renamed.content != MARKER and "Renamed Industries" in _text(renamed.content)


@pytest.mark.django_db
def test_another_business_cannot_get_the_stored_pdf(client, admin_member, other_member, invoice):
    client.force_login(admin_member.user)
    assert client.get(_pdf_url(invoice)).status_code == 200
    InvoicePdf.objects.filter(invoice=invoice).update(pdf=MARKER)
    client.force_login(other_member.user)
    response = client.get(_pdf_url(invoice))
    assert response.status_code == 404 and MARKER not in response.content


@pytest.mark.django_db
def test_a_buyer_gets_only_their_own_orders_stored_pdf(client, business, admin_member, invoice):
    from tests.factories import GroupMembershipFactory, MemberFactory

    client.force_login(admin_member.user)
    assert client.get(_pdf_url(invoice)).status_code == 200
    InvoicePdf.objects.filter(invoice=invoice).update(pdf=MARKER)
    stranger = MemberFactory(business=business, user__email="other.buyer@example.com")
    GroupMembershipFactory(group=invoice.order.group, member=stranger, role="buyer")
    client.force_login(stranger.user)
    response = client.get(_pdf_url(invoice))
    assert response.status_code == 403 and MARKER not in response.content
    client.force_login(invoice.order.buyer.user)
    assert client.get(_pdf_url(invoice)).content == MARKER


@pytest.mark.django_db
def test_issuing_renders_the_pdf_in_the_background_when_enabled(business, admin_member, settings,
                                                                django_capture_on_commit_callbacks):
    settings.INVOICE_PDF_PRERENDER = True
    order = order_with_lines(business=business)
    a, _ = order.lines.order_by("id")
    shipment = ship(order, {a: 1})
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        invoice = invoice_issue(shipment=shipment, acting_user=admin_member.user)
    assert callbacks, "the render is queued on commit"
    row = InvoicePdf.objects.get(invoice=invoice)
    html = document_html(invoice_document(invoice), layout=PDF_LAYOUT)
    assert row.content_hash == pdf_content_key(html)
    assert invoice.number in _text(bytes(row.pdf))


@pytest.mark.django_db(transaction=True)
def test_the_month_zip_reuses_the_stored_pdfs(client, group):
    import datetime

    from procurement.jobs.models import Job
    from tests.support.finance import finance_member, make_invoice

    fin = finance_member(group)
    march = [make_invoice(group=group, total=f"{10 + n}.00", issued_on=datetime.date(2026, 3, 3 + n)) for n in range(2)]
    client.force_login(fin.user)
    assert client.get(_pdf_url(march[0])).status_code == 200  # stored now
    InvoicePdf.objects.filter(invoice=march[0]).update(pdf=MARKER)
    client.post(reverse("orders:invoices_zip"), {"month": "2026-03", "job_token": "z"})
    job = Job.objects.get()
    assert job.status == Job.Status.DONE, job.error
    download = client.get(reverse("procurement:job_download", kwargs={"job_id": job.pk}))
    archive = zipfile.ZipFile(io.BytesIO(b"".join(download.streaming_content)))
    by_name = {name: archive.read(name) for name in archive.namelist()}
    assert by_name[f"invoice-{march[0].number}-{march[0].order.po_number}.pdf"] == MARKER
    second = by_name[f"invoice-{march[1].number}-{march[1].order.po_number}.pdf"]
    assert second.startswith(b"%PDF") and second == bytes(InvoicePdf.objects.get(invoice=march[1]).pdf)
