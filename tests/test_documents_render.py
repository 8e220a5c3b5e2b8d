"""Each document shows PO #, blanket PO and tracking number, on the page and in the PDF's text; the
barcode bars decode back to the PO number; a PDF that cannot be made gives a clear 503 page."""

import io
import re

import pytest
from barcode.charsets import code128 as charset
from django.urls import reverse
from pypdf import PdfReader

from orders.documents.rendering import barcode_code128, barcode_svg
from orders.documents.services import invoice_issue
from tests.support.isolation.documents import order_with_lines, ship


def decode_code128_svg(svg: str) -> str:
    """Read the bars of a python-barcode SVG back into text: widths → modules → symbols → characters.
    Independent of what the encoder was asked for, so it proves what a scanner would read."""
    rects = re.findall(r'<rect x="([\d.]+)mm" y="[\d.]+mm" width="([\d.]+)mm"', svg)
    assert rects, "no bars in the SVG"
    module = min(float(w) for _, w in rects)
    start = float(rects[0][0])
    length = round((float(rects[-1][0]) + float(rects[-1][1]) - start) / module)
    bits = ["0"] * length
    for x, w in rects:
        first = round((float(x) - start) / module)
        for i in range(first, first + round(float(w) / module)):
            bits[i] = "1"
    bits = "".join(bits)
    stop = charset.STOP + "11"  # the stop symbol and its final two-module termination bar
    assert bits.endswith(stop), "no stop pattern"
    body = bits[: -len(stop)]
    values = [charset.CODES.index(body[i:i + 11]) for i in range(0, len(body), 11)]
    start_value, *data, check = values
    assert (start_value + sum(i * v for i, v in enumerate(data, start=1))) % 103 == check, "bad checksum"
    mode = {103: "A", 104: "B", 105: "C"}[start_value]
    text = ""
    for value in data:
        if mode == "C" and value < 100:
            text += f"{value:02}"
        elif value == 99 and mode != "C":
            mode = "C"
        elif value == 100 and mode != "B":
            mode = "B"
        elif value == 101 and mode != "A":
            mode = "A"
        elif mode == "B":
            text += chr(value + 32)
        else:  # A
            text += chr(value + 32) if value < 64 else chr(value - 64)
    return text


def pdf_text(response) -> str:
    assert response["Content-Type"] == "application/pdf"
    reader = PdfReader(io.BytesIO(b"".join(response.streaming_content) if response.streaming else response.content))
    return "\n".join(page.extract_text() for page in reader.pages)


@pytest.fixture
def shipped(business, admin_member):
    order = order_with_lines(business=business)
    a, b = order.lines.order_by("id")
    first = ship(order, {a: 3, b: 2}, tracking_number="1Z0000000000000001")
    second = ship(order, {b: 3}, tracking_number="1Z0000000000000002", carrier="FedEx", days_after=1)
    invoice = invoice_issue(shipment=first, acting_user=admin_member.user)
    return order, first, second, invoice


@pytest.mark.parametrize("value", ["PO-2026-000123", "ACME/7-x", "123456789", "BPO-0001-77-12"])
def test_barcode_bars_decode_to_the_po_number(value):
    code = barcode_code128(value)
    assert code.get_fullcode() == value
    svg = str(barcode_svg(value))
    assert svg.startswith("<svg") and "<?xml" not in svg and f'aria-label="Barcode: {value}"' in svg
    assert decode_code128_svg(svg) == value


@pytest.mark.django_db
def test_invoice_page_and_pdf_show_everything_an_invoice_needs(client, admin_member, shipped, settings):
    order, first, _, invoice = shipped
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    for expected in [
        "PO #", order.po_number, order.blanket_po_number, "Office supplies FY26", first.tracking_number, first.carrier,
        invoice.number, settings.OPERATOR_NAME, settings.OPERATOR_ADDRESS[0], order.business.name,
        "Receiving dock", order.group.name, "CC-410", "44.20", "37.50", "6.70", "Net 30 days", "Balance due", "Open",
        "Download PDF",
    ]:
        assert expected in html, expected

    response = client.get(reverse("orders:invoice_pdf", kwargs={"invoice_number": invoice.number}))
    assert response.status_code == 200
    assert response["Content-Disposition"] == f'attachment; filename="invoice-{invoice.number}-{order.po_number}.pdf"'
    text = pdf_text(response)
    for expected in ["INVOICE", "PO #", order.po_number, order.blanket_po_number, first.tracking_number,
                     invoice.number, "44.20", "Balance due", settings.OPERATOR_NAME]:
        assert expected in text, expected


@pytest.mark.django_db
def test_packing_slip_shows_this_shipment_and_what_is_still_to_come(client, admin_member, shipped):
    order, first, second, _ = shipped
    client.force_login(admin_member.user)
    kwargs = {"po_number": order.po_number, "shipment_id": first.pk}
    html = client.get(reverse("orders:packing_slip", kwargs=kwargs)).content.decode()
    for expected in ["Buyer PO #", order.po_number, order.blanket_po_number, first.tracking_number, "UPS",
                     "Shipment 1 of 2", "Receiving dock", "still to come", 'class="barcode"']:
        assert expected in html, expected
    assert decode_code128_svg(html[html.index("<svg"):]) == order.po_number
    rows = re.findall(r"<td class=\"num\">(\d+)</td>\s*<td class=\"num\">(\d+)</td>\s*<td class=\"num\"><strong>(\d+)</strong></td>\s*<td class=\"num\">(\d+)</td>", html)
    assert rows == [("3", "0", "3", "0"), ("5", "0", "2", "3")]  # ordered, earlier, now, to come

    second_html = client.get(reverse("orders:packing_slip", kwargs={**kwargs, "shipment_id": second.pk})).content.decode()
    assert "Shipment 2 of 2" in second_html and "This completes the order." in second_html

    response = client.get(reverse("orders:packing_slip_pdf", kwargs=kwargs))
    assert order.po_number in response["Content-Disposition"] and first.tracking_number in response["Content-Disposition"]
    text = pdf_text(response)
    for expected in ["PACKING SLIP", "Buyer PO #", order.po_number, order.blanket_po_number, first.tracking_number]:
        assert expected in text, expected


@pytest.mark.django_db
def test_shipping_label_is_4x6_with_po_barcode(client, admin_member, shipped, settings):
    order, _, second, _ = shipped
    client.force_login(admin_member.user)
    kwargs = {"po_number": order.po_number, "shipment_id": second.pk}
    html = client.get(reverse("orders:shipping_label", kwargs=kwargs)).content.decode()
    for expected in ["size: 4in 6in", "Ship to", "Ship from", settings.OPERATOR_NAME, "FedEx", second.tracking_number,
                     order.po_number, order.blanket_po_number]:
        assert expected in html, expected
    assert decode_code128_svg(html[html.index("<svg"):]) == order.po_number

    response = client.get(reverse("orders:shipping_label_pdf", kwargs=kwargs))
    assert response["Content-Disposition"] == f'attachment; filename="label-{order.po_number}-{second.tracking_number}.pdf"'
    reader = PdfReader(io.BytesIO(response.content))
    box = reader.pages[0].mediabox
    assert (round(float(box.width)), round(float(box.height))) == (288, 432)  # 4 × 6 in at 72 pt/in
    text = pdf_text(response)
    for expected in ["PO #", order.po_number, order.blanket_po_number, second.tracking_number, "FedEx"]:
        assert expected in text, expected


@pytest.mark.django_db
def test_order_without_blanket_po_prints_no_blanket_line(client, business, admin_member):
    order = order_with_lines(business=business, blanket=False)
    invoice = invoice_issue(shipment=ship(order, {order.lines.first(): 1}), acting_user=admin_member.user)
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    assert order.po_number in html and "Blanket PO <strong" not in html and "Budget:" not in html


@pytest.mark.django_db
def test_missing_pdf_library_gives_a_clear_503_with_a_link_to_the_page(client, admin_member, shipped, monkeypatch):
    import weasyprint

    def no_pango(*args, **kwargs):
        raise OSError("cannot load library 'libpango-1.0-0': no such file")

    monkeypatch.setattr(weasyprint, "HTML", no_pango)
    order, first, _, invoice = shipped
    client.force_login(admin_member.user)
    for name, kwargs, html_name in [
        ("invoice_pdf", {"invoice_number": invoice.number}, "invoice_detail"),
        ("packing_slip_pdf", {"po_number": order.po_number, "shipment_id": first.pk}, "packing_slip"),
        ("shipping_label_pdf", {"po_number": order.po_number, "shipment_id": first.pk}, "shipping_label"),
    ]:
        response = client.get(reverse(f"orders:{name}", kwargs=kwargs))
        assert response.status_code == 503
        body = response.content.decode()
        assert "The PDF cannot be produced right now" in body and "Traceback" not in body
        assert f'href="{reverse(f"orders:{html_name}", kwargs=kwargs)}"' in body


@pytest.mark.django_db
def test_void_invoice_says_so_and_owes_nothing(client, admin_member, shipped):
    from orders.documents.services import invoice_void

    _, _, _, invoice = shipped
    invoice_void(invoice=invoice, reason="Issued twice", acting_user=admin_member.user)
    client.force_login(admin_member.user)
    html = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    assert "VOID" in html and "Issued twice" in html
    assert re.search(r"Balance due</th><td class=\"num\">\$0.00<", html)


@pytest.mark.django_db
def test_staff_reach_every_document_of_an_order_from_admin(client, shipped):
    from orders.admin.documents import order_document_links
    from tests.factories import UserFactory

    order, first, second, invoice = shipped
    links = str(order_document_links(order))
    assert links.count("PDF</a>") == 5  # invoice of shipment 1, two slips, two labels
    staff = UserFactory(email="support@operator.example", is_staff=True, is_superuser=True)
    client.force_login(staff)
    for href in re.findall(r'href="([^"]+)"', links):
        response = client.get(href)
        assert response.status_code == 200, href
        if href.endswith("/pdf/"):
            assert order.po_number in pdf_text(response)
        else:
            assert order.po_number in response.content.decode()
    changelist = client.get(reverse("admin:orders_invoice_changelist") + f"?q={order.po_number}").content.decode()
    assert invoice.number in changelist
    change = client.get(reverse("admin:orders_invoice_change", args=[invoice.pk])).content.decode()
    assert "Packing slip" in change and "Label" in change and order.po_number in change
    client.post(reverse("admin:orders_invoice_changelist"),
                {"action": "void_selected", "_selected_action": [invoice.pk]})
    invoice.refresh_from_db()
    assert invoice.status == "void" and "Voided in admin" in invoice.void_reason

    # Not staff: no admin documents, not even for the order's own buyer.
    client.force_login(order.buyer.user)
    response = client.get(re.findall(r'href="([^"]+)"', links)[0])
    assert response.status_code == 302 and "/admin/login/" in response["Location"]
