"""Statement import CPU: matching is linear in the file, and look-ups go in batches (no SQL-variable limit)."""

import random

import pytest

from orders.finance.statements import KEY_CHUNK, SYNC_ROWS_MAX, _longest_hits, statement_preview
from tests.support.finance import make_invoice

MAPPING = {"date": "Date", "amount": "Amount", "reference": "Description", "date_format": "%Y-%m-%d"}
ROWS = 20_000
WORDS = ("ACH CREDIT ACME CORP ORIG ID 1234567890 DESC PAYMENT SEC CCD TRACE 021000021234567 EED 260314 IND ID "
         "THANK YOU FOR YOUR BUSINESS 2026 0001 PO INV REF").split()


def _statement(rows, numbers):
    rng = random.Random(11)
    lines = ["Date,Amount,Description"]
    for i in range(rows):
        text = " ".join(rng.choice(WORDS) for _ in range(60))  # ~500 characters of free text, digits everywhere
        if i % 1000 == 0:
            text += " " + numbers[(i // 1000) % len(numbers)]
        lines.append(f"2026-03-{1 + i % 28:02},{1 + i % 997}.{i % 100:02},{text}")
    return "\n".join(lines) + "\n"


@pytest.mark.django_db
def test_a_large_file_of_long_free_text_takes_a_bounded_number_of_queries(business, group, django_assert_max_num_queries):
    invoices = [make_invoice(group=group, total="100.00", po_number=f"PO-2026-{n:06}", number=f"INV-2026-{n:06}")
                for n in range(1, 6)]
    text = _statement(ROWS, [inv.number for inv in invoices] + [inv.order.po_number for inv in invoices])
    assert len(text) > 6_000_000  # more than the 4.4 MB file that took 108 s
    # Every look-up is batched: a fixed handful plus one query per KEY_CHUNK distinct values (20,000
    # fingerprints -> 23 queries, 997 amounts -> 2); before, one query per 900 window keys (thousands).
    bound = 20 + 2 * (ROWS // KEY_CHUNK + 1)
    with django_assert_max_num_queries(bound):
        rows = statement_preview(business=business, text=text, mapping=MAPPING)
    assert len(rows) == ROWS
    named = [r for r in rows if r.status == "matched"]
    assert len(named) == ROWS // 1000
    assert {r.targets[0].number for r in named} <= {inv.number for inv in invoices}
    assert SYNC_ROWS_MAX < ROWS  # a file this size goes to the background job


def test_nested_hits_sweep_keeps_the_longest_only():
    hits = [(0, 4, "orders", 1), (0, 3, "budgets", 2), (1, 2, "orders", 3), (5, 6, "orders", 4), (5, 6, "invoices", 5)]
    assert _longest_hits(hits) == [(0, 4, "orders", 1), (5, 6, "orders", 4), (5, 6, "invoices", 5)]
    repeated = [(i, i + 3, "orders", 1) for i in range(0, 30_000, 3)]
    assert _longest_hits(repeated) == repeated  # thousands of repeats: one sort, not a pairwise check
