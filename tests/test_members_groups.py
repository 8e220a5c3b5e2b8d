"""Members, Groups and Billing & Shipping in Business Settings: real requests, real rows."""

import re

import pytest
from django.core import mail
from django.urls import reverse

from procurement.models import Address, Group, GroupMembership, Member, User
from tests.factories import AddressFactory, GroupFactory, GroupMembershipFactory, MemberFactory

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


@pytest.fixture
def admin_client(client, admin_member):
    client.force_login(admin_member.user)
    return client


# --- Members ---------------------------------------------------------------------------------------


def test_add_member_mails_a_set_password_link_and_no_password(admin_client, business, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(
            reverse("procurement:member_add"),
            {"first_name": "Nina", "last_name": "New", "email": "Nina@Example.com"},
        )
    member = Member.objects.get(user__email="nina@example.com")
    assert member.business == business and not member.is_business_admin and member.is_active
    assert response["Location"] == reverse("procurement:member_edit", kwargs={"member_id": member.pk})
    # No password exists until Nina sets one: nothing to show, mail or guess.
    assert not member.user.has_usable_password()

    page = admin_client.get(response["Location"])
    text = page.content.decode()
    assert "We emailed nina@example.com a link to set their password" in text
    assert "temporary password" not in text.lower()
    assert "Has not set a password yet" in text

    assert len(mail.outbox) == 1 and mail.outbox[0].to == ["nina@example.com"]
    body = mail.outbox[0].body
    assert "password:" not in body.lower() and "temporary" not in body.lower()
    link = re.search(r"http://testserver(/password-reset/[^/\s]+/[^/\s]+/)", body).group(1)

    # The link lets Nina choose her password, then she logs in with it.
    admin_client.logout()
    form = admin_client.get(link, follow=True)
    assert form.context["validlink"]
    done = admin_client.post(form.redirect_chain[-1][0], {"new_password1": "lemon-tree-2026", "new_password2": "lemon-tree-2026"})
    assert done.status_code == 302 and done["Location"] == reverse("procurement:password_reset_complete")
    login = admin_client.post(reverse("procurement:login"), {"username": "nina@example.com", "password": "lemon-tree-2026"})
    assert login.status_code == 302 and login["Location"] == reverse("procurement:account")

    # Used once: the same link no longer works.
    admin_client.logout()
    assert not admin_client.get(link, follow=True).context["validlink"]


def test_add_member_with_taken_email_saves_nothing(admin_client, buyer):
    before = User.objects.count()
    response = admin_client.post(
        reverse("procurement:member_add"), {"first_name": "B", "last_name": "C", "email": "BUYER@example.com"}
    )
    assert response.status_code == 200 and response.context["form"].errors["email"]
    assert User.objects.count() == before


def _edit(client, member, **changes):
    data = {"first_name": member.user.first_name, "last_name": member.user.last_name,
            "is_business_admin": "on" if member.is_business_admin else "", "is_active": "on" if member.is_active else ""}
    data.update(changes)
    data = {k: v for k, v in data.items() if v != ""}
    return client.post(reverse("procurement:member_edit", kwargs={"member_id": member.pk}), data)


def test_set_and_unset_business_admin(admin_client, buyer):
    assert _edit(admin_client, buyer, is_business_admin="on").status_code == 302
    buyer.refresh_from_db()
    assert buyer.is_business_admin
    assert _edit(admin_client, buyer, is_business_admin="").status_code == 302
    buyer.refresh_from_db()
    assert not buyer.is_business_admin
    assert buyer.history.count() == 3  # created, promoted, demoted


def test_deactivated_member_cannot_log_in_and_can_be_reactivated(admin_client, client, buyer):
    assert _edit(admin_client, buyer, is_active="").status_code == 302
    buyer.refresh_from_db()
    assert not buyer.is_active and not buyer.user.is_active
    assert Member.objects.filter(pk=buyer.pk).exists()  # never deleted
    admin_client.logout()
    from tests.factories import PASSWORD

    response = client.post(reverse("procurement:login"), {"username": buyer.user.email, "password": PASSWORD})
    assert response.status_code == 200 and "_auth_user_id" not in client.session

    admin = Member.objects.get(is_business_admin=True, business=buyer.business)
    client.force_login(admin.user)
    assert _edit(client, buyer, is_active="on").status_code == 302
    client.logout()
    response = client.post(reverse("procurement:login"), {"username": buyer.user.email, "password": PASSWORD})
    assert response.status_code == 302


def test_a_deactivated_member_with_a_live_session_is_refused(client, admin_member, buyer):
    client.force_login(buyer.user)
    assert client.get(reverse("procurement:account")).status_code == 200
    Member.objects.filter(pk=buyer.pk).update(is_active=False)
    assert client.get(reverse("procurement:account")).status_code in (302, 403)


def test_member_cannot_deactivate_themself(admin_client, admin_member):
    MemberFactory(business=admin_member.business, is_business_admin=True)  # not the last admin
    response = _edit(admin_client, admin_member, is_active="")
    assert response.status_code == 200
    assert "cannot deactivate yourself" in response.context["form"].errors["is_active"][0]
    admin_member.refresh_from_db()
    assert admin_member.is_active


def test_last_business_admin_cannot_be_removed(admin_client, admin_member):
    response = _edit(admin_client, admin_member, is_business_admin="")
    assert response.status_code == 200
    assert "at least one active business admin" in response.context["form"].errors["is_business_admin"][0]
    admin_member.refresh_from_db()
    assert admin_member.is_business_admin


def test_admin_who_steps_down_lands_in_their_account(admin_client, admin_member):
    MemberFactory(business=admin_member.business, is_business_admin=True)
    response = _edit(admin_client, admin_member, is_business_admin="")
    assert response["Location"] == reverse("procurement:account")
    admin_member.refresh_from_db()
    assert not admin_member.is_business_admin
    assert admin_client.get(reverse("procurement:members")).status_code == 403


def test_second_admin_can_demote_the_first(admin_client, admin_member):
    second = MemberFactory(business=admin_member.business, is_business_admin=True)
    assert _edit(admin_client, second, is_business_admin="").status_code == 302
    second.refresh_from_db()
    assert not second.is_business_admin


# --- Groups ----------------------------------------------------------------------------------------


def test_create_group_with_address_and_parent(admin_client, business, group):
    address = AddressFactory(business=business, label="Dock 7")
    response = admin_client.post(reverse("procurement:group_create"), {
        "name": "Research", "cost_center": "CC-900", "location": "Boston",
        "shipping_address": address.pk, "parent": group.pk, "approval_threshold": "2500.00",
    })
    new = Group.objects.get(business=business, name="Research")
    assert response["Location"] == reverse("procurement:group_detail", kwargs={"group_id": new.pk})
    assert (new.cost_center, new.location, new.shipping_address, new.parent) == ("CC-900", "Boston", address, group)
    assert str(new.approval_threshold) == "2500.00"

    page = admin_client.get(response["Location"]).content.decode()
    assert "Research" in page and address.line1 in page  # the default shipping address, under Billing & Shipping


@pytest.mark.parametrize("field", ["shipping_address", "parent"])
def test_forged_foreign_key_of_another_business_is_refused(admin_client, business, other_business, field):
    foreign = AddressFactory(business=other_business) if field == "shipping_address" else GroupFactory(business=other_business)
    before = Group.objects.count()
    response = admin_client.post(reverse("procurement:group_create"), {"name": "Sneaky", field: foreign.pk})
    assert response.status_code == 200
    assert "valid choice" in response.context["form"].errors[field][0]
    assert Group.objects.count() == before


def test_duplicate_group_name_is_refused(admin_client, group):
    response = admin_client.post(reverse("procurement:group_create"), {"name": group.name.upper()})
    assert response.status_code == 200 and "already has a group" in response.context["form"].errors["name"][0]


def test_rename_group_and_see_it_in_history(admin_client, admin_member, group):
    old = group.name
    response = admin_client.post(reverse("procurement:group_edit", kwargs={"group_id": group.pk}), {
        "name": "Platform", "cost_center": "CC-777", "location": group.location,
        "shipping_address": group.shipping_address_id,
    })
    assert response.status_code == 302
    group.refresh_from_db()
    assert group.name == "Platform" and group.cost_center == "CC-777"
    page = admin_client.get(reverse("procurement:group_detail", kwargs={"group_id": group.pk}))
    lines = page.context["history"]
    assert lines[0].who == admin_member.user.get_full_name()
    assert f"Name: “{old}” → “Platform”" in lines[0].what and "Cost center" in lines[0].what


def test_group_cannot_sit_under_its_own_subgroup(admin_client, business, group):
    child = GroupFactory(business=business, parent=group)
    response = admin_client.post(reverse("procurement:group_edit", kwargs={"group_id": group.pk}), {
        "name": group.name, "parent": child.pk,
    })
    assert response.status_code == 200 and "under itself" in response.context["form"].errors["parent"][0]
    group.refresh_from_db()
    assert group.parent is None


def test_add_member_with_several_roles_then_remove_one(admin_client, admin_member, business, group):
    person = MemberFactory(business=business)
    url = reverse("procurement:group_member_add", kwargs={"group_id": group.pk})
    response = admin_client.post(url, {"member": person.pk, "roles": [Role.BUYER, Role.APPROVER]})
    assert response.status_code == 302
    held = set(GroupMembership.objects.filter(group=group, member=person).values_list("role", flat=True))
    assert held == {Role.BUYER, Role.APPROVER}
    assert all(m.business_id == business.pk for m in GroupMembership.objects.filter(member=person))

    # The same roles again add nothing and say so.
    again = admin_client.post(url, {"member": person.pk, "roles": [Role.BUYER]})
    assert again.status_code == 200 and "already holds" in again.context["form"].errors["roles"][0]
    assert GroupMembership.objects.filter(group=group, member=person).count() == 2

    approver = GroupMembership.objects.get(group=group, member=person, role=Role.APPROVER)
    remove_url = reverse("procurement:group_member_remove", kwargs={"group_id": group.pk, "membership_id": approver.pk})
    assert admin_client.get(remove_url).status_code == 200  # confirmation page
    assert admin_client.post(remove_url).status_code == 302
    assert set(GroupMembership.objects.filter(group=group, member=person).values_list("role", flat=True)) == {Role.BUYER}

    page = admin_client.get(reverse("procurement:group_detail", kwargs={"group_id": group.pk}))
    whats = [line.what for line in page.context["history"]]
    assert f"Removed {person.name} as Approver" in whats
    assert f"Added {person.name} as Buyer" in whats
    assert page.context["history"][0].who == admin_member.user.get_full_name()
    assert [row.member for row in page.context["rows"]] == [person]


def test_member_of_another_business_cannot_be_added(admin_client, group, other_member):
    response = admin_client.post(
        reverse("procurement:group_member_add", kwargs={"group_id": group.pk}),
        {"member": other_member.pk, "roles": [Role.BUYER]},
    )
    assert response.status_code == 200 and response.context["form"].errors["member"]
    assert not GroupMembership.objects.filter(member=other_member).exists()


def test_membership_of_another_group_cannot_be_removed_through_this_group(admin_client, business, group):
    other_group = GroupFactory(business=business)
    membership = GroupMembershipFactory(group=other_group)
    url = reverse("procurement:group_member_remove", kwargs={"group_id": group.pk, "membership_id": membership.pk})
    assert admin_client.post(url).status_code == 404
    assert GroupMembership.objects.filter(pk=membership.pk).exists()


def test_group_page_has_billing_and_shipping_section(admin_client, group):
    body = admin_client.get(reverse("procurement:group_detail", kwargs={"group_id": group.pk})).content.decode()
    assert 'id="billing-shipping-heading">Billing &amp; Shipping</h2>' in body
    assert group.shipping_address.line1 in body


# --- Billing & Shipping ------------------------------------------------------------------------------


def test_address_create_edit_and_deactivate(admin_client, business):
    fields = {"label": "Annex", "recipient": "Mail room", "line1": "5 Side St", "city": "Springfield",
              "region": "IL", "postal_code": "62704", "country": "United States", "is_active": "on"}
    assert admin_client.post(reverse("procurement:address_create"), fields).status_code == 302
    address = Address.objects.get(business=business, label="Annex")
    assert address.is_active
    fields.pop("is_active")
    response = admin_client.post(reverse("procurement:address_edit", kwargs={"address_id": address.pk}), fields)
    assert response.status_code == 302
    address.refresh_from_db()
    assert not address.is_active  # deactivated, not deleted
    # Inactive addresses are not offered for groups.
    form = admin_client.get(reverse("procurement:group_create")).context["form"]
    assert address not in form.fields["shipping_address"].queryset
    assert address.history.count() == 2


def test_company_details_edit(admin_client, business):
    response = admin_client.post(reverse("procurement:company"), {
        "name": "Renamed Ltd", "address_line1": "9 New Rd", "city": "Shelbyville", "postal_code": "62565",
        "country": "United States", "currency": "eur",
    })
    assert response.status_code == 302
    business.refresh_from_db()
    assert (business.name, business.currency) == ("Renamed Ltd", "EUR")
    bad = admin_client.post(reverse("procurement:company"), {"name": "", "address_line1": "x", "city": "y",
                                                             "postal_code": "1", "country": "US", "currency": "EURO"})
    assert bad.status_code == 200 and {"name", "currency"} <= set(bad.context["form"].errors)
    business.refresh_from_db()
    assert business.name == "Renamed Ltd"


# --- Query counts -------------------------------------------------------------------------------------


def _grow(business, n):
    groups = [GroupFactory(business=business) for _ in range(n)]
    for i in range(n):
        member = MemberFactory(business=business)
        GroupMembershipFactory(group=groups[i], member=member, role=Role.BUYER)
        GroupMembershipFactory(group=groups[i], member=member, role=Role.APPROVER)


def _queries(client, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(url).status_code == 200
    return len(ctx)


@pytest.mark.parametrize("url_name", ["procurement:members", "procurement:groups"])
def test_list_pages_run_the_same_queries_for_5_and_100_rows(admin_client, business, url_name, django_assert_num_queries):
    url = reverse(url_name)
    _grow(business, 5)
    small = _queries(admin_client, url)
    _grow(business, 95)
    assert Member.objects.filter(business=business).count() >= 100
    with django_assert_num_queries(small):
        response = admin_client.get(url)
    assert len(response.context["page_obj"].object_list) == 25  # paginated


def test_group_page_runs_the_same_queries_for_5_and_50_members(admin_client, business, group, django_assert_num_queries):
    url = reverse("procurement:group_detail", kwargs={"group_id": group.pk})

    def add(n):
        for _ in range(n):
            GroupMembershipFactory(group=group, member=MemberFactory(business=business), role=Role.BUYER)

    add(5)
    small = _queries(admin_client, url)
    add(45)
    with django_assert_num_queries(small):
        response = admin_client.get(url)
    assert len(response.context["rows"]) == 50


def test_members_search_by_name_or_email(admin_client, business):
    MemberFactory(business=business, user__email="zed@example.com", user__first_name="Zed")
    MemberFactory(business=business, user__email="yan@example.com", user__first_name="Yan")
    response = admin_client.get(reverse("procurement:members"), {"q": "ZED"})
    assert [m.user.email for m in response.context["members"]] == ["zed@example.com"]


def test_group_history_names_each_change_in_page_order(admin_member, business, group):
    from decimal import Decimal

    from procurement.selectors import group_history
    from procurement.services import group_update

    dock = AddressFactory(business=business, label="North dock")
    parent = GroupFactory(business=business, name="Head office")
    user = admin_member.user
    group_update(group=group, acting_user=user, approval_threshold=Decimal("500.00"), shipping_address=dock,
                 parent=parent, cost_center="CC-1")
    group_update(group=group, acting_user=user, cost_center="CC-1")
    lines = [line.what for line in group_history(group=group)]
    assert lines[0] == "Saved without changes"
    first = group.history.earliest()
    was_address = first.shipping_address.label if first.shipping_address else "—"
    assert lines[1] == (
        f"Cost center: “{first.cost_center or '—'}” → “CC-1”; Default shipping address: “{was_address}” → “North dock”; "
        "Parent group: “—” → “Head office”; Approval threshold: “—” → “500.00”"
    )
