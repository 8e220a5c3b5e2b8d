"""Credit notes as EN 16931 e-invoices: a UBL 2.1 CreditNote (Peppol BIS Billing 3.0) and a Factur-X
PDF/A-3 whose CII says TypeCode 381, validated by the official CEN rules (tests/support/einvoice.py).

Each `test_rule_*` names the business rule it guards, so a regression names the rule."""

from decimal import Decimal

import pytest
from django.core.management import call_command
from django.urls import reverse
from lxml import etree

from orders.documents.einvoice import (
    CAC, CBC, QDT, RAM, RSM, UBL_CREDIT_NOTE_NS, credit_note_cii, credit_note_facturx_pdf, credit_note_ubl,
    einvoice_from_credit_note,
)
from orders.models import CreditNote
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.api import api_client
from tests.support.einvoice import facturx_embedded_xml, fatal, fatal_rules, xpath
from tests.support.finance import finance_member
from tests.support.isolation.returns import returned_order

pytestmark = pytest.mark.django_db

UBL = {"cac": CAC, "cbc": CBC, "cn": UBL_CREDIT_NOTE_NS}
CII = {"ram": RAM, "qdt": QDT, "rsm": RSM}


def _ubl(xml, path):
    return xpath(xml, path, UBL)


def _cii(xml, path):
    return xpath(xml, path, CII)




def _drop(xml: bytes, path: str, namespaces) -> bytes:
    """The document with the elements at `path` taken away (to show a rule fires without them)."""
    tree = etree.fromstring(xml)
    for el in tree.xpath(path, namespaces=namespaces):
        el.getparent().remove(el)
    return etree.tostring(tree)


@pytest.fixture
def credit_note(business):
    _, credit_note = returned_order(business)
    return credit_note


def test_every_demo_credit_note_validates_in_both_syntaxes():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    credit_notes = list(CreditNote.objects.select_related("order", "invoice"))
    assert credit_notes, "the demo has credit notes"
    for cn in credit_notes:
        ubl, cii = credit_note_ubl(cn), credit_note_cii(cn)
        assert fatal(ubl, syntax="UBL") == [], cn.number
        assert fatal(cii, syntax="CII") == [], cn.number
        assert _ubl(ubl, "/cn:CreditNote/cbc:CreditNoteTypeCode/text()") == ["381"]
        assert _cii(cii, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
        assert _ubl(ubl, "/*/cac:OrderReference/cbc:ID/text()") == [cn.order.po_number]
        assert _ubl(ubl, "//cac:BillingReference/cac:InvoiceDocumentReference/cbc:ID/text()") == [cn.invoice.number]
        assert _cii(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [cn.invoice.number]


def test_credit_note_carries_references_lines_tax_and_totals_as_on_the_page(credit_note):
    cn, order, invoice = credit_note, credit_note.order, credit_note.invoice
    ubl = credit_note_ubl(cn)
    assert _ubl(ubl, "/*/cbc:ID/text()") == [cn.number]
    assert _ubl(ubl, "/*/cbc:IssueDate/text()") == [cn.issued_on.isoformat()]
    assert _ubl(ubl, "/*/cac:OrderReference/cbc:ID/text()") == [order.po_number]  # BT-13
    assert _ubl(ubl, "/*/cbc:BuyerReference/text()") == [order.group.cost_center or order.group.name]  # BT-10
    ref = "//cac:BillingReference/cac:InvoiceDocumentReference"
    assert _ubl(ubl, f"{ref}/cbc:ID/text()") == [invoice.number]  # BT-25
    assert _ubl(ubl, f"{ref}/cbc:IssueDate/text()") == [invoice.issued_on.isoformat()]  # BT-26
    lines = list(cn.lines.all())
    assert _ubl(ubl, "//cac:CreditNoteLine/cbc:CreditedQuantity/text()") == [str(ln.quantity) for ln in lines]
    assert _ubl(ubl, "//cac:CreditNoteLine/cac:Item/cac:SellersItemIdentification/cbc:ID/text()") == [ln.sku for ln in lines]
    assert _ubl(ubl, "//cac:CreditNoteLine/cbc:LineExtensionAmount/text()") == [str(ln.amount) for ln in lines]
    assert _ubl(ubl, "/*/cac:TaxTotal/cbc:TaxAmount/text()") == [str(cn.tax)]
    assert _ubl(ubl, "//cac:LegalMonetaryTotal/cbc:TaxExclusiveAmount/text()") == [str(cn.subtotal)]
    assert _ubl(ubl, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()") == [str(cn.total)]
    assert _ubl(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [str(cn.total)]
    assert _ubl(ubl, "//cbc:PrepaidAmount") == [] and _ubl(ubl, "//cbc:DueDate") == []
    cii = credit_note_cii(cn)
    assert _cii(cii, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [order.po_number]
    assert _cii(cii, "//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString/text()") == [
        invoice.issued_on.strftime("%Y%m%d")]
    assert _cii(cii, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount/text()") == [str(cn.total)]
    assert _cii(cii, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:DuePayableAmount/text()") == [str(cn.total)]
    assert _cii(cii, "//ram:IncludedSupplyChainTradeLineItem/ram:SpecifiedLineTradeDelivery/ram:BilledQuantity/text()") == [
        str(ln.quantity) for ln in lines]


def test_blanket_po_travels_as_bt12(credit_note):
    from orders.models import Order

    Order.objects.filter(pk=credit_note.order_id).update(blanket_po_number="BPO-ENG-7")
    ubl, cii = credit_note_ubl(credit_note), credit_note_cii(credit_note)
    assert _ubl(ubl, "/*/cac:ContractDocumentReference/cbc:ID/text()") == ["BPO-ENG-7"]
    assert _cii(cii, "//ram:ContractReferencedDocument/ram:IssuerAssignedID/text()") == ["BPO-ENG-7"]
    assert fatal(ubl, syntax="UBL") == [] and fatal(cii, syntax="CII") == []


def test_rule_BR_55_preceding_invoice_reference_has_its_number(credit_note):
    """BR-55: each Preceding Invoice reference (BG-3) shall contain a Preceding Invoice reference (BT-25)."""
    ubl, cii = credit_note_ubl(credit_note), credit_note_cii(credit_note)
    assert "BR-55" not in fatal_rules(ubl, syntax="UBL") and "BR-55" not in fatal_rules(cii, syntax="CII")
    assert "BR-55" in fatal_rules(_drop(ubl, "//cac:InvoiceDocumentReference/cbc:ID", UBL), syntax="UBL")
    assert "BR-55" in fatal_rules(_drop(cii, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID", CII), syntax="CII")


def test_rule_BR_04_and_BR_CL_01_credit_note_type_code_381(credit_note):
    """BR-04: a type code (BT-3) is present; BR-CL-01: it is one of UNTDID 1001's invoice/credit note codes."""
    ubl, cii = credit_note_ubl(credit_note), credit_note_cii(credit_note)
    assert not {"BR-04", "BR-CL-01"} & (fatal_rules(ubl, syntax="UBL") | fatal_rules(cii, syntax="CII"))
    assert "BR-04" in fatal_rules(_drop(ubl, "/cn:CreditNote/cbc:CreditNoteTypeCode", UBL), syntax="UBL")
    assert "BR-CL-01" in fatal_rules(ubl.replace(b">381<", b">999<"), syntax="UBL")
    assert "BR-CL-01" in fatal_rules(cii.replace(b">381<", b">999<"), syntax="CII")


def test_rule_BR_16_credit_note_has_its_credited_lines(credit_note):
    """BR-16: at least one line (BG-25): the credited return line."""
    ubl = credit_note_ubl(credit_note)
    assert "BR-16" not in fatal_rules(ubl, syntax="UBL")
    assert "BR-16" in fatal_rules(_drop(ubl, "//cac:CreditNoteLine", UBL), syntax="UBL")


def test_rule_BR_CO_15_taxed_credit_note_totals(business):
    """BR-CO-15 (total with VAT = without VAT + VAT) and BR-S-08/09 on a credit note that carries tax."""
    _, cn = returned_order(business)
    CreditNote.objects.filter(pk=cn.pk).update(tax_rate=Decimal("8.250"), tax=Decimal("0.83"), total=cn.subtotal + Decimal("0.83"))
    cn.refresh_from_db()
    assert einvoice_from_credit_note(cn).category == "S"
    ubl, cii = credit_note_ubl(cn), credit_note_cii(cn)
    assert _ubl(ubl, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()") == ["8.25"]
    assert fatal(ubl, syntax="UBL") == [] and fatal(cii, syntax="CII") == []
    broken = ubl.replace(f">{cn.total}<".encode(), f">{cn.total + 1}<".encode())
    assert "BR-CO-15" in fatal_rules(broken, syntax="UBL")


def test_rule_BR_O_02_outside_vat_credit_note_has_no_vat_identifiers(credit_note):
    business = credit_note.business
    business.vat_id = "DE136695976"
    business.save()
    assert einvoice_from_credit_note(credit_note).category == "O"
    ubl = credit_note_ubl(credit_note)
    assert _ubl(ubl, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") == []
    assert fatal(ubl, syntax="UBL") == [] and fatal(credit_note_cii(credit_note), syntax="CII") == []


def test_factur_x_credit_note_is_pdf_a3_with_the_cii_embedded(credit_note):
    xml = facturx_embedded_xml(credit_note_facturx_pdf(credit_note))
    assert _cii(xml, "//rsm:ExchangedDocument/ram:TypeCode/text()") == ["381"]
    assert _cii(xml, "//ram:InvoiceReferencedDocument/ram:IssuerAssignedID/text()") == [credit_note.invoice.number]


def test_downloads_from_the_credit_note_page_and_the_invoices_list(client, credit_note, admin_member):
    client.force_login(admin_member.user)
    kwargs = {"credit_note_number": credit_note.number}
    ubl_url, fx_url = reverse("orders:credit_note_ubl", kwargs=kwargs), reverse("orders:credit_note_facturx", kwargs=kwargs)
    page = client.get(reverse("orders:credit_note_detail", kwargs=kwargs)).content.decode()
    assert ubl_url in page and fx_url in page
    listing = client.get(reverse("orders:invoice_list")).content.decode()
    assert ubl_url in listing and fx_url in listing
    response = client.get(ubl_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert response["Content-Disposition"] == (
        f'attachment; filename="credit-note-{credit_note.number}-{credit_note.order.po_number}.xml"')
    assert fatal(response.content, syntax="UBL") == []
    response = client.get(fx_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].endswith('-facturx.pdf"')


def test_a_member_of_another_group_cannot_download(client, credit_note):
    outsider = MemberFactory(business=credit_note.business)
    GroupMembershipFactory(group=GroupFactory(business=credit_note.business), member=outsider, role="buyer")
    client.force_login(outsider.user)
    kwargs = {"credit_note_number": credit_note.number}
    assert client.get(reverse("orders:credit_note_ubl", kwargs=kwargs)).status_code == 403
    assert client.get(reverse("orders:credit_note_facturx", kwargs=kwargs)).status_code == 403


def test_missing_company_data_redirects_with_the_reason(client, credit_note, admin_member, settings):
    """A taxed credit note from an operator with no tax id cannot be an e-invoice: say so, no 500."""
    CreditNote.objects.filter(pk=credit_note.pk).update(tax_rate=Decimal("8.250"))
    settings.OPERATOR_VAT_ID = settings.OPERATOR_TAX_ID = ""
    client.force_login(admin_member.user)
    kwargs = {"credit_note_number": credit_note.number}
    response = client.get(reverse("orders:credit_note_ubl", kwargs=kwargs), follow=True)
    assert response.redirect_chain[0][0] == reverse("orders:credit_note_detail", kwargs=kwargs)
    assert "BR-S-02" in response.content.decode()


def test_api_lists_credit_notes_on_the_invoice_and_downloads_them(credit_note, other_business):
    finance = api_client(finance_member(credit_note.order.group))
    detail = finance.get(reverse("api:invoice_detail", args=[credit_note.invoice.number])).json()
    [row] = detail["credit_notes"]
    assert (row["number"], row["total"]) == (credit_note.number, str(credit_note.total))
    ubl = finance.get(row["downloads"]["ubl"])
    assert ubl.status_code == 200 and ubl["Content-Type"] == "application/xml"
    assert fatal(ubl.content, syntax="UBL") == []
    fx = finance.get(row["downloads"]["facturx"])
    assert fx.status_code == 200 and fx["Content-Type"] == "application/pdf"
    # Another business's finance member: 404, never the document.
    stranger = api_client(finance_member(GroupFactory(business=other_business), email="finance-other@example.com"))
    assert stranger.get(row["downloads"]["ubl"]).status_code == 404
