"""Every gap-free sequence: PO, invoice, credit note and Blanket PO release numbers.

One ``Counter`` row per (business, kind, scope); ``scope`` is 0 for business-wide sequences and the
budget id for a Blanket PO's releases. The row is locked (``select_for_update``) in the caller's
transaction, so the number and the row that uses it commit together or not at all: no gaps, no
duplicates under concurrency. Nothing outside ``procurement.numbering`` writes ``Counter`` rows.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from django.db import transaction
from django.db.models import F
from django.db.models.functions import Greatest

from procurement.models import Business, Counter

BUSINESS_WIDE = 0
Kind = Counter.Kind  # the sequences: PO, INVOICE, CREDIT_NOTE, RELEASE


def _business_id(business: Business | int) -> int:
    return business if isinstance(business, int) else business.pk


def _require_atomic(name: str) -> None:
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError(f"{name} must run inside the transaction that uses the number.")


def counter_next(*, business: Business | int, kind: str, scope: int = BUSINESS_WIDE) -> int:
    """Lock the counter row and hand out its next value (inside the caller's transaction)."""
    _require_atomic("counter_next")
    business_id = _business_id(business)
    locked = Counter.objects.select_for_update().filter(business_id=business_id, kind=kind, scope=scope)
    counter = locked.first()  # the row exists after the first number: one query on the hot path (checkout)
    if counter is None:
        Counter.objects.get_or_create(business_id=business_id, kind=kind, scope=scope)
        counter = locked.get()
    counter.last_value += 1
    counter.save(update_fields=["last_value"])
    return counter.last_value


def counter_peek(*, business: Business | int, kind: str, scope: int = BUSINESS_WIDE) -> int:
    """The number the next call would hand out (for live examples; not a reservation)."""
    return counter_last(business=business, kind=kind, scope=scope) + 1


def counter_last(*, business: Business | int, kind: str, scope: int = BUSINESS_WIDE) -> int:
    """The last value handed out (0 when none was)."""
    last = (
        Counter.objects.filter(business_id=_business_id(business), kind=kind, scope=scope)
        .values_list("last_value", flat=True).first()
    )
    return last or 0


def counters_last(*, business: Business | int, kind: str, scopes: Iterable[int]) -> dict[int, int]:
    """The last value of several scopes of one kind, in one query (0 for scopes never used)."""
    scopes = list(scopes)
    found = dict(
        Counter.objects.filter(business_id=_business_id(business), kind=kind, scope__in=scopes)
        .values_list("scope", "last_value")
    )
    return {scope: found.get(scope, 0) for scope in scopes}


def counters_lock(*, business: Business | int, kind: str, scopes: Iterable[int]) -> dict[int, int]:
    """Lock several counter rows of one kind (in scope order) for a bulk writer; their last values.

    The caller hands numbers out itself and stores them with ``counters_set_at_least`` in the same
    transaction (the bulk seeder does this; checkout uses ``counter_next``).
    """
    _require_atomic("counters_lock")
    business_id = _business_id(business)
    scopes = sorted(set(scopes))
    for scope in scopes:
        Counter.objects.get_or_create(business_id=business_id, kind=kind, scope=scope)
    return dict(
        Counter.objects.select_for_update()
        .filter(business_id=business_id, kind=kind, scope__in=scopes)
        .order_by("scope").values_list("scope", "last_value")
    )


def counters_set_at_least(*, business: Business | int, kind: str, values: Mapping[int, int]) -> None:
    """Raise each scope's counter to at least the given value (never lowers one: no number is reused)."""
    _require_atomic("counters_set_at_least")
    business_id = _business_id(business)
    for scope in sorted(values):
        Counter.objects.get_or_create(business_id=business_id, kind=kind, scope=scope)
        Counter.objects.filter(business_id=business_id, kind=kind, scope=scope).update(
            last_value=Greatest(F("last_value"), values[scope])
        )


def counter_set_at_least(*, business: Business | int, kind: str, value: int, scope: int = BUSINESS_WIDE) -> None:
    counters_set_at_least(business=business, kind=kind, values={scope: value})
