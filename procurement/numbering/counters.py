"""Gap-free per-business sequences for PO and invoice numbers.

The counter row is locked (`select_for_update`) in the caller's transaction, so the number and the row
that uses it commit together or not at all: no gaps, no duplicates under concurrency.
"""

from django.db import transaction

from procurement.models import Business, Counter


def counter_next(*, business: Business, kind: str) -> int:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("counter_next must run inside the transaction that uses the number.")
    Counter.objects.get_or_create(business=business, kind=kind)
    counter = Counter.objects.select_for_update().get(business=business, kind=kind)
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def counter_peek(*, business: Business, kind: str) -> int:
    """The number the next call would hand out (for live examples; not a reservation)."""
    last = Counter.objects.filter(business=business, kind=kind).values_list("last_value", flat=True).first()
    return (last or 0) + 1
