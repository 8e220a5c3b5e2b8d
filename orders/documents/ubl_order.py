"""Purchase orders out: each order as a UBL 2.1 Order (Peppol BIS Ordering 3.0 shape), written with lxml.

Why UBL Order and not Order-X: the supplier side of Peppol exchanges UBL orders, and our e-invoices are
already UBL (orders.documents.einvoice), so one syntax, one set of parties. What it carries: the PO number
as the order ID, the Blanket PO number as the contract reference (`cac:Contract`), the group's cost center
as the customer reference, the buyer (the business, with the ordering member as contact), the seller (the
operator), the ship-to address as it was snapshotted at checkout (one `cac:AddressLine` per printed line,
plus the structured fields when the order used a saved address), and the ordered lines and totals.
"""

from __future__ import annotations

from lxml import etree

from orders.documents.einvoice import (
    CAC,
    CBC,
    UNIT_CODE,
    EInvoiceError,
    _Builder,
    _business_party,
    _m,
    _operator,
    _ubl_party,
    country_code,
)
from orders.models import Order

UBL_ORDER_NS = "urn:oasis:names:specification:ubl:schema:xsd:Order-2"
PEPPOL_ORDER_CUSTOMIZATION = "urn:fdc:peppol.eu:poacc:trns:order:3"
PEPPOL_ORDER_PROFILE = "urn:fdc:peppol.eu:poacc:bis:ordering:3"


def order_ubl(order: Order) -> bytes:
    """The order as UBL 2.1 Order XML; raises EInvoiceError when the business's country is not recognised."""
    order = (
        Order.objects.select_related("business", "group", "buyer__user", "shipping_address")
        .prefetch_related("lines")
        .get(pk=order.pk)
    )
    b = _Builder({"cac": CAC, "cbc": CBC})
    root = etree.Element(f"{{{UBL_ORDER_NS}}}Order", nsmap={None: UBL_ORDER_NS, "cac": CAC, "cbc": CBC})
    b.sub(root, "cbc:CustomizationID", PEPPOL_ORDER_CUSTOMIZATION)
    b.sub(root, "cbc:ProfileID", PEPPOL_ORDER_PROFILE)
    b.sub(root, "cbc:ID", order.po_number)
    b.sub(root, "cbc:IssueDate", order.placed_at.date().isoformat())
    b.sub(root, "cbc:IssueTime", order.placed_at.strftime("%H:%M:%S"))
    b.sub(root, "cbc:DocumentCurrencyCode", order.currency)
    b.sub(root, "cbc:CustomerReference", order.group.cost_center or order.group.name)
    if order.blanket_po_number:
        b.sub(b.sub(root, "cac:Contract"), "cbc:ID", order.blanket_po_number)
    buyer = _ubl_party(b, b.sub(root, "cac:BuyerCustomerParty"), _business_party(order.business), category="")
    contact = b.sub(buyer, "cac:Contact")
    b.sub(contact, "cbc:Name", order.buyer.name)
    b.sub(contact, "cbc:ElectronicMail", order.buyer.user.email)
    _ubl_party(b, b.sub(root, "cac:SellerSupplierParty"), _operator(), category="")
    _delivery(b, root, order)
    totals = b.sub(root, "cac:AnticipatedMonetaryTotal")
    b.sub(totals, "cbc:LineExtensionAmount", _m(order.subtotal), currencyID=order.currency)
    b.sub(totals, "cbc:PayableAmount", _m(order.total), currencyID=order.currency)
    for n, line in enumerate(order.lines.all(), start=1):
        item_line = b.sub(b.sub(root, "cac:OrderLine"), "cac:LineItem")
        b.sub(item_line, "cbc:ID", n)
        b.sub(item_line, "cbc:Quantity", line.quantity, unitCode=UNIT_CODE)
        b.sub(item_line, "cbc:LineExtensionAmount", _m(line.amount), currencyID=order.currency)
        b.sub(b.sub(item_line, "cac:Price"), "cbc:PriceAmount", _m(line.unit_price), currencyID=order.currency)
        item = b.sub(item_line, "cac:Item")
        b.sub(item, "cbc:Name", line.description)
        b.sub(b.sub(item, "cac:SellersItemIdentification"), "cbc:ID", line.sku)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _delivery(b: _Builder, root, order: Order) -> None:
    """Ship-to: the checkout snapshot line by line; the structured fields too when a saved address was used."""
    address = b.sub(b.sub(b.sub(root, "cac:Delivery"), "cac:DeliveryLocation"), "cac:Address")
    saved = order.shipping_address
    if saved is not None:
        b.sub(address, "cbc:StreetName", saved.line1)
        if saved.line2:
            b.sub(address, "cbc:AdditionalStreetName", saved.line2)
        b.sub(address, "cbc:CityName", saved.city)
        b.sub(address, "cbc:PostalZone", saved.postal_code)
        if saved.region:
            b.sub(address, "cbc:CountrySubentity", saved.region)
    for text in order.ship_to_lines:
        b.sub(b.sub(address, "cac:AddressLine"), "cbc:Line", text)
    if saved is not None:
        try:
            b.sub(b.sub(address, "cac:Country"), "cbc:IdentificationCode", country_code(saved.country))
        except EInvoiceError:
            pass  # the printed lines above still carry the country as typed
