"""Bank statement import: matching, preview, idempotent re-import, malformed files by line number."""

import datetime
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from orders.models import Invoice, MonthClose, Payment, PaymentAllocation, StatementImport
from orders.finance.statements import StatementError, statement_import, statement_parse, statement_preview
from tests.factories import BudgetFactory, OrderFactory
from tests.support.finance import finance_member, make_invoice

D = Decimal
MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}


def _csv(*lines, header="Date,Amount,Description"):
    return "\n".join([header, *lines]) + "\n"


@pytest.fixture
def book(business, group):
    """Invoices the statements below pay."""
    a = make_invoice(group=group, po_number="PO-2026-000123", number="INV-2026-000045", total="250.00")
    b1 = make_invoice(group=group, po_number="PO-2026-000200", number="INV-2026-000050", total="40.00",
                      issued_on=datetime.date(2026, 3, 1))
    b2 = make_invoice(order=b1.order, number="INV-2026-000051", total="60.00", issued_on=datetime.date(2026, 3, 2))
    budget = BudgetFactory(group=group, po_number="BPO-2026-0001")
    r1 = make_invoice(order=OrderFactory(group=group, buyer=b1.order.buyer, po_number="BPO-2026-0001-1", budget=budget,
                                         blanket_po_number=budget.po_number), number="INV-2026-000060", total="80.00")
    r2 = make_invoice(order=OrderFactory(group=group, buyer=b1.order.buyer, po_number="BPO-2026-0001-2", budget=budget,
                                         blanket_po_number=budget.po_number), number="INV-2026-000061", total="80.00")
    lone = make_invoice(group=group, po_number="PO-2026-000300", number="INV-2026-000070", total="33.33")
    return dict(a=a, b1=b1, b2=b2, r1=r1, r2=r2, lone=lone)


STATEMENT = _csv(
    "2026-03-20,250.00,ACH ACME PO-2026-000123 INV-2026-000045",  # exact by both numbers
    "2026-03-21,60.00,ach acme po 2026 000200",  # PO with two invoices: the one of this amount
    "2026-03-22,80.00,BLANKET BPO-2026-0001",  # blanket PO, two releases of 80: ambiguous
    "2026-03-23,33.33,WIRE TRANSFER THANK YOU",  # no number, one invoice of this amount: ambiguous
    "2026-03-24,19.99,CARD AMAZON MKTPLACE",  # nothing
    '2026-03-25,"1,000.00",PO-2026-000200 INV-2026-000045',  # invoice not on that PO: ambiguous
)


def test_preview_classifies_rows_and_saves_nothing(business, book):
    rows = statement_preview(business=business, text=STATEMENT, mapping=MAPPING)
    assert [r.status for r in rows] == ["matched", "matched", "ambiguous", "ambiguous", "unmatched", "ambiguous"]
    assert [r.line for r in rows] == [2, 3, 4, 5, 6, 7]
    assert [i.number for i in rows[0].targets] == ["INV-2026-000045"]
    assert [i.number for i in rows[1].targets][0] == "INV-2026-000051"  # amount 60 picks the 60 invoice first
    assert {i.number for i in rows[2].candidates} == {"INV-2026-000060", "INV-2026-000061"}
    assert [i.number for i in rows[3].candidates] == ["INV-2026-000070"]
    assert rows[5].amount == D("1000.00")
    assert Payment.objects.count() == 0 and StatementImport.objects.count() == 0


def test_import_applies_matches_and_reimport_adds_nothing(business, book, admin_member):
    result = statement_import(business=business, text=STATEMENT, mapping=MAPPING, filename="march.csv",
                              member=admin_member, acting_user=admin_member.user)
    assert (result.matched, result.to_resolve, result.duplicates) == (2, 4, 0)
    assert Payment.objects.filter(business=business).count() == 6
    book["a"].refresh_from_db(); book["b2"].refresh_from_db(); book["b1"].refresh_from_db()
    assert book["a"].status == "paid" and book["b2"].status == "paid" and book["b1"].status == "open"
    assert business.__class__.objects.get(pk=business.pk).statement_csv_mapping["reference"] == "Description"
    counts = (Payment.objects.count(), PaymentAllocation.objects.count(), StatementImport.objects.count())
    again = statement_import(business=business, text=STATEMENT, mapping=MAPPING, filename="march.csv",
                             member=admin_member, acting_user=admin_member.user)
    assert again.duplicates == 6 and again.statement_import is None
    assert (Payment.objects.count(), PaymentAllocation.objects.count(), StatementImport.objects.count()) == counts
    rows = statement_preview(business=business, text=STATEMENT, mapping=MAPPING)
    assert {r.status for r in rows} == {"duplicate"}


def test_two_identical_lines_in_one_file_are_two_payments(business, admin_member):
    text = _csv("2026-03-20,10.00,FEE", "2026-03-20,10.00,FEE")
    statement_import(business=business, text=text, mapping=MAPPING, filename="f.csv", member=admin_member, acting_user=None)
    assert Payment.objects.count() == 2
    statement_import(business=business, text=text, mapping=MAPPING, filename="f.csv", member=admin_member, acting_user=None)
    assert Payment.objects.count() == 2


@pytest.mark.parametrize("text,expected", [
    ("", ["The file is empty."]),
    ("Date,Amount,Memo\n2026-03-01,1.00,x\n", ["Line 1: no column “Description” for the reference. The file's columns are: Date, Amount, Memo"]),
    (_csv("2026-03-01,10.00,OK", "31/03/2026,10.00,BAD DATE", "2026-03-02,ten,BAD AMOUNT", "2026-03-03,0.00,ZERO",
          "2026-03-04,5.00"),
     ["Line 3: “31/03/2026” is not a date like 2026-03-31 (ISO).", "Line 4: “ten” is not an amount.",
      "Line 5: the amount is zero.", "Line 6: 2 fields, expected 3."]),
    ("Date,Amount,Description\n", ["The file has no payment rows under its header."]),
])
def test_malformed_files_are_rejected_by_line_number_and_nothing_is_saved(business, admin_member, text, expected):
    with pytest.raises(StatementError) as caught:
        statement_import(business=business, text=text, mapping=MAPPING, filename="bad.csv", member=admin_member, acting_user=None)
    assert caught.value.errors == expected
    assert Payment.objects.count() == 0 and StatementImport.objects.count() == 0
    business.refresh_from_db()
    assert business.statement_csv_mapping == {}


def test_mapping_date_formats_and_amount_styles(business):
    text = "Buchung;Betrag;Text\n31.03.2026;(1.234,56);X\n01.03.2026;-12.50;Y\n"
    rows = statement_parse(business=business, text=text, mapping={"date": "buchung", "amount": "Betrag", "reference": "TEXT",
                                                                "date_format": "%d.%m.%Y"})
    assert [(r.received_on, r.amount) for r in rows] == [(datetime.date(2026, 3, 31), D("1234.56")), (datetime.date(2026, 3, 1), D("12.50"))]


def test_rows_in_a_closed_month_reject_the_file(business, admin_member):
    MonthClose.objects.create(business=business, year=2026, month=3, changed_by=admin_member)
    with pytest.raises(StatementError, match="Line 2: March 2026 is closed"):
        statement_parse(business=business, text=_csv("2026-03-20,10.00,X"), mapping=MAPPING)


def test_upload_preview_confirm_through_the_page(client, business, group, book):
    member = finance_member(group)
    client.force_login(member.user)
    url = reverse("orders:statement_import")
    assert client.get(url).status_code == 200
    upload = SimpleUploadedFile("march.csv", STATEMENT.encode(), content_type="text/csv")
    response = client.post(url, {"file": upload, "date_column": "Date", "amount_column": "Amount",
                                 "reference_column": "Description", "date_format": "%Y-%m-%d", "action": "preview"})
    assert response.status_code == 200
    assert b"Confirm import" in response.content and Payment.objects.count() == 0
    response = client.post(url, {"action": "confirm"})
    assert response.status_code == 302 and "month=2026-03" in response["Location"]
    assert Payment.objects.count() == 6
    assert Invoice.objects.get(number="INV-2026-000045").status == "paid"
    # The mapping is remembered for the next upload.
    business.statement_csv_mapping = {**MAPPING, "reference": "Memo"}
    business.save()
    assert b'value="Memo"' in client.get(url).content


def test_upload_of_a_bad_file_shows_lines_and_saves_nothing(client, business, group):
    member = finance_member(group)
    client.force_login(member.user)
    upload = SimpleUploadedFile("bad.csv", _csv("2026-03-01,abc,X").encode(), content_type="text/csv")
    response = client.post(reverse("orders:statement_import"), {
        "file": upload, "date_column": "Date", "amount_column": "Amount", "reference_column": "Description",
        "date_format": "%Y-%m-%d", "action": "preview"})
    assert response.status_code == 200
    assert "Line 2: “abc” is not an amount." in response.content.decode()
    assert Payment.objects.count() == 0


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_the_same_statement_imported_by_20_people_at_once_is_saved_once(business, group):
    import threading

    from django.db import connection

    inv = make_invoice(group=group, po_number="PO-2026-000777", number="INV-2026-000777", total="90.00")
    members = [finance_member(group, email=f"fin{i}@example.com") for i in range(20)]
    text = _csv("2026-03-20,90.00,ACH PO-2026-000777", "2026-03-21,15.00,FEE", "2026-03-21,15.00,FEE")
    barrier = threading.Barrier(20)
    outcomes, errors = [], []

    def run(member):
        try:
            barrier.wait()
            result = statement_import(business=business, text=text, mapping=MAPPING, filename="s.csv", member=member,
                                      acting_user=member.user)
            outcomes.append("saved" if result.statement_import else "nothing new")
        except StatementError:
            outcomes.append("refused")
        except Exception as exc:  # pragma: no cover - reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(m,)) for m in members]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert outcomes.count("saved") == 1 and len(outcomes) == 20
    assert Payment.objects.filter(business=business).count() == 3
    assert StatementImport.objects.filter(business=business).count() == 1
    inv.refresh_from_db()
    assert (inv.amount_paid, inv.status) == (D("90.00"), "paid")
