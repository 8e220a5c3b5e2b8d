"""Bounds for ids and dates that arrive in query strings and forms (no 500 on hostile values).

Database ids are 64-bit: an id of 2^63 or more overflows SQLite's INTEGER (and means nothing on
PostgreSQL). Dates near the end of the calendar (9999-12-31) break date arithmetic (`end + 1 day`,
"the next month"); no business date is outside DATE_MIN..DATE_MAX.
"""

from __future__ import annotations

import datetime

from django import forms
from django.core.validators import MaxValueValidator, MinValueValidator

ID_MAX = 2**63 - 1
DATE_MIN = datetime.date(1900, 1, 1)
DATE_MAX = datetime.date(2999, 12, 31)


class InputError(ValueError):
    """A query-string or form value out of bounds; `str()` is fit for the user."""


def id_parse(raw) -> int | None:
    """An id from text: None when blank; InputError unless a whole number from 1 to ID_MAX."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    if len(text) > 20 or not text.isascii() or not text.isdigit():
        raise InputError(f"“{text[:40]}” is not a valid id.")
    value = int(text)
    if not 1 <= value <= ID_MAX:
        raise InputError(f"“{text}” is not a valid id.")
    return value


def int_parse(raw, *, minimum: int = 0, maximum: int = 2**31 - 1, what: str = "number") -> int | None:
    """A whole number within [minimum, maximum], None when blank, else InputError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    text = str(raw).strip()
    try:
        if len(text) > 20:
            raise ValueError
        value = int(text)
    except ValueError:
        raise InputError(f"“{text[:40]}” is not a {what}.") from None
    if not minimum <= value <= maximum:
        raise InputError(f"{what.capitalize()} {value} is out of range ({minimum} to {maximum}).")
    return value


def date_parse(raw, *, what: str = "date") -> datetime.date | None:
    """A YYYY-MM-DD date within DATE_MIN..DATE_MAX, None when blank, else InputError."""
    if raw is None or (isinstance(raw, str) and not raw.strip()):
        return None
    if isinstance(raw, datetime.date):
        value = raw
    else:
        text = str(raw).strip()[:40]
        try:
            value = datetime.date.fromisoformat(text)
        except ValueError:
            raise InputError(f"“{text}” is not a date (YYYY-MM-DD).") from None
    if not DATE_MIN <= value <= DATE_MAX:
        raise InputError(f"The {what} {value.isoformat()} is out of range ({DATE_MIN.isoformat()} to {DATE_MAX.isoformat()}).")
    return value


def date_bounds_validator(value: datetime.date) -> None:
    """For forms.DateField: ValidationError outside DATE_MIN..DATE_MAX."""
    try:
        date_parse(value)
    except InputError as exc:
        raise forms.ValidationError(str(exc), code="date_range") from exc


ID_VALIDATORS = [MinValueValidator(1), MaxValueValidator(ID_MAX)]


class IdField(forms.IntegerField):
    """A hidden or typed database id: 1 to 2^63-1, else a form error (never an overflow in the query)."""

    def __init__(self, **kwargs):
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", ID_MAX)
        super().__init__(**kwargs)


class BoundedModelChoiceField(forms.ModelChoiceField):
    """ModelChoiceField that refuses ids outside 1..ID_MAX as an invalid choice before querying."""

    def to_python(self, value):
        if value in self.empty_values:
            return None
        key = self.to_field_name or "pk"
        if key == "pk" and not isinstance(value, self.queryset.model):
            try:
                id_parse(value)
            except InputError:
                raise forms.ValidationError(self.error_messages["invalid_choice"], code="invalid_choice") from None
        return super().to_python(value)


class RejectNulMiddleware:
    """400 for a query string or form value holding a NUL character.

    Forms refuse NUL already (Django's CharField), but filters read raw query parameters, and
    PostgreSQL cannot store or compare text with NUL ("A string literal cannot contain NUL"): that
    was a 500 on every filter. No real input holds one.
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.http import HttpResponseBadRequest

        sources = [request.GET]
        if request.method == "POST" and request.content_type in ("application/x-www-form-urlencoded", "multipart/form-data"):
            sources.append(request.POST)
        for source in sources:
            for key, values in source.lists():
                if "\x00" in key or any("\x00" in value for value in values):
                    return HttpResponseBadRequest("A value contains a NUL character; remove it and try again.")
        return self.get_response(request)


class BoundedModelMultipleChoiceField(forms.ModelMultipleChoiceField):
    """ModelMultipleChoiceField that refuses ids outside 1..ID_MAX as an invalid choice before querying."""

    def _check_values(self, value):
        key = self.to_field_name or "pk"
        if key == "pk":
            for pk in value:
                try:
                    id_parse(pk)
                except InputError:
                    raise forms.ValidationError(
                        self.error_messages["invalid_choice"], code="invalid_choice", params={"value": str(pk)[:40]},
                    ) from None
        return super()._check_values(value)
