"""Builders for finance tests: invoices on orders (as orders.invoicing would issue them), finance members."""

import datetime
from decimal import Decimal

import pytest

from procurement.models import GroupMembership
from tests.factories import (
    GroupMembershipFactory, InvoiceFactory, InvoiceLineFactory, MemberFactory, OrderFactory, OrderLineFactory,
    ShipmentFactory,
)


@pytest.fixture(autouse=True)
def fast_hashing(settings):
    """Factory users hash their password once each; a cheap hasher keeps these tests quick (imported = autouse)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


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
