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


# --- Amounts entering the app (forms, statement imports, filters) ------------------------------------


class MoneyError(ValueError):
    """An amount that cannot be stored in a money column; `str()` is fit for the user."""


def money_max(*, max_digits: int = MONEY["max_digits"], decimal_places: int = MONEY["decimal_places"]) -> Decimal:
    """The largest amount a column of this size holds: 999,999,999,999.99 for MONEY."""
    return Decimal(10) ** (max_digits - decimal_places) - Decimal(1).scaleb(-decimal_places)


def money_parse(
    value, *, max_digits: int = MONEY["max_digits"], decimal_places: int = MONEY["decimal_places"],
    what: str = "The amount", round_places: bool = False,
) -> Decimal:
    """`value` (text or number) as a Decimal that fits the column, or MoneyError with a clear message.

    Refuses NaN, Infinity and sNaN, text that is no plain number, more than `decimal_places`
    decimals (unless `round_places`, which rounds half-up to them) and more digits than the column
    has (the bank row 1000000000000000.00 is refused, not saved).
    """
    if isinstance(value, float):
        value = repr(value)
    if isinstance(value, str):
        text = value.strip()
        if not text or len(text) > 64:
            raise MoneyError(f"{what} “{value[:40]}” is not an amount.")
        try:
            value = Decimal(text)
        except (ArithmeticError, ValueError):
            raise MoneyError(f"{what} “{text}” is not an amount.") from None
    if not isinstance(value, (Decimal, int)):
        raise MoneyError(f"{what} is not an amount.")
    value = Decimal(value)
    if not value.is_finite():
        raise MoneyError(f"{what} must be a number (not {value}).")
    limit = money_max(max_digits=max_digits, decimal_places=decimal_places)
    if abs(value) > limit:
        raise MoneyError(f"{what} {value} is too large: the most this field holds is {limit:,}.")
    rounded = value.quantize(Decimal(1).scaleb(-decimal_places), rounding=ROUND_HALF_UP)
    if rounded != value and not round_places:
        raise MoneyError(f"{what} {value} has more than {decimal_places} decimal places.")
    if abs(rounded) > limit:  # 999999999999.995 rounds up past the limit
        raise MoneyError(f"{what} {rounded} is too large: the most this field holds is {limit:,}.")
    value = rounded
    return value


def money_validator(value) -> None:
    """Django validator form: ValidationError for what `money_parse` refuses."""
    from django.core.exceptions import ValidationError

    try:
        money_parse(value)
    except MoneyError as exc:
        raise ValidationError(str(exc), code="money") from exc
