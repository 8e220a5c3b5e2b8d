"""Buying policies: personal limits, restricted and always-approve categories, what buyers see before
checkout, and the settings pages (Approval workflows, a group's override, limits, categories, delegations)."""

from decimal import Decimal

import pytest
from django.urls import reverse

from orders.checkout.services import CheckoutError
from orders.models import ApprovalDelegation, ApprovalLevel, ApprovalRule, CartItem, CategoryPolicy, Order, SpendingLimit
from orders.models.approval import Condition, Deciders
from procurement.models import GroupMembership
from tests.factories import CategoryFactory, GroupMembershipFactory, MemberFactory, ProductFactory
from tests.support.orders import make_budget, place

pytestmark = pytest.mark.django_db
Role = GroupMembership.Role


@pytest.fixture
def approver(group):
    member = MemberFactory(business=group.business, user__email="approver@example.com")
    GroupMembershipFactory(group=group, member=member, role=Role.APPROVER)
    return member


def cart_of(member, price, category=None, quantity=1):
    product = ProductFactory(unit_price=Decimal(price), **({"category": category} if category else {}))
    CartItem.objects.create(business=member.business, member=member, product=product, quantity=quantity)
    return product


def test_personal_limit_that_blocks_refuses_the_order(group, buyer, approver):
    SpendingLimit.objects.create(business=group.business, member=buyer, per_order=Decimal("100.00"), action="block")
    cart_of(buyer, "150.00")
    with pytest.raises(CheckoutError, match="personal limit of 100.00 per order"):
        place(buyer, group, make_budget(group))
    assert not Order.objects.exists()


def test_personal_monthly_limit_counts_this_months_orders(group, buyer, approver):
    SpendingLimit.objects.create(business=group.business, member=buyer, per_month=Decimal("100.00"))
    budget = make_budget(group)
    cart_of(buyer, "60.00")
    assert place(buyer, group, budget).order.status == Order.Status.PLACED
    cart_of(buyer, "60.00")
    order = place(buyer, group, budget).order  # 120 this month: over 100, so it needs approval
    assert order.status == Order.Status.PENDING_APPROVAL and "a month" in order.needs_approval_reason
    assert order.approval_steps.get().deciders == Deciders.GROUP_APPROVERS  # implicit level


def test_restricted_category_is_hidden_and_refused_at_checkout(client, group, buyer, approver):
    banned = CategoryFactory(name="Weapons")
    hidden = cart_of(buyer, "10.00", banned)
    CartItem.objects.all().delete()
    visible = ProductFactory(name="Paper")
    CategoryPolicy.objects.create(business=group.business, group=group, category=banned, policy="restricted")
    client.force_login(buyer.user)
    page = client.get(reverse("orders:catalog")).content.decode()
    assert visible.name in page and hidden.name not in page and "Weapons" not in page
    client.post(reverse("orders:catalog"), {"product": hidden.pk, "quantity": 1})
    assert not CartItem.objects.exists()
    CartItem.objects.create(business=group.business, member=buyer, product=hidden, quantity=1)  # added before the policy
    with pytest.raises(CheckoutError, match="Weapons may not be ordered"):
        place(buyer, group, make_budget(group))
    assert not Order.objects.exists()


def test_always_needs_approval_category_is_shown_before_checkout(client, group, buyer, approver):
    chairs = CategoryFactory(name="Chairs")
    CategoryPolicy.objects.create(business=group.business, group=group, category=chairs, policy="needs_approval")
    product = cart_of(buyer, "10.00", chairs)
    client.force_login(buyer.user)
    catalog = client.get(reverse("orders:catalog")).content.decode()
    assert "Needs approval" in catalog and "Chairs always needs approval in" in catalog
    cart = client.get(reverse("orders:cart")).content.decode()
    assert "Needs approval" in cart and "Chairs always needs approval" in cart
    order = place(buyer, group, make_budget(group)).order
    assert order.status == Order.Status.PENDING_APPROVAL and product.name


def test_cart_says_why_an_amount_level_applies(client, group, buyer, admin_member, approver):
    rule = ApprovalRule.objects.create(business=group.business)
    ApprovalLevel.objects.create(business=group.business, rule=rule, position=1, condition=Condition.AMOUNT,
                                 amount=Decimal("100.00"))
    cart_of(buyer, "60.00", quantity=2)
    client.force_login(buyer.user)
    cart = client.get(reverse("orders:cart")).content.decode()
    assert "The order total 120.00 is at or above 100.00." in cart
    catalog = client.get(reverse("orders:catalog")).content.decode()
    assert "Orders at or above 100.00 need approval" not in catalog  # a 60.00 product alone does not


# --- Settings pages -------------------------------------------------------------------------------------


def test_admin_builds_a_two_level_rule_on_the_page(client, group, admin_member, buyer):
    client.force_login(admin_member.user)
    url = reverse("orders:approval_workflow")
    page = client.get(url).content.decode()
    assert "No levels yet" in page
    response = client.post(url, {"action": "add", "condition": "amount", "deciders": "group_approvers", "mode": "any"})
    assert "Enter the amount" in response.content.decode()
    assert not ApprovalLevel.objects.exists()
    client.post(url, {"action": "add", "condition": "amount", "amount": "1000", "deciders": "group_approvers", "mode": "any"})
    response = client.post(url, {"action": "add", "condition": "amount", "amount": "5000", "deciders": "group_finance",
                                 "mode": "all"}, follow=True)
    assert "Level 2 added" in response.content.decode()
    levels = list(ApprovalLevel.objects.order_by("position").values_list("position", "amount", "deciders", "mode"))
    assert levels == [(1, Decimal("1000.00"), "group_approvers", "any"), (2, Decimal("5000.00"), "group_finance", "all")]
    first = ApprovalLevel.objects.get(position=1)
    client.post(url, {"action": "remove", "level": first.pk})
    assert list(ApprovalLevel.objects.values_list("position", "amount")) == [(1, Decimal("5000.00"))]
    response = client.post(url, {"action": "delays", "reminder_days": "3", "escalation_days": "2"})
    assert "Escalate later than the reminder" in response.content.decode()
    client.post(url, {"action": "delays", "reminder_days": "3", "escalation_days": "7"})
    rule = ApprovalRule.objects.get(group=None)
    assert (rule.reminder_days, rule.escalation_days) == (3, 7)
    client.force_login(buyer.user)
    assert client.get(url).status_code == 403


def test_group_admin_overrides_for_their_group_only(client, group, admin_member):
    group_admin = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=group_admin, role=Role.GROUP_ADMIN)
    client.force_login(group_admin.user)
    url = reverse("orders:group_approval_workflow", args=[group.pk])
    assert "follows the business" in client.get(url).content.decode()
    client.post(url, {"action": "add", "condition": "amount", "amount": "50", "deciders": "business_admins", "mode": "any"})
    assert ApprovalRule.objects.get().group == group
    assert client.get(reverse("orders:approval_workflow")).status_code == 403
    other = type(group).objects.create(business=group.business, name="Other")
    assert client.get(reverse("orders:group_approval_workflow", args=[other.pk])).status_code == 403
    client.post(url, {"action": "remove_rule"})
    assert not ApprovalRule.objects.exists()


def test_spending_limits_page(client, group, admin_member, buyer):
    client.force_login(admin_member.user)
    url = reverse("orders:spending_limits")
    assert "No personal limits yet" in client.get(url).content.decode()
    response = client.post(url, {"member": buyer.pk, "action": "approval"})
    assert "Enter a limit per order, per month, or both" in response.content.decode()
    client.post(url, {"member": buyer.pk, "per_order": "250", "action": "block"})
    limit = SpendingLimit.objects.get()
    assert (limit.member, limit.per_order, limit.per_month, limit.action) == (buyer, Decimal("250.00"), None, "block")
    client.post(url, {"action": "remove", "limit": limit.pk})
    assert not SpendingLimit.objects.exists()
    client.force_login(buyer.user)
    assert client.get(url).status_code == 403


def test_category_policies_page(client, group, admin_member):
    category = CategoryFactory(name="Alcohol")
    client.force_login(admin_member.user)
    url = reverse("orders:category_policies", args=[group.pk])
    assert "No category policies" in client.get(url).content.decode()
    client.post(url, {"category": category.pk, "policy": "restricted"})
    client.post(url, {"category": category.pk, "policy": "needs_approval"})  # replaces, never duplicates
    row = CategoryPolicy.objects.get()
    assert (row.group, row.category, row.policy, row.business) == (group, category, "needs_approval", group.business)
    client.post(url, {"action": "remove", "row": row.pk})
    assert not CategoryPolicy.objects.exists()


def test_delegations_page(client, group, approver):
    colleague = MemberFactory(business=group.business, user__email="colleague@example.com")
    client.force_login(approver.user)
    url = reverse("orders:delegations")
    assert "You have named no delegate" in client.get(url).content.decode()
    response = client.post(url, {"delegate": colleague.pk, "start_date": "2026-05-10", "end_date": "2026-05-01"})
    assert "ends on or after" in response.content.decode()
    client.post(url, {"delegate": colleague.pk, "start_date": "2026-05-01", "end_date": "2026-05-10"})
    row = ApprovalDelegation.objects.get()
    assert (row.approver, row.delegate, row.business) == (approver, colleague, group.business)
    client.post(url, {"action": "remove", "delegation": row.pk})
    assert not ApprovalDelegation.objects.exists()


def test_approvals_list_has_a_flat_query_count(client, group, approver, admin_member, django_assert_max_num_queries):
    rule = ApprovalRule.objects.create(business=group.business)
    ApprovalLevel.objects.create(business=group.business, rule=rule, position=1, condition=Condition.AMOUNT,
                                 amount=Decimal("1.00"))
    budget = make_budget(group, amount="100000.00")
    for i in range(6):
        buyer = MemberFactory(business=group.business)
        GroupMembershipFactory(group=group, member=buyer, role=Role.BUYER)
        cart_of(buyer, "10.00")
        place(buyer, group, budget)
    client.force_login(approver.user)
    client.get(reverse("orders:approvals"))
    with django_assert_max_num_queries(20):
        page = client.get(reverse("orders:approvals")).content.decode()
    assert page.count("Approve</button>") == 6


def test_group_admin_sets_limits_for_their_groups_members_only(client, group, buyer):
    from orders.policies.services import PolicyError, spending_limit_set

    group_admin = MemberFactory(business=group.business)
    GroupMembershipFactory(group=group, member=group_admin, role=Role.GROUP_ADMIN)
    outsider = MemberFactory(business=group.business)
    spending_limit_set(member=buyer, per_order=Decimal("10.00"), per_month=None, action="approval",
                       acting_member=group_admin, acting_user=group_admin.user)
    with pytest.raises(PolicyError, match="their own groups"):
        spending_limit_set(member=outsider, per_order=Decimal("10.00"), per_month=None, action="approval",
                           acting_member=group_admin, acting_user=group_admin.user)
    client.force_login(group_admin.user)
    page = client.get(reverse("orders:spending_limits")).content.decode()
    assert buyer.name in page and f'value="{outsider.pk}"' not in page
