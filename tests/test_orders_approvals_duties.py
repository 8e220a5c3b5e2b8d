"""Segregation of duties: no one approves an order they placed, not approvers, not business admins."""

import pytest
from django.urls import reverse

from budgets.models import Budget
from orders.approvals.services import ApprovalError, order_approve, order_reject
from orders.checkout.services import CheckoutError
from orders.models import Approval, CartItem, Order
from procurement.models import GroupMembership
from tests.factories import GroupMembershipFactory, MemberFactory
from tests.support.orders import fill_cart, make_budget, place

pytestmark = pytest.mark.django_db


def _pending_by(buyer, group):
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "50.00"})
    fill_cart(buyer, ("60.00", 2))
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL
    return order


def _make_approver(group, member=None):
    member = member or MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.APPROVER)
    return member


@pytest.mark.parametrize("role", ["approver", "business_admin"])
def test_the_buyer_cannot_approve_or_reject_their_own_order(client, buyer, group, role):
    if role == "approver":
        _make_approver(group, buyer)
    else:
        buyer.is_business_admin = True
        buyer.save()
    colleague = _make_approver(group)  # someone else can decide, so checkout goes through
    order = _pending_by(buyer, group)
    with pytest.raises(ApprovalError, match="You placed order"):
        order_approve(order=order, approver=buyer, acting_user=buyer.user)
    with pytest.raises(ApprovalError, match="You placed order"):
        order_reject(order=order, approver=buyer, reason="no", acting_user=buyer.user)
    client.force_login(buyer.user)
    page = client.get(reverse("orders:approvals")).content.decode()
    assert order.po_number not in page  # not offered
    response = client.post(reverse("orders:approvals"), {"po_number": order.po_number, "decision": "approve"}, follow=True)
    assert "You placed order" in response.content.decode()
    order.refresh_from_db()
    assert order.status == Order.Status.PENDING_APPROVAL and not Approval.objects.exists()
    assert order_approve(order=order, approver=colleague, acting_user=colleague.user).status == Order.Status.PLACED


def test_when_the_buyer_is_the_groups_only_approver_the_order_goes_to_the_business_admins(client, buyer, group, admin_member):
    _make_approver(group, buyer)
    order = _pending_by(buyer, group)
    client.force_login(admin_member.user)
    assert order.po_number in client.get(reverse("orders:approvals")).content.decode()
    assert order_approve(order=order, approver=admin_member, acting_user=admin_member.user).status == Order.Status.PLACED


def test_when_no_one_but_the_buyer_could_approve_checkout_refuses_and_saves_nothing(buyer, group):
    buyer.is_business_admin = True  # the only admin and the only approver
    buyer.save()
    _make_approver(group, buyer)
    with pytest.raises(CheckoutError, match="no one but you could approve"):
        _pending_by(buyer, group)
    assert not Order.objects.exists()
    assert CartItem.objects.filter(member=buyer).exists()  # the cart stays for another try
