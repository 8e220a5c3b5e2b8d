"""What every signed-in request pays: the session, then the user with their membership, business and group
roles in one query (procurement.auth.MemberBackend). That look-up must stay as safe as Django's own: a
password change, a deactivated user or member, a new role or another business name shows on the very next
request. Find by PO number and Your Account for Business stay at a flat number of queries as data grows,
and the account page's counts are bounded ("99+")."""

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from orders.models import Order
from procurement.attention import COUNT_CAP, attention_items
from procurement.auth import MemberBackend
from procurement.models import GroupMembership
from tests.factories import GroupFactory, GroupMembershipFactory, MemberFactory, OrderFactory, UserFactory
from tests.factories import PASSWORD

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


def _sign_in(client, member):
    """A real login through the form, so the session names the backend the settings list."""
    response = client.post(reverse("procurement:login"), {"username": member.user.email, "password": PASSWORD})
    assert response.status_code == 302, response.content[:500]
    return client


def test_the_backend_reads_user_member_business_and_roles_in_one_query(group):
    member = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=member, role=Role.APPROVER)
    GroupMembershipFactory(group=group, member=member, role=Role.BUYER)
    other = GroupFactory(business=group.business)
    GroupMembershipFactory(group=other, member=member, role=Role.FINANCE)
    with CaptureQueriesContext(connection) as queries:
        user = MemberBackend().get_user(member.user.pk)
        from procurement.tenancy import member_for_user, member_group_roles

        found = member_for_user(user)
        roles = member_group_roles(found)
        business_name = found.business.name
    assert len(queries) == 1
    assert found.pk == member.pk and found.user is user and business_name == group.business.name
    assert roles == {group.pk: {Role.APPROVER, Role.BUYER}, other.pk: {Role.FINANCE}}


def test_a_user_without_membership_or_roles(db, group):
    staff = UserFactory(is_staff=True)
    user = MemberBackend().get_user(staff.pk)
    from procurement.tenancy import member_for_user, member_group_roles

    with CaptureQueriesContext(connection) as queries:
        assert member_for_user(user) is None
    assert len(queries) == 0
    lonely = MemberFactory(business=group.business)
    member = member_for_user(MemberBackend().get_user(lonely.user.pk))
    assert member_group_roles(member) == {}
    assert MemberBackend().get_user(10**9) is None


def test_an_inactive_user_or_member_is_signed_out_or_refused_on_the_next_request(client, group, buyer):
    _sign_in(client, buyer)
    assert client.get(reverse("procurement:account")).status_code == 200
    buyer.is_active = False
    buyer.save()
    assert client.get(reverse("procurement:account")).status_code == 403
    buyer.is_active = True
    buyer.save()
    assert client.get(reverse("procurement:account")).status_code == 200
    buyer.user.is_active = False
    buyer.user.save()
    response = client.get(reverse("procurement:account"))
    assert response.status_code == 302 and reverse("procurement:login") in response["Location"]


def test_a_password_change_signs_other_sessions_out(client, group, buyer):
    """Django verifies the session's auth hash against the user row the backend read."""
    _sign_in(client, buyer)
    assert client.get(reverse("procurement:account")).status_code == 200
    buyer.user.set_password("another-long-password-1")
    buyer.user.save()
    response = client.get(reverse("procurement:account"))
    assert response.status_code == 302 and reverse("procurement:login") in response["Location"]


def test_roles_and_business_name_show_on_the_next_request(client, group, buyer):
    _sign_in(client, buyer)
    approvals = reverse("orders:approvals")
    assert f'href="{approvals}"' not in client.get(reverse("procurement:account")).content.decode()
    GroupMembershipFactory(group=group, member=buyer, role=Role.APPROVER)
    html = client.get(reverse("procurement:account")).content.decode()
    assert f'href="{approvals}"' in html
    group.business.name = "Renamed Corp"
    group.business.save()
    assert "Renamed Corp" in client.get(reverse("procurement:account")).content.decode()
    GroupMembership.objects.filter(member=buyer, role=Role.APPROVER).delete()
    assert f'href="{approvals}"' not in client.get(reverse("procurement:account")).content.decode()
    assert client.get(approvals).status_code == 403


@pytest.mark.parametrize("role", ["admin", Role.BUYER, Role.APPROVER])
def test_find_by_po_number_takes_three_queries_whatever_the_data(client, group, django_assert_max_num_queries, role):
    """The session, the user with member, business and roles, the order: flat as orders grow."""
    member = MemberFactory(business=group.business, is_business_admin=role == "admin")
    if role != "admin":
        GroupMembershipFactory(group=group, member=member, role=role)
    mine = OrderFactory(group=group, buyer=member)
    _sign_in(client, member)
    for _ in range(30):
        OrderFactory(group=group, buyer=mine.buyer if role == "admin" else MemberFactory(business=group.business))
    with django_assert_max_num_queries(3):
        response = client.get(reverse("orders:find"), {"q": mine.po_number.lower()})
    assert response.status_code == 302
    assert response["Location"] == reverse("orders:order_detail", kwargs={"po_number": mine.po_number})


def test_find_still_scopes_to_what_the_member_may_see(client, group, buyer):
    theirs = OrderFactory(group=GroupFactory(business=group.business))
    _sign_in(client, buyer)
    response = client.get(reverse("orders:find"), {"q": theirs.po_number})
    assert response.status_code == 200 and "No order, invoice or payment" in response.content.decode()


@pytest.mark.parametrize("role", ["admin", Role.BUYER, Role.APPROVER, Role.FINANCE])
def test_account_page_queries(client, group, django_assert_max_num_queries, role):
    """Session, user+member+business+roles, the groups table, one per attention provider (approvals, cart,
    low funds, to receive, finance), the bell: at most 9, whatever the data."""
    member = MemberFactory(business=group.business, is_business_admin=role == "admin")
    if role != "admin":
        GroupMembershipFactory(group=group, member=member, role=role)
    _sign_in(client, member)
    buyer = MemberFactory(business=group.business)
    for _ in range(12):
        OrderFactory(group=group, buyer=buyer, status=Order.Status.PENDING_APPROVAL)
    with django_assert_max_num_queries(9):
        assert client.get(reverse("procurement:account")).status_code == 200


def test_counts_beyond_the_cap_read_99_plus(client, group):
    approver = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=approver, role=Role.APPROVER)
    for _ in range(COUNT_CAP):
        OrderFactory(group=group, buyer=approver, status=Order.Status.PENDING_APPROVAL)
    items = {item.key: item for item in attention_items(member=approver)}
    assert items["approvals"].text == f"{COUNT_CAP} orders waiting for your approval"
    OrderFactory(group=group, buyer=approver, status=Order.Status.PENDING_APPROVAL)
    items = {item.key: item for item in attention_items(member=approver)}
    assert items["approvals"].text == f"{COUNT_CAP}+ orders waiting for your approval"
    assert items["approvals"].label == f"{COUNT_CAP}+"
    _sign_in(client, approver)
    html = client.get(reverse("procurement:account")).content.decode()
    assert f"{COUNT_CAP}+ orders waiting for your approval" in html
