"""Builders shared by the orders tests (not a test module)."""

import uuid
from decimal import Decimal

from budgets.models import Budget
from orders.checkout.services import order_place
from orders.models import CartItem
from procurement.models import GroupMembership
from tests.factories import AllocationFactory, BudgetFactory, GroupMembershipFactory, MemberFactory, ProductFactory


def fill_cart(member, *items):
    """items: (unit_price, quantity) pairs; returns the products."""
    products = []
    for price, qty in items:
        product = ProductFactory(unit_price=Decimal(price))
        CartItem.objects.create(business=member.business, member=member, product=product, quantity=qty)
        products.append(product)
    return products


def make_budget(group, *, amount="1000.00", policy=Budget.Policy.BLOCK, allocate=None, **kwargs):
    """A budget of `group`; `allocate` maps members to allocated amounts, else unallocated spend is open."""
    budget = BudgetFactory(group=group, amount=Decimal(amount), policy=policy,
                           allow_unallocated_spend=allocate is None, **kwargs)
    for member, value in (allocate or {}).items():
        AllocationFactory(budget=budget, member=member, amount=Decimal(value))
    return budget


def make_buyer(group, email=None):
    kwargs = {"user__email": email} if email else {}
    member = MemberFactory(business=group.business, **kwargs)
    GroupMembershipFactory(group=group, member=member, role=GroupMembership.Role.BUYER)
    return member


def place(member, group, budget=None, **kwargs):
    kwargs.setdefault("checkout_token", uuid.uuid4())
    address = kwargs.pop("address", group.shipping_address)
    return order_place(member=member, group=group, budget=budget, address=address, acting_user=member.user, **kwargs)


def make_member(group, role, email=None):
    """A member of `group` holding `role` (approver, finance, group_admin, ...)."""
    kwargs = {"user__email": email} if email else {}
    member = MemberFactory(business=group.business, **kwargs)
    GroupMembershipFactory(group=group, member=member, role=role)
    return member


def place_pending(buyer, group, *, price="60.00", quantity=2, allocated="50.00"):
    """An order pending approval: over the buyer's allocation, within the budget (approval policy)."""
    budget = make_budget(group, amount="1000.00", policy=Budget.Policy.APPROVAL, allocate={buyer: allocated})
    fill_cart(buyer, (price, quantity))
    return place(buyer, group, budget).order
