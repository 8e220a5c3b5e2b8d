"""Builders shared by the receiving, returns and three-way match tests (not a test module)."""

from django.utils import timezone

from orders.fulfilment.services import shipment_create
from orders.receiving.services import LineCount, receipt_record
from tests.support.orders import fill_cart, make_budget, place


def placed_order(buyer, group, *items, amount="1000.00"):
    """An order placed through checkout against a fresh budget; items are (unit_price, quantity)."""
    budget = make_budget(group, amount=amount)
    fill_cart(buyer, *(items or (("10.00", 3),)))
    return place(buyer, group, budget).order


def ship(order, quantities, tracking="1Z1", ship_date=None):
    """Ship {order_line: quantity} (invoiced in the same transaction, as staff shipping does)."""
    return shipment_create(
        order=order, carrier="UPS", tracking_number=tracking, ship_date=ship_date or timezone.localdate(),
        quantities={line.pk: qty for line, qty in quantities.items()}, acting_user=None,
    )


def receive(shipment, member, counts=None, note="", received_on=None):
    """Record the receipt of `shipment`: counts maps order_line -> received or LineCount; default all."""
    counts = counts or {}
    given = {}
    for sl in shipment.lines.select_related("order_line").order_by("id"):
        value = counts.get(sl.order_line, sl.quantity)
        given[sl.pk] = value if isinstance(value, LineCount) else LineCount(received=value)
    return receipt_record(shipment=shipment, counts=given, received_on=received_on or timezone.localdate(),
                          note=note, member=member, acting_user=member.user)
