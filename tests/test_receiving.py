"""Receiving: partial and corrected receipts, who may receive, the Received status, DB limits."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone

from orders.models import Order, ReceiptLine
from orders.receiving.services import LineCount, ReceivingError
from procurement.models import GroupMembership
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.receiving import placed_order, receive, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(buyer, group):
    return placed_order(buyer, group, ("10.00", 3), ("4.50", 2))


def test_partial_receipt_then_correction_keeps_history_and_order_becomes_received(order, buyer):
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 2})
    receipt = receive(shipment, buyer, {first: LineCount(received=2, missing=1, note="one short"), second: 2})
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED and order.received_at
    line = ReceiptLine.objects.get(receipt=receipt, order_line=first)
    assert (line.quantity_received, line.quantity_missing) == (2, 1)

    # The missing item turned up: the buyer corrects the receipt; the old counts stay in history.
    receive(shipment, buyer, {first: 3, second: 2})
    line.refresh_from_db()
    assert (line.quantity_received, line.quantity_missing) == (3, 0)
    assert [h.quantity_received for h in line.history.order_by("history_date", "history_id")] == [2, 3]
    assert ReceiptLine.objects.filter(receipt__shipment=shipment).count() == 2  # corrected, not duplicated


def test_order_with_two_shipments_is_received_only_when_both_are(order, buyer):
    first, second = order.lines.order_by("id")
    one = ship(order, {first: 2})
    two = ship(order, {first: 1, second: 2}, tracking="1Z2")
    receive(one, buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    receive(two, buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.RECEIVED


def test_partly_shipped_order_is_not_received(order, buyer):
    first, _ = order.lines.order_by("id")
    receive(ship(order, {first: 3}), buyer)
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED


@pytest.mark.parametrize("count,message", [
    (LineCount(received=4), "cannot exceed"),
    (LineCount(received=2, missing=2, note="x"), "cannot exceed"),
    (LineCount(received=1, damaged=2, note="x"), "damaged items are part"),
    (LineCount(received=2, damaged=1), "add a note"),
    (LineCount(received=-1), "negative"),
])
def test_bad_counts_are_refused_and_nothing_saved(order, buyer, count, message):
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3})
    with pytest.raises(ReceivingError, match=message):
        receive(shipment, buyer, {first: count})
    assert not ReceiptLine.objects.exists()


def test_future_date_and_before_ship_date_refused(order, buyer):
    first, _ = order.lines.order_by("id")
    shipment = ship(order, {first: 3})
    with pytest.raises(ReceivingError, match="future"):
        receive(shipment, buyer, received_on=timezone.localdate() + datetime.timedelta(days=1))
    with pytest.raises(ReceivingError, match="before the ship date"):
        receive(shipment, buyer, received_on=timezone.localdate() - datetime.timedelta(days=1))


def test_database_refuses_more_received_than_shipped(order, buyer):
    first, _ = order.lines.order_by("id")
    receipt = receive(ship(order, {first: 3}), buyer)
    line = receipt.lines.get()
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptLine.objects.filter(pk=line.pk).update(quantity_received=4)
    with pytest.raises(IntegrityError), transaction.atomic():
        ReceiptLine.objects.filter(pk=line.pk).update(quantity_returned=4)


def test_receiver_role_may_receive_other_members_may_not(order, group):
    first, _ = order.lines.order_by("id")
    shipment = ship(order, {first: 3})
    receiver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=receiver, role=GroupMembership.Role.RECEIVER)
    finance = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=finance, role=GroupMembership.Role.FINANCE)
    with pytest.raises(ReceivingError, match="Only the buyer or a receiver"):
        receive(shipment, finance)
    receive(shipment, receiver)
    assert shipment.receipt.received_by == receiver


def test_receipt_page_records_and_corrects(client, order, buyer):
    first, second = order.lines.order_by("id")
    shipment = ship(order, {first: 3, second: 1})
    client.force_login(buyer.user)
    detail = client.get(reverse("orders:order_detail", args=[order.po_number]))
    url = reverse("orders:receipt", kwargs={"po_number": order.po_number, "shipment_id": shipment.pk})
    assert url in detail.content.decode() and "Record receipt" in detail.content.decode()
    lines = list(shipment.lines.order_by("id"))
    data = {"received_on": timezone.localdate().isoformat(), "note": "",
            f"received_{lines[0].pk}": 3, f"damaged_{lines[0].pk}": 1, f"missing_{lines[0].pk}": 0,
            f"note_{lines[0].pk}": "box crushed",
            f"received_{lines[1].pk}": 1, f"damaged_{lines[1].pk}": 0, f"missing_{lines[1].pk}": 0}
    response = client.post(url, data)
    assert response.status_code == 302
    assert ReceiptLine.objects.get(shipment_line=lines[0]).quantity_damaged == 1
    bad = client.post(url, {**data, f"received_{lines[0].pk}": 5})
    assert bad.status_code == 400
    data[f"damaged_{lines[0].pk}"] = 0
    assert client.post(url, data).status_code == 302
    page = client.get(url).content.decode()
    assert "Correct the receipt" in page and "Corrected" in page


def test_receipt_page_forbidden_for_member_without_role_and_404_for_other_business(client, order, group, other_member):
    first, _ = order.lines.order_by("id")
    shipment = ship(order, {first: 3})
    url = reverse("orders:receipt", kwargs={"po_number": order.po_number, "shipment_id": shipment.pk})
    approver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=approver, role=GroupMembership.Role.APPROVER)
    client.force_login(approver.user)
    assert client.get(url).status_code == 403
    client.force_login(other_member.user)
    assert client.get(url).status_code == 404
