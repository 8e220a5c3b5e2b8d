"""Rotating the dock key: Business Settings (business admins, confirmed POST) and the Django admin action."""

from urllib.parse import parse_qs, urlsplit

import pytest
from django.urls import reverse

from orders.documents.dock import dock_key, dock_verify_path
from orders.models import DockSigningKey
from tests.factories import UserFactory
from tests.support.receiving import placed_order, ship

pytestmark = pytest.mark.django_db


@pytest.fixture
def old_link(buyer, group):
    order = placed_order(buyer, group, ("12.50", 3))
    shipment = ship(order, {order.lines.get(): 3})
    path = dock_verify_path(shipment)
    return path, {k: v[0] for k, v in parse_qs(urlsplit(path).query).items()}


def _verifies(client, old_link):
    return client.get(reverse("orders:dock_verify"), old_link[1])


def test_business_admin_rotates_after_confirming_and_old_codes_stop_verifying(client, admin_member, old_link):
    assert _verifies(client, old_link).status_code == 200
    client.force_login(admin_member.user)
    settings_page = client.get(reverse("procurement:business_settings")).content.decode()
    assert reverse("orders:dock_key") in settings_page and "Dock QR codes" in settings_page
    url = reverse("orders:dock_key")
    page = client.get(url).content.decode()
    assert 'data-testid="dock-key-version">1<' in page and "Rotate the dock key" in page
    unconfirmed = client.post(url, {})
    assert unconfirmed.status_code == 400 and "Tick the box" in unconfirmed.content.decode()
    assert dock_key(admin_member.business_id).version == 1 and _verifies(client, old_link).status_code == 200
    response = client.post(url, {"confirm": "on"}, follow=True)
    assert response.redirect_chain[-1][0] == url
    assert "Dock key rotated (now version 2)" in response.content.decode()
    key = dock_key(admin_member.business_id)
    assert key.version == 2 and key.history.first().history_user == admin_member.user
    client.logout()
    refused = _verifies(client, old_link)
    assert refused.status_code == 400 and "not genuine" in refused.content.decode()


def test_only_business_admins_rotate(client, buyer, old_link):
    client.force_login(buyer.user)
    assert client.get(reverse("orders:dock_key")).status_code == 403
    assert client.post(reverse("orders:dock_key"), {"confirm": "on"}).status_code == 403
    assert dock_key(buyer.business_id).version == 1


def test_rotating_one_business_leaves_another_alone(client, admin_member, other_member, old_link):
    other_key = dock_key(other_member.business_id)
    client.force_login(other_member.user)
    assert client.post(reverse("orders:dock_key"), {"confirm": "on"}).status_code in (302, 403)
    assert dock_key(admin_member.business_id).version == 1
    client.logout()
    assert _verifies(client, old_link).status_code == 200
    assert DockSigningKey.objects.get(pk=other_key.pk).business_id == other_member.business_id


def test_staff_rotate_in_django_admin(client, old_link, admin_member):
    client.force_login(UserFactory(email="staff@example.com", is_staff=True, is_superuser=True))
    changelist = reverse("admin:orders_docksigningkey_changelist")
    page = client.get(changelist).content.decode()
    assert admin_member.business.name in page and "secret" not in page.lower()
    key = dock_key(admin_member.business_id)
    response = client.post(changelist, {"action": "rotate_selected", "_selected_action": [key.pk]}, follow=True)
    assert "1 dock key(s) rotated" in response.content.decode()
    assert dock_key(admin_member.business_id).version == 2
    client.logout()
    assert _verifies(client, old_link).status_code == 400
