"""Each member's cart: add, change quantities, remove, and the totals checkout charges."""

from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F

from orders.models import CartItem, Product
from procurement.models import Member
from procurement.money import CENT, ZERO

MAX_QUANTITY = 9999


@dataclass(frozen=True)
class Cart:
    items: list
    subtotal: Decimal

    @property
    def count(self) -> int:
        return sum(item.quantity for item in self.items)

    @property
    def is_empty(self) -> bool:
        return not self.items


def cart_get(*, member: Member, lock: bool = False) -> Cart:
    """The member's cart lines (active products only) with Decimal totals; `lock` inside checkout."""
    qs = CartItem.objects.filter(business_id=member.business_id, member=member).select_related("product__category")
    if lock:
        qs = qs.select_for_update(of=("self",)).order_by("id")
    items = list(qs)
    subtotal = ZERO
    for item in items:
        item.amount = (item.product.unit_price * item.quantity).quantize(CENT)
        subtotal += item.amount
    return Cart(items=items, subtotal=subtotal)


def _check_quantity(quantity: int) -> int:
    if quantity < 1 or quantity > MAX_QUANTITY:
        raise ValidationError(f"Enter a quantity from 1 to {MAX_QUANTITY}.")
    return quantity


@transaction.atomic
def cart_add(*, member: Member, product: Product, quantity: int = 1) -> CartItem:
    _check_quantity(quantity)
    if not product.active:
        raise ValidationError(f"{product.name} is no longer available.")
    item, created = CartItem.objects.get_or_create(
        business_id=member.business_id, member=member, product=product, defaults={"quantity": quantity}
    )
    if not created:
        CartItem.objects.filter(pk=item.pk).update(quantity=F("quantity") + quantity)
        item.refresh_from_db()
        if item.quantity > MAX_QUANTITY:
            raise ValidationError(f"At most {MAX_QUANTITY} of one product per order.")
    return item


@transaction.atomic
def cart_update(*, member: Member, item_id: int, quantity: int) -> None:
    """Set a line's quantity; 0 removes it."""
    qs = CartItem.objects.filter(business_id=member.business_id, member=member, pk=item_id)
    if quantity == 0:
        qs.delete()
        return
    _check_quantity(quantity)
    qs.update(quantity=quantity)


def cart_remove(*, member: Member, item_id: int) -> None:
    CartItem.objects.filter(business_id=member.business_id, member=member, pk=item_id).delete()


def cart_clear(*, member: Member) -> None:
    CartItem.objects.filter(business_id=member.business_id, member=member).delete()
