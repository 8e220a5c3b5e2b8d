"""Catalog, cart, Your Orders, order page, Find by PO number, PO number rules: roles, scoping, queries."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse
from django.utils import timezone

from orders.models import CartItem, Order, OrderLine
from procurement.models import Business
from tests.factories import (
    CategoryFactory, GroupFactory, GroupMembershipFactory, MemberFactory, OrderFactory,
    ProductFactory, ShipmentFactory, ShipmentLineFactory,
)
from tests.support.orders import make_buyer

pytestmark = pytest.mark.django_db


def test_catalog_search_filter_and_add_to_cart(client, buyer):
    office = CategoryFactory(name="Office", code="OFFICE")
    pens = ProductFactory(name="Blue pens", sku="PEN-1", category=office, unit_price=Decimal("2.50"))
    ProductFactory(name="Desk", sku="DSK-1")
    ProductFactory(name="Retired pens", sku="PEN-2", active=False)
    client.force_login(buyer.user)
    html = client.get(reverse("orders:catalog"), {"q": "pen"}).content.decode()
    assert "Blue pens" in html and "Desk" not in html and "Retired pens" not in html
    html = client.get(reverse("orders:catalog"), {"q": "dsk"}).content.decode()
    assert "Desk" in html and "Blue pens" not in html
    html = client.get(reverse("orders:catalog"), {"category": office.pk}).content.decode()
    assert "Blue pens" in html and "Desk" not in html
    client.post(reverse("orders:catalog"), {"product": pens.pk, "quantity": 3})
    client.post(reverse("orders:catalog"), {"product": pens.pk, "quantity": 2})
    assert CartItem.objects.get(member=buyer, product=pens).quantity == 5
    client.post(reverse("orders:catalog"), {"product": pens.pk, "quantity": -1})
    assert CartItem.objects.get(member=buyer, product=pens).quantity == 5


def test_catalog_paginates(client, buyer):
    for _ in range(30):
        ProductFactory()
    client.force_login(buyer.user)
    html = client.get(reverse("orders:catalog")).content.decode()
    assert "Page 1 of 2" in html


def test_cart_change_remove_and_totals(client, buyer):
    item = CartItem.objects.create(business=buyer.business, member=buyer, product=ProductFactory(unit_price=Decimal("1.10")), quantity=1)
    other = CartItem.objects.create(business=buyer.business, member=buyer, product=ProductFactory(unit_price=Decimal("2.00")), quantity=1)
    client.force_login(buyer.user)
    client.post(reverse("orders:cart"), {"item": item.pk, "quantity": 3})
    html = client.get(reverse("orders:cart")).content.decode()
    assert "$5.30" in html and "Proceed to checkout" in html
    client.post(reverse("orders:cart"), {"item": other.pk, "remove": "1"})
    assert list(CartItem.objects.filter(member=buyer).values_list("quantity", flat=True)) == [3]
    # someone else's cart line cannot be touched
    stranger = make_buyer(GroupFactory(business=buyer.business))
    theirs = CartItem.objects.create(business=buyer.business, member=stranger, product=ProductFactory(), quantity=1)
    client.post(reverse("orders:cart"), {"item": theirs.pk, "quantity": 0})
    assert CartItem.objects.filter(pk=theirs.pk).exists()


@pytest.fixture
def roles(business, group):
    """Orders of two groups; members with each role."""
    other_group = GroupFactory(business=business)
    buyer_a = make_buyer(group, "a@example.com")
    buyer_b = make_buyer(group, "b@example.com")
    buyer_c = make_buyer(other_group, "c@example.com")
    orders = {
        "a": OrderFactory(group=group, buyer=buyer_a, po_number="PO-A-1"),
        "b": OrderFactory(group=group, buyer=buyer_b, po_number="PO-B-1"),
        "c": OrderFactory(group=other_group, buyer=buyer_c, po_number="PO-C-1"),
    }
    finance = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=finance, role="finance")
    admin = MemberFactory(business=business, is_business_admin=True)
    return dict(buyer_a=buyer_a, finance=finance, admin=admin, orders=orders, other_group=other_group)


@pytest.mark.parametrize("who,visible", [
    # Finance is business-wide (orders/access.py): every order, as on the reports and exports.
    ("buyer_a", {"PO-A-1"}), ("finance", {"PO-A-1", "PO-B-1", "PO-C-1"}), ("admin", {"PO-A-1", "PO-B-1", "PO-C-1"}),
])
def test_order_list_scoped_by_role(client, roles, who, visible):
    client.force_login(roles[who].user)
    html = client.get(reverse("orders:order_list")).content.decode()
    assert {po for po in ("PO-A-1", "PO-B-1", "PO-C-1") if po in html} == visible
    for po in ("PO-A-1", "PO-B-1", "PO-C-1"):
        status = client.get(reverse("orders:order_detail", args=[po])).status_code
        assert status == (200 if po in visible else 403)
    assert client.get(reverse("orders:order_detail", args=["PO-NOPE"])).status_code == 404


def test_order_list_filters(client, roles, group):
    a = roles["orders"]["a"]
    Order.objects.filter(pk=a.pk).update(status=Order.Status.SHIPPED, placed_at=timezone.now() - datetime.timedelta(days=40))
    client.force_login(roles["admin"].user)
    url = reverse("orders:order_list")

    def shown(**params):
        html = client.get(url, params).content.decode()
        return {po for po in ("PO-A-1", "PO-B-1", "PO-C-1") if po in html}

    assert shown(status="shipped") == {"PO-A-1"}
    assert shown(group=roles["other_group"].pk) == {"PO-C-1"}
    assert shown(po_number="b-1") == {"PO-B-1"}
    assert shown(date_to=(timezone.localdate() - datetime.timedelta(days=30)).isoformat()) == {"PO-A-1"}
    assert shown(date_from=(timezone.localdate() - datetime.timedelta(days=1)).isoformat()) == {"PO-B-1", "PO-C-1"}
    assert "No orders match" in client.get(url, {"po_number": "zzz"}).content.decode()


def test_find_by_po_number(client, roles):
    client.force_login(roles["buyer_a"].user)
    url = reverse("orders:find")
    response = client.get(url, {"q": "po-a-1"})
    assert response.status_code == 302 and response["Location"] == reverse("orders:order_detail", args=["PO-A-1"])
    assert "Enter a PO number" in client.get(url, {"q": ""}).content.decode()
    html = client.get(url, {"q": "PO-"}).content.decode()
    assert "PO-A-1" in html and "PO-B-1" not in html  # partial matches, scoped to what the buyer sees
    assert "No order, invoice or payment with a PO number like" in client.get(url, {"q": "PO-B-1"}).content.decode()


def test_po_settings_admin_only_saves_and_validates(client, admin_member, buyer, group):
    url = reverse("procurement:po_settings")
    client.force_login(buyer.user)
    assert client.get(url).status_code == 403
    client.force_login(admin_member.user)
    html = client.get(url).content.decode()
    assert f"PO-{timezone.localdate():%Y}-000001" in html and group.name in html
    bad = client.post(url, {"po_mode": "generated", "po_pattern": "PO {year}", "po_regex": "("})
    html = bad.content.decode()
    assert "may only contain letters, digits" in html
    assert "cannot be used" in html
    business = Business.objects.get(pk=admin_member.business_id)
    assert business.po_pattern == "PO-{year}-{seq:06}"
    preview = client.post(url, {"po_mode": "generated", "po_pattern": "ACME-{month}-{seq:05}", "preview": "1"})
    assert f"ACME-{timezone.localdate():%m}-00001" in preview.content.decode()
    assert Business.objects.get(pk=business.pk).po_pattern == "PO-{year}-{seq:06}"  # a preview saves nothing
    response = client.post(url, {"po_mode": "typed", "po_required": "on", "po_pattern": "ACME-{month}-{seq:05}", "po_regex": "^[0-9]+$"})
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.po_mode, business.po_pattern, business.po_regex) == ("typed", "ACME-{month}-{seq:05}", "^[0-9]+$")
    assert business.history.first().history_user == admin_member.user
    client.post(url, {"group": group.pk, "po_pattern": "{cost_center}-{seq}"})
    group.refresh_from_db()
    assert group.po_pattern == "{cost_center}-{seq}"
    html = client.post(url, {"group": group.pk, "po_pattern": "{nope}"}).content.decode()
    assert "Unknown token {nope}" in html
    other_group = GroupFactory()
    assert client.post(url, {"group": other_group.pk, "po_pattern": "X{seq}"}).status_code == 404


def _orders(group, buyer, n, lines):
    """n orders, each with `lines` lines and a shipment; the last order is returned."""
    product = ProductFactory()
    for _ in range(n):
        order = OrderFactory(group=group, buyer=buyer)
        made = OrderLine.objects.bulk_create([
            OrderLine(business=order.business, order=order, product=product, sku=product.sku, description=product.name,
                      quantity=2, unit_price=product.unit_price, amount=product.unit_price * 2)
            for _ in range(lines)
        ])
        shipment = ShipmentFactory(order=order)
        ShipmentLineFactory(shipment=shipment, order_line=made[0])
    return order


@pytest.mark.parametrize("view", ["list", "detail"])
def test_query_counts_stay_flat(client, django_assert_max_num_queries, business, group, admin_member, view):
    buyer = make_buyer(group)
    client.force_login(admin_member.user)

    def measure(n):
        last = _orders(group, buyer, n, n)
        url = reverse("orders:order_list") if view == "list" else reverse("orders:order_detail", args=[last.po_number])
        from django.db import connection
        from django.test.utils import CaptureQueriesContext
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(url).status_code == 200
        return len(ctx.captured_queries)

    small, large = measure(5), measure(50)
    assert small == large
    with django_assert_max_num_queries(15):
        client.get(reverse("orders:order_list"))
