"""Cached fragments of the order page and the invoice page: the rows that cost the most to render.

The order page's lines (the Items table and the three-way match) are cached under a key that holds
the order's `version`. Every service that changes what those rows show raises it in its own
transaction (`order_version_bump`): shipping, cancelling, recording or correcting a receipt, asking
for a return and deciding it, issuing and voiding an invoice. A write commits the new version with
the new rows, so a reader sees either the old rows under the old key or the new rows under the new
one; stale entries simply expire. The key also holds the business (tenant) and its currency and
locale (the money format); the rows are the same for every role that may open the page.

An invoice's lines never change once issued (`invoice_issue` writes them once; admin shows them read
only), so the invoice page's rows are keyed by the invoice itself, with no version.
"""

from __future__ import annotations

from django.core.cache import cache
from django.db.models import F

from orders.models import Invoice, Order

#: Raise when the cached templates or the data they show change, so old entries are never read.
FRAGMENT_SCHEMA = 1
TIMEOUT = 24 * 3600


def order_version_bump(*, order_id: int) -> None:
    """Raise the order's version (in the caller's transaction): its cached page rows are stale.

    The UPDATE takes the order row's lock; the services that call it already hold it (lock order,
    docs/architecture.md), except `invoice_void`, which calls it before it locks the invoice.
    """
    Order.objects.filter(pk=order_id).update(version=F("version") + 1)


def _business_part(business) -> str:
    return f"{business.pk}:{business.currency}:{business.locale}"


def order_lines_key(*, order: Order, business) -> str:
    # placed_at too: a re-seeded database reuses ids and starts versions at 0 again.
    return (f"order-lines:{FRAGMENT_SCHEMA}:{_business_part(business)}:{order.pk}:{order.version}:"
            f"{order.placed_at.timestamp():.6f}")


def invoice_lines_key(*, invoice: Invoice, business) -> str:
    """`invoice` with its order and shipment read (their times tell a re-seeded database's rows apart)."""
    return (f"invoice-lines:{FRAGMENT_SCHEMA}:{_business_part(business)}:{invoice.pk}:{invoice.number}:"
            f"{invoice.order_id}:{invoice.subtotal}:{invoice.order.placed_at.timestamp():.6f}:"
            f"{invoice.shipment.created_at.timestamp():.6f}")


def fragment(key: str, build):
    """The cached value under `key`, else `build()` stored under it."""
    value = cache.get(key)
    if value is None:
        value = build()
        cache.set(key, value, TIMEOUT)
    return value
