"""Role checks on the server: Business Settings is for business admins; a group page for business
admins and that group's group admins; Your Account for Business links by role."""

import pytest
from django.urls import reverse

from procurement.models import GroupMembership
from tests.factories import AddressFactory, GroupFactory, GroupMembershipFactory, MemberFactory, UserFactory

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


def _settings_urls(business, group):
    member = MemberFactory(business=business)
    membership = GroupMembershipFactory(group=group, member=member)
    address = AddressFactory(business=business)
    return [
        reverse("procurement:business_settings"),
        reverse("procurement:company"),
        reverse("procurement:members"),
        reverse("procurement:member_add"),
        reverse("procurement:member_edit", kwargs={"member_id": member.pk}),
        reverse("procurement:groups"),
        reverse("procurement:group_create"),
        reverse("procurement:group_detail", kwargs={"group_id": group.pk}),
        reverse("procurement:group_edit", kwargs={"group_id": group.pk}),
        reverse("procurement:group_member_add", kwargs={"group_id": group.pk}),
        reverse("procurement:group_member_remove", kwargs={"group_id": group.pk, "membership_id": membership.pk}),
        reverse("procurement:addresses"),
        reverse("procurement:address_create"),
        reverse("procurement:address_edit", kwargs={"address_id": address.pk}),
        reverse("orders:approval_workflow"),
        reverse("orders:group_approval_workflow", kwargs={"group_id": group.pk}),
        reverse("orders:category_policies", kwargs={"group_id": group.pk}),
        reverse("orders:spending_limits"),
    ]


@pytest.mark.parametrize("role", [Role.BUYER, Role.APPROVER, Role.FINANCE])
def test_non_admins_get_403_on_every_business_settings_page(client, business, group, role):
    urls = _settings_urls(business, group)
    person = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=person, role=role)
    client.force_login(person.user)
    memberships_before = GroupMembership.objects.count()
    denied = client.get(reverse("procurement:business_settings"))
    assert "Only business admins can open Business Settings." in denied.content.decode()
    for url in urls:
        assert client.get(url).status_code == 403, url
        assert client.post(url, {"name": "Hacked", "first_name": "X", "last_name": "Y", "is_active": ""}).status_code == 403, url
    assert GroupMembership.objects.count() == memberships_before
    group.refresh_from_db()
    business.refresh_from_db()
    assert group.name != "Hacked" and business.name != "Hacked"


def test_business_admin_opens_every_business_settings_page(client, business, group, admin_member):
    client.force_login(admin_member.user)
    for url in _settings_urls(business, group):
        assert client.get(url).status_code == 200, url


def test_group_admin_sees_their_group_page_only(client, business, group):
    other_group = GroupFactory(business=business)
    lead = MemberFactory(business=business)
    GroupMembershipFactory(group=group, member=lead, role=Role.GROUP_ADMIN)
    client.force_login(lead.user)
    response = client.get(reverse("procurement:group_detail", kwargs={"group_id": group.pk}))
    assert response.status_code == 200
    assert "Billing &amp; Shipping" in response.content.decode()
    # ...but cannot manage memberships or edit it (Business Settings stays admin-only).
    assert reverse("procurement:group_member_add", kwargs={"group_id": group.pk}) not in response.content.decode()
    assert client.get(reverse("procurement:group_edit", kwargs={"group_id": group.pk})).status_code == 403
    assert client.get(reverse("procurement:group_detail", kwargs={"group_id": other_group.pk})).status_code == 403


def test_signed_in_user_without_a_business_gets_403(client):
    client.force_login(UserFactory(is_staff=True))
    assert client.get(reverse("procurement:account")).status_code == 403


def test_anonymous_visitor_is_sent_to_log_in(client):
    response = client.get(reverse("procurement:business_settings"))
    assert response.status_code == 302 and response["Location"].startswith(reverse("procurement:login"))


def test_account_page_shows_business_settings_to_admins_only(client, business, group, admin_member, buyer):
    settings_link = f'href="{reverse("procurement:business_settings")}"'
    client.force_login(buyer.user)
    body = client.get(reverse("procurement:account")).content.decode()
    assert settings_link not in body
    assert group.name in body and "Buyer" in body  # the buyer's groups and roles
    client.force_login(admin_member.user)
    body = client.get(reverse("procurement:account")).content.decode()
    assert settings_link in body and "Business admin" in body
