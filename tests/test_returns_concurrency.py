"""Returns under concurrency (PostgreSQL): never more than received, never twice, gap-free credit note numbers."""

from decimal import Decimal

import pytest

from budgets.models import LedgerEntry
from orders.models import CreditNote, ReceiptLine, ReturnRequest
from orders.returns.services import ReturnError, return_approve, return_request
from tests.factories import GroupFactory
from tests.support.orders import make_buyer
from tests.support.receiving import placed_order, receive, ship
from tests.support.threads import run_at_once

THREADS = 12
Reason = ReturnRequest.Reason


def _received(quantity=5):
    group = GroupFactory()
    buyer = make_buyer(group)
    order = placed_order(buyer, group, ("10.00", quantity))
    line = order.lines.get()
    receipt = receive(ship(order, {line: quantity}), buyer)
    return buyer, order, receipt.lines.get()


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_return_requests_never_exceed_what_was_received():
    buyer, order, line = _received(5)

    def ask(i):
        try:
            return_request(receipt_line=ReceiptLine.objects.get(pk=line.pk), quantity=1, reason=Reason.DAMAGED,
                           member=buyer, acting_user=buyer.user)
            return "asked"
        except ReturnError:
            return "refused"

    results, errors = run_at_once(ask, THREADS)
    assert errors == [], errors
    assert results.count("asked") == 5 and results.count("refused") == THREADS - 5
    line.refresh_from_db()
    assert line.quantity_returned == 5 == sum(ReturnRequest.objects.values_list("quantity", flat=True))


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_of_one_return_issue_one_credit_note_and_one_release():
    buyer, order, line = _received(3)
    request = return_request(receipt_line=line, quantity=2, reason=Reason.WRONG_ITEM, member=buyer, acting_user=buyer.user)

    def approve(i):
        try:
            return_approve(return_request_=ReturnRequest.objects.get(pk=request.pk), acting_user=None)
            return "approved"
        except ReturnError:
            return "refused"

    results, errors = run_at_once(approve, THREADS)
    assert errors == [], errors
    assert results.count("approved") == 1
    assert CreditNote.objects.count() == 1
    releases = LedgerEntry.objects.filter(order=order, kind=LedgerEntry.Kind.RELEASE)
    assert [r.amount for r in releases] == [Decimal("20.00")]


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_credit_note_numbers_are_gap_free_under_concurrent_approvals():
    buyer, order, line = _received(THREADS)
    requests = [
        return_request(receipt_line=ReceiptLine.objects.get(pk=line.pk), quantity=1, reason=Reason.NOT_NEEDED,
                       member=buyer, acting_user=buyer.user)
        for _ in range(THREADS)
    ]
    # A second business approving at the same time keeps its own sequence.
    other_buyer, _, other_line = _received(2)
    other = return_request(receipt_line=other_line, quantity=1, reason=Reason.DAMAGED, member=other_buyer,
                           acting_user=other_buyer.user)
    targets = requests + [other]

    def approve(i):
        return return_approve(return_request_=ReturnRequest.objects.get(pk=targets[i].pk), acting_user=None).number

    numbers, errors = run_at_once(approve, len(targets))
    assert errors == [], errors
    year = CreditNote.objects.first().issued_on.year
    ours = sorted(CreditNote.objects.filter(business=order.business).values_list("number", flat=True))
    assert ours == [f"CN-{year}-{n:06}" for n in range(1, THREADS + 1)]
    assert list(CreditNote.objects.filter(business=other_buyer.business).values_list("number", flat=True)) == [f"CN-{year}-000001"]
