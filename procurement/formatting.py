"""Money and dates for the reader: Babel formats them for the business's currency and locale.

`$18,308.49` for en_US, `18.308,49 €` for de_DE, `18 308,49 €` for fr_FR. Pages, documents and the
human-readable columns of exports go through here; the data columns of CSV/XLSX exports stay plain
numbers (machine-readable), and stored amounts stay `Decimal`.
"""

from __future__ import annotations

import datetime
import functools
from decimal import Decimal, InvalidOperation

from babel import Locale, UnknownLocaleError
from babel.dates import format_date, format_time
from babel.numbers import format_currency, format_decimal
from django.utils import timezone

DEFAULT_LOCALE = "en_US"
DEFAULT_CURRENCY = "USD"

#: The locales offered on Company details: language and region decide separators and symbol placement.
LOCALE_CHOICES = [
    ("en_US", "English (United States): $1,234.56 · Nov 29, 2026"),
    ("en_GB", "English (United Kingdom): £1,234.56 · 29 Nov 2026"),
    ("en_CA", "English (Canada)"),
    ("en_AU", "English (Australia)"),
    ("en_IE", "English (Ireland)"),
    ("de_DE", "Deutsch (Deutschland): 1.234,56 € · 29.11.2026"),
    ("de_AT", "Deutsch (Österreich)"),
    ("de_CH", "Deutsch (Schweiz)"),
    ("fr_FR", "Français (France): 1 234,56 € · 29 nov. 2026"),
    ("fr_CA", "Français (Canada)"),
    ("fr_BE", "Français (Belgique)"),
    ("es_ES", "Español (España)"),
    ("es_MX", "Español (México)"),
    ("it_IT", "Italiano (Italia)"),
    ("nl_NL", "Nederlands (Nederland)"),
    ("pt_BR", "Português (Brasil)"),
    ("pl_PL", "Polski (Polska)"),
    ("sv_SE", "Svenska (Sverige)"),
    ("ja_JP", "日本語 (日本)"),
]


def _locale(business=None, locale: str | None = None) -> str:
    value = locale or getattr(business, "locale", None) or DEFAULT_LOCALE
    return value if _locale_known(value) else DEFAULT_LOCALE


@functools.lru_cache(maxsize=64)
def _locale_known(value) -> bool:
    try:
        Locale.parse(value)
    except (ValueError, TypeError, UnknownLocaleError):
        return False
    return True


@functools.lru_cache(maxsize=4096)
def _money_text(value: str, currency: str, locale: str) -> str:
    """Babel's formatting of one amount (a page shows the same prices again and again): 100-200 µs a
    call uncached, most of it parsing the locale and the pattern."""
    return format_currency(Decimal(value), currency, locale=locale)


def _currency(business=None, currency: str | None = None) -> str:
    return (currency or getattr(business, "currency", None) or DEFAULT_CURRENCY).upper()


def _decimal(amount) -> Decimal | None:
    if amount is None or amount == "":
        return None
    try:
        return Decimal(str(amount))
    except (InvalidOperation, ValueError):
        return None


def format_money(amount, business=None, *, currency: str | None = None, locale: str | None = None) -> str:
    """`amount` in the business's currency and locale, e.g. `$18,308.49` or `18.308,49 €`."""
    value = _decimal(amount)
    if value is None:
        return ""
    return _money_text(str(value), _currency(business, currency), _locale(business, locale))


def format_number(amount, business=None, *, locale: str | None = None) -> str:
    """A plain amount with the locale's separators and two places, no currency symbol."""
    value = _decimal(amount)
    if value is None:
        return ""
    return format_decimal(value, format="#,##0.00", locale=_locale(business, locale))


def _as_date(value) -> datetime.date | None:
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        return value.date()
    if isinstance(value, datetime.date):
        return value
    return None


def format_day(value, business=None, *, locale: str | None = None) -> str:
    """A date in the locale's medium form: `Nov 29, 2026`, `29.11.2026`, `29 nov. 2026`."""
    day = _as_date(value)
    return "" if day is None else format_date(day, format="medium", locale=_locale(business, locale))


def format_moment(value, business=None, *, locale: str | None = None) -> str:
    """A date and time (local time of the site): `Nov 29, 2026, 4:46 PM`, `29.11.2026, 16:46`."""
    if not isinstance(value, datetime.datetime):
        return format_day(value, business, locale=locale)
    if timezone.is_aware(value):
        value = timezone.localtime(value)
    loc = _locale(business, locale)
    return f"{format_date(value.date(), format='medium', locale=loc)}, {format_time(value.time(), format='short', locale=loc)}"


def format_month(value, business=None, *, locale: str | None = None) -> str:
    """A month and year: `March 2026`, `März 2026`, `mars 2026`."""
    day = _as_date(value)
    return "" if day is None else format_date(day, format="LLLL y", locale=_locale(business, locale))
