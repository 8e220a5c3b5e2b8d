"""Shipments (partial and full), delivery, cancellation releasing the unshipped amount; the admin."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from budgets.models import LedgerEntry
from orders.models import Order, Shipment
from orders.fulfilment.services import ShippingError, order_cancel, order_mark_delivered, shipment_create
from procurement.models import User
from tests.support.orders import fill_cart, make_budget, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def order(buyer, group):
    budget = make_budget(group, amount="1000.00")
    fill_cart(buyer, ("10.00", 4), ("25.00", 2))
    return place(buyer, group, budget).order


def _ship(order, quantities, tracking="1Z1"):
    return shipment_create(order=order, carrier="UPS", tracking_number=tracking, ship_date=timezone.localdate(),
                           quantities=quantities, acting_user=None)


def test_partial_then_full_shipment_then_delivered(order):
    first, second = order.lines.order_by("id")
    _ship(order, {first.pk: 1})
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED
    with pytest.raises(ShippingError, match="only 3 left to ship"):
        _ship(order, {first.pk: 4})
    with pytest.raises(ShippingError, match="delivered"):
        order_mark_delivered(order=order, acting_user=None)
    _ship(order, {first.pk: 3, second.pk: 2}, tracking="1Z2")
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED
    assert [line.quantity_shipped for line in order.lines.order_by("id")] == [4, 2]
    order_mark_delivered(order=order, acting_user=None)
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED and order.delivered_at


def test_cancel_after_partial_shipment_releases_the_unshipped_amount(order):
    first, second = order.lines.order_by("id")
    _ship(order, {first.pk: 4})
    order_cancel(order=order, acting_user=None)
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.cancelled_at
    release = LedgerEntry.objects.get(order=order, kind="release")
    assert release.amount == Decimal("50.00")
    order.budget.refresh_from_db()
    assert order.budget.spent == Decimal("40.00")
    second.refresh_from_db()
    assert second.quantity_cancelled == 2 and second.quantity_shipped == 0
    with pytest.raises(ShippingError):
        _ship(order, {second.pk: 1})


def test_buyer_cancels_before_shipping_and_numbers_are_never_reused(client, order, buyer, group):
    client.force_login(buyer.user)
    page = client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    assert "Cancel order" in page
    client.post(reverse("orders:order_cancel", args=[order.po_number]))
    order.refresh_from_db()
    assert order.status == Order.Status.CANCELLED
    order.budget.refresh_from_db()
    assert order.budget.spent == 0
    fill_cart(buyer, ("1.00", 1))
    again = place(buyer, group, order.budget).order
    assert again.po_number != order.po_number and again.po_number.endswith("-2")


def test_buyer_cannot_cancel_after_shipping(client, order, buyer):
    _ship(order, {order.lines.first().pk: 1})
    client.force_login(buyer.user)
    assert "Cancel order" not in client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    client.post(reverse("orders:order_cancel", args=[order.po_number]))
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED


def test_order_page_shows_shipments_with_tracking(client, order, buyer):
    _ship(order, {order.lines.first().pk: 2}, tracking="1ZTRACK99")
    client.force_login(buyer.user)
    page = client.get(reverse("orders:order_detail", args=[order.po_number])).content.decode()
    assert "Shipped with UPS" in page and "Tracking number 1ZTRACK99" in page and "Order placed" in page


@pytest.fixture
def staff_client(client):
    user = User.objects.create_superuser(email="staff@example.com", password="x" * 12)
    client.force_login(user)
    return client


def test_admin_finds_by_po_number_and_ships(staff_client, order):
    changelist = reverse("admin:orders_order_changelist")
    assert order.po_number in staff_client.get(changelist, {"q": order.po_number}).content.decode()
    partial = staff_client.get(changelist, {"q": order.po_number[-3:]}).content.decode()
    assert order.po_number in partial
    assert "0 orders" in staff_client.get(changelist, {"q": "NO-SUCH"}).content.decode() or "0 results" in staff_client.get(changelist, {"q": "NO-SUCH"}).content.decode()
    assert staff_client.get(reverse("admin:orders_order_change", args=[order.pk])).status_code == 200
    ship_url = reverse("admin:orders_order_ship", args=[order.pk])
    first, second = order.lines.order_by("id")
    assert "Add shipment" in staff_client.get(ship_url).content.decode()
    response = staff_client.post(ship_url, {"carrier": "FedEx", "tracking_number": "7777", "ship_date": "2026-01-05",
                                            f"line_{first.pk}": "9", f"line_{second.pk}": "0"})
    assert response.status_code == 200 and not Shipment.objects.exists()  # 9 > 4 open: refused
    response = staff_client.post(ship_url, {"carrier": "FedEx", "tracking_number": "7777", "ship_date": "2026-01-05",
                                            f"line_{first.pk}": "4", f"line_{second.pk}": "0"})
    assert response.status_code == 302
    shipment = Shipment.objects.get()
    assert (shipment.carrier, shipment.tracking_number, shipment.ship_date) == ("FedEx", "7777", datetime.date(2026, 1, 5))
    order.refresh_from_db()
    assert order.status == Order.Status.PARTLY_SHIPPED
    staff_client.post(changelist, {"action": "cancel_orders", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Order.Status.SHIPPED and order.cancelled_at
    staff_client.post(changelist, {"action": "mark_delivered", "_selected_action": [order.pk]})
    order.refresh_from_db()
    assert order.status == Order.Status.DELIVERED
