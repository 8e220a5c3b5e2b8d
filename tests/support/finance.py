"""Builders for finance tests: invoices on orders (as orders.documents.services.invoice_issue would issue them), finance members."""

import datetime
from decimal import Decimal


from procurement.models import GroupMembership
from tests.factories import (
    GroupMembershipFactory, InvoiceFactory, InvoiceLineFactory, MemberFactory, OrderFactory, OrderLineFactory,
    ShipmentFactory,
)


def finance_member(group, email="finance@example.com"):
    member = MemberFactory(business=group.business, user__email=email)
    GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.FINANCE)
    return member


def make_invoice(*, order=None, group=None, total="100.00", issued_on=None, number=None, po_number=None, **order_kwargs):
    """An invoice for (a shipment of) an order, with one line, issued on `issued_on`."""
    if order is None:
        kwargs = dict(group=group, **order_kwargs)
        if "buyer" not in kwargs:
            kwargs["buyer"] = group.business.members.first() or MemberFactory(business=group.business)
        if po_number:
            kwargs["po_number"] = po_number
        order = OrderFactory(**kwargs)
    total = Decimal(total)
    issued_on = issued_on or datetime.date(2026, 3, 5)
    shipment = ShipmentFactory(order=order, ship_date=issued_on)
    extra = {"number": number} if number else {}
    invoice = InvoiceFactory(shipment=shipment, issued_on=issued_on, subtotal=total, total=total, **extra)
    line = OrderLineFactory(order=order, quantity=1, unit_price=total, amount=total)
    InvoiceLineFactory(invoice=invoice, order_line=line, quantity=1, unit_price=total, amount=total)
    return invoice


def bulk_order_lines(*, group, buyer, products, orders: int, lines_per_order: int, placed_at=None, status="placed",
                     budget=None, prefix="PO-B"):
    """Many orders and lines fast (bulk_create), for reports and exports."""
    from orders.models import Order, OrderLine

    business = group.business
    start = Order.objects.filter(business=business).count()
    made = Order.objects.bulk_create([
        Order(business=business, group=group, buyer=buyer, po_number=f"{prefix}-{start + i:07}", status=status,
              budget=budget, blanket_po_number=budget.po_number if budget else "", ship_to="Dock")
        for i in range(orders)
    ], batch_size=2000)
    if placed_at is not None:
        Order.objects.filter(pk__in=[o.pk for o in made]).update(placed_at=placed_at)
    lines = []
    for i, order in enumerate(made):
        for j in range(lines_per_order):
            product = products[(i + j) % len(products)]
            qty = 1 + (i + j) % 4
            lines.append(OrderLine(business=business, order=order, product=product, sku=product.sku,
                                   description=product.name, quantity=qty, unit_price=product.unit_price,
                                   amount=product.unit_price * qty))
    OrderLine.objects.bulk_create(lines, batch_size=5000)
    # Bulk rows skip the services' roll-up hooks: rebuild the business's roll-up as the seeder does.
    from orders.rollup import spend_rollup_rebuild

    spend_rollup_rebuild(business_id=business.pk)
    return made
