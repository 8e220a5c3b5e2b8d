"""Approvals: pending orders reserve at checkout, approving places them, reject needs a reason."""

from decimal import Decimal

import pytest
from django.urls import reverse

from budgets.ledger import InsufficientFunds
from budgets.models import Budget, LedgerEntry
from orders.approvals.services import ApprovalError, order_approve, order_reject
from orders.models import Approval, Order
from tests.factories import AllocationFactory, GroupFactory, GroupMembershipFactory, MemberFactory
from tests.support.orders import fill_cart, make_budget, make_buyer, place

pytestmark = pytest.mark.django_db


@pytest.fixture
def approver(group):
    member = MemberFactory(business=group.business, user__email="approver@example.com")
    GroupMembershipFactory(group=group, member=member, role="approver")
    return member


@pytest.fixture
def pending(buyer, group):
    # 120 is over the buyer's 50 allocation (needs approval) but within the 1000 budget.
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: "50.00"})
    fill_cart(buyer, ("60.00", 2))
    order = place(buyer, group, budget).order
    assert order.status == Order.Status.PENDING_APPROVAL
    return order


def test_approvals_page_approve_charges_budget(client, approver, pending):
    client.force_login(approver.user)
    page = client.get(reverse("orders:approvals")).content.decode()
    assert pending.po_number in page and "Approve" in page and "Reject" in page
    response = client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "approve"}, follow=True)
    assert f"Order {pending.po_number} approved" in response.content.decode()
    pending.refresh_from_db()
    assert pending.status == Order.Status.PLACED and pending.decided_by == approver
    assert LedgerEntry.objects.get(order=pending).amount == Decimal("120.00")
    assert Approval.objects.get(order=pending).decision == "approved"
    pending.budget.refresh_from_db()
    assert pending.budget.spent == Decimal("120.00")


def test_pending_order_reserves_so_approval_cannot_fail_for_funds(client, approver, pending, group):
    # The pending order holds its 120 at checkout: a later order cannot take that money away.
    pending.budget.refresh_from_db()
    assert pending.budget.spent == Decimal("120.00")
    assert LedgerEntry.objects.get(order=pending).note.endswith("(reserved until approved)")
    other = make_buyer(group)
    AllocationFactory(budget=pending.budget, member=other, amount=Decimal("900.00"))
    fill_cart(other, ("890.00", 1))
    with pytest.raises(InsufficientFunds):
        place(other, group, pending.budget)  # only 880 of the 1000 is left
    order_approve(order=pending, approver=approver, acting_user=approver.user)
    pending.refresh_from_db()
    assert pending.status == Order.Status.PLACED
    assert LedgerEntry.objects.filter(order=pending).count() == 1  # approving charges nothing more
    pending.budget.refresh_from_db()
    assert pending.budget.spent == Decimal("120.00")


def test_reject_requires_a_reason_and_buyer_sees_it(client, approver, pending, buyer):
    client.force_login(approver.user)
    client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "reject", "reason": " "})
    pending.refresh_from_db()
    assert pending.status == Order.Status.PENDING_APPROVAL
    client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "reject", "reason": "Too many chairs"})
    pending.refresh_from_db()
    assert pending.status == Order.Status.REJECTED
    assert Approval.objects.get(order=pending).reason == "Too many chairs"
    client.force_login(buyer.user)
    page = client.get(reverse("orders:order_detail", args=[pending.po_number])).content.decode()
    assert "Rejected" in page and "Too many chairs" in page
    with pytest.raises(ApprovalError):
        order_reject(order=pending, approver=approver, reason="again", acting_user=approver.user)


def test_roles(client, buyer, pending, group, admin_member):
    client.force_login(buyer.user)
    assert client.get(reverse("orders:approvals")).status_code == 403
    elsewhere = MemberFactory(business=group.business)
    GroupMembershipFactory(group=GroupFactory(business=group.business), member=elsewhere, role="approver")
    client.force_login(elsewhere.user)
    assert pending.po_number not in client.get(reverse("orders:approvals")).content.decode()
    client.post(reverse("orders:approvals"), {"po_number": pending.po_number, "decision": "approve"})
    pending.refresh_from_db()
    assert pending.status == Order.Status.PENDING_APPROVAL
    client.force_login(admin_member.user)  # business admins approve everywhere
    assert pending.po_number in client.get(reverse("orders:approvals")).content.decode()
