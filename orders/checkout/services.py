"""Placing an order: one transaction that numbers it, charges its Blanket PO and empties the cart.

Lock order (the global one in docs/architecture.md, so concurrent checkouts queue instead of
deadlocking): the budget row (through the ledger), the cart rows, the PO or release counter row
(numbering), then the allocation row (inside `budget_charge`). Validation, the cart read and the buying
policies run before the budget row is locked (the cart rows are compared again under their lock), so
the section that serialises the buyers of one Blanket PO holds only the writes. The
unique (business, checkout_token) constraint makes a repeated submit of the same form find the first
order instead of creating a second; the unique (business, po_number) constraint backs up typed numbers.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from budgets.ledger import (
    ApprovalRequired,
    budget_charge,
    budget_check_open,
    budget_lock,
)
from budgets.models import Budget
from orders.approvals.services import ApprovalError, steps_create
from orders.catalog.services import cart_get
from orders.information.services import OrderInformationInvalid, order_information_save, order_information_validate
from orders.models import CartItem, Order, OrderLine
from orders.policies.selectors import order_policy
from orders.rollup import spend_rollup_status_changed
from procurement.errors import ApplicationError
from procurement.history import history_save
from procurement.models import Address, Business, Group, GroupMembership, Member
from procurement.numbering.patterns import typed_po_validate
from procurement.numbering.services import po_number_next
from procurement.tenancy import member_group_ids
from procurement.webhooks import Event, webhook_emit


class CheckoutError(ApplicationError):
    """A checkout that cannot go through; `str()` is fit for the user. Nothing was saved."""


class EmptyCart(CheckoutError):
    pass


class PONumberTaken(CheckoutError):
    pass


def order_event_payload(order: Order) -> dict:
    """What the order webhooks carry (placed, approved, rejected, shipped)."""
    return {
        "po_number": order.po_number, "status": order.status, "total": str(order.total), "currency": order.currency,
        "group_id": order.group_id, "blanket_po_number": order.blanket_po_number,
        "buyer": order.buyer.user.email if order.buyer_id else None,
    }
#: Generated numbering skips numbers a buyer already typed (PO numbers are unique per business,
#: case-insensitively); past this many taken numbers in a row, checkout refuses with a clear message.
GENERATED_SKIP_MAX = 100


@dataclass(frozen=True)
class PlaceResult:
    order: Order
    created: bool


def order_place(
    *,
    member: Member,
    group: Group,
    budget: Budget | None,
    address: Address,
    po_number: str | None = None,
    checkout_token: uuid.UUID,
    acting_user,
    information: Mapping | None = None,
    order_fields: list | None = None,
) -> PlaceResult:
    """Place the member's cart as one order. Returns the order (and whether this call created it).

    Raises CheckoutError (empty cart, typed PO number taken, bad input), budgets.ledger.InsufficientFunds
    (block policy) or BudgetUnavailable; in every such case nothing is saved. `information` holds the
    order information values by field id or name (orders.information.services.order_information_validate);
    `order_fields` the group's fields when the caller has read them already.
    """
    existing = Order.objects.filter(business_id=member.business_id, checkout_token=checkout_token).first()
    if existing is not None:
        return PlaceResult(existing, False)
    for attempt in range(2):
        try:
            return _order_place(
                member=member, group=group, budget=budget, address=address, po_number=po_number,
                checkout_token=checkout_token, acting_user=acting_user, information=information,
                order_fields=order_fields,
            )
        except IntegrityError:
            # A concurrent submit of the same form won the race, or a number was taken meanwhile.
            existing = Order.objects.filter(business_id=member.business_id, checkout_token=checkout_token).first()
            if existing is not None:
                return PlaceResult(existing, False)
            if po_number and Order.objects.filter(business_id=member.business_id, po_number__iexact=po_number).exists():
                raise PONumberTaken(f"The PO number {po_number} is already used by another order; enter a new one.")
            if po_number or attempt:
                raise
            # A generated number was typed by a concurrent checkout that committed first: the whole
            # transaction (counter included) rolled back; the second attempt sees it and skips it.
    raise AssertionError("unreachable")


@dataclass
class _Draft:
    """What the cart makes of the order, worked out before the budget row is locked."""

    cart: object
    policy: object
    category_ids: set
    category_code: str


def _draft(*, member: Member, group: Group, cart) -> _Draft:
    if cart.is_empty:
        raise EmptyCart("Your cart is empty.")
    inactive = [i.product.name for i in cart.items if not i.product.active]
    if inactive:
        raise CheckoutError(f"No longer available: {', '.join(inactive)}. Remove it from your cart.")
    category_ids = {item.product.category_id for item in cart.items}
    # Buying policies: restricted categories and blocking personal limits refuse the order outright.
    policy = order_policy(member=member, group=group, total=cart.subtotal, category_ids=category_ids)
    if policy.blocked:
        raise CheckoutError(policy.blocked)
    largest = max(cart.items, key=lambda i: (i.amount, -i.pk))
    return _Draft(cart, policy, category_ids, largest.product.category.code)


def _cart_key(items) -> list[tuple[int, int, int]]:
    return [(i.pk, i.product_id, i.quantity) for i in sorted(items, key=lambda i: i.pk)]


@transaction.atomic
def _order_place(*, member, group, budget, address, po_number, checkout_token, acting_user, information=None,
                 order_fields=None) -> PlaceResult:
    # Everything that needs no lock comes first: the budget row lock below serialises every checkout on
    # the Blanket PO, so the less runs while it is held, the more orders a second go through.
    business: Business = member.business
    if group.business_id != business.pk or address.business_id != business.pk:
        raise CheckoutError("This group or address does not belong to your business.")
    if not address.is_active:
        raise CheckoutError("This shipping address is no longer active; choose another.")
    if group.pk not in member_group_ids(member, GroupMembership.Role.BUYER):
        raise CheckoutError(f"You are not a buyer in {group.name}.")
    try:  # re-checked here: the form is not trusted, and the API comes straight here
        information_values = order_information_validate(business=business, group=group, values=information,
                                                        fields=order_fields)
    except OrderInformationInvalid as exc:
        raise CheckoutError(str(exc)) from exc
    if budget is not None:
        if budget.business_id != business.pk or budget.group_id != group.pk:
            raise CheckoutError("This budget does not belong to the group you buy for.")
    elif Budget.objects.filter(business=business, group=group, status=Budget.Status.ACTIVE).exists():
        raise CheckoutError(f"Choose the Blanket PO of {group.name} to charge.")
    cart = cart_get(member=member)  # read now, compared with the locked rows below
    draft = _draft(member=member, group=group, cart=cart) if not cart.is_empty else None
    po_number = (po_number or "").strip()
    typed = business.po_mode == Business.POMode.TYPED and bool(po_number)
    if typed:
        try:
            po_number = typed_po_validate(business=business, po_number=po_number)
        except ValidationError as exc:
            raise CheckoutError(" ".join(exc.messages)) from exc
        if Order.objects.filter(business=business, po_number__iexact=po_number).exists():  # the unique constraint backs it
            raise PONumberTaken(f"The PO number {po_number} is already used by another order; enter a new one.")
    elif business.po_mode == Business.POMode.TYPED and business.po_required:
        raise CheckoutError("Enter your PO number.")

    locked_budget = None
    if budget is not None:
        locked_budget = budget_lock(budget_id=budget.pk, business_id=business.pk)  # first lock
        budget_check_open(budget=locked_budget, member=member)

    # A repeated submit that waited on the budget lock sees the first order now.
    existing = Order.objects.filter(business=business, checkout_token=checkout_token).first()
    if existing is not None:
        return PlaceResult(existing, False)

    # The cart rows, locked (second lock): if they changed since the read above (another tab of the
    # buyer), read them again and redo the draft under the lock.
    locked_cart = list(
        CartItem.objects.filter(business_id=business.pk, member=member).select_for_update().order_by("id")
        .values_list("id", "product_id", "quantity")
    )
    if draft is None or locked_cart != _cart_key(draft.cart.items):
        draft = _draft(member=member, group=group, cart=cart_get(member=member, lock=True))
    cart, total = draft.cart, draft.cart.subtotal

    if not typed:
        po_number = _po_number_generate(business=business, group=group, budget=locked_budget, category_code=draft.category_code)

    order = Order(
        business=business, group=group, buyer=member, po_number=po_number, budget=locked_budget,
        blanket_po_number=locked_budget.po_number if locked_budget else "",
        status=Order.Status.PLACED, subtotal=total, total=total, currency=business.currency,
        shipping_address=address, ship_to="\n".join(address.lines), checkout_token=checkout_token,
    )
    history_save(order, acting_user=acting_user)
    lines = OrderLine.objects.bulk_create([
        OrderLine(
            business=business, order=order, product=item.product, sku=item.product.sku,
            description=item.product.name, category_code=item.product.category.code, quantity=item.quantity,
            unit_price=item.product.unit_price, amount=item.amount,
        )
        for item in cart.items
    ])
    order_information_save(order=order, values=information_values)

    # Every order with a budget is charged now; one that waits for approval holds it as a reservation
    # (released if it is rejected or cancelled), so approving never fails for lack of funds.
    over_budget = ""
    if locked_budget is not None:
        try:
            entry = budget_charge(
                budget=locked_budget, member=member, amount=total, acting_user=acting_user, order=order,
                note=f"Order {po_number}", already_locked=True,
            )
        except ApprovalRequired as exc:
            over_budget = str(exc)
            entry = budget_charge(
                budget=locked_budget, member=member, amount=total, acting_user=acting_user, order=order,
                approved=True, note=f"Order {po_number} (reserved until approved)", already_locked=True,
            )
        # InsufficientFunds / BudgetUnavailable propagate: the whole transaction rolls back.
        if entry.over_limit:
            order.over_budget = True
            order.save(update_fields=["over_budget"])

    levels = draft.policy.levels
    if over_budget:
        levels = order_policy(member=member, group=group, total=total, category_ids=draft.category_ids,
                              over_budget=over_budget).levels
    if levels:
        order.status = Order.Status.PENDING_APPROVAL
        order.needs_approval_reason = " ".join(level.why for level in levels)[:255]
        order.save(update_fields=["status", "needs_approval_reason"])
        try:
            steps_create(order=order, levels=levels)
        except ApprovalError as exc:
            raise CheckoutError(str(exc)) from exc  # rolls the order, its lines and its number back

    CartItem.objects.filter(pk__in=[item.pk for item in cart.items]).delete()
    spend_rollup_status_changed(  # roll-up hook: last lock (7)
        order=order, before=None, after=order.status,
        lines=[(line.pk, item.product.category_id, line.amount) for line, item in zip(lines, cart.items)],
    )
    webhook_emit(business=business, event=Event.ORDER_PLACED, payload=order_event_payload(order))
    return PlaceResult(order, True)


def _po_number_generate(*, business: Business, group: Group, budget, category_code: str) -> str:
    """The next generated number that no order of the business holds yet (any case).

    Typed and generated numbers share one namespace; a buyer who typed what the counter would hand out
    next (e.g. "<blanket PO>-1") must not block generated numbering, so taken numbers are skipped.
    """
    for _ in range(GENERATED_SKIP_MAX):
        number = po_number_next(business=business, group=group, budget=budget, category_code=category_code)
        if not Order.objects.filter(business=business, po_number__iexact=number).exists():
            return number
    raise CheckoutError(
        f"The next {GENERATED_SKIP_MAX} generated PO numbers are all taken by typed ones; ask your business admin "
        "to change the PO number pattern."
    )
