"""Cancelling the rest of a part-shipped order whose shipped items are received.

Rule (orders.fulfilment.services.order_cancel): the unshipped remainder is cancelled and its amount goes
back through the ledger to the Blanket PO charge, into the allocation that spent it; the order ends
Received (part-cancelled) when every shipment has its receipt, else Shipped until the last receipt.
"""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.models import Allocation, LedgerEntry
from orders.fulfilment.services import ShippingError, order_cancel
from orders.models import Order, ReturnRequest
from orders.returns.services import return_approve, return_request
from tests.support.orders import fill_cart, make_budget, make_buyer, place
from tests.support.receiving import receive, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def part_shipped(group, buyer):
    """3 × 10.00 and 2 × 25.00 on the buyer's allocation; only the 3 × 10.00 shipped."""
    other = make_buyer(group)
    budget = make_budget(group, amount="500.00", allocate={buyer: "200.00", other: "100.00"})
    fill_cart(buyer, ("10.00", 3), ("25.00", 2))
    order = place(buyer, group, budget).order
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3})
    return dict(order=order, budget=budget, first=first, second=second, shipment=shipment,
                mine=Allocation.objects.get(budget=budget, member=buyer), other=Allocation.objects.get(budget=budget, member=other))


def test_cancel_after_everything_shipped_is_received_ends_received(part_shipped, buyer):
    s = part_shipped
    receive(s["shipment"], buyer)
    order = Order.objects.get(pk=s["order"].pk)
    assert order.status == Order.Status.PARTLY_SHIPPED  # the rest is still to come
    order_cancel(order=order, acting_user=None, reason="rest not needed")
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED and order.received_at and order.cancelled_at
    s["second"].refresh_from_db()
    assert (s["second"].quantity_cancelled, s["second"].quantity_shipped) == (2, 0)
    release = LedgerEntry.objects.get(order=order, kind=LedgerEntry.Kind.RELEASE)
    charge = LedgerEntry.objects.get(order=order, kind=LedgerEntry.Kind.CHARGE)
    assert release.amount == Decimal("50.00") and release.charge_id == charge.pk
    assert release.allocation_id == s["mine"].pk == charge.allocation_id
    s["mine"].refresh_from_db(); s["other"].refresh_from_db(); s["budget"].refresh_from_db()
    assert s["mine"].spent == Decimal("30.00") and s["other"].spent == Decimal("0.00")
    assert s["budget"].spent == Decimal("30.00")
    with pytest.raises(ShippingError):
        order_cancel(order=order, acting_user=None)  # nothing left to cancel


def test_cancel_before_the_receipt_ends_shipped_then_received(part_shipped, buyer):
    s = part_shipped
    order_cancel(order=s["order"], acting_user=None)
    order = Order.objects.get(pk=s["order"].pk)
    assert order.status == Order.Status.SHIPPED
    receive(s["shipment"], buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED and order.received_at


def test_part_cancelled_received_order_can_still_return_and_page_says_so(client, part_shipped, buyer):
    s = part_shipped
    line = receive(s["shipment"], buyer).lines.get()
    order_cancel(order=s["order"], acting_user=None)
    request = return_request(receipt_line=line, quantity=1, reason=ReturnRequest.Reason.NOT_NEEDED, member=buyer, acting_user=buyer.user)
    return_approve(return_request_=request, acting_user=None)
    s["mine"].refresh_from_db()
    assert s["mine"].spent == Decimal("20.00")  # 80.00 charged − 50.00 cancelled − 10.00 returned
    client.force_login(buyer.user)
    page = client.get(reverse("orders:order_detail", args=[s["order"].po_number])).content.decode()
    assert "Received" in page and "Rest cancelled" in page
