"""Builders for the returns' URL kwargs (credit_note_number)."""

from orders.models import ReturnRequest
from orders.returns.services import return_approve, return_request
from tests.factories import GroupFactory
from tests.support.isolation import builder
from tests.support.orders import make_buyer
from tests.support.receiving import placed_order, receive, ship


def returned_order(business):
    """An order shipped, received, with one item returned and the return approved (a credit note)."""
    group = GroupFactory(business=business)
    buyer = make_buyer(group)
    order = placed_order(buyer, group, ("10.00", 3))
    line = order.lines.get()
    receipt = receive(ship(order, {line: 3}), buyer)
    request = return_request(receipt_line=receipt.lines.get(), quantity=1, reason=ReturnRequest.Reason.DAMAGED,
                             member=buyer, acting_user=buyer.user)
    return order, return_approve(return_request_=request, acting_user=None)


@builder("credit_note_number")
def _credit_note_number(world):
    world.order, world.credit_note = returned_order(world.business)
    return world.credit_note.number
