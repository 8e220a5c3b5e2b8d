"""EN 16931 e-invoices: UBL 2.1 (Peppol BIS Billing 3.0 shape) and UN/CEFACT CII for Factur-X.

Invoices (type code 380) and credit notes (381) alike. Both syntaxes are built from one `EInvoice`
snapshot of the document, so they can never disagree with each other or with the HTML page: same lines,
same tax (rounded half-up once on the subtotal), same totals. A credit note is a UBL `CreditNote` (Peppol
BIS credit note) and a CII with TypeCode 381; its amounts are positive (what is credited) and it names
the invoice it corrects as the preceding invoice reference BT-25 (number and issue date). The PO number travels as BT-13 (purchase order reference) and the Blanket PO number as BT-12
(contract reference); the buyer reference BT-10 is the group's cost center, else the order's
information fields ("GL code 6100; Project code P-7", `buyer_reference`), else the group's name.

VAT category (BT-151 / BT-118). EN 16931 is a VAT model; our operator may sell from outside the EU:
- the invoice charges tax (rate > 0): category ``S`` (standard rate) at the invoice's rate; the seller
  then needs a VAT identifier or a tax registration identifier (BR-S-02), which the settings provide;
- no tax, and the seller has a VAT identifier: ``Z`` (zero rated goods);
- no tax and no seller VAT identifier (a seller outside any VAT system, the default demo operator):
  ``O`` (services outside scope of tax) with the exemption reason "Not subject to VAT". The rules for
  ``O`` (BR-O-02) forbid every VAT identifier on such an invoice, so neither the seller's nor the
  buyer's VAT identifier is written then.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

import pycountry
from django.conf import settings
from lxml import etree

from orders.models import CreditNote, Invoice, Order

CENT = Decimal("0.01")
UNIT_CODE = "C62"  # UN/ECE Recommendation 20: "one" (a piece)
NOT_SUBJECT_REASON = "Not subject to VAT"


class EInvoiceError(Exception):
    """The invoice cannot be expressed as a valid e-invoice (missing company data); says what to fix."""


@dataclass(frozen=True)
class Party:
    name: str
    lines: tuple[str, ...]
    city: str
    postal_code: str
    region: str
    country_code: str
    vat_id: str = ""
    legal_id: str = ""
    tax_registration_id: str = ""
    endpoint_id: str = ""
    endpoint_scheme: str = ""


@dataclass(frozen=True)
class Line:
    n: int
    sku: str
    name: str
    quantity: int
    unit_price: Decimal
    amount: Decimal


INVOICE, CREDIT_NOTE = "380", "381"  # UNTDID 1001 document type codes (BT-3)


@dataclass(frozen=True)
class EInvoice:
    type_code: str  # INVOICE or CREDIT_NOTE
    number: str
    issued_on: datetime.date
    due_on: datetime.date | None
    currency: str
    po_number: str
    blanket_po_number: str
    buyer_reference: str
    seller: Party
    buyer: Party
    delivered_on: datetime.date | None
    payment_terms: str
    lines: tuple[Line, ...]
    subtotal: Decimal
    tax_rate: Decimal
    tax: Decimal
    total: Decimal
    paid: Decimal
    category: str  # S, Z or O
    preceding_number: str = ""  # BT-25: the invoice a credit note corrects
    preceding_issued_on: datetime.date | None = None  # BT-26

    @property
    def is_credit_note(self) -> bool:
        return self.type_code == CREDIT_NOTE

    @property
    def due(self) -> Decimal:
        return self.total - self.paid


def country_code(value: str) -> str:
    """ISO 3166-1 alpha-2 for a country name or code as people type it ("United States", "DE")."""
    try:
        return pycountry.countries.lookup((value or "").strip()).alpha_2
    except LookupError:
        raise EInvoiceError(f"“{value}” is not a country we recognise; enter its name or two-letter ISO code.") from None


def _operator() -> Party:
    lines = list(settings.OPERATOR_ADDRESS)
    return Party(
        name=settings.OPERATOR_NAME,
        lines=tuple(lines[:1]),
        city=settings.OPERATOR_CITY,
        postal_code=settings.OPERATOR_POSTAL_CODE,
        region=settings.OPERATOR_REGION,
        country_code=settings.OPERATOR_COUNTRY_CODE,
        vat_id=settings.OPERATOR_VAT_ID,
        legal_id=settings.OPERATOR_LEGAL_ID,
        tax_registration_id=settings.OPERATOR_TAX_ID,
        endpoint_id=settings.OPERATOR_ENDPOINT_ID,
        endpoint_scheme=settings.OPERATOR_ENDPOINT_SCHEME,
    )


def _business_party(business) -> Party:
    return Party(
        name=business.name,
        lines=tuple(x for x in (business.address_line1, business.address_line2) if x),
        city=business.city,
        postal_code=business.postal_code,
        region=business.region,
        country_code=country_code(business.country),
        vat_id=business.vat_id,
        legal_id=business.legal_id,
        endpoint_id=business.endpoint_id,
        endpoint_scheme=business.endpoint_scheme,
    )


def _category(tax_rate: Decimal, seller: Party) -> str:
    """The VAT category of every line (see the module docstring)."""
    if tax_rate > 0:
        if not (seller.vat_id or seller.tax_registration_id):
            raise EInvoiceError("The operator needs OPERATOR_VAT_ID or OPERATOR_TAX_ID to invoice tax (BR-S-02).")
        return "S"
    return "Z" if seller.vat_id else "O"


def _parties(business, category: str) -> tuple[Party, Party]:
    seller, buyer = _operator(), _business_party(business)
    if category == "O":  # BR-O-02: no VAT identifiers at all on an invoice outside the scope of VAT
        buyer = Party(**{**buyer.__dict__, "vat_id": ""})
    return seller, buyer


def _snapshot(document: Invoice | CreditNote, *, type_code: str, lines, **specific) -> EInvoice:
    """What invoices and credit notes share: parties, references, VAT category, amounts of `document`."""
    order = document.order
    category = _category(document.tax_rate, _operator())
    seller, buyer = _parties(document.business, category)
    return EInvoice(
        type_code=type_code,
        number=document.number,
        issued_on=document.issued_on,
        currency=document.currency,
        po_number=order.po_number,
        blanket_po_number=order.blanket_po_number or "",
        buyer_reference=buyer_reference(order),
        seller=seller,
        buyer=buyer,
        lines=tuple(
            Line(n=i, sku=ln.sku, name=ln.description, quantity=ln.quantity, unit_price=ln.unit_price, amount=ln.amount)
            for i, ln in enumerate(lines, start=1)
        ),
        subtotal=document.subtotal,
        tax_rate=document.tax_rate,
        tax=document.tax,
        total=document.total,
        category=category,
        **specific,
    )


def einvoice_from(invoice: Invoice) -> EInvoice:
    invoice = (
        Invoice.objects.select_related("business", "order", "order__group", "shipment")
        .prefetch_related("lines")
        .get(pk=invoice.pk)
    )
    return _snapshot(
        invoice, type_code=INVOICE, lines=invoice.lines.all(),
        due_on=invoice.due_on,
        delivered_on=invoice.shipment.ship_date if invoice.shipment_id else None,
        payment_terms=f"Net {(invoice.due_on - invoice.issued_on).days} days, due {invoice.due_on.isoformat()}",
        paid=Decimal("0.00") if invoice.is_void else invoice.amount_paid,
    )


def einvoice_from_credit_note(credit_note: CreditNote) -> EInvoice:
    """The credit note as on its HTML page: the credited lines, its own tax and total, nothing prepaid;
    no due date (BT-9): the payment terms (BT-20) say which invoice it is credited against."""
    credit_note = (
        CreditNote.objects.select_related("business", "order", "order__group", "invoice", "invoice__shipment")
        .prefetch_related("lines")
        .get(pk=credit_note.pk)
    )
    invoice = credit_note.invoice
    return _snapshot(
        credit_note, type_code=CREDIT_NOTE, lines=credit_note.lines.all(),
        due_on=None,
        delivered_on=invoice.shipment.ship_date if invoice.shipment_id else None,
        payment_terms=f"Credited against invoice {invoice.number} of {invoice.issued_on.isoformat()}",
        paid=Decimal("0.00"),
        preceding_number=invoice.number,
        preceding_issued_on=invoice.issued_on,
    )


#: BT-10 is free text; keep it to what a buyer's AP system shows in a column.
BUYER_REFERENCE_MAX = 200


def buyer_reference(order: Order) -> str:
    """BT-10: the group's cost center; without one, the order information values the buyer gave at
    checkout (what the buyer's AP routes by: GL code, project code); else the group's name."""
    if not order.group_id:
        return order.po_number
    if order.group.cost_center:
        return order.group.cost_center
    values = "; ".join(f"{v.name} {v.value}" for v in order.information)
    return values[:BUYER_REFERENCE_MAX].strip() or order.group.name


def _m(value: Decimal) -> str:
    return str(Decimal(value).quantize(CENT))


def _rate(value: Decimal) -> str:
    return format(Decimal(value).normalize(), "f")


# --- UBL 2.1 -------------------------------------------------------------------------------------

UBL_NS = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
UBL_CREDIT_NOTE_NS = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
CAC = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
CBC = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
PEPPOL_CUSTOMIZATION = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
PEPPOL_PROFILE = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"


class _Builder:
    def __init__(self, nsmap):
        self.nsmap = nsmap

    def sub(self, parent, tag, text=None, **attrs):
        prefix, name = tag.split(":")
        el = etree.SubElement(parent, f"{{{self.nsmap[prefix]}}}{name}", **attrs)
        if text is not None:
            el.text = str(text)
        return el


def _ubl_party(b: _Builder, parent, party: Party, *, category: str):
    p = b.sub(parent, "cac:Party")
    if party.endpoint_id:
        b.sub(p, "cbc:EndpointID", party.endpoint_id, schemeID=party.endpoint_scheme or "0088")
    b.sub(b.sub(p, "cac:PartyName"), "cbc:Name", party.name)
    addr = b.sub(p, "cac:PostalAddress")
    if party.lines:
        b.sub(addr, "cbc:StreetName", party.lines[0])
    if len(party.lines) > 1:
        b.sub(addr, "cbc:AdditionalStreetName", party.lines[1])
    b.sub(addr, "cbc:CityName", party.city)
    b.sub(addr, "cbc:PostalZone", party.postal_code)
    if party.region:
        b.sub(addr, "cbc:CountrySubentity", party.region)
    b.sub(b.sub(addr, "cac:Country"), "cbc:IdentificationCode", party.country_code)
    if party.vat_id and category != "O":
        scheme = b.sub(p, "cac:PartyTaxScheme")
        b.sub(scheme, "cbc:CompanyID", party.vat_id)
        b.sub(b.sub(scheme, "cac:TaxScheme"), "cbc:ID", "VAT")
    if party.tax_registration_id:
        scheme = b.sub(p, "cac:PartyTaxScheme")
        b.sub(scheme, "cbc:CompanyID", party.tax_registration_id)
        b.sub(b.sub(scheme, "cac:TaxScheme"), "cbc:ID", "TAX")
    legal = b.sub(p, "cac:PartyLegalEntity")
    b.sub(legal, "cbc:RegistrationName", party.name)
    if party.legal_id:
        b.sub(legal, "cbc:CompanyID", party.legal_id)
    return p


def _ubl_tax_category(b: _Builder, parent, tag: str, e: EInvoice):
    cat = b.sub(parent, tag)
    b.sub(cat, "cbc:ID", e.category)
    if e.category != "O":
        b.sub(cat, "cbc:Percent", _rate(e.tax_rate))
    if e.category == "O" and tag == "cac:TaxCategory":
        b.sub(cat, "cbc:TaxExemptionReason", NOT_SUBJECT_REASON)
    b.sub(b.sub(cat, "cac:TaxScheme"), "cbc:ID", "VAT")


def ubl_xml(e: EInvoice) -> bytes:
    """A UBL 2.1 Invoice, or CreditNote for a credit note (same elements, the credit note's names)."""
    credit = e.is_credit_note
    ns = UBL_CREDIT_NOTE_NS if credit else UBL_NS
    b = _Builder({"cac": CAC, "cbc": CBC})
    root = etree.Element(f"{{{ns}}}{'CreditNote' if credit else 'Invoice'}", nsmap={None: ns, "cac": CAC, "cbc": CBC})
    b.sub(root, "cbc:CustomizationID", PEPPOL_CUSTOMIZATION)
    b.sub(root, "cbc:ProfileID", PEPPOL_PROFILE)
    b.sub(root, "cbc:ID", e.number)
    b.sub(root, "cbc:IssueDate", e.issued_on.isoformat())
    if e.due_on and not credit:  # a CreditNote has no DueDate element (BT-9 would go in PaymentMeans)
        b.sub(root, "cbc:DueDate", e.due_on.isoformat())
    b.sub(root, "cbc:CreditNoteTypeCode" if credit else "cbc:InvoiceTypeCode", e.type_code)
    b.sub(root, "cbc:DocumentCurrencyCode", e.currency)
    b.sub(root, "cbc:BuyerReference", e.buyer_reference)
    b.sub(b.sub(root, "cac:OrderReference"), "cbc:ID", e.po_number)  # BT-13
    if e.preceding_number:  # BT-25 / BT-26
        ref = b.sub(b.sub(root, "cac:BillingReference"), "cac:InvoiceDocumentReference")
        b.sub(ref, "cbc:ID", e.preceding_number)
        if e.preceding_issued_on:
            b.sub(ref, "cbc:IssueDate", e.preceding_issued_on.isoformat())
    if e.blanket_po_number:
        b.sub(b.sub(root, "cac:ContractDocumentReference"), "cbc:ID", e.blanket_po_number)  # BT-12
    _ubl_party(b, b.sub(root, "cac:AccountingSupplierParty"), e.seller, category=e.category)
    _ubl_party(b, b.sub(root, "cac:AccountingCustomerParty"), e.buyer, category=e.category)
    if e.delivered_on:  # BT-72; the ship-to address stays on the HTML invoice (BG-15 is optional)
        b.sub(b.sub(root, "cac:Delivery"), "cbc:ActualDeliveryDate", e.delivered_on.isoformat())
    b.sub(b.sub(root, "cac:PaymentTerms"), "cbc:Note", e.payment_terms)
    tax_total = b.sub(root, "cac:TaxTotal")
    b.sub(tax_total, "cbc:TaxAmount", _m(e.tax), currencyID=e.currency)
    sub = b.sub(tax_total, "cac:TaxSubtotal")
    b.sub(sub, "cbc:TaxableAmount", _m(e.subtotal), currencyID=e.currency)
    b.sub(sub, "cbc:TaxAmount", _m(e.tax), currencyID=e.currency)
    _ubl_tax_category(b, sub, "cac:TaxCategory", e)
    totals = b.sub(root, "cac:LegalMonetaryTotal")
    b.sub(totals, "cbc:LineExtensionAmount", _m(e.subtotal), currencyID=e.currency)
    b.sub(totals, "cbc:TaxExclusiveAmount", _m(e.subtotal), currencyID=e.currency)
    b.sub(totals, "cbc:TaxInclusiveAmount", _m(e.total), currencyID=e.currency)
    if e.paid:
        b.sub(totals, "cbc:PrepaidAmount", _m(e.paid), currencyID=e.currency)
    b.sub(totals, "cbc:PayableAmount", _m(e.due), currencyID=e.currency)
    for line in e.lines:
        il = b.sub(root, "cac:CreditNoteLine" if credit else "cac:InvoiceLine")
        b.sub(il, "cbc:ID", line.n)
        b.sub(il, "cbc:CreditedQuantity" if credit else "cbc:InvoicedQuantity", line.quantity, unitCode=UNIT_CODE)
        b.sub(il, "cbc:LineExtensionAmount", _m(line.amount), currencyID=e.currency)
        item = b.sub(il, "cac:Item")
        b.sub(item, "cbc:Name", line.name)
        b.sub(b.sub(item, "cac:SellersItemIdentification"), "cbc:ID", line.sku)
        _ubl_tax_category(b, item, "cac:ClassifiedTaxCategory", e)
        b.sub(b.sub(il, "cac:Price"), "cbc:PriceAmount", _m(line.unit_price), currencyID=e.currency)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def invoice_ubl(invoice: Invoice) -> bytes:
    return ubl_xml(einvoice_from(invoice))


def credit_note_ubl(credit_note: CreditNote) -> bytes:
    return ubl_xml(einvoice_from_credit_note(credit_note))


# --- UN/CEFACT CII (Factur-X, EN 16931 profile) --------------------------------------------------

RSM = "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"
RAM = "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"
UDT = "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"
QDT = "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"
CII_GUIDELINE = "urn:cen.eu:en16931:2017"


def _cii_date(b: _Builder, parent, tag: str, day: datetime.date):
    b.sub(b.sub(parent, tag), "udt:DateTimeString", day.strftime("%Y%m%d"), format="102")


def _cii_party(b: _Builder, parent, tag: str, party: Party, *, category: str, with_tax_ids: bool = True):
    p = b.sub(parent, tag)
    b.sub(p, "ram:Name", party.name)
    if party.legal_id:
        b.sub(b.sub(p, "ram:SpecifiedLegalOrganization"), "ram:ID", party.legal_id)
    addr = b.sub(p, "ram:PostalTradeAddress")
    b.sub(addr, "ram:PostcodeCode", party.postal_code)
    if party.lines:
        b.sub(addr, "ram:LineOne", party.lines[0])
    if len(party.lines) > 1:
        b.sub(addr, "ram:LineTwo", party.lines[1])
    b.sub(addr, "ram:CityName", party.city)
    b.sub(addr, "ram:CountryID", party.country_code)
    if party.region:
        b.sub(addr, "ram:CountrySubDivisionName", party.region)
    if party.endpoint_id:
        b.sub(b.sub(p, "ram:URIUniversalCommunication"), "ram:URIID", party.endpoint_id,
              schemeID=party.endpoint_scheme or "0088")
    if with_tax_ids and party.vat_id and category != "O":
        b.sub(b.sub(p, "ram:SpecifiedTaxRegistration"), "ram:ID", party.vat_id, schemeID="VA")
    if with_tax_ids and party.tax_registration_id:
        b.sub(b.sub(p, "ram:SpecifiedTaxRegistration"), "ram:ID", party.tax_registration_id, schemeID="FC")
    return p


def cii_xml(e: EInvoice) -> bytes:
    """A UN/CEFACT CrossIndustryInvoice (EN 16931 profile): TypeCode 380 or 381."""
    b = _Builder({"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    root = etree.Element(f"{{{RSM}}}CrossIndustryInvoice", nsmap={"rsm": RSM, "ram": RAM, "udt": UDT, "qdt": QDT})
    ctx = b.sub(root, "rsm:ExchangedDocumentContext")
    b.sub(b.sub(ctx, "ram:GuidelineSpecifiedDocumentContextParameter"), "ram:ID", CII_GUIDELINE)
    doc = b.sub(root, "rsm:ExchangedDocument")
    b.sub(doc, "ram:ID", e.number)
    b.sub(doc, "ram:TypeCode", e.type_code)
    _cii_date(b, doc, "ram:IssueDateTime", e.issued_on)
    tx = b.sub(root, "rsm:SupplyChainTradeTransaction")
    for line in e.lines:
        item = b.sub(tx, "ram:IncludedSupplyChainTradeLineItem")
        b.sub(b.sub(item, "ram:AssociatedDocumentLineDocument"), "ram:LineID", line.n)
        product = b.sub(item, "ram:SpecifiedTradeProduct")
        b.sub(product, "ram:SellerAssignedID", line.sku)
        b.sub(product, "ram:Name", line.name)
        agreement = b.sub(item, "ram:SpecifiedLineTradeAgreement")
        b.sub(b.sub(agreement, "ram:NetPriceProductTradePrice"), "ram:ChargeAmount", _m(line.unit_price))
        b.sub(b.sub(item, "ram:SpecifiedLineTradeDelivery"), "ram:BilledQuantity", line.quantity, unitCode=UNIT_CODE)
        settlement = b.sub(item, "ram:SpecifiedLineTradeSettlement")
        tax = b.sub(settlement, "ram:ApplicableTradeTax")
        b.sub(tax, "ram:TypeCode", "VAT")
        b.sub(tax, "ram:CategoryCode", e.category)
        if e.category != "O":
            b.sub(tax, "ram:RateApplicablePercent", _rate(e.tax_rate))
        b.sub(b.sub(settlement, "ram:SpecifiedTradeSettlementLineMonetarySummation"), "ram:LineTotalAmount", _m(line.amount))
    agreement = b.sub(tx, "ram:ApplicableHeaderTradeAgreement")
    b.sub(agreement, "ram:BuyerReference", e.buyer_reference)
    _cii_party(b, agreement, "ram:SellerTradeParty", e.seller, category=e.category)
    _cii_party(b, agreement, "ram:BuyerTradeParty", e.buyer, category=e.category)
    b.sub(b.sub(agreement, "ram:BuyerOrderReferencedDocument"), "ram:IssuerAssignedID", e.po_number)  # BT-13
    if e.blanket_po_number:
        b.sub(b.sub(agreement, "ram:ContractReferencedDocument"), "ram:IssuerAssignedID", e.blanket_po_number)  # BT-12
    delivery = b.sub(tx, "ram:ApplicableHeaderTradeDelivery")
    if e.delivered_on:
        _cii_date(b, b.sub(delivery, "ram:ActualDeliverySupplyChainEvent"), "ram:OccurrenceDateTime", e.delivered_on)
    settlement = b.sub(tx, "ram:ApplicableHeaderTradeSettlement")
    b.sub(settlement, "ram:InvoiceCurrencyCode", e.currency)
    tax = b.sub(settlement, "ram:ApplicableTradeTax")
    b.sub(tax, "ram:CalculatedAmount", _m(e.tax))
    b.sub(tax, "ram:TypeCode", "VAT")
    if e.category == "O":
        b.sub(tax, "ram:ExemptionReason", NOT_SUBJECT_REASON)
    b.sub(tax, "ram:BasisAmount", _m(e.subtotal))
    b.sub(tax, "ram:CategoryCode", e.category)
    if e.category != "O":
        b.sub(tax, "ram:RateApplicablePercent", _rate(e.tax_rate))
    terms = b.sub(settlement, "ram:SpecifiedTradePaymentTerms")
    b.sub(terms, "ram:Description", e.payment_terms)
    if e.due_on:
        _cii_date(b, terms, "ram:DueDateDateTime", e.due_on)
    sums = b.sub(settlement, "ram:SpecifiedTradeSettlementHeaderMonetarySummation")
    b.sub(sums, "ram:LineTotalAmount", _m(e.subtotal))
    b.sub(sums, "ram:TaxBasisTotalAmount", _m(e.subtotal))
    b.sub(sums, "ram:TaxTotalAmount", _m(e.tax), currencyID=e.currency)
    b.sub(sums, "ram:GrandTotalAmount", _m(e.total))
    if e.paid:
        b.sub(sums, "ram:TotalPrepaidAmount", _m(e.paid))
    b.sub(sums, "ram:DuePayableAmount", _m(e.due))
    if e.preceding_number:  # BT-25 / BT-26
        ref = b.sub(settlement, "ram:InvoiceReferencedDocument")
        b.sub(ref, "ram:IssuerAssignedID", e.preceding_number)
        if e.preceding_issued_on:
            b.sub(b.sub(ref, "ram:FormattedIssueDateTime"), "qdt:DateTimeString",
                  e.preceding_issued_on.strftime("%Y%m%d"), format="102")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def invoice_cii(invoice: Invoice) -> bytes:
    return cii_xml(einvoice_from(invoice))


def credit_note_cii(credit_note: CreditNote) -> bytes:
    return cii_xml(einvoice_from_credit_note(credit_note))


def _facturx_pdf(*, xml: bytes, document, title: str, subject: str, request=None) -> bytes:
    """The document's PDF as PDF/A-3 with the CII XML embedded (Factur-X, EN 16931 profile), by `factur-x`."""
    from facturx import generate_from_binary

    from orders.documents.rendering import document_pdf

    pdf = document_pdf(document, request=request, pdf_variant="pdf/a-3b")
    return generate_from_binary(
        pdf, xml, flavor="factur-x", level="en16931", check_xsd=True, xmp_compression=False,
        pdf_metadata={"author": settings.OPERATOR_NAME, "title": title, "subject": subject, "keywords": "Factur-X"},
    )


def invoice_facturx_pdf(invoice: Invoice, *, request=None) -> bytes:
    from orders.documents.rendering import invoice_document

    return _facturx_pdf(
        xml=invoice_cii(invoice), document=invoice_document(invoice), request=request,
        title=f"Invoice {invoice.number}", subject=f"Invoice {invoice.number}, PO {invoice.order.po_number}",
    )


def credit_note_facturx_pdf(credit_note: CreditNote, *, request=None) -> bytes:
    from orders.documents.rendering import credit_note_document

    return _facturx_pdf(
        xml=credit_note_cii(credit_note), document=credit_note_document(credit_note), request=request,
        title=f"Credit note {credit_note.number}",
        subject=f"Credit note {credit_note.number}, invoice {credit_note.invoice.number}, PO {credit_note.order.po_number}",
    )
