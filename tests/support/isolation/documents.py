"""Builders for the documents' URL kwargs (po_number, shipment_id, invoice_number), and the one
realistic order with two shipments that the document tests share."""

import datetime
from decimal import Decimal

from orders.documents.services import invoice_issue
from orders.models import Order
from tests.factories import (
    BudgetFactory, GroupFactory, GroupMembershipFactory, MemberFactory, OrderFactory, OrderLineFactory, ProductFactory, ShipmentFactory,
    ShipmentLineFactory,
)
from tests.support.isolation import BUILDERS, builder


def order_with_lines(*, business, group=None, buyer=None, lines=((3, "12.50"), (5, "3.35")), blanket=True) -> Order:
    """An order as checkout leaves it: lines at unit prices, totals computed, charged to a blanket PO."""
    group = group or GroupFactory(business=business, cost_center="CC-410")
    if buyer is None:
        buyer = MemberFactory(business=business)
        GroupMembershipFactory(group=group, member=buyer, role="buyer")
    budget = BudgetFactory(group=group, name="Office supplies FY26", amount=Decimal("10000.00")) if blanket else None
    order = OrderFactory(
        business=business, group=group, buyer=buyer, budget=budget,
        blanket_po_number=budget.po_number if budget else "",
    )
    total = Decimal("0.00")
    for n, (quantity, price) in enumerate(lines):
        product = ProductFactory(name=f"Item {n + 1} for {order.po_number}", unit_price=Decimal(price))
        line = OrderLineFactory(order=order, product=product, quantity=quantity)
        total += line.amount
    order.subtotal = order.total = total
    order.save(update_fields=["subtotal", "total"])
    return order


def ship(order: Order, quantities: dict, *, tracking_number=None, carrier="UPS", days_after=0):
    """A shipment of {order_line: quantity} (what staff shipping would record)."""
    extra = {"tracking_number": tracking_number} if tracking_number else {}
    shipment = ShipmentFactory(
        order=order, carrier=carrier, ship_date=datetime.date.today() + datetime.timedelta(days=days_after), **extra
    )
    for order_line, quantity in quantities.items():
        ShipmentLineFactory(shipment=shipment, order_line=order_line, quantity=quantity)
        order_line.quantity_shipped += quantity
        order_line.save(update_fields=["quantity_shipped"])
    return shipment


if "po_number" not in BUILDERS:  # tests/support/isolation/orders.py may register it first: one builder per kwarg

    @builder("po_number")
    def _po_number(world):
        if not hasattr(world, "order"):
            world.order = order_with_lines(business=world.business)
        return world.order.po_number


@builder("shipment_id")
def _shipment_id(world):
    if not hasattr(world, "order"):
        world.order = order_with_lines(business=world.business)
    line = world.order.lines.first() or OrderLineFactory(order=world.order)
    world.shipment = ship(world.order, {line: 1})
    return world.shipment.pk


@builder("invoice_number")
def _invoice_number(world):
    _shipment_id(world)
    world.invoice = invoice_issue(shipment=world.shipment, acting_user=world.admin.user)
    return world.invoice.number
