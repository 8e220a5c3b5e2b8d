"""Find by PO number: orders for everyone within their scope; invoices and payments for finance."""

from decimal import Decimal

import pytest
from django.urls import reverse

from procurement.models import GroupMembership
from tests.factories import (
    GroupMembershipFactory, InvoiceFactory, MemberFactory, OrderFactory, PaymentFactory, ShipmentFactory,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def paid_order(group, buyer):
    order = OrderFactory(group=group, buyer=buyer, po_number="PO-2026-000777")
    invoice = InvoiceFactory(shipment=ShipmentFactory(order=order), number="INV-2026-000042")
    payment = PaymentFactory(business=group.business, amount=Decimal("40.00"), po_number=order.po_number,
                             reference="ACH ACME PO-2026-000777")
    return order, invoice, payment


def _finance(group):
    member = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.FINANCE)
    return member


def test_exact_invoice_number_goes_to_the_invoice(client, group, paid_order):
    client.force_login(_finance(group).user)
    response = client.get(reverse("orders:find"), {"q": "inv-2026-000042"})
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:invoice_detail", kwargs={"invoice_number": "INV-2026-000042"})


def test_partial_number_lists_invoices_and_payments_for_finance(client, group, paid_order):
    order, invoice, payment = paid_order
    client.force_login(_finance(group).user)
    response = client.get(reverse("orders:find"), {"q": "000777"})
    body = response.content.decode()
    assert response.status_code == 200
    assert invoice.number in body
    assert reverse("orders:payment_detail", kwargs={"payment_id": payment.pk}) in body


def test_buyer_finds_their_order_but_not_payments(client, buyer, paid_order):
    order, invoice, payment = paid_order
    client.force_login(buyer.user)
    assert client.get(reverse("orders:find"), {"q": order.po_number})["Location"].endswith(f"/{order.po_number}/")
    body = client.get(reverse("orders:find"), {"q": "000042"}).content.decode()
    assert invoice.number not in body and "No order, invoice or payment with a PO number like" in body


def test_another_business_finds_nothing(client, other_member, paid_order):
    client.force_login(other_member.user)
    body = client.get(reverse("orders:find"), {"q": "PO-2026-000777"}).content.decode()
    assert "with a PO number like" in body and "INV-2026-000042" not in body
