"""Done means: from one order with two shipments, a user downloads two invoices, two packing slips and
two labels, each with the right PO number, tracking number and amounts, and the invoices add up to the order."""

import io
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect
from django.template.loader import render_to_string
from pypdf import PdfReader

from orders.documents.services import invoice_issue
from orders.models import Order
from tests.support.browser import browser_login
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.isolation.documents import order_with_lines, ship


def _two_shipments(business, admin_member):
    business.tax_rate = Decimal("0")
    business.save()
    order = order_with_lines(business=business, lines=((4, "19.99"), (3, "0.35"), (1, "250.00")))
    a, b, c = order.lines.order_by("id")
    first = ship(order, {a: 1, b: 3}, tracking_number="1ZFIRST0000000001")
    invoice_issue(shipment=first, acting_user=admin_member.user)
    second = ship(order, {a: 3, c: 1}, tracking_number="9400SECOND000002", carrier="USPS", days_after=2)
    invoice_issue(shipment=second, acting_user=admin_member.user)
    return order, first, second


def _pdf_text(content: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(content)).pages)


@pytest.mark.django_db
def test_buyer_downloads_every_document_of_an_order_with_two_shipments(
    client, business, admin_member, django_assert_num_queries
):
    order, first, second = _two_shipments(business, admin_member)
    ship(order_with_lines(business=business), {})  # a shipment of another order stays off this list
    # The order page includes this partial; fetched as the orders view should, it costs no query.
    order = Order.objects.prefetch_related("shipments__invoice__credit_notes").get(pk=order.pk)
    with django_assert_num_queries(0):
        partial = render_to_string("orders/documents/_order_documents.html", {"order": order})
    pdf_links = re.findall(r'href="([^"]+/pdf/)"', partial)
    assert len(pdf_links) == 6

    client.force_login(order.buyer.user)
    downloads = {}
    for href in pdf_links:
        response = client.get(href)
        assert response.status_code == 200, href
        filename = re.search(r'filename="([^"]+)"', response["Content-Disposition"]).group(1)
        downloads[filename] = _pdf_text(response.content)
    assert len(downloads) == 6 and all(order.po_number in name for name in downloads)

    invoices = sorted((n, t) for n, t in downloads.items() if n.startswith("invoice-"))
    slips = sorted((n, t) for n, t in downloads.items() if n.startswith("packing-slip-"))
    labels = sorted((n, t) for n, t in downloads.items() if n.startswith("label-"))
    assert len(invoices) == len(slips) == len(labels) == 2

    expected = {first: Decimal("21.04"), second: Decimal("309.97")}  # 19.99 + 3 × 0.35; 3 × 19.99 + 250.00
    for shipment, amount in expected.items():
        invoice = shipment.invoice
        [(_, invoice_text)] = [(n, t) for n, t in invoices if invoice.number in n]
        assert order.po_number in invoice_text and shipment.tracking_number in invoice_text
        assert order.blanket_po_number in invoice_text
        assert invoice.total == amount and f"{amount}" in invoice_text
        other = second if shipment is first else first
        assert other.tracking_number not in invoice_text
        [(_, slip_text)] = [(n, t) for n, t in slips if shipment.tracking_number in n]
        [(_, label_text)] = [(n, t) for n, t in labels if shipment.tracking_number in n]
        for text in (slip_text, label_text):
            assert order.po_number in text and order.blanket_po_number in text and shipment.tracking_number in text
            assert other.tracking_number not in text
    assert sum(expected.values()) == order.total == Decimal("331.01")




@pytest.mark.browser
@pytest.mark.django_db(transaction=True)
def test_finance_finds_an_invoice_by_po_number_and_downloads_the_pdf(page, business, admin_member):
    order, first, second = _two_shipments(business, admin_member)
    second_number = second.invoice.number
    other_order = order_with_lines(business=business, group=order.group, lines=((1, "5.00"),))
    other_number = invoice_issue(shipment=ship(other_order, {other_order.lines.get(): 1}), acting_user=admin_member.user).number
    finance = MemberFactory(business=business, user__email="finance@example.com")
    GroupMembershipFactory(group=order.group, member=finance, role="finance")

    browser_login(page, "finance@example.com")
    page.locator("main").get_by_role("link", name="Invoices").click()
    page.locator("main").get_by_label("PO number", exact=True).fill(order.po_number)
    page.get_by_label("Status").select_option("open")
    page.get_by_role("button", name="Filter").click()
    expect(page.get_by_role("link", name=second_number, exact=True)).to_be_visible()  # both invoices of the PO
    expect(page.get_by_role("link", name=other_number, exact=True)).to_have_count(0)  # filtered out
    page.get_by_role("link", name=first.invoice.number, exact=True).click()
    expect(page.get_by_text(order.po_number).first).to_be_visible()
    expect(page.get_by_text(first.tracking_number)).to_be_visible()
    with page.expect_download(timeout=90_000) as download_info:  # WeasyPrint under load: allow time
        page.get_by_role("link", name="Download PDF").click(timeout=90_000)
    download = download_info.value
    assert download.suggested_filename == f"invoice-{first.invoice.number}-{order.po_number}.pdf"
    text = _pdf_text(open(download.path(), "rb").read())
    assert order.po_number in text and first.tracking_number in text and "21.04" in text
