"""Purchase orders out: each order as a UBL 2.1 Order XML, parsed back and compared field by field."""

import pytest
from django.urls import reverse
from lxml import etree

from orders.documents.ubl_order import UBL_ORDER_NS, order_ubl
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.api import api_client
from tests.support.receiving import placed_order

pytestmark = pytest.mark.django_db

NS = {"o": UBL_ORDER_NS, "cac": "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2",
      "cbc": "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"}


@pytest.fixture
def order(group, buyer):
    group.cost_center = "CC-4711"
    group.save()
    return placed_order(buyer, group, ("12.50", 2), ("3.99", 5))


def _parse(xml: bytes) -> dict:
    """The Order XML read back into plain values (what a supplier's system would take from it)."""
    root = etree.fromstring(xml)

    def one(path):
        [value] = root.xpath(path, namespaces=NS)
        return value

    def party(tag):
        return {
            "name": one(f"/o:Order/cac:{tag}/cac:Party/cac:PartyName/cbc:Name/text()"),
            "country": one(f"/o:Order/cac:{tag}/cac:Party/cac:PostalAddress/cac:Country/cbc:IdentificationCode/text()"),
        }

    return {
        "root": etree.QName(root).localname,
        "po_number": one("/o:Order/cbc:ID/text()"),
        "issue_date": one("/o:Order/cbc:IssueDate/text()"),
        "currency": one("/o:Order/cbc:DocumentCurrencyCode/text()"),
        "customer_reference": one("/o:Order/cbc:CustomerReference/text()"),
        "contract": root.xpath("/o:Order/cac:Contract/cbc:ID/text()", namespaces=NS),
        "buyer": party("BuyerCustomerParty"),
        "buyer_contact": (one("/o:Order/cac:BuyerCustomerParty/cac:Party/cac:Contact/cbc:Name/text()"),
                          one("/o:Order/cac:BuyerCustomerParty/cac:Party/cac:Contact/cbc:ElectronicMail/text()")),
        "seller": party("SellerSupplierParty"),
        "ship_to": root.xpath("/o:Order/cac:Delivery/cac:DeliveryLocation/cac:Address/cac:AddressLine/cbc:Line/text()", namespaces=NS),
        "ship_to_city": root.xpath("/o:Order/cac:Delivery/cac:DeliveryLocation/cac:Address/cbc:CityName/text()", namespaces=NS),
        "subtotal": one("/o:Order/cac:AnticipatedMonetaryTotal/cbc:LineExtensionAmount/text()"),
        "total": one("/o:Order/cac:AnticipatedMonetaryTotal/cbc:PayableAmount/text()"),
        "lines": [
            {
                "sku": item.xpath("cac:Item/cac:SellersItemIdentification/cbc:ID/text()", namespaces=NS)[0],
                "name": item.xpath("cac:Item/cbc:Name/text()", namespaces=NS)[0],
                "quantity": int(item.xpath("cbc:Quantity/text()", namespaces=NS)[0]),
                "unit_code": item.xpath("cbc:Quantity/@unitCode", namespaces=NS)[0],
                "unit_price": item.xpath("cac:Price/cbc:PriceAmount/text()", namespaces=NS)[0],
                "amount": item.xpath("cbc:LineExtensionAmount/text()", namespaces=NS)[0],
            }
            for item in root.xpath("/o:Order/cac:OrderLine/cac:LineItem", namespaces=NS)
        ],
    }


def test_order_xml_parses_back_field_by_field(order, settings):
    parsed = _parse(order_ubl(order))
    assert parsed["root"] == "Order"
    assert parsed["po_number"] == order.po_number
    assert parsed["issue_date"] == order.placed_at.date().isoformat()
    assert parsed["currency"] == order.currency
    assert parsed["customer_reference"] == "CC-4711"
    assert parsed["contract"] == [order.blanket_po_number]  # the Blanket PO as the contract reference
    assert parsed["buyer"] == {"name": order.business.name, "country": "US"}
    assert parsed["buyer_contact"] == (order.buyer.name, order.buyer.user.email)
    assert parsed["seller"] == {"name": settings.OPERATOR_NAME, "country": settings.OPERATOR_COUNTRY_CODE}
    assert parsed["ship_to"] == order.ship_to_lines and parsed["ship_to"]
    if order.shipping_address_id:
        assert parsed["ship_to_city"] == [order.shipping_address.city]
    assert (parsed["subtotal"], parsed["total"]) == (str(order.subtotal), str(order.total))
    assert parsed["lines"] == [
        {"sku": ln.sku, "name": ln.description, "quantity": ln.quantity, "unit_code": "C62",
         "unit_price": str(ln.unit_price), "amount": str(ln.amount)}
        for ln in order.lines.order_by("id")
    ]


def test_an_order_without_blanket_po_has_no_contract(order):
    type(order).objects.filter(pk=order.pk).update(blanket_po_number="")
    assert _parse(order_ubl(order))["contract"] == []


def test_download_from_the_order_page_and_the_api(client, order, buyer, group):
    client.force_login(buyer.user)
    url = reverse("orders:order_ubl", kwargs={"po_number": order.po_number})
    assert url in client.get(reverse("orders:order_detail", kwargs={"po_number": order.po_number})).content.decode()
    response = client.get(url)
    assert response.status_code == 200 and response["Content-Type"] == "application/xml"
    assert response["Content-Disposition"] == f'attachment; filename="order-{order.po_number}.xml"'
    assert _parse(response.content)["po_number"] == order.po_number
    api = api_client(buyer).get(reverse("api:order_ubl", args=[order.po_number]))
    assert api.status_code == 200 and _parse(api.content)["po_number"] == order.po_number
    # A buyer of another group of the same business: 403 on the page, 404 through the API.
    outsider = MemberFactory(business=group.business)
    GroupMembershipFactory(group=GroupFactory(business=group.business), member=outsider, role="buyer")
    client.force_login(outsider.user)
    assert client.get(url).status_code == 403
    assert api_client(outsider).get(reverse("api:order_ubl", args=[order.po_number])).status_code == 404
