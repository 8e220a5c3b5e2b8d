"""Bank statements in CAMT.053, MT940 and OFX: detected from the content, parsed into the CSV pipeline.

The fixtures under tests/fixtures/bank/ are shaped the way real banks write their files (fictional
accounts and names): CAMT.053 from a Sparkasse (001.02, a batch credit), ING Netherlands (001.02,
structured creditor reference), a Swiss bank (001.04, QR reference, DtTm, a pending entry) and a 001.08
file with two accounts; MT940 from Deutsche Bank (German ?20-?29 :86:), ING (SWIFT envelopes, /EREF/
/REMI/ :86:) and Rabobank (:940: header, zero-padded amounts, RD reversal); OFX 1.02 SGML (two
accounts, a correction) and OFX 2.2 XML. Each pays INV-2026-000045 (by invoice number) and one
invoice of PO-2026-000200 (by PO number), and lists a debit that is not a payment.
"""

import datetime
import re
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.finance import bank_formats
from orders.finance.statements import StatementError, statement_import, statement_parse, statement_preview
from orders.models import Invoice, MonthClose, Payment, PaymentAllocation, StatementImport
from tests.support.api import api_client
from tests.support.finance import finance_member, make_invoice

D = Decimal
FIXTURES = Path(__file__).parent / "fixtures" / "bank"
INV, PO_INV = "INV-2026-000045", "INV-2026-000051"

# file -> (format, [(amount, status, first invoice paid or None)], the amount to spoil in the bad copy)
BANKS = {
    "camt053_sparkasse_001_02.xml": ("camt053", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("1249.99", "not_booked", None),
        ("19.99", "unmatched", None), ("27.21", "not_booked", None),
    ], ">60.00<"),
    "camt053_ing_nl_001_02.xml": ("camt053", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("42.55", "not_booked", None),
    ], ">60.00<"),
    "camt053_swiss_001_04.xml": ("camt053", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("30.00", "not_booked", None),
        ("80.00", "not_booked", None),
    ], ">60.00<"),
    "camt053_001_08_two_accounts.xml": ("camt053", [
        ("250.00", "matched", INV), ("15.80", "not_booked", None), ("60.00", "matched", PO_INV),
        ("99.00", "not_booked", None),
    ], ">60.00<"),
    "mt940_deutsche_bank.sta": ("mt940", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("1249.99", "not_booked", None),
        ("19.99", "unmatched", None), ("27.21", "not_booked", None),
    ], "CR60,00N"),
    "mt940_ing_nl.940": ("mt940", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("42.55", "not_booked", None),
        ("19.99", "unmatched", None),
    ], "C60,00N"),
    "mt940_rabobank.swi": ("mt940", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("19.95", "not_booked", None),
        ("12.50", "not_booked", None),
    ], "C000000000060,00"),
    "ofx102_chase_style.qfx": ("ofx", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("1249.99", "not_booked", None),
        ("27.21", "not_booked", None), ("19.99", "unmatched", None),
    ], "<TRNAMT>60.00"),
    "ofx220_bofa_style.ofx": ("ofx", [
        ("250.00", "matched", INV), ("60.00", "matched", PO_INV), ("87.13", "not_booked", None),
        ("19.99", "unmatched", None),
    ], "<TRNAMT>60.00"),
}


def _read(name: str) -> str:
    return (FIXTURES / name).read_bytes().decode("utf-8")


def _spoil(text: str, marker: str) -> str:
    """The same file with the 60.00 payment's amount mistyped (a letter O for a zero)."""
    assert marker in text
    return text.replace(marker, marker.replace("60", "6O"), 1)


@pytest.fixture
def book(business, group):
    """The invoices every statement pays: one by invoice number, one by PO number (two invoices on it)."""
    a = make_invoice(group=group, po_number="PO-2026-000123", number=INV, total="250.00")
    b1 = make_invoice(group=group, po_number="PO-2026-000200", number="INV-2026-000050", total="40.00",
                      issued_on=datetime.date(2026, 3, 1))
    b2 = make_invoice(order=b1.order, number=PO_INV, total="60.00", issued_on=datetime.date(2026, 3, 2))
    return dict(a=a, b1=b1, b2=b2)


def _saved():
    return (Payment.objects.count(), PaymentAllocation.objects.count(), StatementImport.objects.count())


@pytest.mark.parametrize("name", sorted(BANKS))
def test_each_bank_file_is_detected_previewed_imported_matched_and_reimported_as_nothing(name, business, book, admin_member):
    fmt, expected, _ = BANKS[name]
    text = _read(name)
    assert bank_formats.statement_format(text) == fmt

    rows = statement_preview(business=business, text=text, mapping={})
    got = [(str(r.amount), r.status, r.targets[0].number if r.targets else None) for r in rows]
    assert got == [tuple(e) for e in expected]
    assert all(r.line > 0 and r.fingerprint for r in rows)
    assert all(r.note for r in rows if r.status == "not_booked")
    assert len({r.fingerprint for r in rows}) == len(rows)
    assert _saved() == (0, 0, 0)

    booked = sum(1 for e in expected if e[1] != "not_booked")
    result = statement_import(business=business, text=text, mapping={}, filename=name, member=admin_member,
                              acting_user=admin_member.user)
    assert (result.matched, result.to_resolve, result.not_booked) == (2, booked - 2, len(expected) - booked)
    assert Payment.objects.filter(business=business).count() == booked
    assert not Payment.objects.filter(amount__in=[D(e[0]) for e in expected if e[1] == "not_booked"]).exists()
    for key in ("a", "b2"):
        book[key].refresh_from_db()
        assert book[key].status == Invoice.Status.PAID
    book["b1"].refresh_from_db()
    assert book["b1"].status == Invoice.Status.OPEN
    paid = Payment.objects.get(amount=D("250.00"))
    assert paid.invoice_number == INV and paid.method == "Bank" and paid.statement_import.filename == name

    counts = _saved()
    again = statement_import(business=business, text=text, mapping={}, filename=name, member=admin_member,
                             acting_user=admin_member.user)
    assert again.statement_import is None and again.duplicates == booked
    assert _saved() == counts
    statuses = {r.status for r in statement_preview(business=business, text=text, mapping={})}
    assert statuses <= {"duplicate", "not_booked"}


@pytest.mark.parametrize("name", sorted(BANKS))
def test_a_mistyped_amount_refuses_the_file_by_line_and_saves_nothing(name, business, book, admin_member):
    _, _, marker = BANKS[name]
    text = _spoil(_read(name), marker)
    with pytest.raises(StatementError) as caught:
        statement_import(business=business, text=text, mapping={}, filename=name, member=admin_member,
                         acting_user=admin_member.user)
    assert len(caught.value.errors) == 1
    message = caught.value.errors[0]
    line = 1 + text[: text.index(marker.replace("60", "6O"))].count("\n")
    assert message.startswith(f"Line {line} (statement ")
    assert "6O" in message
    assert _saved() == (0, 0, 0)
    business.refresh_from_db()
    assert business.statement_csv_mapping == {}


@pytest.mark.parametrize("name", [n for n in sorted(BANKS) if not n.startswith("mt940")])
def test_a_cut_off_xml_or_ofx_file_is_refused_and_saves_nothing(name, business, book, admin_member):
    text = _read(name)
    cut = text[: len(text) * 2 // 3]
    with pytest.raises(StatementError) as caught:
        statement_import(business=business, text=cut, mapping={}, filename=name, member=admin_member, acting_user=None)
    assert re.search(r"malformed|cut off", caught.value.errors[0])
    assert _saved() == (0, 0, 0)


@pytest.mark.parametrize("name", [n for n in sorted(BANKS) if n.startswith("mt940")])
def test_an_mt940_file_cut_inside_a_statement_line_is_refused(name, business, admin_member):
    text = _read(name)
    second = [m.start() for m in re.finditer(r"(?m)^:61:", text)][1]
    cut = text[: second + 10]
    with pytest.raises(StatementError) as caught:
        statement_import(business=business, text=cut, mapping={}, filename=name, member=admin_member, acting_user=None)
    assert "entry 2" in caught.value.errors[0] and "statement line" in caught.value.errors[0]
    assert _saved() == (0, 0, 0)


# --- References each format names itself ----------------------------------------------------------


def test_camt_references_end_to_end_id_structured_and_unstructured_remittance(business):
    text = _read("camt053_swiss_001_04.xml")
    rows = statement_parse(business=business, text=text, mapping={})
    assert rows[0].reference == "Acme Schweiz GmbH / 210000000003139471430009017 / Rechnung INV-2026-000045"
    assert rows[1].reference == "Bestellung po-2026-000200 / RF18PO2026000200 / ACME-CH-7781"  # Ustrd, CdtrRefInf/Ref, EndToEndId
    assert rows[0].received_on == datetime.date(2026, 3, 22)  # BookgDt/DtTm
    assert "PDNG" in rows[3].note
    ing = statement_parse(business=business, text=_read("camt053_ing_nl_001_02.xml"), mapping={})
    assert ing[0].reference == "Acme Benelux B.V. / INV2026000045"  # NOTPROVIDED dropped
    v08 = statement_parse(business=business, text=_read("camt053_001_08_two_accounts.xml"), mapping={})
    assert v08[0].reference == "ACME Deutschland AG / INV-2026-000045 / E2E-ACME-000045"  # Dbtr/Pty/Nm, RfrdDocInf/Nb
    assert v08[1].note.startswith("Reversal of a debit")


def test_camt_batch_credit_is_split_into_one_payment_per_transaction(business):
    rows = statement_parse(business=business, text=_read("camt053_sparkasse_001_02.xml"), mapping={})
    assert [(r.amount, r.line) for r in rows[:2]] == [(D("250.00"), 62), (D("60.00"), 75)]
    assert rows[4].note.startswith("Reversal: the bank took back an earlier credit")


def test_mt940_details_in_german_dutch_and_free_text_layouts(business):
    db = statement_parse(business=business, text=_read("mt940_deutsche_bank.sta"), mapping={})
    assert db[0].reference == "ACME Industriebedarf GmbH / Rechnung INV-2026-000045 vom 05.03.2026 / ACME-2026-03-0045"
    assert db[0].received_on == datetime.date(2026, 3, 20) and db[4].note.startswith("Reversal (RC)")
    ing = statement_parse(business=business, text=_read("mt940_ing_nl.940"), mapping={})
    assert ing[1].reference == "Acme Benelux B.V. / Aanbetaling / PO-2026-000200 / ACMEREF77"  # name, REMI, EREF, :61: ref
    rabo = statement_parse(business=business, text=_read("mt940_rabobank.swi"), mapping={})
    assert rabo[0].reference == "Acme Benelux B.V. / Betaling factuur INV 2026 000045 / ACME-77-0045"
    assert rabo[3].note.startswith("Reversal of a debit (RD")
    free = (":20:X\n:25:123\n:60F:C260301EUR0,00\n:61:260302C12,5NTRFNONREF\n:86:Payment for\nPO-2026-000123 thanks\n"
            ":62F:C260302EUR12,50\n")
    rows = statement_parse(business=business, text=free, mapping={})
    assert (rows[0].amount, rows[0].reference) == (D("12.50"), "Payment for PO-2026-000123 thanks")


def test_ofx_name_and_memo_and_corrections(business):
    rows = statement_parse(business=business, text=_read("ofx220_bofa_style.ofx"), mapping={})
    assert "REF INV 2026 000045 & PO 2026 000123" in rows[0].reference  # &amp; unescaped
    chase = statement_parse(business=business, text=_read("ofx102_chase_style.qfx"), mapping={})
    assert chase[1].reference == "ACME CORP ACH PMT / ACH acme po 2026 000200"
    assert chase[3].note.startswith("Correction (DELETE) of transaction 202603110")


def test_two_identical_entries_in_one_file_are_two_payments_and_stay_so(business, admin_member):
    line = ":61:2603050305C10,00NTRFNONREF\n:86:FEE REFUND\n"
    text = f":20:S1\n:25:DE00123\n:60F:C260304EUR0,00\n{line}{line}:62F:C260305EUR20,00\n"
    for _ in range(2):
        statement_import(business=business, text=text, mapping={}, filename="s.sta", member=admin_member, acting_user=None)
    assert Payment.objects.count() == 2


# --- Detection, hostile and out-of-bounds files ----------------------------------------------------


def test_file_names_do_not_matter_a_camt_named_csv_imports_through_the_page(client, business, group, book):
    member = finance_member(group)
    client.force_login(member.user)
    url = reverse("orders:statement_import")
    page = client.get(url).content.decode()
    assert "CAMT.053" in page and "MT940" in page and "OFX" in page and "CSV" in page
    upload = SimpleUploadedFile("march.csv", _read("camt053_sparkasse_001_02.xml").encode(), content_type="text/csv")
    response = client.post(url, {"file": upload, "date_column": "Date", "amount_column": "Amount",
                                 "reference_column": "Description", "date_format": "%Y-%m-%d", "action": "preview"})
    body = response.content.decode()
    assert response.status_code == 200 and "Confirm import" in body
    assert "2 debits or reversals (listed, not imported)" in body and "Not a payment" in body
    assert Payment.objects.count() == 0
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 302 and "month=2026-03" in response["Location"]
    assert Payment.objects.count() == 3 and Invoice.objects.get(number=INV).status == "paid"
    # And an MT940 named .xml, uploaded again: nothing new (its own fingerprints), a clear message.
    upload = SimpleUploadedFile("statement.xml", _read("mt940_deutsche_bank.sta").encode())
    client.post(url, {"file": upload, "date_column": "Date", "amount_column": "Amount",
                      "reference_column": "Description", "date_format": "%Y-%m-%d", "action": "preview"})
    response = client.post(url, {"action": "confirm"}, follow=True)
    assert Payment.objects.count() == 6  # other bank, other fingerprints: three more credits


def test_a_bad_bank_file_on_the_page_shows_its_lines_and_saves_nothing(client, business, group, book):
    member = finance_member(group)
    client.force_login(member.user)
    text = _spoil(_read("mt940_rabobank.swi"), "C000000000060,00")
    upload = SimpleUploadedFile("rabo.txt", text.encode())
    response = client.post(reverse("orders:statement_import"), {
        "file": upload, "date_column": "Date", "amount_column": "Amount", "reference_column": "Description",
        "date_format": "%Y-%m-%d", "action": "preview"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Line 11 (statement 1, entry 2): “260322C00000000006O,00N541EREF” is not an MT940 statement line" in page
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("text,message", [
    ("%PDF-1.7\n1 0 obj\n", "This file is a PDF document, not a bank statement."),
    ("PK\x03\x04\x14\x00", "This file is a ZIP archive (or an XLSX workbook), not a bank statement."),
    ('<?xml version="1.0"?>\n<Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.054.001.02"><BkToCstmrDbtCdtNtfctn/></Document>',
     "This is an ISO 20022 camt.054.001.02 message, not a camt.053 account statement."),
    ('<?xml version="1.0"?><Invoice xmlns="urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"/>',
     "This file is XML with the root element <Invoice>, not a bank statement."),
    ('<?xml version="1.0"?>\n<!DOCTYPE Document [<!ENTITY x SYSTEM "file:///etc/passwd">]>\n<Document><BkToCstmrStmt>&x;</BkToCstmrStmt></Document>',
     "The XML declares a document type (DOCTYPE); bank statements never do."),
    ('<?xml version="1.0"?><Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02"><BkToCstmrStmt><GrpHdr/></BkToCstmrStmt></Document>',
     "The camt.053 file holds no statement (Stmt)."),
    ("OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n<OFX></OFX>", "Line 1: the OFX header is malformed"),
    (":20:STARTUMS\n:25:123/456\n:61:2603200320CR250,00NMSCNONREF\n", "no opening balance (:60F:)"),
])
def test_unknown_and_malformed_files_get_a_clear_message_and_nothing_is_saved(business, admin_member, text, message):
    with pytest.raises(StatementError) as caught:
        statement_import(business=business, text=text, mapping={}, filename="x.csv", member=admin_member, acting_user=None)
    assert message in caught.value.errors[0]
    assert _saved() == (0, 0, 0)


def test_entities_are_never_expanded(business):
    """A billion-laughs CAMT without a DOCTYPE line at the top still never reaches an expanding parser."""
    text = ('<?xml version="1.0"?>\n<!-- statement -->\n<!DOCTYPE lol [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
            '<Document><BkToCstmrStmt><Stmt/></BkToCstmrStmt></Document>')
    with pytest.raises(StatementError, match="document type"):
        statement_parse(business=business, text=text, mapping={})


@pytest.mark.parametrize("name,old,new,message", [
    ("camt053_ing_nl_001_02.xml", '<Amt Ccy="EUR">60.00</Amt>', '<Amt Ccy="EUR">1000000000000.00</Amt>',
     "The amount 1000000000000.00 is too large: the most this field holds is 999,999,999,999.99."),
    ("camt053_ing_nl_001_02.xml", "<BookgDt><Dt>2026-03-21</Dt></BookgDt>\n<ValDt><Dt>2026-03-21</Dt></ValDt>\n<AcctSvcrRef>ING-20260321-0000002",
     "<BookgDt><Dt>3026-03-21</Dt></BookgDt>\n<ValDt><Dt>3026-03-21</Dt></ValDt>\n<AcctSvcrRef>ING-20260321-0000002",
     "the date 3026-03-21 is out of range (1900-01-01 to 2999-12-31)."),
    ("camt053_ing_nl_001_02.xml", '<Amt Ccy="EUR">60.00</Amt>', '<Amt Ccy="EUR">0.00</Amt>', "the amount is zero."),
    ("camt053_ing_nl_001_02.xml", "<CdtDbtInd>CRDT</CdtDbtInd>\n<Sts>BOOK</Sts>\n<BookgDt><Dt>2026-03-21</Dt></BookgDt>\n<ValDt><Dt>2026-03-21</Dt></ValDt>\n<AcctSvcrRef>ING-20260321-0000002",
     "<CdtDbtInd>CR</CdtDbtInd>\n<Sts>BOOK</Sts>\n<BookgDt><Dt>2026-03-21</Dt></BookgDt>\n<ValDt><Dt>2026-03-21</Dt></ValDt>\n<AcctSvcrRef>ING-20260321-0000002",
     "CdtDbtInd is “CR”, expected CRDT or DBIT."),
    ("mt940_rabobank.swi", "C000000000060,00", "C100000000000000", "is too large"),
    ("mt940_deutsche_bank.sta", ":61:2603200320CR60,00", ":61:2613200320CR60,00", "is not a date (YYMMDD)."),
    ("ofx220_bofa_style.ofx", "<TRNAMT>60.00", "<TRNAMT>1e15", "“1e15” is not an amount."),
    ("ofx220_bofa_style.ofx", "<TRNAMT>60.00", "<TRNAMT>2000000000000.00", "is too large"),
    ("ofx220_bofa_style.ofx", "<DTPOSTED>20260323</DTPOSTED>\n            <TRNAMT>60.00",
     "<DTPOSTED>18991231</DTPOSTED>\n            <TRNAMT>60.00", "the date 1899-12-31 is out of range"),
    ("ofx220_bofa_style.ofx", "<FITID>90000010011234568</FITID>", "", "the transaction has no FITID."),
])
def test_amounts_and_dates_are_bounded_by_entry(business, name, old, new, message):
    text = _read(name)
    assert old in text
    with pytest.raises(StatementError) as caught:
        statement_parse(business=business, text=text.replace(old, new, 1), mapping={})
    assert len(caught.value.errors) == 1 and message in caught.value.errors[0]
    assert caught.value.errors[0].startswith("Line ")


def test_entries_in_a_closed_month_refuse_the_file_but_debits_there_do_not(business, admin_member):
    MonthClose.objects.create(business=business, year=2026, month=3, changed_by=admin_member)
    with pytest.raises(StatementError, match=r"Line 32: March 2026 is closed"):
        statement_parse(business=business, text=_read("camt053_ing_nl_001_02.xml"), mapping={})
    debit_only = (":20:S\n:25:1\n:60F:C260301EUR0,00\n:61:260320D5,00NMSCNONREF\n:86:FEE\n:62F:D260320EUR5,00\n")
    rows = statement_parse(business=business, text=debit_only, mapping={})
    assert [r.status for r in rows] == ["not_booked"]
    result = statement_import(business=business, text=debit_only, mapping={}, filename="d.sta", member=admin_member,
                              acting_user=None)
    assert result.statement_import is None and result.not_booked == 1 and Payment.objects.count() == 0


def test_csv_with_decimal_commas_stays_the_fallback(business, book):
    text = "Buchungstag;Betrag;Verwendungszweck\n20.03.2026;250,00;Rechnung INV-2026-000045\n21.03.2026;1.234,56;Sonstiges\n"
    assert bank_formats.statement_format(text) == "csv"
    rows = statement_preview(business=business, text=text, mapping={"date": "Buchungstag", "amount": "Betrag",
                                                                    "reference": "Verwendungszweck", "date_format": "%d.%m.%Y"})
    assert [(r.amount, r.status) for r in rows] == [(D("250.00"), "matched"), (D("1234.56"), "unmatched")]


def test_the_api_statement_import_takes_the_bank_formats(group, book):
    finance = api_client(finance_member(group))
    text = _read("mt940_ing_nl.940")
    preview = finance.post(reverse("api:statement_import"), {"csv": text, "preview": True}, format="json")
    assert preview.status_code == 200, preview.content
    body = preview.json()
    assert (body["matched"], body["to_resolve"]) == (2, 1)
    assert [r["status"] for r in body["rows"]] == ["matched", "matched", "not_booked", "unmatched"]
    saved = finance.post(reverse("api:statement_import"), {"csv": text, "filename": "ing.940"}, format="json")
    assert saved.status_code == 201 and saved.json()["saved"] is True and Payment.objects.count() == 3
    again = finance.post(reverse("api:statement_import"), {"csv": text}, format="json")
    assert again.status_code == 200 and again.json()["duplicates"] == 3 and Payment.objects.count() == 3
    bad = finance.post(reverse("api:statement_import"), {"csv": _read("ofx220_bofa_style.ofx")[:900]}, format="json")
    assert bad.status_code == 400 and "malformed" in bad.json()["errors"]["csv"][0]


def test_the_demo_seeds_one_statement_per_format_and_a_second_run_adds_nothing(business, group, admin_member):
    from orders.seed.statements import seed_bank_statements

    invoices = [make_invoice(group=group, total=f"{n}0.00", issued_on=datetime.date(2026, 3, n)) for n in (2, 3, 4)]
    assert seed_bank_statements(business=business) == 3
    assert sorted(StatementImport.objects.values_list("filename", flat=True)) == ["demo-camt053.xml", "demo-mt940.sta",
                                                                                   "demo-ofx.qfx"]
    for invoice in invoices:
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID
    assert seed_bank_statements(business=business) == 0 and Payment.objects.count() == 3


def test_damaged_bank_files_are_refused_with_a_message_never_an_exception():
    """Seeded random damage (cuts, deletions, stray characters) to every fixture: rows or a StatementFormatError."""
    import random

    rng = random.Random(15)
    files = [_read(name) for name in sorted(BANKS)]
    alphabet = "<>/:?+-,.0123456789CDRNabc \n&;\"'{}\x00é"
    for _ in range(1500):
        text = rng.choice(files)
        for _ in range(rng.randint(1, 6)):
            pos = rng.randrange(len(text) or 1)
            op = rng.random()
            if op < 0.4:
                text = text[:pos] + text[pos + rng.randint(1, 30):]
            elif op < 0.8:
                text = text[:pos] + "".join(rng.choice(alphabet) for _ in range(rng.randint(1, 5))) + text[pos:]
            else:
                text = text[:pos]
        try:
            fmt = bank_formats.statement_format(text)
            if fmt != "csv":
                assert all(e.amount > 0 and e.fingerprint for e in bank_formats.entries_parse(fmt, text))
        except bank_formats.StatementFormatError as exc:
            assert exc.errors and all(isinstance(e, str) and e for e in exc.errors)
