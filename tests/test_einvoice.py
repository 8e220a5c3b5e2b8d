"""EN 16931 e-invoices (UBL 2.1 and Factur-X/CII), validated by the official CEN rules with SaxonC-HE.

Each `test_rule_*` names the business rule it guards: it shows the rule fires when the data that
satisfies it is taken away, and that our invoice satisfies it, so a regression names the rule.
"""

from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.urls import reverse

from orders.documents.einvoice import CAC, CBC, RAM, einvoice_from, invoice_cii, invoice_facturx_pdf, invoice_ubl
from orders.models import Invoice
from procurement.services import business_update
from tests.factories import BudgetFactory, GroupMembershipFactory, MemberFactory
from tests.support.einvoice import facturx_embedded_xml, fatal, fatal_rules, xpath
from tests.support.finance import make_invoice

pytestmark = pytest.mark.django_db

UBL = {"cac": CAC, "cbc": CBC}
CII = {"ram": RAM}


def _ubl(xml, path):
    return xpath(xml, path, UBL)


def _cii(xml, path):
    return xpath(xml, path, CII)




@pytest.fixture
def invoice(group):
    budget = BudgetFactory(group=group, po_number="BPO-ENG-7")
    return make_invoice(group=group, total="120.00", po_number="BPO-ENG-7-1", budget=budget, blanket_po_number=budget.po_number)


def test_every_demo_invoice_validates_in_both_syntaxes_with_the_po_number_in_bt13():
    call_command("seed_demo", stdout=open("/dev/null", "w"))  # noqa: SIM115
    invoices = list(Invoice.objects.select_related("order"))
    assert invoices, "the demo has invoices"
    for inv in invoices:
        ubl, cii = invoice_ubl(inv), invoice_cii(inv)
        assert fatal(ubl, syntax="UBL") == [], inv.number
        assert fatal(cii, syntax="CII") == [], inv.number
        assert _ubl(ubl, "/*/cac:OrderReference/cbc:ID/text()") == [inv.order.po_number]
        assert _cii(cii, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [inv.order.po_number]
        if inv.order.blanket_po_number:
            assert _ubl(ubl, "/*/cac:ContractDocumentReference/cbc:ID/text()") == [inv.order.blanket_po_number]
            assert _cii(cii, "//ram:ContractReferencedDocument/ram:IssuerAssignedID/text()") == [inv.order.blanket_po_number]


def test_lines_tax_and_totals_match_the_invoice(invoice):
    ubl = invoice_ubl(invoice)
    assert _ubl(ubl, "/*/cbc:ID/text()") == [invoice.number]
    assert _ubl(ubl, "/*/cbc:DueDate/text()") == [invoice.due_on.isoformat()]
    assert _ubl(ubl, "//cac:LegalMonetaryTotal/cbc:TaxInclusiveAmount/text()") == [str(invoice.total)]
    assert _ubl(ubl, "//cac:LegalMonetaryTotal/cbc:PayableAmount/text()") == [str(invoice.balance_due)]
    assert _ubl(ubl, "count(//cac:InvoiceLine)") == invoice.lines.count()
    assert _ubl(ubl, "/*/cbc:BuyerReference/text()") == [invoice.order.group.cost_center or invoice.order.group.name]
    cii = invoice_cii(invoice)
    assert _cii(cii, "//ram:SpecifiedTradeSettlementHeaderMonetarySummation/ram:GrandTotalAmount/text()") == [str(invoice.total)]


def test_rule_BR_CO_26_the_seller_is_identified(invoice, settings):
    assert "BR-CO-26" not in fatal_rules(invoice_ubl(invoice), syntax="UBL")
    settings.OPERATOR_LEGAL_ID = ""
    assert "BR-CO-26" in fatal_rules(invoice_ubl(invoice), syntax="UBL")
    assert "BR-CO-26" in fatal_rules(invoice_cii(invoice), syntax="CII")


def test_rule_BR_O_02_outside_vat_no_vat_identifiers_at_all(invoice):
    """A seller outside VAT with no tax: category O, and the buyer's VAT id is left out (BR-O-02)."""
    business = invoice.business
    business.vat_id = "DE136695976"
    business.save()
    assert einvoice_from(invoice).category == "O"
    ubl = invoice_ubl(invoice)
    assert _ubl(ubl, "//cac:ClassifiedTaxCategory/cbc:ID/text()") == ["O"] * invoice.lines.count()
    assert _ubl(ubl, "//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']") == []
    assert not {"BR-O-02", "BR-O-10", "BR-O-05"} & fatal_rules(ubl, syntax="UBL")
    assert fatal(invoice_cii(invoice), syntax="CII") == []


def test_rule_BR_S_taxed_invoice_is_standard_rated_and_rounds_once(group):
    inv = make_invoice(group=group, total="100.00")
    Invoice.objects.filter(pk=inv.pk).update(tax_rate=Decimal("8.250"), tax=Decimal("8.25"), total=Decimal("108.25"))
    inv.refresh_from_db()
    assert einvoice_from(inv).category == "S"
    ubl, cii = invoice_ubl(inv), invoice_cii(inv)
    assert _ubl(ubl, "//cac:TaxSubtotal/cac:TaxCategory/cbc:Percent/text()") == ["8.25"]
    assert fatal(ubl, syntax="UBL") == []  # BR-S-02 (seller tax id), BR-S-08/09 (rounded VAT), BR-CO-15
    assert fatal(cii, syntax="CII") == []


def test_rule_BR_Z_eu_seller_with_vat_and_no_tax_is_zero_rated(invoice, settings):
    settings.OPERATOR_VAT_ID = "DE136695976"
    settings.OPERATOR_COUNTRY_CODE = "DE"
    assert einvoice_from(invoice).category == "Z"
    ubl = invoice_ubl(invoice)
    assert _ubl(ubl, "//cac:AccountingSupplierParty//cac:PartyTaxScheme[cac:TaxScheme/cbc:ID='VAT']/cbc:CompanyID/text()") == ["DE136695976"]
    assert fatal(ubl, syntax="UBL") == []
    assert fatal(invoice_cii(invoice), syntax="CII") == []


def test_rule_BR_CO_16_partly_paid_invoice_owes_the_rest(invoice):
    Invoice.objects.filter(pk=invoice.pk).update(amount_paid=Decimal("20.00"), status="partly_paid")
    invoice.refresh_from_db()
    ubl = invoice_ubl(invoice)
    assert _ubl(ubl, "//cbc:PrepaidAmount/text()") == ["20.00"]
    assert _ubl(ubl, "//cbc:PayableAmount/text()") == ["100.00"]
    assert fatal(ubl, syntax="UBL") == [] and fatal(invoice_cii(invoice), syntax="CII") == []


def test_rule_BR_CO_25_payment_due_date_or_terms(invoice):
    """BR-CO-25 (an amount due needs a due date BT-9 or payment terms BT-20) is not among the vendored CEN
    artefacts' rules, so the documents themselves are checked for both, in each syntax."""
    ubl = invoice_ubl(invoice)
    assert _ubl(ubl, "/*/cbc:DueDate/text()") == [invoice.due_on.isoformat()]
    assert _ubl(ubl, "//cac:PaymentTerms/cbc:Note/text()")
    cii = invoice_cii(invoice)
    assert _cii(cii, "//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/*/text()") == [invoice.due_on.strftime("%Y%m%d")]
    assert _cii(cii, "//ram:SpecifiedTradePaymentTerms/ram:Description/text()")


def test_non_eu_buyer_without_vat_validates(invoice):
    business = invoice.business
    business.country = "Canada"
    business.vat_id = ""
    business.save()
    assert fatal(invoice_ubl(invoice), syntax="UBL") == []
    assert fatal(invoice_cii(invoice), syntax="CII") == []


def test_factur_x_pdf_embeds_the_cii_xml(invoice):
    xml = facturx_embedded_xml(invoice_facturx_pdf(invoice))
    assert _cii(xml, "//ram:BuyerOrderReferencedDocument/ram:IssuerAssignedID/text()") == [invoice.order.po_number]


def test_downloads_from_the_invoice_page_and_list(client, group, invoice):
    admin = MemberFactory(business=group.business, is_business_admin=True)
    client.force_login(admin.user)
    page = client.get(reverse("orders:invoice_detail", kwargs={"invoice_number": invoice.number})).content.decode()
    ubl_url = reverse("orders:invoice_ubl", kwargs={"invoice_number": invoice.number})
    fx_url = reverse("orders:invoice_facturx", kwargs={"invoice_number": invoice.number})
    assert ubl_url in page and fx_url in page
    listing = client.get(reverse("orders:invoice_list")).content.decode()
    assert ubl_url in listing and fx_url in listing
    response = client.get(ubl_url)
    assert response.status_code == 200 and response["Content-Type"].startswith("application/xml")
    assert fatal(response.content, syntax="UBL") == []
    response = client.get(fx_url)
    assert response.status_code == 200 and response["Content-Type"] == "application/pdf"


def test_a_buyer_of_another_group_cannot_download(client, group, invoice):
    outsider = MemberFactory(business=group.business)
    from tests.factories import GroupFactory

    GroupMembershipFactory(group=GroupFactory(business=group.business), member=outsider, role="buyer")
    client.force_login(outsider.user)
    assert client.get(reverse("orders:invoice_ubl", kwargs={"invoice_number": invoice.number})).status_code == 403


def test_company_identifiers_are_checked(business, admin_member):
    with pytest.raises(ValidationError) as exc:
        business_update(business=business, acting_user=admin_member.user, vat_id="DE123", country="Germany")
    assert "vat_id" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        business_update(business=business, acting_user=admin_member.user, endpoint_scheme="0088", endpoint_id="123")
    assert "endpoint_id" in exc.value.message_dict
    business_update(business=business, acting_user=admin_member.user, vat_id="de 136 695 976", country="Germany",
                    endpoint_scheme="0088", endpoint_id="5790000435975", legal_id="HRB 12345")
    business.refresh_from_db()
    assert (business.vat_id, business.endpoint_id) == ("DE136695976", "5790000435975")


def test_buyer_identifiers_travel_on_the_einvoice(invoice, settings):
    settings.OPERATOR_VAT_ID = "DE136695976"
    business = invoice.business
    business.vat_id, business.endpoint_scheme, business.endpoint_id, business.legal_id = (
        "FR40303265045", "0088", "5790000435975", "303265045")
    business.country = "France"
    business.save()
    ubl = invoice_ubl(invoice)
    party = "//cac:AccountingCustomerParty/cac:Party"
    assert _ubl(ubl, f"{party}/cbc:EndpointID/text()") == ["5790000435975"]
    assert _ubl(ubl, f"{party}/cac:PartyTaxScheme/cbc:CompanyID/text()") == ["FR40303265045"]
    assert _ubl(ubl, f"{party}/cac:PartyLegalEntity/cbc:CompanyID/text()") == ["303265045"]
    assert fatal(ubl, syntax="UBL") == [] and fatal(invoice_cii(invoice), syntax="CII") == []
