"""Reference parsing: the business's PO, invoice and blanket PO numbers found in real-looking bank text."""

import pytest

from orders.finance.statements import number_key, reference_windows, references_parse
from tests.factories import BudgetFactory, MemberFactory, OrderFactory
from tests.support.finance import make_invoice


def test_windows_glue_words_so_separators_and_case_do_not_matter():
    keys = {k for k, _, _ in reference_windows("ach acme po 2026 000123 thanks")}
    assert "PO2026000123" in keys
    assert number_key("PO-2026-000123") == "PO2026000123"
    assert {k for k, _, _ in reference_windows("PO-2026-000123")} >= {"PO2026000123"}
    assert reference_windows("THANK YOU") == []  # no digit, no candidate


@pytest.fixture
def numbers(business, group):
    budget = BudgetFactory(group=group, po_number="BPO-2026-0001")
    release = OrderFactory(group=group, buyer=MemberFactory(business=business), po_number="BPO-2026-0001-3", budget=budget, blanket_po_number=budget.po_number)
    inv45 = make_invoice(group=group, po_number="PO-2026-000123", number="INV-2026-000045")
    inv46 = make_invoice(group=group, po_number="PO-2026-000124", number="INV-2026-000046")
    sap = make_invoice(group=group, po_number="4500012345", number="INV-2026-000047")
    return dict(budget=budget, release=release, inv45=inv45, inv46=inv46, sap=sap)


CASES = [
    # (bank text, PO numbers, invoice numbers, blanket PO numbers)
    ("ACH ACME PO-2026-000123 INV-2026-000045", ["PO-2026-000123"], ["INV-2026-000045"], []),
    ("ach acme po-2026-000123 inv-2026-000045", ["PO-2026-000123"], ["INV-2026-000045"], []),
    ("ACH CREDIT PO2026000123", ["PO-2026-000123"], [], []),
    ("WIRE REF PO 2026 000123 /INV 2026 000045/", ["PO-2026-000123"], ["INV-2026-000045"], []),
    ("PAYMENT INV2026000045 INV2026000046", [], ["INV-2026-000045", "INV-2026-000046"], []),
    ("PMT PO-2026-000123,PO-2026-000124 ACME CORP", ["PO-2026-000123", "PO-2026-000124"], [], []),
    ("ACH BPO-2026-0001-3 OFFICE SUPPLIES", ["BPO-2026-0001-3"], [], []),
    ("ACH BPO 2026 0001 3", ["BPO-2026-0001-3"], [], []),
    ("ACH BLANKET BPO-2026-0001 Q1", [], [], ["BPO-2026-0001"]),
    ("SEPA CT 4500012345 ACME", ["4500012345"], [], []),
    ("CHECK #10442 DEPOSIT", [], [], []),
    ("POS 2026-03-14 STARBUCKS 0042", [], [], []),
    ("PO-2026-999999 UNKNOWN", [], [], []),
    ("INV-2026-000045X", [], [], []),  # glued to other text: not the number
    ("ORIG CO NAME:ACME CORP ORIG ID:1234567890 DESC DATE:260314 CO ENTRY DESCR:PAYMENT SEC:CCD TRACE#:021000021234567 EED:260314 IND ID:INV-2026-000046",
     [], ["INV-2026-000046"], []),
    ("", [], [], []),
]


@pytest.mark.parametrize("text,pos,invs,blankets", CASES, ids=[c[0][:40] or "empty" for c in CASES])
def test_reference_parse_finds_the_business_numbers(business, numbers, text, pos, invs, blankets):
    (ref,) = references_parse(business=business, texts=[text])
    assert ref.po_numbers == pos
    assert ref.invoice_numbers == invs
    assert ref.blanket_po_numbers == blankets


def test_another_business_numbers_are_never_found(numbers, other_business):
    (ref,) = references_parse(business=other_business, texts=["ACH ACME PO-2026-000123 INV-2026-000045"])
    assert ref.po_numbers == [] and ref.invoice_numbers == []


def test_many_texts_take_a_fixed_number_of_queries(business, numbers, django_assert_num_queries):
    texts = [c[0] for c in CASES] * 20
    with django_assert_num_queries(6):  # the three number indexes, then the objects named, in batches
        refs = references_parse(business=business, texts=texts)
    assert len(refs) == len(texts)
