"""Scan to verify at the dock: QR codes on the documents, signed expiring links, the verify page."""

import datetime
from urllib.parse import parse_qs, urlsplit

import pytest
from django.core import signing
from django.urls import reverse

from orders.documents.dock import (
    DockLinkExpired, DockLinkInvalid, dock_claim, dock_key, dock_key_rotate, dock_verify_path,
)
from orders.documents.rendering import packing_slip_document, shipping_label_document, document_html
from orders.models import Order, ReceiptLine
from procurement.models import GroupMembership
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.receiving import placed_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def shipment(buyer, group):
    order = placed_order(buyer, group, ("12.50", 3))
    return ship(order, {order.lines.get(): 3})


def _params(shipment):
    query = parse_qs(urlsplit(dock_verify_path(shipment)).query)
    return {"b": query["b"][0], "t": query["t"][0]}


def test_documents_carry_the_qr_code_next_to_the_barcode(shipment):
    for builder in (packing_slip_document, shipping_label_document):
        html = document_html(builder(shipment))
        assert 'class="barcode"' in html and "qrcode" in html and "Scan to verify" in html


def test_valid_link_claims_the_shipment(shipment):
    claim = dock_claim(**{"business": _params(shipment)["b"], "token": _params(shipment)["t"]})
    assert (claim.business_id, claim.shipment_id, claim.po_number) == (shipment.business_id, shipment.pk, shipment.order.po_number)


def test_tampered_expired_rotated_and_other_business_links_are_refused(shipment, other_business):
    params = _params(shipment)
    with pytest.raises(DockLinkInvalid):
        dock_claim(business=params["b"], token=params["t"][:-2] + ("AA" if not params["t"].endswith("AA") else "BB"))
    # The same token presented as another business's: that business's key does not sign it.
    dock_key(other_business.pk)
    with pytest.raises(DockLinkInvalid):
        dock_claim(business=other_business.pk, token=params["t"])
    # A value signed with another business's key, naming this shipment, is refused too.
    forged = signing.dumps({"s": shipment.pk, "p": shipment.order.po_number},
                           salt=f"orders.dock.verify:{other_business.pk}:1:{dock_key(other_business.pk).secret}")
    with pytest.raises(DockLinkInvalid):
        dock_claim(business=shipment.business_id, token=forged)
    with pytest.raises(DockLinkExpired):
        dock_claim(business=params["b"], token=params["t"], max_age=datetime.timedelta(seconds=-1))
    dock_key_rotate(business_id=shipment.business_id)
    with pytest.raises(DockLinkInvalid):
        dock_claim(business=params["b"], token=params["t"])


def test_anonymous_sees_genuine_and_group_only(client, shipment):
    page = client.get(reverse("orders:dock_verify"), _params(shipment)).content.decode()
    order = shipment.order
    assert "Genuine PO" in page and order.group.name in page and order.po_number in page
    assert "12.50" not in page and order.buyer.name not in page and order.lines.get().sku not in page
    assert order.ship_to_lines[0] not in page


def test_tampered_and_expired_pages_refuse_clearly(client, shipment, settings):
    params = _params(shipment)
    bad = client.get(reverse("orders:dock_verify"), {**params, "t": params["t"] + "x"})
    assert bad.status_code == 400 and "not genuine" in bad.content.decode()
    assert client.get(reverse("orders:dock_verify")).status_code == 400
    settings.DOCK_LINK_MAX_AGE_DAYS = -1
    expired = client.get(reverse("orders:dock_verify"), params)
    assert expired.status_code == 400 and "expired" in expired.content.decode()


def test_member_of_another_business_sees_no_details(client, shipment, other_member):
    client.force_login(other_member.user)
    page = client.get(reverse("orders:dock_verify"), _params(shipment)).content.decode()
    assert "Genuine PO" in page and shipment.order.lines.get().sku not in page
    assert client.post(reverse("orders:dock_verify"), _params(shipment)).status_code == 403
    assert not ReceiptLine.objects.exists()


def test_signed_in_receiver_records_the_receipt_from_the_dock(client, shipment, group):
    receiver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=receiver, role=GroupMembership.Role.RECEIVER)
    client.force_login(receiver.user)
    params = _params(shipment)
    page = client.get(reverse("orders:dock_verify"), params).content.decode()
    assert shipment.order.lines.get().sku in page and "Record the receipt" in page and "12.50" not in page
    line = shipment.lines.get()
    response = client.post(reverse("orders:dock_verify"), {
        **params, "received_on": shipment.ship_date.isoformat(), f"received_{line.pk}": 3,
        f"damaged_{line.pk}": 0, f"missing_{line.pk}": 0,
    })
    assert response.status_code == 302
    assert ReceiptLine.objects.get().quantity_received == 3
    assert Order.objects.get(pk=shipment.order_id).status == Order.Status.RECEIVED


def test_a_finance_member_sees_details_but_cannot_record(client, shipment, group):
    finance = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=finance, role=GroupMembership.Role.FINANCE)
    client.force_login(finance.user)
    page = client.get(reverse("orders:dock_verify"), _params(shipment)).content.decode()
    assert shipment.order.lines.get().sku in page and "Record the receipt" not in page
