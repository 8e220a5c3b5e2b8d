"""Returns and credit notes: every limit, the credit note, the ledger release to the right allocation."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from budgets.models import Allocation, LedgerEntry
from orders.models import CreditNote, Invoice, ReceiptLine, ReturnRequest
from orders.receiving.services import LineCount, ReceivingError
from orders.returns.services import ReturnError, return_approve, return_refuse, return_request
from tests.factories import AllocationFactory, MemberFactory, PASSWORD  # noqa: F401
from tests.support.orders import fill_cart, make_budget, make_buyer, place
from tests.support.receiving import receive, ship

pytestmark = pytest.mark.django_db
Reason = ReturnRequest.Reason


@pytest.fixture
def setup(group, buyer):
    """Budget with two allocations; the buyer's allocation pays for 3 × 10.00 and 2 × 4.50."""
    other = make_buyer(group)
    budget = make_budget(group, amount="500.00", allocate={buyer: "100.00", other: "100.00"})
    fill_cart(buyer, ("10.00", 3), ("4.50", 2))
    order = place(buyer, group, budget).order
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 2})
    receipt = receive(shipment, buyer, {first: LineCount(received=2, missing=1, note="one short"), second: 2})
    rl = {r.order_line_id: r for r in receipt.lines.all()}
    return dict(order=order, budget=budget, first=rl[first.pk], second=rl[second.pk], invoice=shipment.invoice,
                mine=Allocation.objects.get(budget=budget, member=buyer), other=Allocation.objects.get(budget=budget, member=other))


def _ask(line, buyer, quantity=1, reason=Reason.DAMAGED, text=""):
    return return_request(receipt_line=line, quantity=quantity, reason=reason, reason_text=text, member=buyer, acting_user=buyer.user)


def test_approval_issues_numbered_credit_note_and_releases_to_the_allocation_that_spent(setup, buyer):
    spent_before = setup["mine"].spent
    request = _ask(setup["first"], buyer)
    credit_note = return_approve(return_request_=request, acting_user=None)
    year = credit_note.issued_on.year
    assert credit_note.number == f"CN-{year}-000001"
    assert credit_note.invoice == setup["invoice"] and credit_note.order.po_number == setup["order"].po_number
    assert [(l.sku, l.quantity, l.amount) for l in credit_note.lines.all()] == [(setup["first"].order_line.sku, 1, Decimal("10.00"))]
    assert credit_note.total == Decimal("10.00")
    release = LedgerEntry.objects.get(order=setup["order"], kind=LedgerEntry.Kind.RELEASE)
    assert release.amount == Decimal("10.00") and release.allocation_id == setup["mine"].pk
    setup["mine"].refresh_from_db(); setup["other"].refresh_from_db(); setup["budget"].refresh_from_db()
    assert setup["mine"].spent == spent_before - Decimal("10.00")
    assert setup["other"].spent == Decimal("0.00")
    assert setup["budget"].spent == Decimal("39.00") - Decimal("10.00")
    invoice = Invoice.objects.get(pk=setup["invoice"].pk)
    assert invoice.amount_credited == Decimal("10.00") and invoice.balance_due == Decimal("29.00")
    # The second approval of another return takes the next number.
    second = return_approve(return_request_=_ask(setup["second"], buyer, 2, Reason.OTHER, "ordered too many"), acting_user=None)
    assert second.number == f"CN-{year}-000002"


def test_nothing_beyond_received_and_nothing_twice(setup, buyer):
    with pytest.raises(ReturnError, match="only 2 of the 2 received"):
        _ask(setup["first"], buyer, 3)
    _ask(setup["first"], buyer, 2)
    with pytest.raises(ReturnError, match="only 0 of the 2 received"):
        _ask(setup["first"], buyer, 1)
    request = ReturnRequest.objects.get()
    return_approve(return_request_=request, acting_user=None)
    with pytest.raises(ReturnError, match="already approved"):
        return_approve(return_request_=request, acting_user=None)
    with pytest.raises(ReturnError, match="already approved"):
        return_refuse(return_request_=request, acting_user=None)
    assert CreditNote.objects.count() == 1


def test_refusal_frees_the_quantity(setup, buyer):
    request = _ask(setup["first"], buyer, 2)
    return_refuse(return_request_=request, note="not accepted", acting_user=None)
    setup["first"].refresh_from_db()
    assert setup["first"].quantity_returned == 0
    assert not LedgerEntry.objects.filter(kind=LedgerEntry.Kind.RELEASE).exists()
    _ask(setup["first"], buyer, 2)


@pytest.mark.parametrize("quantity,reason,text,message", [
    (0, Reason.DAMAGED, "", "at least one"),
    (1, "broken", "", "Choose a reason"),
    (1, Reason.OTHER, "  ", "reason: other"),
])
def test_bad_requests_refused(setup, buyer, quantity, reason, text, message):
    with pytest.raises(ReturnError, match=message):
        _ask(setup["first"], buyer, quantity, reason, text)
    assert not ReturnRequest.objects.exists()


def test_only_the_buyer_asks(setup, group):
    with pytest.raises(ReturnError, match="Only the buyer"):
        _ask(setup["first"], make_buyer(group))


def test_receipt_correction_cannot_go_below_returned(setup, buyer):
    _ask(setup["first"], buyer, 2)
    shipment = setup["first"].receipt.shipment
    with pytest.raises(ReceivingError, match="already returned"):
        receive(shipment, buyer, {setup["first"].order_line: 1})


def test_database_backstops(setup, buyer):
    request = _ask(setup["first"], buyer, 1)
    credit_note = return_approve(return_request_=request, acting_user=None)
    with pytest.raises(IntegrityError), transaction.atomic():  # one credit note per return
        CreditNote.objects.create(business=credit_note.business, order=credit_note.order, invoice=credit_note.invoice,
                                  return_request=request, number="CN-X", issued_on=credit_note.issued_on,
                                  subtotal=1, total=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Invoice.objects.filter(pk=setup["invoice"].pk).update(amount_credited=setup["invoice"].total + 1)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptLine.objects.filter(pk=setup["second"].pk).update(quantity_returned=3)


def test_buyer_requests_on_the_page_and_sees_the_credit_note(client, setup, buyer):
    client.force_login(buyer.user)
    order = setup["order"]
    page = client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    url = reverse("orders:return_request", args=[order.po_number])
    assert url in page
    assert client.post(url, {"receipt_line": setup["first"].pk, "quantity": 5, "reason": "damaged"}).status_code == 400
    assert client.post(url, {"receipt_line": setup["first"].pk, "quantity": 1, "reason": "other"}).status_code == 400
    assert client.post(url, {"receipt_line": setup["first"].pk, "quantity": 1, "reason": "wrong_item"}).status_code == 302
    credit_note = return_approve(return_request_=ReturnRequest.objects.get(), acting_user=None)
    page = client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    assert credit_note.number in page
    document = client.get(reverse("orders:credit_note_detail", args=[credit_note.number])).content.decode()
    assert "Credit note" in document and order.po_number in document and setup["invoice"].number in document
    pdf = client.get(reverse("orders:credit_note_pdf", args=[credit_note.number]))
    assert pdf.status_code in (200, 503)


def test_credit_note_on_the_invoices_list_for_finance(client, setup, buyer, admin_member):
    credit_note = return_approve(return_request_=_ask(setup["first"], buyer), acting_user=None)
    client.force_login(admin_member.user)
    page = client.get(reverse("orders:invoice_list")).content.decode()
    assert credit_note.number in page


def test_admin_approves_and_refuses(client, setup, buyer, django_user_model):
    staff = django_user_model.objects.create_superuser(email="staff@example.com", password="x")
    client.force_login(staff)
    first = _ask(setup["first"], buyer, 1)
    second = _ask(setup["second"], buyer, 1)
    url = reverse("admin:orders_returnrequest_changelist")
    client.post(url, {"action": "approve_selected", "_selected_action": [first.pk]})
    client.post(url, {"action": "refuse_selected", "_selected_action": [second.pk]})
    first.refresh_from_db(); second.refresh_from_db()
    assert first.status == "approved" and first.credit_note.number.startswith("CN-")
    assert second.status == "refused"
    assert client.get(url).status_code == 200
    assert client.get(reverse("admin:orders_creditnote_changelist")).status_code == 200
    assert client.get(reverse("admin:orders_returnrequest_change", args=[first.pk])).status_code == 200
