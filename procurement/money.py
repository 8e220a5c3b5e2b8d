"""Money, defined once: field size, the cent, zero and rounding.

Every app imports these (procurement is the core layer). Amounts are `Decimal` with two places.
"""

from decimal import ROUND_HALF_UP, Decimal

#: Keyword arguments of every money column: `models.DecimalField(**MONEY, ...)`.
MONEY = dict(max_digits=14, decimal_places=2)
#: Keyword arguments of unit-price columns (one size smaller than totals).
UNIT_PRICE = dict(max_digits=12, decimal_places=2)
CENT = Decimal("0.01")
ZERO = Decimal("0.00")


def money_round(value) -> Decimal:
    """Half-up to the cent: 0.005 → 0.01, as on paper (not banker's rounding)."""
    return Decimal(value).quantize(CENT, rounding=ROUND_HALF_UP)


def money_places(value):
    """Show a sum with two places: SQLite sums come back as Decimal('325.5').

    Anything that is not a Decimal (None, an int count) is returned as it is. Uses the context's
    rounding, as `.quantize` always did here; sums of two-place amounts never need rounding.
    """
    return value.quantize(CENT) if isinstance(value, Decimal) else value
